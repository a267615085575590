"""Colours and fonts: the Okabe-Ito colour-blind-safe palette (Okabe & Ito 2008,
"Color Universal Design"), light and dark themes, and sizes readable from 2 m.

Meaning never rests on colour alone: zones also print their value and a word,
sides are labelled L/R. Zones take green, orange and vermillion; the sides never
use those (a right-side trace in the "imbalance" colour reads as a judgement):
left and right are sky and yellow on the dark theme, blue and reddish purple on
the light one.
"""
from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtGui import QColor, QFont, QPalette
from PyQt6.QtWidgets import QApplication

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
ZONE_COLOURS = {"green": OKABE_ITO["green"], "amber": OKABE_ITO["orange"], "red": OKABE_ITO["vermillion"]}
ZONE_TEXT = {"green": "#ffffff", "amber": "#000000", "red": "#ffffff"}   # legible on each zone colour

# Point sizes: the gauges' numbers and the status figures must read from 2 m.
BIG_PT = 28
MEDIUM_PT = 15
SMALL_PT = 11


@dataclass(frozen=True)
class Theme:
    name: str
    bg: str
    panel: str
    fg: str
    muted: str
    grid: str
    left: str       # left-side traces and bars
    right: str      # right-side traces and bars
    midline: str
    body: str       # figure outline
    skin: str       # a muscle that is not on the montage
    banner: str

    def qcolor(self, attr: str) -> QColor:
        return QColor(getattr(self, attr))


THEMES = {
    "dark": Theme("dark", bg="#15181c", panel="#20242a", fg="#eceff1", muted="#9aa3ab", grid="#3a4048",
                  left=OKABE_ITO["sky"], right=OKABE_ITO["yellow"], midline=OKABE_ITO["purple"],
                  body="#c8cdd2", skin="#2c3138", banner=OKABE_ITO["vermillion"]),
    "light": Theme("light", bg="#fafafa", panel="#eef0f2", fg="#111418", muted="#505860", grid="#c9ced3",
                   left=OKABE_ITO["blue"], right=OKABE_ITO["purple"], midline="#505860",
                   body="#303840", skin="#dde1e5", banner=OKABE_ITO["vermillion"]),
}


def font(pt: int, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSize(pt)
    f.setBold(bold)
    return f


def apply(app: QApplication, theme: Theme) -> None:
    """Fusion style with the theme's palette, so every standard widget follows it."""
    # set once: setStyle() deletes the style every existing widget was polished with, and
    # replacing it while windows of an earlier dashboard were alive crashed Qt (a segfault in
    # the suite; switching theme only needs the palette)
    if app.style() is None or app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    p = QPalette()
    bg, panel, fg, muted = (QColor(c) for c in (theme.bg, theme.panel, theme.fg, theme.muted))
    for role, c in ((QPalette.ColorRole.Window, bg), (QPalette.ColorRole.Base, panel),
                    (QPalette.ColorRole.AlternateBase, bg), (QPalette.ColorRole.Button, panel),
                    (QPalette.ColorRole.WindowText, fg), (QPalette.ColorRole.Text, fg),
                    (QPalette.ColorRole.ButtonText, fg), (QPalette.ColorRole.ToolTipBase, panel),
                    (QPalette.ColorRole.ToolTipText, fg), (QPalette.ColorRole.PlaceholderText, muted),
                    (QPalette.ColorRole.Highlight, QColor(OKABE_ITO["blue"])),
                    (QPalette.ColorRole.HighlightedText, QColor("#ffffff"))):
        p.setColor(role, c)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, muted)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, muted)
    app.setPalette(p)
    f = app.font()
    f.setPointSize(SMALL_PT)
    app.setFont(f)


def restyle(widget, css: str) -> None:
    """Set ``widget``'s style sheet when it differs: setting one re-polishes the widget even
    when it is the same, and the status labels are set 4 times a second."""
    if widget.styleSheet() != css:
        widget.setStyleSheet(css)


def paint_stale(p, rect, theme: Theme, text: str) -> None:
    """Grey what was painted in ``rect`` (QPainter ``p``) and say when it stopped: old data
    must never look live (its zone colours least of all)."""
    from PyQt6.QtCore import QRectF, Qt
    veil = QColor(theme.bg)
    veil.setAlpha(205)
    p.fillRect(rect, veil)
    p.setPen(QColor(theme.fg))
    p.setFont(font(SMALL_PT, bold=True))
    p.drawText(QRectF(rect).adjusted(8, 4, -8, -4),
               Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap, text)


def fit_to_screen(w, width: int, height: int) -> None:
    """Open at ``width`` x ``height``, or smaller on a small screen (a 1366x768 laptop)."""
    screen = w.screen() or QApplication.primaryScreen()
    if screen is not None:
        avail = screen.availableGeometry()
        width, height = min(width, avail.width() - 20), min(height, avail.height() - 40)
        w.move(avail.x() + (avail.width() - width) // 2, avail.y() + (avail.height() - height) // 2)
    w.resize(width, height)
