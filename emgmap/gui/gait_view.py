"""The live stride-by-stride gait view: cadence and stride counts on top; per muscle
the ensemble building up over the gait cycle, left and right overlaid with their SD
bands, and a stance-activation symmetry gauge updated every stride; fonts sized to
read from a treadmill (2-3 m). It draws :class:`~emgmap.app.gait_live.GaitScreen`
(Qt-free, from :class:`~emgmap.app.gait_live.GaitLiveModel`); it never computes.

Symmetry gauges span SI -50..+50 % like the index gauges (gui/gauges.py); zone
bands only behind a judged value (%MVC).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF, Qt
from PyQt6.QtGui import QColor, QPainter, QPen
from PyQt6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from ..app.gait_live import GaitLiveModel, GaitScreen, GaitStatus, MuscleScreen
from ..protocols import Protocol, Zones
from ..types import Side
from .theme import BIG_PT, MEDIUM_PT, SMALL_PT, ZONE_COLOURS, ZONE_TEXT, Theme, font

X = np.arange(101)
SI_RANGE = 50.0
CADENCE_PT = 44     # the one number a runner looks for
PANEL_PT = 22       # muscle names and SIs when three panels share a row


class SymmetryBar(QWidget):
    """SI on a -50..+50 % scale: zone bands when judged, a marker, L/R at the ends."""

    def __init__(self, theme: Theme, zones: Zones, parent=None):
        super().__init__(parent)
        self.theme, self.zones = theme, zones
        self.si: float | None = None
        self.zone: str | None = None
        self.setMinimumHeight(26)
        self.setMaximumHeight(34)

    def set_value(self, si: float | None, zone: str | None) -> None:
        self.si, self.zone = si, zone
        self.update()

    def paintEvent(self, ev) -> None:
        th = self.theme
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setFont(font(SMALL_PT, True))
        label_w = 22
        r = QRectF(label_w, 6, self.width() - 2 * label_w, self.height() - 12)

        def x_of(v: float) -> float:
            return r.x() + (min(SI_RANGE, max(-SI_RANGE, v)) + SI_RANGE) / (2 * SI_RANGE) * r.width()
        if self.zone is not None:
            g, a = self.zones.symmetry_green, self.zones.symmetry_amber
            for lo, hi, z in ((-SI_RANGE, -a, "red"), (-a, -g, "amber"), (-g, g, "green"), (g, a, "amber"),
                              (a, SI_RANGE, "red")):
                if hi > lo:
                    c = QColor(ZONE_COLOURS[z])
                    c.setAlpha(150)
                    p.fillRect(QRectF(x_of(lo), r.y(), x_of(hi) - x_of(lo), r.height()), c)
        else:
            p.fillRect(r, th.qcolor("grid"))
        p.setPen(QPen(th.qcolor("fg"), 1))
        p.drawLine(int(x_of(0)), int(r.top()), int(x_of(0)), int(r.bottom()))
        p.setPen(th.qcolor("left"))
        p.drawText(QRectF(0, 0, label_w, self.height()), Qt.AlignmentFlag.AlignCenter, "L")
        p.setPen(th.qcolor("right"))
        p.drawText(QRectF(self.width() - label_w, 0, label_w, self.height()), Qt.AlignmentFlag.AlignCenter, "R")
        if self.si is not None:
            x = x_of(self.si)
            p.setPen(QPen(th.qcolor("bg"), 2))
            p.setBrush(th.qcolor("fg"))
            p.drawRoundedRect(QRectF(x - 5, 1, 10, self.height() - 2), 3, 3)
        p.end()


class MusclePanel(QWidget):
    """One muscle: title and SI, the symmetry gauge, left and right ensembles (mean ± SD)."""

    def __init__(self, muscle: str, theme: Theme, zones: Zones, big: bool = True, parent=None):
        super().__init__(parent)
        self.muscle, self.theme = muscle, theme
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(2)
        head = QHBoxLayout()
        pt = BIG_PT if big else PANEL_PT
        self.title = QLabel(muscle)
        self.title.setFont(font(pt, True))
        self.si = QLabel("SI —")
        self.si.setFont(font(pt, True))
        self.si.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.si)
        lay.addLayout(head)
        self.gauge = SymmetryBar(theme, zones)
        lay.addWidget(self.gauge)
        self.plot = pg.PlotWidget(background=theme.panel)
        self.plot.setXRange(0, 100, padding=0)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.getAxis("bottom").setTicks([[(v, str(v)) for v in range(0, 101, 25)]])
        for ax in ("bottom", "left"):
            self.plot.getAxis(ax).setTextPen(theme.fg)
            self.plot.getAxis(ax).setStyle(tickFont=font(SMALL_PT))
        lay.addWidget(self.plot, 1)
        self.curves, self.bands = {}, {}
        for side, colour in ((Side.LEFT, theme.left), (Side.RIGHT, theme.right)):
            edge = pg.mkPen(QColor(0, 0, 0, 0))   # invisible edges: the band is drawn between them
            lo = self.plot.plot([], [], pen=edge)
            hi = self.plot.plot([], [], pen=edge)
            fill = QColor(colour)
            fill.setAlpha(60)
            self.plot.addItem(pg.FillBetweenItem(lo, hi, brush=fill))
            self.bands[side] = (lo, hi)
            self.curves[side] = self.plot.plot([], [], pen=pg.mkPen(colour, width=4))

    def draw(self, m: MuscleScreen, unit: str) -> None:
        for side, c in ((Side.LEFT, m.left), (Side.RIGHT, m.right)):
            lo, hi = self.bands[side]
            if c is None:
                for item in (lo, hi, self.curves[side]):
                    item.setData([], [])
                continue
            lo.setData(X, c.mean - c.sd)
            hi.setData(X, c.mean + c.sd)
            self.curves[side].setData(X, c.mean)
        self.plot.getAxis("left").setLabel(unit)
        self.si.setText(m.si_text)
        self.si.setToolTip(m.note)
        if m.zone is not None:
            self.si.setStyleSheet(f"background:{ZONE_COLOURS[m.zone]};color:{ZONE_TEXT[m.zone]};"
                                  "border-radius:8px;padding:0px 10px")
        else:
            self.si.setStyleSheet(f"color:{self.theme.muted}")
        self.gauge.set_value(m.si, m.zone)


class GaitView(QWidget):
    """The stride view of the dashboard: shown while a walk/run protocol is on
    (:meth:`setup`), redrawn from each :class:`~emgmap.app.live.LiveState` (:meth:`update_state`)."""

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.theme = theme
        self.model: GaitLiveModel | None = None
        self.screen: GaitScreen | None = None
        self.stale = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        lay.setSpacing(2)
        top = QHBoxLayout()
        self.cadence = QLabel("—")
        self.cadence.setFont(font(BIG_PT, True))
        self.strides = QLabel("")
        self.strides.setFont(font(BIG_PT, True))
        top.addWidget(self.cadence)
        top.addSpacing(24)
        top.addWidget(self.strides)
        top.addStretch(1)
        lay.addLayout(top)
        sub = QHBoxLayout()
        self.title = QLabel("Gait")
        self.title.setFont(font(MEDIUM_PT, True))
        self.legend = QLabel()
        self.legend.setFont(font(MEDIUM_PT))
        sub.addWidget(self.title)
        sub.addSpacing(16)
        sub.addWidget(self.legend)
        sub.addStretch(1)
        lay.addLayout(sub)
        self.message = QLabel("")
        self.message.setFont(font(MEDIUM_PT))
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        panels = QWidget()
        self.grid = QGridLayout(panels)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(4)
        # the panels scroll when the window is short (the session wizard above them at 768 px)
        self.body = QScrollArea()          # hidden when nothing can come (no gait channel)
        self.body.setWidgetResizable(True)
        self.body.setFrameShape(QFrame.Shape.NoFrame)
        self.body.setWidget(panels)
        lay.addWidget(self.body, 1)
        lay.addStretch(0)                  # takes the room only while the panels are hidden
        self.panels: dict[str, MusclePanel] = {}
        self._set_legend()
        self.hide()

    def _set_legend(self) -> None:
        th = self.theme
        self.legend.setText(f'<span style="color:{th.left}">━ left</span> &nbsp; <span style="color:{th.right}">'
                            '━ right</span> &nbsp; mean ± SD · 0 = initial contact')

    def setup(self, live, protocol: Protocol | None) -> bool:
        """Track gait on ``live`` when ``protocol`` is a walk or run (and show this view);
        returns whether it is shown."""
        mode = protocol.gait.mode if protocol is not None and protocol.gait is not None else None
        live.track_gait(mode)
        self.setVisible(mode is not None)
        if mode is None:
            self.model = None
            return False
        both = live.session.montage.bilateral_muscles()
        muscles = [m for m in protocol.muscles if m in both] or both
        self.model = GaitLiveModel(muscles, protocol.zones)
        self._build(muscles, protocol.zones)
        self.update_state(None)
        return True

    def _build(self, muscles: list[str], zones: Zones) -> None:
        for p in self.panels.values():
            self.grid.removeWidget(p)
            p.deleteLater()
        self.panels = {}
        columns = 2 if len(muscles) <= 4 else 3     # 2 x 2, else 3 x 2: fits 1366 x 768
        for k, m in enumerate(muscles):
            p = MusclePanel(m, self.theme, zones, big=columns == 2)
            p.setEnabled(not self.stale)
            self.grid.addWidget(p, k // columns, k % columns)
            self.panels[m] = p

    def update_state(self, status: GaitStatus | None) -> GaitScreen | None:
        """Draw the stride view for ``status`` (``LiveState.gait``); returns what was drawn."""
        if self.model is None:
            return None
        sc = self.screen = self.model.update(status)
        self.title.setText(sc.title)
        number, _, unit = sc.cadence_text.partition(" ")   # "170 steps/min": the number large
        self.cadence.setText(f'<span style="font-size:{CADENCE_PT}pt">{number}</span> {unit}')
        self.strides.setText(sc.strides_text)
        self._show_message()
        for m in sc.muscles:
            self.panels[m.muscle].draw(m, sc.unit)
        self.body.setVisible(sc.tracking)
        return sc

    def _show_message(self) -> None:
        text = self.stale or (self.screen.message if self.screen is not None else "")
        self.message.setText(text)
        self.message.setStyleSheet(f"color:{self.theme.banner};font-weight:bold" if self.stale else "")
        self.message.setVisible(bool(text))

    def set_stale(self, text: str) -> None:
        """``text``: when and why the data stopped (said above the ensembles, which stay as they
        were: the strides so far); "" live."""
        self.stale = text
        for p in self.panels.values():
            p.setEnabled(not text)
        self._show_message()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self._set_legend()
        if self.model is not None:
            self._build(self.model.muscles, self.model.zones)
            if self.screen is not None:
                for m in self.screen.muscles:
                    self.panels[m.muscle].draw(m, self.screen.unit)
