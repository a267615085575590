"""One clear line across the window: an error (white on vermillion) or a note (the text
colour on the panel, with a blue edge, so it never looks like selected text)."""
from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from .theme import MEDIUM_PT, OKABE_ITO, THEMES, Theme, font


class Banner(QWidget):
    """Its height is always reserved, so a message appearing or going never moves the
    plots (nothing jumps); a long message is elided, with the whole text in the tooltip
    and the accessible description."""

    def __init__(self, parent=None, theme: Theme = THEMES["dark"]):
        super().__init__(parent)
        self.theme = theme
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 2, 8, 2)
        self.label = QLabel()
        self.label.setFont(font(MEDIUM_PT, bold=True))
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.close_button = QPushButton("✕")
        self.close_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_button.setFixedWidth(36)
        self.close_button.clicked.connect(self.hide)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.close_button)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFixedHeight(self.sizeHint().height())
        self.setAccessibleName("message")
        self.kind = ""
        self.full_text = ""
        self.hide()

    @property
    def shown(self) -> bool:
        """A message is up (the widget itself always keeps its place)."""
        return bool(self.kind)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        if self.kind:
            self._style()

    def _style(self) -> None:
        if self.kind == "error":
            self.setStyleSheet(f"Banner {{ background: {OKABE_ITO['vermillion']}; }} QLabel {{ color: white; }}")
        else:
            self.setStyleSheet(f"Banner {{ background: {self.theme.panel}; border-left: 6px solid {OKABE_ITO['blue']}; }}"
                               f" QLabel {{ color: {self.theme.fg}; }}")

    def show_message(self, text: str, kind: str = "error") -> None:
        self.full_text = text
        self.kind = kind
        self._style()
        self.label.setToolTip(text)
        self.setAccessibleDescription(f"{kind}: {text}")
        self.close_button.show()
        self._elide()

    def hide(self) -> None:
        self.kind = self.full_text = ""
        self.setStyleSheet("")
        self.label.setText("")
        self.label.setToolTip("")
        self.setAccessibleDescription("")
        self.close_button.hide()

    def _elide(self) -> None:
        if self.kind:
            fm = self.label.fontMetrics()
            self.label.setText(fm.elidedText(self.full_text, Qt.TextElideMode.ElideRight, max(50, self.label.width())))

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self._elide()
