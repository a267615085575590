"""The activation map: a drawn lower body (left side, back, right side views)
whose muscles fill with their live level, and a left/right bar per muscle.

Shapes are smooth closed paths through hand-placed points in a 100 x 200 box
per view (y down: waist at the top, knees at the bottom). The back view shows
the patient from behind, so the patient's left is on the viewer's left. Fill
colour is the viridis map (van der Walt & Smith 2015: perceptually uniform,
readable with colour-vision deficiency, dark = low, bright = high) of
level / full scale, with a colour bar below; muscles not on the montage are
dashed outlines, and a muscle whose level is in another unit than the shared
scale (:class:`~emgmap.app.levels.LevelsView`: a µV channel beside %MVC ones)
is hatched, never coloured on a scale it is not in. Both widgets draw a
``LevelsView`` and say what they show in their accessible description.
"""
from __future__ import annotations

import math

import pyqtgraph as pg
from PyQt6.QtCore import QEvent, QPointF, QRectF, Qt
from PyQt6.QtGui import QBrush, QColor, QFontMetrics, QPainter, QPainterPath, QPen, QPixmap
from PyQt6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ..app.levels import LevelsView
from ..montage import MUSCLES, Montage
from ..types import Side
from .theme import BIG_PT, MEDIUM_PT, OKABE_ITO, SMALL_PT, Theme, font, paint_stale

Pts = list[tuple[float, float]]

# (muscle, view) -> outline points for the patient's LEFT side; the right side is mirrored.
# Back view: patient's left on the viewer's left (x < 50). Side view: the left side,
# patient facing the viewer's left (anterior at small x).
BACK: dict[str, Pts] = {
    "es":   [(41, 4), (47, 4), (48, 30), (47, 58), (43, 60), (40, 30)],
    "gmed": [(22, 62), (32, 56), (42, 60), (40, 70), (30, 76), (21, 74)],
    "gmax": [(26, 78), (38, 70), (49, 76), (49, 96), (44, 108), (30, 110), (22, 100), (21, 88)],
    "bf":   [(21, 116), (32, 114), (34, 140), (34, 172), (29, 182), (25, 170), (22, 140)],
    "st":   [(36, 116), (47, 118), (46, 140), (45, 170), (41, 182), (37, 172), (36, 140)],
}
SIDE: dict[str, Pts] = {
    "es":   [(58, 4), (64, 4), (63, 25), (65, 48), (60, 52), (57, 28)],
    "gmed": [(40, 58), (54, 54), (64, 60), (60, 72), (48, 76), (39, 70)],
    "tfl":  [(31, 64), (39, 64), (42, 80), (40, 96), (34, 96), (31, 80)],
    "gmax": [(62, 66), (75, 72), (80, 90), (76, 106), (66, 108), (62, 92), (60, 76)],
    "rf":   [(29, 100), (37, 100), (39, 128), (37, 150), (31, 150), (27, 125)],
    "vm":   [(29, 154), (37, 154), (40, 170), (36, 182), (30, 176)],
    "vl":   [(40, 100), (58, 104), (61, 130), (58, 165), (48, 180), (42, 172), (39, 140)],
    "bf":   [(63, 112), (72, 114), (71, 140), (66, 176), (61, 172), (62, 140)],
}
BACK_OUTLINE: Pts = [(32, 0), (68, 0), (70, 30), (74, 50), (80, 68), (83, 90), (82, 110), (79, 140), (75, 170),
                     (73, 198), (56, 198), (55, 170), (53, 140), (51, 118), (50, 114), (49, 118), (47, 140),
                     (45, 170), (44, 198), (27, 198), (25, 170), (21, 140), (18, 110), (17, 90), (20, 68), (26, 50),
                     (30, 30)]
SIDE_OUTLINE: Pts = [(34, 0), (66, 0), (64, 25), (67, 48), (76, 70), (81, 90), (78, 110), (73, 130), (69, 160),
                     (67, 185), (66, 198), (36, 198), (35, 185), (29, 160), (26, 135), (27, 110), (29, 80), (30, 60),
                     (32, 30)]


def smooth_path(points: Pts, mirror: bool = False) -> QPainterPath:
    """A closed smooth curve through the midpoints of ``points``, bending at each point
    (quadratic B-spline); ``mirror`` flips x about 50."""
    pts = [QPointF(100 - x if mirror else x, y) for x, y in points]
    n = len(pts)
    mid = [(pts[i] + pts[(i + 1) % n]) / 2 for i in range(n)]
    path = QPainterPath(mid[-1])
    for i in range(n):
        path.quadTo(pts[i], mid[i])
    path.closeSubpath()
    return path


class BodyMap(QWidget):
    """Three views (left side, back, right side); :meth:`set_levels` fills the muscles."""

    VIEWS = (("left side", SIDE, SIDE_OUTLINE, False, (Side.LEFT,)),
             ("back", BACK, BACK_OUTLINE, False, (Side.LEFT, Side.RIGHT)),
             ("right side", SIDE, SIDE_OUTLINE, True, (Side.RIGHT,)))

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.theme = theme
        cmap = pg.colormap.get("viridis")
        self.lut = [cmap.map(i / 255, mode="qcolor") for i in range(256)]  # mapping per paint is slow
        self.montage: Montage | None = None
        self.fractions: dict[tuple[str, Side], float] = {}
        self.off_scale: set[tuple[str, Side]] = set()   # in another unit than the colour scale: hatched
        self.legend = ""
        self.highlight: str | None = None   # the placement guide's muscle: outlined, its spot marked
        self.stale = ""                      # when and why the data stopped ("" while live)
        self._static_key: tuple | None = None   # what the static pixmap was drawn for
        self._static_pixmap: QPixmap | None = None
        self._shown: tuple | None = None     # the colours, hatching and legend last asked to paint
        self.setAccessibleName("activation map")
        # every pixel is painted: Qt need not paint the splitters and the window beneath first
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(300, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # Build the paths once (in view coordinates) so painting only transforms them.
        self._shapes = []
        for title, table, outline, flip, sides in self.VIEWS:
            muscles = []
            for side in sides:
                mirror = flip if table is SIDE else side == Side.RIGHT
                for m, pts in table.items():
                    muscles.append((m, side, smooth_path(pts, mirror)))
            self._shapes.append((title, smooth_path(outline, flip), muscles))

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.update()

    def set_stale(self, text: str) -> None:
        """``text``: when and why the data stopped (greyed, said); "" live."""
        self.stale = text
        self.update()

    def set_montage(self, montage: Montage) -> None:
        self.montage = montage
        self.fractions = {}
        self._shown = None
        self.update()

    def set_levels(self, fractions: dict[tuple[str, Side], float], legend: str,
                   off_scale: set[tuple[str, Side]] = frozenset()) -> None:
        """``fractions``: (muscle, side) -> level / full scale, 0..1; ``legend``: what
        the top of the colour bar means (``100 %MVC``); ``off_scale``: muscles hatched."""
        self.fractions = fractions
        self.legend = legend
        self.off_scale = set(off_scale)
        text = f"colour scale 0 to {legend}; " + ", ".join(
            f"{m} {side.value} {'not on this scale' if (m, side) in self.off_scale else f'{f * 100:.0f} %'}"
            for (m, side), f in fractions.items() if math.isfinite(f))
        # repainted (and re-described) only when a colour, a hatching or the words changed
        shown = (text, tuple((k, self.lut_index(f)) for k, f in fractions.items()))
        if shown == self._shown:
            return
        self._shown = shown
        self.setAccessibleDescription(text)
        self.update()

    def set_view(self, view: LevelsView) -> None:
        """Fill the muscles from a :class:`~emgmap.app.levels.LevelsView`."""
        self.set_levels({(lv.muscle, lv.side): lv.fraction for lv in view.levels}, view.legend,
                        {(lv.muscle, lv.side) for lv in view.levels if not lv.on_scale})

    def set_highlight(self, muscle: str | None) -> None:
        """Outline ``muscle`` on every view and mark the electrode spot (the centre of its
        drawn shape; the exact landmark is the placement text, reference §2)."""
        self.highlight = muscle
        self.update()

    def _geometry(self) -> tuple[float, float, float]:
        """(x of the first view, scale, title height) for the current widget size."""
        w, h = self.width(), self.height()
        title_h, legend_h = 26, 30
        scale = min(w / (3 * 100 + 40), (h - title_h - legend_h - 8) / 200)
        return (w - scale * 340) / 2, scale, title_h

    def title_font(self, scale: float):
        """The views' title font: the largest up to SMALL_PT bold in which every title fits its
        view plus the gap beside it (a 1366x768 screen clipped "right side" to "ight side")."""
        room = 120 * scale - 4
        pt = SMALL_PT
        while pt > 7 and max(QFontMetrics(font(pt, bold=True)).horizontalAdvance(v[0]) for v in self.VIEWS) > room:
            pt -= 1
        return font(pt, bold=True)

    def muscle_at(self, x: float, y: float) -> tuple[str, Side] | None:
        """The muscle drawn under widget point (x, y), if any."""
        x0, scale, title_h = self._geometry()
        for k, (_, _, muscles) in enumerate(self._shapes):
            pt = QPointF((x - x0 - k * 120 * scale) / scale, (y - title_h) / scale)
            for m, side, path in muscles:
                if path.contains(pt):
                    return m, side
        return None

    def event(self, ev) -> bool:
        if ev.type() == QEvent.Type.ToolTip:
            hit = self.muscle_at(ev.position().x(), ev.position().y())
            if hit:
                m, side = hit
                f = self.fractions.get(hit)
                on = self.montage is not None and self.montage.index(m, side) is not None
                level = (f"{f * 100:.0f} % of full scale" if f is not None else "no data yet") if on \
                    else "not on the montage"
                QToolTip.showText(ev.globalPosition().toPoint(), f"{MUSCLES[m].name} ({side.value}): {level}", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(ev)

    @staticmethod
    def lut_index(fraction: float) -> int:
        """The colour map entry of ``fraction`` (0..255; not finite: 0)."""
        f = fraction if math.isfinite(fraction) else 0.0
        return int(round(min(1.0, max(0.0, f)) * 255))

    def colour(self, fraction: float) -> QColor:
        return self.lut[self.lut_index(fraction)]

    def _static(self) -> QPixmap:
        """What changes only with the size, the theme, the montage or the legend (background, titles, silhouettes, muscles not on the montage, colour bar), drawn once
        into a pixmap: the muscle fills on top change 20 times a second (measured: the whole
        map took ~3.6 ms a paint, most of it this part)."""
        dpr = self.devicePixelRatioF()
        key = (self.width(), self.height(), dpr, self.theme.name, self.legend, frozenset(self._on_montage()))
        if self._static_key == key:
            return self._static_pixmap
        pm = QPixmap(max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr)))
        pm.setDevicePixelRatio(dpr)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        th = self.theme
        p.fillRect(QRectF(0, 0, self.width(), self.height()), th.qcolor("bg"))
        w = self.width()
        x0, scale, title_h = self._geometry()
        on = self._on_montage()
        outline_pen = QPen(th.qcolor("body"), 1.5)
        outline_pen.setCosmetic(True)
        absent = QPen(th.qcolor("grid"), 1.0, Qt.PenStyle.DashLine)
        absent.setCosmetic(True)
        title_font = self.title_font(scale)
        for k, (title, body, muscles) in enumerate(self._shapes):
            ox = x0 + k * (100 + 20) * scale
            p.setFont(title_font)
            p.setPen(th.qcolor("muted"))
            p.drawText(QRectF(ox - 10 * scale, 0, 120 * scale, title_h), Qt.AlignmentFlag.AlignCenter, title)
            p.save()
            p.translate(ox, title_h)
            p.scale(scale, scale)
            p.setPen(outline_pen)
            p.setBrush(th.qcolor("skin"))
            p.drawPath(body)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(absent)
            for m, side, path in muscles:
                if (m, side) not in on:
                    p.drawPath(path)
            p.restore()
        # colour bar: what a fill means
        y = title_h + 200 * scale + 6
        p.setFont(font(SMALL_PT))
        legend_w = p.fontMetrics().horizontalAdvance(self.legend) + 12
        bar_w = max(60.0, min(260.0, w - legend_w - 80))
        bx = max(30.0, (w - bar_w - legend_w) / 2)
        for i in range(64):
            p.fillRect(QRectF(bx + i * bar_w / 64, y, bar_w / 64 + 1, 10), self.lut[i * 4])
        p.setPen(th.qcolor("fg"))
        p.drawText(QRectF(bx - 30, y - 4, 24, 18), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "0")
        p.drawText(QRectF(bx + bar_w + 6, y - 4, legend_w, 18),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.legend)
        p.end()
        self._static_key, self._static_pixmap = key, pm
        return pm

    def _on_montage(self) -> set[tuple[str, Side]]:
        return {(c.muscle, c.side) for c in self.montage.channels} if self.montage else set()

    def paintEvent(self, ev) -> None:
        p = QPainter(self)
        p.drawPixmap(0, 0, self._static())
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        th = self.theme
        x0, scale, title_h = self._geometry()
        on = self._on_montage()
        pen = QPen(th.qcolor("body"), 1.0)
        pen.setCosmetic(True)
        hatched = QBrush(th.qcolor("muted"), Qt.BrushStyle.BDiagPattern)
        for k, (_, _, muscles) in enumerate(self._shapes):
            p.save()
            p.translate(x0 + k * (100 + 20) * scale, title_h)
            p.scale(scale, scale)
            p.setPen(pen)
            for m, side, path in muscles:
                if (m, side) in self.off_scale:   # another unit: hatched, not on the colour scale
                    p.setBrush(hatched)
                elif (m, side) in on:
                    p.setBrush(self.colour(self.fractions.get((m, side), 0.0)))
                else:   # a dashed outline, in the pixmap
                    continue
                p.drawPath(path)
            for m, side, path in muscles:
                if m == self.highlight:
                    mark = QPen(QColor(OKABE_ITO["vermillion"]), 4.0)
                    mark.setCosmetic(True)
                    p.setPen(mark)
                    p.setBrush(Qt.BrushStyle.NoBrush)
                    p.drawPath(path)
                    c = path.boundingRect().center()
                    p.setBrush(QColor(OKABE_ITO["vermillion"]))
                    p.drawEllipse(c, 3.5, 3.5)
            p.restore()
        if self.stale:
            paint_stale(p, self.rect(), th, f"STOPPED: {self.stale}")
        p.end()


TARGET_BAND = 0.2   # the target band's height, of full scale (the biofeedback band: 20 %MVC)


class ActivationBars(QWidget):
    """One row per muscle on the montage: the left level as a bar growing left,
    the right one growing right, with the numbers at the bar ends; a level in
    another unit than the shared scale is hatched and muted, with its unit. Rows
    grow with the widget (up to 64 px) so the numbers read from 2 m; the %MVC
    target is a shaded band with solid edges."""

    MAX_ROW = 64.0

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.theme = theme
        self.rows: list[str] = []
        self.values: dict[tuple[str, Side], float] = {}
        self.fractions: dict[tuple[str, Side], float] = {}
        self.units: dict[tuple[str, Side], str] = {}      # the unit of an off-scale level
        self.header = ""
        self.target: float | None = None   # biofeedback target as a fraction of full scale (the band's bottom)
        self.stale = ""
        self.setMinimumHeight(120)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)   # paints every pixel
        self.setAccessibleName("activation bars")

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.update()

    def set_stale(self, text: str) -> None:
        """``text``: when and why the data stopped (greyed, said); "" live."""
        self.stale = text
        self.update()

    def set_montage(self, montage: Montage) -> None:
        self.rows = list(dict.fromkeys(c.muscle for c in montage.assigned))  # unassigned: no bar
        self.values = {}
        self.setMinimumHeight(28 * len(self.rows) + 30)
        self.update()

    def set_levels(self, values: dict[tuple[str, Side], float], fractions: dict[tuple[str, Side], float],
                   header: str, units: dict[tuple[str, Side], str] | None = None) -> None:
        """``values`` to print and ``fractions`` (of full scale, 0..1) for the bar lengths;
        ``units``: (muscle, side) -> unit of the levels that are not on the shared scale."""
        self.values, self.fractions, self.header = values, fractions, header
        self.units = dict(units or {})
        self.setAccessibleDescription(f"{header}; " + ", ".join(
            f"{m} {side.value} {v:.0f}" + (f" {self.units[(m, side)]}" if (m, side) in self.units else "")
            for (m, side), v in values.items() if math.isfinite(v)))
        self.update()

    def set_view(self, view: LevelsView) -> None:
        """Draw a :class:`~emgmap.app.levels.LevelsView`."""
        self.set_levels({(lv.muscle, lv.side): lv.value for lv in view.levels},
                        {(lv.muscle, lv.side): lv.fraction for lv in view.levels}, view.header,
                        {(lv.muscle, lv.side): lv.unit for lv in view.levels if not lv.on_scale})

    def geometry_rows(self) -> tuple[float, float, float, float, float]:
        """(header height, row height, name column, number column, centre x) for the current size;
        a header too long for one line gets two."""
        w = self.width()
        name_w = 70.0
        fm = QFontMetrics(font(SMALL_PT, bold=True))
        head = 30.0 if fm.horizontalAdvance(self.header) <= w - name_w - 44 else 48.0
        row_h = min(self.MAX_ROW, (self.height() - head) / max(1, len(self.rows)))
        # as wide as three digits (or the widest value shown) in the value font, which grows with
        # the rows: a fixed 60 px cut "100" to ".00" in the taller rows of a 1920x1080 screen
        vm = QFontMetrics(self.value_font(row_h))
        texts = ["000"] + [f"{v:.0f}" for v in self.values.values() if v is not None and math.isfinite(v)]
        num_w = max(60.0, max(vm.horizontalAdvance(t) for t in texts) + 8.0)
        return head, row_h, name_w, num_w, name_w + (w - name_w) / 2

    @staticmethod
    def value_font(row_h: float):
        """The numbers' font: bigger in taller rows."""
        return font(min(BIG_PT, max(MEDIUM_PT, int(row_h * 0.42))), bold=True)

    def paintEvent(self, ev) -> None:
        p = QPainter(self)
        th = self.theme
        p.fillRect(self.rect(), th.qcolor("bg"))
        if not self.rows:
            p.end()
            return
        w = self.width()
        head, row_h, name_w, num_w, cx = self.geometry_rows()
        half = (w - name_w) / 2 - num_w
        p.setFont(font(MEDIUM_PT, bold=True))
        p.setPen(th.qcolor("muted"))
        p.drawText(QRectF(name_w, 0, 30, head), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, "L")
        p.drawText(QRectF(w - 46, 0, 40, head), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "R")
        p.setFont(font(SMALL_PT, bold=True))
        p.setPen(th.qcolor("fg"))
        # between the L and the R (each ~15 px wide): one line where the old rect wrapped it
        p.drawText(QRectF(name_w + 20, 0, w - name_w - 44, head),
                   Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.header)
        bottom = head + len(self.rows) * row_h
        if self.target is not None:   # the target band, both sides, behind the bars
            band = QColor(OKABE_ITO["green"])
            band.setAlpha(70)
            lo, hi = min(1.0, self.target), min(1.0, self.target + TARGET_BAND)
            for sign in (-1, 1):
                x0, x1 = cx + sign * half * lo, cx + sign * half * hi
                p.fillRect(QRectF(min(x0, x1), head, abs(x1 - x0), bottom - head), band)
        value_font = self.value_font(row_h)
        for i, m in enumerate(self.rows):
            y = head + i * row_h
            p.setPen(th.qcolor("fg"))
            p.setFont(font(MEDIUM_PT, bold=True))
            p.drawText(QRectF(6, y, name_w - 6, row_h), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, m)
            for side, sign, colour in ((Side.LEFT, -1, th.left), (Side.RIGHT, 1, th.right)):
                v = self.values.get((m, side))
                if v is None or not math.isfinite(v):
                    continue
                f = self.fractions.get((m, side), 0.0)
                length = half * min(1.0, max(0.0, f if math.isfinite(f) else 0.0))
                bar = QRectF(cx, y + 0.18 * row_h, sign * length, 0.64 * row_h).normalized()
                unit = self.units.get((m, side))
                if unit is None:
                    p.fillRect(bar, QColor(colour))
                else:   # not on the shared scale: hatched, muted, with its unit
                    p.fillRect(bar, QBrush(th.qcolor("muted"), Qt.BrushStyle.BDiagPattern))
                text = QRectF(cx - half - num_w if sign < 0 else cx + half, y, num_w, row_h)
                p.setPen(th.qcolor("fg") if unit is None else th.qcolor("muted"))
                p.setFont(value_font)
                align = (Qt.AlignmentFlag.AlignRight if sign < 0 else Qt.AlignmentFlag.AlignLeft)
                p.drawText(text.adjusted(2, 0, -2, 0), align | Qt.AlignmentFlag.AlignVCenter, f"{v:.0f}")
                if unit is not None:   # beside the number, at the far end of its half (under it, it overlapped
                    p.setFont(font(SMALL_PT))   # the number in the short rows of a 1366x768 screen)
                    beside = QRectF(cx - half if sign < 0 else cx + half - 70, y, 70, row_h)
                    edge = Qt.AlignmentFlag.AlignLeft if sign < 0 else Qt.AlignmentFlag.AlignRight
                    p.drawText(beside.adjusted(2, 0, -2, 0), edge | Qt.AlignmentFlag.AlignVCenter, unit)
            p.setPen(QPen(th.qcolor("grid"), 1))
            p.drawLine(QPointF(cx, y), QPointF(cx, y + row_h))
        if self.target is not None:   # the band's edges, solid over the bars
            p.setPen(QPen(th.qcolor("fg"), 3))
            for frac in (self.target, self.target + TARGET_BAND):
                if frac <= 1.0:
                    for sign in (-1, 1):
                        x = cx + sign * half * frac
                        p.drawLine(QPointF(x, head), QPointF(x, bottom))
        if self.stale:
            paint_stale(p, self.rect(), th, f"STOPPED: {self.stale}")
        p.end()
