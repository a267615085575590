"""The dashboard's control row: trace source and window, the levels' unit, quick
calibration and the theme. It only sends the choices as signals."""
from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from ..app.live import CALIBRATE_S
from .theme import MEDIUM_PT, THEMES, font

TRACE_WINDOW_MAX_S = 30.0   # the longest trace window offered


class ControlRow(QWidget):
    view_changed = pyqtSignal(str)          # "raw" | "filtered"
    window_changed = pyqtSignal(float)      # seconds of traces
    theme_changed = pyqtSignal(str)
    calibrate_requested = pyqtSignal(str)   # rest | mvc | clear | peak (LiveSession.calibrate)

    def __init__(self, window_s: float, theme: str, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        self.view_picker = QComboBox()
        self.view_picker.addItem("raw", "raw")
        self.view_picker.addItem("filtered", "filtered")
        self.view_picker.currentIndexChanged.connect(lambda i: self.view_changed.emit(self.view_picker.itemData(i)))
        self.window_spin = QDoubleSpinBox()
        self.window_spin.setRange(2.0, TRACE_WINDOW_MAX_S)
        self.window_spin.setSingleStep(1.0)
        self.window_spin.setDecimals(0)
        self.window_spin.setSuffix(" s")
        self.window_spin.setValue(window_s)
        self.window_spin.valueChanged.connect(lambda v: self.window_changed.emit(float(v)))
        self.theme_picker = QComboBox()
        for name in THEMES:
            self.theme_picker.addItem(f"{name} theme", name)
        self.theme_picker.setCurrentIndex(self.theme_picker.findData(theme))
        self.theme_picker.currentIndexChanged.connect(lambda i: self.theme_changed.emit(self.theme_picker.itemData(i)))
        for w in (self.view_picker, self.window_spin, self.theme_picker):
            w.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.calibrate_button = QToolButton()
        self.calibrate_button.setText("Calibrate ")
        self.calibrate_button.setMinimumWidth(110)
        self.calibrate_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.calibrate_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        menu = QMenu(self.calibrate_button)
        for text, what in ((f"Rest baseline = the last {CALIBRATE_S:g} s", "rest"),
                           (f"MVC, every channel = the last {CALIBRATE_S:g} s", "mvc"), (None, ""),
                           ("Forget the MVC references", "clear"), ("Start a new task peak", "peak")):
            if text is None:
                menu.addSeparator()
            else:
                menu.addAction(text, lambda what=what: self.calibrate_requested.emit(what))
        self.calibrate_button.setMenu(menu)
        self.norm_label = QLabel()   # the levels' unit, read from across the room
        self.norm_label.setFont(font(MEDIUM_PT, bold=True))
        # as wide as its longest text from the start: a longer text arriving mid-session was clipped at 1366x768
        self.norm_label.setMinimumWidth(self.norm_label.fontMetrics().horizontalAdvance(
            "levels: %MVC where calibrated, else % peak / µV"))
        for w in (QLabel("Traces"), self.view_picker, QLabel("window"), self.window_spin, 1, self.norm_label, 1,
                  self.calibrate_button, self.theme_picker):
            lay.addStretch(1) if w == 1 else lay.addWidget(w)

    def set_view(self, view: str) -> None:
        """Show ``view`` as chosen without sending it back."""
        self.view_picker.blockSignals(True)
        self.view_picker.setCurrentIndex(self.view_picker.findData(view))
        self.view_picker.blockSignals(False)
