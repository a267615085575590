"""The live stride-by-stride gait view: per muscle the ensemble building up over the
gait cycle, left and right overlaid with their SD bands, the stance-activation
symmetry of each muscle updated every stride, and the cadence; fonts sized to read
from a treadmill (2-3 m). Draws a :class:`~emgmap.analysis.gait.LiveGait` snapshot
(Qt-free, from :class:`~emgmap.analysis.gait.GaitTracker`); it never computes."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from ..analysis.gait import LiveGait
from ..protocols import Zones
from ..types import Side
from .theme import BIG_PT, MEDIUM_PT, ZONE_COLOURS, ZONE_TEXT, Theme, font

X = np.arange(101)


class MusclePanel(QWidget):
    """One muscle: its left and right ensembles (mean ± SD) and its stance SI."""

    def __init__(self, muscle: str, theme: Theme, parent=None):
        super().__init__(parent)
        self.muscle = muscle
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.title = QLabel(muscle)
        self.title.setFont(font(BIG_PT, True))
        self.si = QLabel("SI —")
        self.si.setFont(font(BIG_PT, True))
        self.si.setAlignment(Qt.AlignmentFlag.AlignCenter)
        head = QGridLayout()
        head.addWidget(self.title, 0, 0)
        head.addWidget(self.si, 0, 1)
        lay.addLayout(head)
        self.plot = pg.PlotWidget(background=theme.panel)
        self.plot.setXRange(0, 100, padding=0)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.getAxis("bottom").setLabel("% gait cycle (0 = initial contact)")
        for ax in ("bottom", "left"):
            self.plot.getAxis(ax).setTextPen(theme.fg)
        lay.addWidget(self.plot, 1)
        self.curves, self.bands = {}, {}
        for side, colour in ((Side.LEFT, theme.left), (Side.RIGHT, theme.right)):
            edge = pg.mkPen(QColor(0, 0, 0, 0))   # invisible edges: the band is drawn between them
            lo = self.plot.plot(X, np.zeros(101), pen=edge)
            hi = self.plot.plot(X, np.zeros(101), pen=edge)
            fill = QColor(colour)
            fill.setAlpha(60)
            band = pg.FillBetweenItem(lo, hi, brush=fill)
            self.plot.addItem(band)
            self.bands[side] = (lo, hi)
            self.curves[side] = self.plot.plot(X, np.zeros(101), pen=pg.mkPen(colour, width=4))

    def show_side(self, side: Side, mean: np.ndarray | None, sd: np.ndarray | None) -> None:
        lo, hi = self.bands[side]
        if mean is None:
            for item in (lo, hi, self.curves[side]):
                item.setData([], [])
            return
        lo.setData(X, mean - sd)
        hi.setData(X, mean + sd)
        self.curves[side].setData(X, mean)

    def show_si(self, si: float | None, zones: Zones) -> None:
        if si is None:
            self.si.setText("SI —")
            self.si.setStyleSheet("")
            return
        if not math.isfinite(si):      # too little stance activity to compare the legs
            self.si.setText("swing muscle")
            self.si.setStyleSheet("")
            return
        zone = zones.symmetry(si)
        self.si.setText(f"SI {si:+.0f} %")
        self.si.setStyleSheet(f"background:{ZONE_COLOURS[zone]};color:{ZONE_TEXT[zone]};border-radius:8px;"
                              "padding:2px 10px")


class GaitView(QWidget):
    """Cadence and stride counts on top, one :class:`MusclePanel` per muscle below."""

    def __init__(self, muscles: list[str], theme: Theme, zones: Zones | None = None, columns: int = 2, parent=None):
        super().__init__(parent)
        self.theme, self.zones = theme, zones or Zones()
        lay = QVBoxLayout(self)
        self.header = QLabel("waiting for the first strides …")
        self.header.setFont(font(BIG_PT, True))
        lay.addWidget(self.header)
        self.legend = QLabel(f'<span style="color:{theme.left}">━ left</span> &nbsp; '
                             f'<span style="color:{theme.right}">━ right</span> &nbsp; mean ± SD over the strides')
        self.legend.setFont(font(MEDIUM_PT))
        lay.addWidget(self.legend)
        grid = QGridLayout()
        lay.addLayout(grid, 1)
        self.panels = {}
        for k, m in enumerate(muscles):
            p = MusclePanel(m, theme)
            grid.addWidget(p, k // columns, k % columns)
            self.panels[m] = p

    def update_state(self, state: LiveGait) -> None:
        """Draw ``state`` (call once per new stride, or at the GUI's frame rate)."""
        parts = []
        for side in (Side.LEFT, Side.RIGHT):
            s = state.sides.get(side)
            if s is not None:
                parts.append(f"{side.short} {s.cadence_spm:.0f} spm ({s.strides} strides)")
        self.header.setText("cadence  " + "   ".join(parts) if parts else "waiting for the first strides …")
        for muscle, panel in self.panels.items():
            panel.plot.getAxis("left").setLabel(state.unit)
            for side in (Side.LEFT, Side.RIGHT):
                s = state.sides.get(side)
                on = s is not None and muscle in s.mean
                panel.show_side(side, s.mean[muscle] if on else None, s.sd[muscle] if on else None)
            panel.show_si(state.symmetry.get(muscle), self.zones)
