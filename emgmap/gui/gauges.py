"""Index gauges: a big number, its zone word and colour, a scale with the zone
bands and a marker, and a 30 s trend line; they draw the immutable
:class:`~emgmap.app.gauges.GaugeView` items of :class:`~emgmap.app.gauges.GaugesModel`.

Symmetry gauges span SI -50..+50 % (linear); ratio gauges 0.2..5 on a log
scale, so that 0.5 and 2 sit equally far from 1. Zone bands follow the
protocol's zones and are drawn only behind a judged value: a value that is not
judged (not in %MVC, at rest, the resting leg) is muted, with its unit and the
reason, on a neutral scale.
"""
from __future__ import annotations

import math

from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QPainter, QPainterPath, QPen
from PyQt6.QtWidgets import QGridLayout, QLabel, QWidget

from ..app.gauges import GaugeKind, GaugesModel, GaugeView
from ..protocols import Zones
from .theme import BIG_PT, MEDIUM_PT, SMALL_PT, ZONE_COLOURS, ZONE_TEXT, Theme, font, paint_stale

SI_RANGE = 50.0
RATIO_RANGE = (0.2, 5.0)


def gauge_position(kind: str, value: float) -> float:
    """Where ``value`` sits on its gauge, 0..1 (clamped)."""
    if kind == GaugeKind.SYMMETRY:
        u = (value + SI_RANGE) / (2 * SI_RANGE)
    else:
        lo, hi = (math.log(v) for v in RATIO_RANGE)
        u = (math.log(max(value, 1e-9)) - lo) / (hi - lo)
    return min(1.0, max(0.0, u))


def zone_bands(gauge: GaugeView, zones: Zones) -> list[tuple[float, float, str]]:
    """(from, to, zone) along the gauge, 0..1, as :class:`~emgmap.protocols.Zones` classifies."""
    if gauge.kind == GaugeKind.SYMMETRY:
        g, a = zones.symmetry_green, zones.symmetry_amber
        edges = [(-SI_RANGE, -a, "red"), (-a, -g, "amber"), (-g, g, "green"), (g, a, "amber"), (a, SI_RANGE, "red")]
    elif gauge.expected is not None:
        lo, hi = gauge.expected
        f = zones.ratio_amber
        edges = [(RATIO_RANGE[0], lo * (1 - f), "red"), (lo * (1 - f), lo, "amber"), (lo, hi, "green"),
                 (hi, hi * (1 + f), "amber"), (hi * (1 + f), RATIO_RANGE[1], "red")]
    else:
        return []
    return [(gauge_position(gauge.kind, a), gauge_position(gauge.kind, b), z) for a, b, z in edges if b > a]


class GaugeWidget(QWidget):
    """One gauge, painted: title and zone pill, value (large, muted when not judged), detail,
    the zone scale (or, in its place, why the value is not judged), trend. Its accessible name and description
    say the same in words, kept current."""

    def __init__(self, gauge: GaugeView, zones: Zones, trend_s: float, theme: Theme, parent=None):
        super().__init__(parent)
        self.zones, self.trend_s, self.theme = zones, trend_s, theme
        self.stale = ""
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)   # paints every pixel
        self.setMinimumSize(250, 150)
        self.set_view(gauge)

    def set_view(self, gauge: GaugeView, repaint: bool = True) -> bool:
        """Show ``gauge``: its words at once, its pixels now (``repaint``) or when the owner
        calls :meth:`update`. True when it differs from the view shown."""
        if getattr(self, "gauge", None) == gauge:
            return False
        self.gauge = gauge
        self.setAccessibleName(f"{gauge.title} gauge")
        self.setAccessibleDescription(gauge.spoken + (f" (stopped: {self.stale})" if self.stale else ""))
        if repaint:
            self.update()
        return True

    def paintEvent(self, ev) -> None:
        g, th = self.gauge, self.theme
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = self.rect().adjusted(4, 4, -4, -4)
        p.fillRect(self.rect(), th.qcolor("bg"))
        p.setPen(QPen(th.qcolor("grid"), 1))
        p.setBrush(th.qcolor("panel"))
        p.drawRoundedRect(QRectF(r), 8, 8)
        x, w = r.x() + 10, r.width() - 20
        y = r.y() + 6
        judged = g.zone is not None
        zone_colour = QColor(ZONE_COLOURS[g.zone]) if judged else th.qcolor("muted")
        if judged:  # a zone-coloured edge on the card, seen from across the room
            p.fillRect(QRectF(r.x(), r.y() + 8, 6, r.height() - 16), zone_colour)
        # title, and the zone word on a pill of its colour (or, muted, why there is none)
        p.setFont(font(MEDIUM_PT, bold=True))
        p.setPen(th.qcolor("fg"))
        p.drawText(QRectF(x, y, w, 26), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, g.title)
        if judged:
            word = g.zone.word
            pill_w = p.fontMetrics().horizontalAdvance(word) + 16
            pill = QRectF(x + w - pill_w, y + 1, pill_w, 24)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(zone_colour)
            p.drawRoundedRect(pill, 12, 12)
            p.setPen(QColor(ZONE_TEXT[g.zone]))
            p.drawText(pill, Qt.AlignmentFlag.AlignCenter, word)
        y += 26
        # big value in the text colour when judged (contrast from 2 m; the zone is the pill, the
        # edge and the marker, never the digits alone); muted, with its unit, when not judged
        p.setFont(font(BIG_PT, bold=True))
        p.setPen(th.qcolor("fg") if judged else th.qcolor("muted"))
        text = g.value_text
        p.drawText(QRectF(x, y, w, 44), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        if g.kind == GaugeKind.RATIO and math.isfinite(g.value) and g.unit:
            tw = p.fontMetrics().horizontalAdvance(text)
            p.setFont(font(MEDIUM_PT))
            p.drawText(QRectF(x + tw + 8, y, w - tw - 8, 44),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"of {g.unit}")
        y += 44
        p.setFont(font(SMALL_PT))
        p.setPen(th.qcolor("muted"))
        detail = p.fontMetrics().elidedText(g.detail, Qt.TextElideMode.ElideRight, int(w))
        p.drawText(QRectF(x, y, w, 18), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, detail)
        y += 22
        # scale: zone bands behind a judged value, with the marker; in its place, why a value
        # is not judged (there is no range to put it on)
        bar_h = 10
        bands = zone_bands(g, self.zones) if judged else []
        if judged:
            for a, b, z in bands:
                c = QColor(ZONE_COLOURS[z])
                c.setAlpha(150)
                p.fillRect(QRectF(x + a * w, y, (b - a) * w, bar_h), c)
            if not bands:
                p.fillRect(QRectF(x, y, w, bar_h), th.qcolor("grid"))
            if math.isfinite(g.value):
                mx = x + gauge_position(g.kind, g.value) * w
                p.setPen(QPen(th.qcolor("fg"), 3))
                p.drawLine(QPointF(mx, y - 4), QPointF(mx, y + bar_h + 4))
        elif g.reason is not None and not g.detail.startswith(g.reason.value):
            p.setFont(font(SMALL_PT, bold=True))
            p.setPen(th.qcolor("muted"))
            text = p.fontMetrics().elidedText(g.reason.value, Qt.TextElideMode.ElideRight, int(w))
            p.drawText(QRectF(x, y - 4, w, bar_h + 8), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       text)
        y += bar_h + 8
        # trend: the last trend_s seconds (gaps where at rest), zone bands faint behind
        trend = QRectF(x, y, w, max(20.0, r.bottom() - y - 6))
        for a, b, z in bands:
            c = QColor(ZONE_COLOURS[z])
            c.setAlpha(40)
            p.fillRect(QRectF(trend.x(), trend.bottom() - b * trend.height(), trend.width(),
                              (b - a) * trend.height()), c)
        if g.trend_t:
            t_end = g.trend_t[-1]
            path, pen_down = QPainterPath(), False
            for t, v in zip(g.trend_t, g.trend_v):
                if not math.isfinite(v):
                    pen_down = False
                    continue
                pt = QPointF(trend.right() - (t_end - t) / self.trend_s * trend.width(),
                             trend.bottom() - gauge_position(g.kind, v) * trend.height())
                if pen_down:
                    path.lineTo(pt)
                else:
                    path.moveTo(pt)
                    pen_down = True
            p.setPen(QPen(th.qcolor("fg") if judged else th.qcolor("muted"), 1.5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(path)
        if self.stale:
            paint_stale(p, self.rect(), th, f"STOPPED: {self.stale}")
        p.end()


class GaugePanel(QWidget):
    """A grid of gauges for a :class:`GaugesModel`; each repaints with its newest view.

    ``spread``: a new set of views changes every gauge's words at once but repaints one gauge
    per :meth:`paint_next` (the dashboard calls it once a frame), so that no frame paints
    them all; :meth:`paint_all` repaints the rest at once."""

    def __init__(self, theme: Theme, parent=None, columns: int = 2, spread: bool = False):
        super().__init__(parent)
        self.theme = theme
        self.columns = columns
        self.spread = spread
        self.widgets: list[GaugeWidget] = []
        self._unpainted: list[GaugeWidget] = []   # views changed, pixels not yet (spread)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(6)
        self._empty = QLabel("No indices: the montage has no muscle on both sides and no pair.")
        self._grid.addWidget(self._empty, 0, 0)
        self._model: GaugesModel | None = None

    def set_model(self, model: GaugesModel) -> None:
        for wdg in self.widgets:
            self._grid.removeWidget(wdg)
            wdg.deleteLater()
        self.widgets = [GaugeWidget(g, model.zones, model.trend_s, self.theme) for g in model.gauges]
        self._unpainted = []
        self._empty.setVisible(not self.widgets)
        # symmetry gauges in the first column, ratios in the second
        sym = [w for w in self.widgets if w.gauge.kind == GaugeKind.SYMMETRY]
        rat = [w for w in self.widgets if w.gauge.kind == GaugeKind.RATIO]
        for col, group in enumerate((sym, rat)):
            for row, wdg in enumerate(group):
                self._grid.addWidget(wdg, row, col)
        self._model = model
        model.subscribe(self._changed)

    def _changed(self, model: GaugesModel) -> None:
        if model is self._model:
            self.show_views(model.gauges)

    def show_views(self, views) -> None:
        """Draw these views (the model's order)."""
        for wdg, view in zip(self.widgets, views):
            changed = wdg.set_view(view, repaint=not self.spread)
            if changed and self.spread and wdg not in self._unpainted:
                self._unpainted.append(wdg)

    def paint_next(self) -> None:
        """Repaint the next gauge on screen whose view changed (``spread``); those scrolled
        out of view on the way are marked too (Qt paints them when they scroll in)."""
        while self._unpainted:
            wdg = self._unpainted.pop(0)
            wdg.update()
            if not wdg.visibleRegion().isEmpty():
                return

    def paint_all(self) -> None:
        for wdg in self._unpainted:
            wdg.update()
        self._unpainted = []

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        for w in self.widgets:
            w.theme = theme
            w.update()

    def set_stale(self, text: str) -> None:
        """``text``: when and why the data stopped; every gauge is greyed and says so ("" live)."""
        for w in self.widgets:
            if w.stale != text:
                w.stale = text
                w.setAccessibleDescription(w.gauge.spoken + (f" (stopped: {text})" if text else ""))
                w.update()
