"""The recording bar: record/stop with elapsed time and file size, and the
marker button (the space bar does the same) with an optional label."""
from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from .theme import MEDIUM_PT, OKABE_ITO, font, restyle

MARKER_TEXT_W = 240


def human_size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return ""


class RecordBar(QWidget):
    record_requested = pyqtSignal()
    stop_requested = pyqtSignal()
    marker_requested = pyqtSignal(str)
    folder_requested = pyqtSignal()

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        self.record_button = QPushButton("● Record")
        self.record_button.setFont(font(MEDIUM_PT, bold=True))
        self.record_button.clicked.connect(self._toggle)
        self.folder_button = QPushButton("Folder…")
        self.folder_button.setToolTip("where recordings are saved")
        self.folder_button.clicked.connect(self.folder_requested)
        self.info = QLabel("not recording")
        self.info.setFont(font(MEDIUM_PT, bold=True))
        # as wide as its widest text from the start: a recording starting never widens the window
        self.info.setMinimumWidth(self.info.fontMetrics().horizontalAdvance("● REC 00:00  999.9 MB") + 8)
        self.marker_button = QPushButton("Marker (space)")
        self.marker_button.setFont(font(MEDIUM_PT))
        self.marker_button.clicked.connect(self.request_marker)
        self.label = QLineEdit()
        self.label.setPlaceholderText("marker label (optional)")
        self.label.setMinimumWidth(260)
        self.label.returnPressed.connect(self.request_marker)
        # a fixed width, so the first marker's text does not push the button and the field aside
        self.last_marker = QLabel("")
        self.last_marker.setFixedWidth(MARKER_TEXT_W)
        for b in (self.record_button, self.folder_button, self.marker_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the space bar must never press them
        lay.addWidget(self.record_button)
        lay.addWidget(self.folder_button)
        lay.addWidget(self.info)
        lay.addStretch(1)
        lay.addWidget(self.marker_button)
        lay.addWidget(self.label)
        lay.addWidget(self.last_marker)
        self.recording = False

    def _toggle(self) -> None:
        (self.stop_requested if self.recording else self.record_requested).emit()

    def request_marker(self) -> None:
        self.marker_requested.emit(self.label.text().strip())
        self.label.clear()

    def set_recording(self, recording: bool) -> None:
        self.recording = recording
        self.folder_button.setEnabled(not recording)
        self.record_button.setText("■ Stop" if recording else "● Record")
        restyle(self.record_button, f"color: {OKABE_ITO['vermillion']}" if not recording else "")
        if not recording:
            self.info.setText("not recording")
            restyle(self.info, "")

    def show_progress(self, elapsed_s: float, size_bytes: int, path: str) -> None:
        m, s = divmod(int(elapsed_s), 60)
        self.info.setText(f"● REC {m:02d}:{s:02d}  {human_size(size_bytes)}")
        restyle(self.info, f"color: {OKABE_ITO['vermillion']}")
        self.info.setToolTip(path)

    def show_marker(self, onset_s: float, label: str) -> None:
        text = f"marker at {onset_s:.1f} s{': ' + label if label else ''}"
        self.last_marker.setToolTip(text)
        self.last_marker.setText(self.last_marker.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight,
                                                                           MARKER_TEXT_W - 4))
