"""The patient-facing biofeedback screen: full screen, one large bar per target muscle
with its %MVC target band, the rep's hit count and hold timer, and a cue when the
antagonist takes over. It draws :class:`~emgmap.app.biofeedback_view.BiofeedbackView`
(Qt-free, tested without Qt) and sends the keys back as intents.

Made to be watched from a plinth 2-3 m away: the level is a bar a third of the
screen wide at most, numbers are 48-96 pt, the band is outlined thick and fills
green while the level is in it (the side colour is the bar's, never a zone
colour). Keys: ↑/↓ move the selected muscle's band, ←/→ (Tab) select a muscle,
Esc or B back to the clinician view.
"""
from __future__ import annotations

import math

from PyQt6.QtCore import QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QPainter, QPen
from PyQt6.QtWidgets import QWidget

from ..app.biofeedback_view import BiofeedbackView, TargetBar
from ..types import Side
from .theme import OKABE_ITO, Theme, font

SCALE_MIN_PCT = 100.0   # the bars span 0..100 %MVC (more when a band reaches higher)
CUE_PT = 40
VALUE_PT = 72
TITLE_PT = 32
COUNT_PT = 28


def bar_scale(view: BiofeedbackView) -> float:
    """Top of every bar, %MVC: 100, or a 20 % step above the highest band."""
    top = max((b.band[1] for b in view.bars), default=0.0)
    return max(SCALE_MIN_PCT, math.ceil((top + 20.0) / 20.0) * 20.0)


class PatientView(QWidget):
    """The full-screen biofeedback widget; :meth:`set_view` with each new view."""

    nudge_requested = pyqtSignal(str, int)   # muscle, steps (+1 up)
    close_requested = pyqtSignal()

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.theme = theme
        self.view = BiofeedbackView()
        self.selected = 0
        self.setWindowTitle("emgmap · biofeedback")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(640, 480)
        self.setAccessibleName("biofeedback")

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.update()

    def show_full_screen(self) -> None:
        """Cover the screen the clinician's window is on (also without a window manager)."""
        screen = (self.parentWidget() or self).screen() or self.screen()
        self.setGeometry(screen.geometry())
        self.showFullScreen()

    def set_view(self, view: BiofeedbackView) -> None:
        self.view = view
        self.selected = min(self.selected, max(0, len(self.muscles) - 1))
        self.setAccessibleDescription(view.spoken)
        self.update()

    @property
    def muscles(self) -> list[str]:
        return list(dict.fromkeys(b.muscle for b in self.view.bars))

    # -- keys ------------------------------------------------------------------------
    def keyPressEvent(self, ev) -> None:
        K = Qt.Key
        key = ev.key()
        muscles = self.muscles
        if key in (K.Key_Escape, K.Key_B):
            self.close_requested.emit()
        elif key in (K.Key_Up, K.Key_Down) and muscles:
            self.nudge_requested.emit(muscles[self.selected], 1 if key == K.Key_Up else -1)
        elif key in (K.Key_Right, K.Key_Tab) and muscles:
            self.selected = (self.selected + 1) % len(muscles)
            self.update()
        elif key == K.Key_Left and muscles:
            self.selected = (self.selected - 1) % len(muscles)
            self.update()
        else:
            super().keyPressEvent(ev)

    # -- painting ------------------------------------------------------------------------
    def columns(self) -> list[tuple[QRectF, QRectF]]:
        """(bar, numbers) rectangles of each target: the bar on the left of its column, the
        value, hits and hold to its right."""
        n = max(1, len(self.view.bars))
        top, bottom = 130.0, self.height() - 110.0
        gap = 40.0
        col_w = (self.width() - gap * (n + 1)) / n
        bar_w = min(col_w * 0.45, self.width() / 3)
        out = []
        for i in range(n):
            x = gap + i * (col_w + gap)
            bar = QRectF(x + 18, top, bar_w - 36, max(40.0, bottom - top))
            out.append((bar, QRectF(x + bar_w + 12, top, col_w - bar_w - 12, bar.height())))
        return out

    def paintEvent(self, ev) -> None:
        th = self.theme
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), th.qcolor("bg"))
        v = self.view
        w = self.width()
        # the cue line: the antagonist taking over, else what to do
        cue = QRectF(20, 14, w - 40, 96)
        if v.cues:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(OKABE_ITO["vermillion"]))
            p.drawRoundedRect(cue, 14, 14)
            p.setPen(QColor("#ffffff"))
            text = "⚠ " + "; ".join(c.text for c in v.cues)
        else:
            p.setPen(th.qcolor("fg"))
            text = ("Bring the bar into the band and hold it" if v.calibrated else
                    "Calibrate the MVC first: the target is in %MVC" if v.bars else
                    "No target muscle on this montage")
        box = cue.adjusted(16, 4, -16, -4)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        pt = CUE_PT
        while pt > 14:   # the largest size at which the whole cue fits its band
            p.setFont(font(pt, bold=True))
            if box.contains(p.fontMetrics().boundingRect(box.toRect(), int(flags.value), text).toRectF()):
                break
            pt -= 2
        p.drawText(box, flags, text)
        scale = bar_scale(v)
        muscles = self.muscles
        for bar, (r, numbers) in zip(v.bars, self.columns()):
            self._paint_bar(p, bar, r, numbers, scale, bool(muscles) and bar.muscle == muscles[self.selected])
        p.end()

    def _paint_bar(self, p: QPainter, bar: TargetBar, r: QRectF, vr: QRectF, scale: float, selected: bool) -> None:
        th = self.theme
        side_colour = QColor(th.left if bar.side == Side.LEFT else th.right)
        # the track
        p.setPen(QPen(th.qcolor("fg") if selected else th.qcolor("grid"), 4 if selected else 2))
        p.setBrush(th.qcolor("panel"))
        p.drawRoundedRect(r, 10, 10)

        def y_of(pct: float) -> float:
            return r.bottom() - min(1.0, max(0.0, pct / scale)) * r.height()

        lo, hi = bar.band
        band = QRectF(r.x() - 18, y_of(hi), r.width() + 36, y_of(lo) - y_of(hi))
        if bar.calibrated:
            fill = QColor(OKABE_ITO["green"])
            fill.setAlpha(200 if bar.in_band else 60)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(fill)
            p.drawRect(band)
            level = QRectF(r.x() + 12, y_of(bar.value), r.width() - 24, r.bottom() - y_of(bar.value))
            p.setBrush(side_colour)
            p.drawRect(level)
            # the band's edges over the bar, thick, so they read against it
            p.setPen(QPen(th.qcolor("fg"), 5))
            p.drawLine(band.topLeft(), band.topRight())
            p.drawLine(band.bottomLeft(), band.bottomRight())
        p.setPen(th.qcolor("fg"))
        p.setFont(font(TITLE_PT, bold=True))
        p.drawText(QRectF(r.x() - 18, r.bottom() + 6, vr.right() - r.x() + 18, 50),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, bar.title)
        # the number beside the bar, the rep's hits and hold under it
        p.setFont(font(VALUE_PT, bold=True))
        p.setPen(th.qcolor("fg") if bar.calibrated else th.qcolor("muted"))
        value = f"{bar.value:.0f}" if bar.calibrated else "—"
        p.drawText(vr, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, value)
        p.setFont(font(COUNT_PT, bold=True))
        if bar.calibrated:
            lines = [f"hits {bar.hits}", f"hold {bar.hold_s:.1f} s", f"best {bar.best_hold_s:.1f} s",
                     f"target {lo:g}-{hi:g}"]
        else:
            lines = ["calibrate", "MVC"]
        p.setPen(th.qcolor("fg"))
        p.drawText(vr.adjusted(0, VALUE_PT + 40, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                   "\n".join(lines))
