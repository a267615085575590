"""The activation map: a drawn lower body (left side, back, right side views)
whose muscles fill with their live level, and a left/right bar per muscle.

Shapes are smooth closed paths through hand-placed points in a 100 x 200 box
per view (y down: waist at the top, knees at the bottom). The back view shows
the patient from behind, so the patient's left is on the viewer's left. Fill
colour is the viridis map (van der Walt & Smith 2015: perceptually uniform,
readable with colour-vision deficiency, dark = low, bright = high) of
level / full scale, with a colour bar below; muscles not on the montage are
dashed outlines.
"""
from __future__ import annotations

import math

import pyqtgraph as pg
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QPainter, QPainterPath, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from ..montage import Montage
from ..types import Side
from .theme import MEDIUM_PT, SMALL_PT, Theme, font

Pts = list[tuple[float, float]]

# (muscle, view) -> outline points for the patient's LEFT side; the right side is mirrored.
# Back view: patient's left on the viewer's left (x < 50). Side view: the left side,
# patient facing the viewer's left (anterior at small x).
BACK: dict[str, Pts] = {
    "es":   [(41, 6), (47, 6), (48, 35), (47, 64), (42, 64), (40, 35)],
    "gmed": [(20, 62), (30, 58), (39, 64), (36, 76), (24, 80), (18, 72)],
    "gmax": [(24, 78), (37, 70), (48, 80), (48, 98), (38, 106), (26, 100), (22, 90)],
    "bf":   [(24, 108), (32, 108), (35, 140), (33, 168), (27, 168), (22, 140)],
    "st":   [(36, 108), (46, 108), (46, 140), (43, 168), (37, 168), (36, 140)],
}
SIDE: dict[str, Pts] = {
    "es":   [(62, 6), (70, 6), (71, 35), (69, 62), (63, 62), (61, 35)],
    "gmed": [(42, 60), (56, 56), (66, 64), (60, 76), (46, 78), (40, 70)],
    "tfl":  [(28, 70), (38, 70), (42, 84), (40, 100), (32, 100), (27, 86)],
    "gmax": [(62, 72), (74, 74), (78, 90), (72, 104), (62, 102), (60, 88)],
    "rf":   [(24, 102), (32, 102), (34, 130), (32, 162), (26, 162), (23, 130)],
    "vl":   [(35, 104), (52, 104), (56, 135), (50, 168), (38, 168), (34, 135)],
    "vm":   [(24, 150), (32, 148), (35, 164), (31, 174), (24, 172)],
    "bf":   [(56, 106), (68, 106), (70, 136), (64, 168), (56, 168), (57, 136)],
}
BACK_OUTLINE: Pts = [(30, 0), (70, 0), (72, 40), (82, 62), (84, 100), (78, 140), (74, 175), (74, 196),
                     (54, 196), (52, 120), (50, 110), (48, 120), (46, 196), (26, 196), (26, 175),
                     (22, 140), (16, 100), (18, 62), (28, 40)]
SIDE_OUTLINE: Pts = [(30, 0), (68, 0), (74, 40), (70, 62), (80, 86), (74, 108), (70, 140), (66, 175),
                     (64, 196), (28, 196), (22, 170), (20, 130), (24, 96), (26, 66), (30, 40)]


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
        self.legend = ""
        self.setMinimumSize(300, 260)
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

    def set_montage(self, montage: Montage) -> None:
        self.montage = montage
        self.fractions = {}
        self.update()

    def set_levels(self, fractions: dict[tuple[str, Side], float], legend: str) -> None:
        """``fractions``: (muscle, side) -> level / full scale, 0..1; ``legend``: what
        the top of the colour bar means (``100 %MVC``)."""
        self.fractions = fractions
        self.legend = legend
        self.update()

    def colour(self, fraction: float) -> QColor:
        f = fraction if math.isfinite(fraction) else 0.0
        return self.lut[int(round(min(1.0, max(0.0, f)) * 255))]

    def paintEvent(self, ev) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        th = self.theme
        p.fillRect(self.rect(), th.qcolor("bg"))
        w, h = self.width(), self.height()
        title_h, legend_h = 26, 30
        scale = min(w / (3 * 100 + 40), (h - title_h - legend_h - 8) / 200)
        x0 = (w - scale * 300 - 40 * scale) / 2
        on = {(c.muscle, c.side) for c in self.montage.channels} if self.montage else set()
        outline_pen = QPen(th.qcolor("body"), 1.5)
        outline_pen.setCosmetic(True)
        for k, (title, body, muscles) in enumerate(self._shapes):
            ox = x0 + k * (100 + 20) * scale
            p.setFont(font(SMALL_PT, bold=True))
            p.setPen(th.qcolor("muted"))
            p.drawText(QRectF(ox, 0, 100 * scale, title_h), Qt.AlignmentFlag.AlignCenter, title)
            p.save()
            p.translate(ox, title_h)
            p.scale(scale, scale)
            p.setPen(outline_pen)
            p.setBrush(th.qcolor("skin"))
            p.drawPath(body)
            for m, side, path in muscles:
                if (m, side) in on:
                    p.setBrush(self.colour(self.fractions.get((m, side), 0.0)))
                    pen = QPen(th.qcolor("body"), 1.0)
                else:
                    p.setBrush(Qt.BrushStyle.NoBrush)
                    pen = QPen(th.qcolor("grid"), 1.0, Qt.PenStyle.DashLine)
                pen.setCosmetic(True)
                p.setPen(pen)
                p.drawPath(path)
            p.restore()
        # colour bar: what a fill means
        y = title_h + 200 * scale + 6
        bar_w = min(260.0, w - 220)
        bx = (w - bar_w) / 2 - 40
        for i in range(64):
            p.fillRect(QRectF(bx + i * bar_w / 64, y, bar_w / 64 + 1, 10), self.lut[i * 4])
        p.setFont(font(SMALL_PT))
        p.setPen(th.qcolor("fg"))
        p.drawText(QRectF(bx - 60, y - 4, 54, 18), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "0")
        p.drawText(QRectF(bx + bar_w + 6, y - 4, 200, 18), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   self.legend)
        p.end()


class ActivationBars(QWidget):
    """One row per muscle on the montage: the left level as a bar growing left,
    the right one growing right, with the numbers at the bar ends."""

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.theme = theme
        self.rows: list[str] = []
        self.values: dict[tuple[str, Side], float] = {}
        self.fractions: dict[tuple[str, Side], float] = {}
        self.header = ""
        self.setMinimumHeight(120)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.update()

    def set_montage(self, montage: Montage) -> None:
        self.rows = list(dict.fromkeys(c.muscle for c in montage.channels))
        self.values = {}
        self.setMinimumHeight(28 * len(self.rows) + 30)
        self.update()

    def set_levels(self, values: dict[tuple[str, Side], float], fractions: dict[tuple[str, Side], float],
                   header: str) -> None:
        """``values`` to print and ``fractions`` (of full scale, 0..1) for the bar lengths."""
        self.values, self.fractions, self.header = values, fractions, header
        self.update()

    def paintEvent(self, ev) -> None:
        p = QPainter(self)
        th = self.theme
        p.fillRect(self.rect(), th.qcolor("bg"))
        if not self.rows:
            p.end()
            return
        w = self.width()
        head = 24
        row_h = min(40.0, (self.height() - head) / len(self.rows))
        name_w, num_w = 64, 44
        cx = name_w + (w - name_w) / 2
        half = (w - name_w) / 2 - num_w
        p.setFont(font(SMALL_PT, bold=True))
        p.setPen(th.qcolor("muted"))
        p.drawText(QRectF(name_w, 0, w - name_w, head), Qt.AlignmentFlag.AlignCenter,
                   f"L ◀  {self.header}  ▶ R")
        for i, m in enumerate(self.rows):
            y = head + i * row_h
            p.setPen(th.qcolor("fg"))
            p.setFont(font(MEDIUM_PT, bold=True))
            p.drawText(QRectF(0, y, name_w, row_h), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, m)
            for side, sign, colour in ((Side.LEFT, -1, th.left), (Side.RIGHT, 1, th.right)):
                v = self.values.get((m, side))
                if v is None or not math.isfinite(v):
                    continue
                f = self.fractions.get((m, side), 0.0)
                length = half * min(1.0, max(0.0, f if math.isfinite(f) else 0.0))
                bar = QRectF(cx, y + 0.2 * row_h, sign * length, 0.6 * row_h).normalized()
                p.fillRect(bar, QColor(colour))
                text = QRectF(cx - half - num_w if sign < 0 else cx + half, y, num_w, row_h)
                p.setPen(th.qcolor("fg"))
                p.setFont(font(MEDIUM_PT))
                align = (Qt.AlignmentFlag.AlignRight if sign < 0 else Qt.AlignmentFlag.AlignLeft)
                p.drawText(text.adjusted(4, 0, -4, 0), align | Qt.AlignmentFlag.AlignVCenter, f"{v:.0f}")
            p.setPen(QPen(th.qcolor("grid"), 1))
            p.drawLine(QPointF(cx, y), QPointF(cx, y + row_h))
        p.end()
