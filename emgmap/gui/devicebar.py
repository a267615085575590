"""The device bar: device picker, connect/disconnect, montage editor and the
always-visible stream status (state, measured rate, dropped samples, latency)."""
from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel,
                             QLineEdit, QPushButton, QTableWidget, QVBoxLayout, QWidget)

from ..montage import MUSCLES, UNASSIGNED, Channel, Montage, MusclePair
from ..session import State, Status
from ..types import DeviceError, EmgmapError, MontageError, Remedy, Side
from .theme import MEDIUM_PT, OKABE_ITO, Theme, font, restyle

REPLAY_ITEM = "Replay a recording…"
# What to do about a device that cannot be opened, said for the dashboard (types.Remedy)
REMEDY_TEXT = {Remedy.LIST_DEVICES: "plug it in, pick it in the Device list and press Connect"}


def error_text(e: EmgmapError) -> str:
    """The error in one sentence, its remedy said the dashboard's way (not a command to type)."""
    if isinstance(e, DeviceError) and e.remedy in REMEDY_TEXT:
        return f"{e.problem}; {REMEDY_TEXT[e.remedy]}{e.detail}"
    return str(e)

STATE_COLOURS = {State.STREAMING: OKABE_ITO["green"], State.CONNECTING: OKABE_ITO["yellow"],
                 State.RECONNECTING: OKABE_ITO["orange"],
                 State.LOST: OKABE_ITO["vermillion"], State.ERROR: OKABE_ITO["vermillion"]}
STATE_WORDS = {State.IDLE: "not connected", State.CONNECTING: "connecting", State.STREAMING: "connected",
               State.LOST: "device lost", State.RECONNECTING: "reconnecting", State.ERROR: "error",
               State.STOPPED: "disconnected"}
PREPARING = "preparing"   # streaming, while a first start compiles the filters (Status.preparing)
PREPARING_TIP = ("preparing the signal filters: the first start on this computer compiles them, about 20 s; "
                 "the data is kept and shown when they are ready; later starts take under a second")


def usb_serial(port) -> bool:
    """Whether a port found by pyserial can be a USB board (an OpenBCI dongle, a
    microcontroller): it has a USB vendor id. A motherboard UART (/dev/ttyS0) has none
    and never carries a board, so it is not offered."""
    return port.vid is not None


def device_choices(ports=None) -> list[tuple[str, str]]:
    """(label, spec) for the picker: simulator scenarios, the USB serial ports found now
    (``ports``: pyserial's ``comports()`` by default), BrainFlow boards."""
    from ..sim import SCENARIOS
    out = [("Simulator", "sim")]
    out += [(f"Simulator: {s.name}", f"sim:?scenario={s.name}") for s in SCENARIOS.values() if s.name != "healthy"]
    out.append(("Simulator: 16 channels, 2 kHz", "sim:?channels=16&fs=2000"))
    if ports is None:
        try:
            from serial.tools import list_ports
            ports = list_ports.comports()
        except Exception:  # pyserial missing or the port scan failed: still offer the rest
            ports = []
    for port in sorted((p.device for p in ports if usb_serial(p))):
        out.append((f"Serial board on {port}", f"serial:{port}"))
        out.append((f"OpenBCI Cyton on {port}", f"brainflow:cyton?port={port}"))
        out.append((f"OpenBCI Cyton + Daisy on {port}", f"brainflow:cyton_daisy?port={port}"))
    out.append(("BrainFlow synthetic board", "brainflow:synthetic"))
    return out


class DevicePicker(QComboBox):
    """The device list, scanned again each time it opens: a board plugged in meanwhile is there."""

    def refresh(self) -> None:
        """List the devices found now; the chosen or typed text stays."""
        text = self.currentText()
        self.blockSignals(True)
        self.clear()
        for label, spec in device_choices():
            self.addItem(label, spec)
        self.addItem(REPLAY_ITEM, "")
        i = self.findText(text)
        if i >= 0:
            self.setCurrentIndex(i)
        else:
            self.setEditText(text)
        self.blockSignals(False)

    def showPopup(self) -> None:
        self.refresh()
        super().showPopup()


class DeviceBar(QWidget):
    connect_requested = pyqtSignal(str)
    disconnect_requested = pyqtSignal()
    montage_requested = pyqtSignal()

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.theme = theme
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        self.picker = DevicePicker()
        self.picker.setEditable(True)
        self.picker.setMinimumContentsLength(22)
        self.picker.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.picker.setToolTip("Pick a device or type a spec, e.g. serial:/dev/ttyACM0?fs=1000&channels=4")
        self.picker.refresh()
        # a typed spec stays text (an inserted item had no spec, so Enter connected to "")
        self.picker.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.picker.activated.connect(self._picked)
        self.picker.lineEdit().returnPressed.connect(lambda: self.connect_requested.emit(self.spec()))
        self.connect_button = QPushButton("Connect")
        self.montage_button = QPushButton("Montage…")
        for b in (self.connect_button, self.montage_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.connect_button.clicked.connect(self._toggle)
        self.montage_button.clicked.connect(self.montage_requested)
        self.state_label = QLabel()
        self.rate_label = QLabel()
        self.dropped_label = QLabel()
        self.latency_label = QLabel()
        # each as wide as its widest text: a status changing never widens the window
        for lab, widest in ((self.state_label, "● replay finished"), (self.rate_label, "0000.0 Hz"),
                            (self.dropped_label, "99999 dropped"), (self.latency_label, "9999 ms to screen")):
            lab.setFont(font(MEDIUM_PT, bold=True))
            lab.setMinimumWidth(lab.fontMetrics().horizontalAdvance(widest) + 4)
        lay.addWidget(QLabel("Device"))
        lay.addWidget(self.picker, 1)
        lay.addWidget(self.connect_button)
        lay.addWidget(self.montage_button)
        lay.addSpacing(16)
        for lab in (self.state_label, self.rate_label, self.dropped_label, self.latency_label):
            lay.addWidget(lab)
            lay.addSpacing(12)
        self.connected = False
        self.show_status(Status(), None)

    def spec(self) -> str:
        """The spec of the chosen entry, or the typed text when it was edited."""
        text = self.picker.currentText().strip()
        data = self.picker.itemData(self.picker.findText(text))
        return text if data is None else data

    def set_spec(self, spec: str) -> None:
        i = self.picker.findData(spec)
        if i >= 0:
            self.picker.setCurrentIndex(i)
        else:
            self.picker.setEditText(spec)

    def _picked(self, index: int) -> None:
        if self.picker.itemText(index) == REPLAY_ITEM:
            path, _ = QFileDialog.getOpenFileName(self, "Replay a recording", "", "emgmap recordings (*.h5)")
            if path:
                self.picker.setEditText(f"replay:{path}")

    def _toggle(self) -> None:
        if self.connected:
            self.disconnect_requested.emit()
        else:
            self.connect_requested.emit(self.spec())

    def set_connected(self, connected: bool) -> None:
        """The picker stays usable while connected: picking or typing another device and
        pressing Enter switches to it."""
        self.connected = connected
        self.connect_button.setText("Disconnect" if connected else "Connect")

    def show_status(self, st: Status, latency_ms: float | None, nominal_fs: float | None = None,
                    paced: bool = True, ended: bool = False) -> None:
        """``ended``: a replay played to its end (not a device lost)."""
        preparing = st.state == State.STREAMING and st.preparing and not ended
        if ended:
            word, colour = "replay finished", self.theme.muted
        elif preparing:
            word, colour = PREPARING, STATE_COLOURS[State.CONNECTING]
        else:
            word, colour = STATE_WORDS[st.state], STATE_COLOURS.get(st.state, self.theme.muted)
        self.state_label.setText(f"● {word}")
        self.state_label.setToolTip(PREPARING_TIP if preparing else "")
        restyle(self.state_label, f"color: {colour}")
        if st.state == State.STREAMING and st.samples:
            self.rate_label.setText(f"{st.measured_rate:7.1f} Hz" if paced else "unpaced")
        else:
            self.rate_label.setText("— Hz")
        self.dropped_label.setText(f"{st.dropped_samples} dropped")
        restyle(self.dropped_label, f"color: {OKABE_ITO['vermillion']}" if st.dropped_samples else "")
        self.latency_label.setText(f"{latency_ms:3.0f} ms to screen" if latency_ms is not None else "— ms to screen")
        self.rate_label.setToolTip(f"measured sample rate (nominal {nominal_fs:g} Hz)" if nominal_fs else
                                   "measured sample rate")
        self.latency_label.setToolTip("time from a sample's arrival to the frame that drew it (median of the last second)")


class MontageEditor(QDialog):
    """Channel -> muscle and side, and the agonist:antagonist pairs; returns a validated Montage."""

    def __init__(self, montage: Montage, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Montage")
        lay = QVBoxLayout(self)
        self.table = QTableWidget(len(montage), 3)
        self.table.setHorizontalHeaderLabels(["channel", "muscle", "side"])
        self.names = [c.name for c in montage.channels]
        self.placements = [c.placement for c in montage.channels]
        self.muscles = [c.muscle for c in montage.channels]
        for i, ch in enumerate(montage.channels):
            name = QLabel(ch.name)
            self.table.setCellWidget(i, 0, name)
            muscle = QComboBox()
            muscle.addItem("unassigned (recorded, not analysed)", UNASSIGNED)
            for key, m in MUSCLES.items():
                muscle.addItem(f"{key} ({m.name})", key)
            muscle.setCurrentIndex(muscle.findData(ch.muscle))
            side = QComboBox()
            for s in Side:
                side.addItem(s.value, s.value)
            side.setCurrentIndex(side.findData(ch.side.value))
            self.table.setCellWidget(i, 1, muscle)
            self.table.setCellWidget(i, 2, side)
        self.table.resizeColumnsToContents()
        lay.addWidget(self.table)
        lay.addWidget(QLabel("Agonist:antagonist pairs, comma separated (e.g. gmed:tfl, bf+st:rf+vm)"))
        self.pairs = QLineEdit(", ".join(p.name for p in montage.pairs))
        lay.addWidget(self.pairs)
        self.error = QLabel()
        self.error.setStyleSheet(f"color: {OKABE_ITO['vermillion']}")
        self.error.setWordWrap(True)
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.result_montage: Montage | None = None
        self.resize(560, 520)

    def montage(self) -> Montage:
        """The edited montage; raises MontageError naming the bad field."""
        chans = []
        for i, name in enumerate(self.names):
            muscle = self.table.cellWidget(i, 1).currentData()
            if muscle == UNASSIGNED:
                chans.append(Channel.unassigned(name))
                continue
            side = Side(self.table.cellWidget(i, 2).currentData())
            # a channel moved to another muscle takes that muscle's standard placement
            placement = self.placements[i] if muscle == self.muscles[i] else MUSCLES[muscle].placement
            chans.append(Channel(name, muscle, side, placement))
        pairs = tuple(MusclePair.parse(t.strip()) for t in self.pairs.text().split(",") if t.strip())
        return Montage(tuple(chans), pairs)

    def _accept(self) -> None:
        try:
            self.result_montage = self.montage()
        except MontageError as e:
            self.error.setText(str(e))
            return
        self.accept()
