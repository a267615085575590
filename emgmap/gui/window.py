"""The main window: device bar, traces, activation map, index gauges, recording.

Views pull from the session on one QTimer (``fps``, default 60 Hz): traces
every frame, the activation map at 20 Hz, numbers, gauges and status at 4 Hz
(numbers that change 60 times a second cannot be read), channel quality once
a second. The session's worker never touches Qt; closing the window stops the
timer, the recorder and the session.
"""
from __future__ import annotations

import collections
import threading
import time
from pathlib import Path

import numpy as np
from PyQt6.QtCore import QByteArray, QEventLoop, Qt, QTimer
from PyQt6.QtGui import QKeySequence
from PyQt6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QHBoxLayout, QLabel, QMainWindow, QMenu,
                             QPushButton, QScrollArea, QSizePolicy, QSplitter, QToolButton, QVBoxLayout, QWidget)

from ..app.biofeedback_view import BiofeedbackModel
from ..app.gauges import GaugesModel
from ..app.levels import LevelsModel
from ..app.live import CALIBRATE_S, LiveSession, MessageKind, MontageOrigin
from ..clock import SYSTEM_CLOCK, Clock
from ..montage import Montage
from ..protocols import Protocol, Zones
from ..quality import channel_quality
from ..sinks.recorder import RecorderState
from ..session import Session, State
from ..types import EmgmapError, Side
from . import settings as settings_mod
from .banner import Banner
from .bodymap import ActivationBars, BodyMap
from .devicebar import DeviceBar, MontageEditor
from .gait_view import GaitView
from .gauges import GaugePanel
from .patient_view import PatientView
from .recordbar import RecordBar
from .theme import MEDIUM_PT, THEMES, apply, fit_to_screen, font
from .traces import TracesView
from .wizard import COMPACT_BELOW_PX, SessionWizard

TRACE_WINDOW_MAX_S = 30.0   # the longest trace window offered


def band_text(session: Session) -> str:
    """The software band the filtered traces show, e.g. ``20-450 Hz, notch 50 Hz``."""
    d = session.pipeline.design
    c = session.pipeline.config
    return f"{c.hp_hz:g}-{d.lp_hz:g} Hz" + (f", notch {c.mains_hz:g} Hz" if d.notch_hz else "")


class MainWindow(QMainWindow):
    """The dashboard. ``device``: connect to it at once (None: do not connect).

    ``trace_method``: see :class:`~emgmap.gui.traces.TracesView`. ``protocol``
    gives the gauges' pairs, zones and expected ratio ranges; without one the
    montage's pairs are used with the default zones.
    """

    def __init__(self, device: str | None = "sim", *, settings: settings_mod.GuiSettings | None = None,
                 clock: Clock = SYSTEM_CLOCK, fps: float = 60.0, trace_method: str = "minmax",
                 protocol: Protocol | None = None):
        super().__init__()
        self.settings = settings or settings_mod.GuiSettings()
        self.theme = THEMES[self.settings.theme]
        self.clock = clock
        self.protocol = protocol
        self.live = LiveSession(clock=clock, ring_seconds=self.default_ring_s(),
                                remembered_montage=settings_mod.remembered_montage)
        self.model: GaugesModel | None = None          # the gauges (app/gauges.py)
        self.levels_model: LevelsModel | None = None   # the map and the bars (app/levels.py)
        self.feedback: BiofeedbackModel | None = None  # the patient view's (app/biofeedback_view.py)
        self.state = None                              # the newest LiveState drawn
        self.stopped = ""                              # when and why the data on screen stopped
        self._replay: tuple[float, float, list] | None = None  # a replayed file's (start, speed, sets)
        self._replay_path: Path | None = None
        self._frame = 0
        self._latencies: collections.deque[tuple[float, float]] = collections.deque(maxlen=600)
        self._opening = False   # a device is being opened (nested event loop): no second open
        self._closing = False
        self.setWindowTitle("emgmap")

        self.device_bar = DeviceBar(self.theme)
        self.device_bar.connect_requested.connect(self.connect_device)
        self.device_bar.disconnect_requested.connect(self.disconnect_device)
        self.device_bar.montage_requested.connect(self.edit_montage)
        self.banner = Banner(theme=self.theme)

        controls = QHBoxLayout()
        controls.setContentsMargins(6, 0, 6, 0)
        self.view_picker = QComboBox()
        self.view_picker.addItem("raw", "raw")
        self.view_picker.addItem("filtered", "filtered")
        self.view_picker.currentIndexChanged.connect(self._view_changed)
        self.window_spin = QDoubleSpinBox()
        self.window_spin.setRange(2.0, TRACE_WINDOW_MAX_S)
        self.window_spin.setSingleStep(1.0)
        self.window_spin.setDecimals(0)
        self.window_spin.setSuffix(" s")
        self.window_spin.setValue(self.settings.window_s)
        self.window_spin.valueChanged.connect(self._window_changed)
        self.theme_picker = QComboBox()
        for name in THEMES:
            self.theme_picker.addItem(f"{name} theme", name)
        self.theme_picker.setCurrentIndex(self.theme_picker.findData(self.theme.name))
        self.theme_picker.currentIndexChanged.connect(lambda i: self.set_theme(self.theme_picker.itemData(i)))
        for w in (self.view_picker, self.window_spin, self.theme_picker):
            w.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.calibrate_button = QToolButton()
        self.calibrate_button.setText("Calibrate ")
        self.calibrate_button.setMinimumWidth(110)
        self.calibrate_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.calibrate_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        menu = QMenu(self.calibrate_button)
        menu.addAction(f"Rest baseline = the last {CALIBRATE_S:g} s", lambda: self.calibrate("rest"))
        menu.addAction(f"MVC, every channel = the last {CALIBRATE_S:g} s", lambda: self.calibrate("mvc"))
        menu.addSeparator()
        menu.addAction("Forget the MVC references", lambda: self.calibrate("clear"))
        menu.addAction("Start a new task peak", lambda: self.calibrate("peak"))
        self.calibrate_button.setMenu(menu)
        controls.addWidget(QLabel("Traces"))
        controls.addWidget(self.view_picker)
        controls.addWidget(QLabel("window"))
        controls.addWidget(self.window_spin)
        controls.addStretch(1)
        self.norm_label = QLabel()
        self.norm_label.setFont(font(MEDIUM_PT, bold=True))
        controls.addWidget(self.norm_label)
        controls.addStretch(1)
        controls.addWidget(self.calibrate_button)
        controls.addWidget(self.theme_picker)

        self.traces = TracesView(self.theme, method=trace_method)
        self.traces.painted.append(self._painted)
        self.body = BodyMap(self.theme)
        self.bars = ActivationBars(self.theme)
        self.gauges = GaugePanel(self.theme)
        gauge_scroll = QScrollArea()
        gauge_scroll.setWidgetResizable(True)
        gauge_scroll.setWidget(self.gauges)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.body)
        top.addWidget(self.bars)
        top.setSizes([450, 550])   # the bars get the room their numbers need (read from 2 m)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(top)
        right.addWidget(gauge_scroll)
        right.setSizes([360, 640])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.traces)
        split.addWidget(right)
        self.gait_view = GaitView(self.theme)   # walking/running: the stride view instead of the map and gauges
        split.addWidget(self.gait_view)
        split.setSizes([1000, 900, 0])
        self.splitters = (top, right, split)
        self.record_bar = RecordBar()
        self.record_bar.record_requested.connect(self.start_recording)
        self.record_bar.stop_requested.connect(self.stop_recording)
        self.record_bar.marker_requested.connect(self.add_marker)
        self.record_bar.folder_requested.connect(self.choose_record_dir)
        self.record_bar.folder_button.setToolTip(f"recordings are saved in {self.settings.record_dir}")

        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.device_bar)
        lay.addWidget(self.banner)
        lay.addLayout(controls)
        self.wizard = SessionWizard(self)
        lay.addWidget(self.wizard)
        lay.addWidget(split, 1)
        lay.addWidget(self.record_bar)
        self.setCentralWidget(central)
        fit_to_screen(self, 1600, 1000)   # never larger than the screen (a 1366x768 laptop)
        self.patient_view = PatientView(self.theme)
        self.patient_view.nudge_requested.connect(self._nudge_band)
        self.patient_view.close_requested.connect(lambda: self.show_patient_view(False))
        self.reviews: list = []   # open review and compare windows
        self._build_menus()
        self._restore_layout()
        self.setAcceptDrops(True)

        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(max(1, int(1000 / fps)))  # 16 ms: 62.5 Hz, never under 60
        self.timer.timeout.connect(self.tick)
        self.set_theme(self.theme.name)
        if device is not None:
            self.device_bar.set_spec(device)
            self.connect_device(device)

    # -- connection --------------------------------------------------------------------
    @staticmethod
    def default_ring_s() -> float:
        """Session memory for the longest trace window (the guided session asks for more)."""
        return TRACE_WINDOW_MAX_S + 5.0

    @property
    def session(self) -> Session | None:
        return self.live.session

    @property
    def recorder(self):
        return self.live.recorder

    @property
    def lsl(self):
        return self.live.publisher

    def connect_device(self, spec: str, montage: Montage | None = None, driver=None) -> bool:
        self._replay = None
        return self._connect(spec, montage, driver)

    def _connect(self, spec: str, montage: Montage | None = None, driver=None) -> bool:
        """Connect to ``spec`` (or to ``driver``, opened from it); on a bad spec or
        montage, show why and stay usable (a session already streaming goes on unless
        the new device opened)."""
        if self._opening:   # a key or click during the nested loop of another open
            return False
        if self.session is not None and self.session.running and spec == self.session.spec.device:
            self.disconnect_device()  # the same device: free it before opening it again
        try:
            driver = driver or self._open_driver(spec)
        except EmgmapError as e:
            self.banner.show_message(str(e))
            return False
        if self._closing:   # the window was closed while the device was opening
            driver.stop()
            return False
        try:
            session = self.live.connect(driver, montage, protocol=self.protocol)
        except EmgmapError as e:
            self.banner.show_message(str(e))
            return False
        self.banner.hide()
        if self.live.montage_origin == MontageOrigin.GUESSED:
            self.banner.show_message(f"{spec}: the montage is a guess (first {len(session.montage)} muscles); "
                                     "check it with Montage…", kind="note")
        if driver.remember:   # a replay is not the device to reopen next time
            self.settings.device = spec
        self.device_bar.set_connected(True)
        self.setWindowTitle(f"emgmap · {spec}")
        self._setup_views()
        self.timer.start()
        if self.lsl_action.isChecked():   # publishing goes on with the new device
            self.set_lsl(True)
        return True

    def _open_driver(self, spec: str):
        """``open_driver`` on a worker thread: a serial board is probed for up to
        2.5 s (drivers/serial_board.py PROBE_S) and the window must keep painting,
        recording and answering meanwhile. Errors are raised here, on the GUI thread."""
        result: dict = {}

        def work() -> None:
            try:
                result["driver"] = self.live.open(spec)
            except BaseException as e:   # handed to the GUI thread below
                result["error"] = e

        worker = threading.Thread(target=work, name="emgmap-open", daemon=True)
        worker.start()
        worker.join(0.05)   # a simulator or a replay opens at once: no flicker
        if worker.is_alive():
            self._opening = True
            self.banner.show_message(f"opening {spec}…", kind="note")
            loop = QEventLoop()
            poll = QTimer()
            poll.timeout.connect(lambda: None if worker.is_alive() else loop.quit())
            poll.start(20)
            loop.exec()
            poll.stop()
            self._opening = False
            self.banner.hide()
        if "error" in result:
            raise result["error"]
        return result["driver"]

    def disconnect_device(self) -> None:
        if self.recorder is not None:
            self.stop_recording()
        self.live.disconnect()
        self.device_bar.set_connected(False)
        self._update_status()

    def _setup_views(self) -> None:
        s = self.session
        montage = s.montage
        self.view_picker.blockSignals(True)
        self.view_picker.setCurrentIndex(self.view_picker.findData(self.settings.view))
        self.view_picker.blockSignals(False)
        self._set_trace_source()
        p = self.protocol
        shown = montage.with_pairs(p.pairs) if p is not None else montage   # the session computes more pairs
        if p is None:
            self.model = GaugesModel(shown, Zones(symmetry_green=self.settings.symmetry_green,
                                                  symmetry_amber=self.settings.symmetry_amber))
        else:
            expected = {q.name: p.expected_range(q.name) for q in shown.pairs if p.expected_range(q.name)}
            # a unilateral exercise works one leg at a time: a live left/right comparison would
            # only say which leg is working; its symmetry comes from the left vs right sets
            self.model = GaugesModel(shown, p.zones, expected=expected, muscles=() if p.unilateral else p.muscles)
        self.gauges.set_model(self.model)
        self.levels_model = LevelsModel(montage)
        self.feedback = BiofeedbackModel(shown, (p.prime_mover,) if p is not None else ("gmed",),
                                         target_pct=self.settings.target_pct)
        self.body.set_montage(montage)
        self.bars.set_montage(montage)
        gait = self.gait_view.setup(self.live, p)
        self.splitters[1].setVisible(not gait)
        if gait:
            self.splitters[2].setSizes([450, 0, 900])   # the traces a third, the stride view two
        self._latencies.clear()
        self._show_stale("")

    def _set_trace_source(self) -> None:
        s = self.session
        view = self.settings.view
        ring = s.rings.filtered if view == "filtered" else s.rings.raw
        label = f"filtered µV ({band_text(s)})" if view == "filtered" else "raw µV"
        self.traces.set_source(ring, s.rings.t, s.fs, s.montage, self.settings.window_s, label)
        self._event_cursor = s.event_log.cursor(0)

    def _view_changed(self, i: int) -> None:
        self.settings.view = self.view_picker.itemData(i)
        if self.session is not None:
            self._set_trace_source()

    def _window_changed(self, value: float) -> None:
        self.settings.window_s = float(value)
        if self.session is not None:
            self.traces.set_window(float(value))

    def edit_montage(self) -> None:
        if self.session is None:
            self.banner.show_message("connect a device first, then edit its montage", kind="note")
            return
        if self.recorder is not None:
            self.banner.show_message("stop the recording before changing the montage", kind="note")
            return
        dlg = MontageEditor(self.session.montage, self)
        if dlg.exec() and dlg.result_montage is not None:
            spec = self.settings.device
            path = settings_mod.remember_montage(spec, dlg.result_montage)
            self.connect_device(spec, dlg.result_montage)
            self.banner.show_message(f"montage saved to {path}", kind="note")

    # -- per frame ---------------------------------------------------------------------
    def tick(self) -> None:
        s = self.session
        if s is None:
            return
        self._frame += 1
        drawing = not self.isMinimized()  # minimised: no drawing, status and recorder still watched
        if drawing and not self.stopped:
            self.traces.refresh()
        if self._frame % 3 == 0:
            self._update_state(drawing, numbers=self._frame % 15 == 0)
        if self._frame % 3 == 0 and self.wizard.runner is not None:
            self.wizard.tick()
        if self._frame % 15 == 0:
            self._update_events()
        if drawing and self._frame % 60 == 0 and not self.stopped:
            self._update_quality()

    def _painted(self, index: int) -> None:
        s = self.session
        if s is None or not s.rings.t.oldest <= index < s.rings.t.total:
            return
        t = s.rings.t.read_range(index, index + 1)[0]
        now = self.clock.now()
        self._latencies.append((now, now - (s.t0 + t)))

    def latency_ms(self, last_s: float = 1.0) -> float | None:
        """Median sample-to-screen latency over the last ``last_s`` seconds of paints."""
        if not self._latencies:
            return None
        now = self._latencies[-1][0]
        recent = [lat for t, lat in self._latencies if now - t <= last_s]
        return float(np.median(recent)) * 1000.0

    def _update_state(self, drawing: bool, numbers: bool) -> None:
        """Draw the session's state (:meth:`LiveSession.poll`, 20 Hz): the activation map from
        the levels view; at 4 Hz the bars, gauges, numbers and status (numbers that change 60
        times a second cannot be read); what happened since the last look in the banner."""
        state = self.state = self.live.poll()
        s = self.session
        for m in state.messages:
            self.banner.show_message(m.text, kind="error" if m.kind == MessageKind.ERROR else "note")
        ended = state.status is not None and state.status.state in (State.LOST, State.ERROR, State.STOPPED)
        if ended:   # (connecting is not stopped: nothing was shown yet)
            self._show_stale(self._stopped_text(state))
        live = state.indices
        if drawing and live is not None and self.levels_model is not None:
            levels = self.levels_model.update(live, state.calibration)
            self.body.set_view(levels)
            if numbers:
                self.bars.set_view(levels)
                self.model.update(live, state.calibration, working_side=self.working_side(live.t))
                self.norm_label.setText(levels.norm_text)
            if self.patient_view.isVisible() and self.feedback is not None:
                side = self.working_side(live.t)
                self.feedback.set_sides((side,) if side is not None else (Side.LEFT, Side.RIGHT))
                self.patient_view.set_view(self.feedback.update(live))
        if numbers and self.gait_view.isVisible():
            self.gait_view.update_state(state.gait)
        if numbers or ended:
            self.device_bar.show_status(state.status, None if ended else self.latency_ms(), s.fs,
                                        s.driver.paced, ended=state.ended)
            if not s.running:
                self.device_bar.set_connected(False)
            if self.recorder is None:
                self.record_bar.set_recording(False)
            else:
                rs = state.recording
                self.record_bar.show_progress(rs.seconds, rs.file_bytes, rs.path)

    def _update_status(self) -> None:
        """The state now, drawn at once (after a disconnect, a recording stopped...)."""
        if self.session is not None:
            self._update_state(drawing=not self.isMinimized(), numbers=True)

    def _stopped_text(self, state) -> str:
        """"replay finished at 10:42:07", "device lost at ...": when the data on screen stopped."""
        if self.stopped:
            return self.stopped
        st = state.status
        if state.ended:
            what = "replay finished"
        elif st is not None and st.state == State.STOPPED:
            what = "disconnected"
        else:
            what = (st.message if st is not None else "") or "the device stopped"
        return f"{what} at {time.strftime('%H:%M:%S')}"

    def _show_stale(self, text: str) -> None:
        """Grey every view and say when the data stopped ("" : live)."""
        if text == self.stopped:
            return
        self.stopped = text
        for view in (self.traces, self.body, self.bars, self.gauges, self.gait_view):
            view.set_stale(text)

    def working_side(self, t: float) -> Side | None:
        """The leg working at session time ``t``: a guided session's unilateral set, or a replayed
        file's set at that moment (None: both legs, or none)."""
        side = self.wizard.working_side()
        if side is not None or self._replay is None:
            return side
        t0, speed, sets = self._replay
        ft = t0 + (t * speed if speed > 0 else t)   # the replay's session time -> the file's
        return next((e.side for e in sets if e.onset_s <= ft < e.onset_s + e.duration_s), None)

    # -- the patient view ----------------------------------------------------------------
    def show_patient_view(self, on: bool) -> None:
        """B: the patient-facing biofeedback screen, full screen (B or Esc: back)."""
        if on and self.session is not None:
            self.patient_view.set_theme(self.theme)
            self.patient_view.show_full_screen()
            self.patient_view.activateWindow()
        else:
            self.patient_view.hide()
            self.activateWindow()

    def _nudge_band(self, muscle: str, steps: int) -> None:
        if self.feedback is not None:
            self.feedback.nudge(muscle, steps)

    def _update_events(self) -> None:
        """Markers and gaps as lines on the traces."""
        for ev in self._event_cursor.read():
            if ev.kind in ("marker", "gap", "rest", "mvc"):
                self.traces.add_event_line(ev.onset_s, ev.label if ev.kind == "marker" else ev.kind, ev.kind)

    def _update_quality(self) -> None:
        s = self.session
        raw = s.rings.raw.latest(int(s.fs))
        if raw.shape[0] < int(0.25 * s.fs):
            return
        q = channel_quality(raw, s.fs, power_line_hz=s.spec.power_line_hz, range_uv=s.spec.range_uv)
        self.traces.set_flags([c.flags for c in q])

    def calibrate(self, what: str) -> None:
        """Quick calibration from the last :data:`~emgmap.app.live.CALIBRATE_S` seconds
        (docs/dsp.md §5): ``rest``, ``mvc`` (every channel), ``clear`` (forget MVC), ``peak``."""
        if self.session is None:
            self.banner.show_message("connect a device before calibrating", kind="note")
            return
        try:
            text = self.live.calibrate(what)
        except EmgmapError as e:
            self.banner.show_message(str(e))
            return
        self.banner.show_message(text, kind="note")

    def set_protocol(self, protocol: Protocol | None) -> None:
        """Judge the live indices against ``protocol`` (its pairs, zones, expected ranges):
        the session already computes every standard pair, so nothing reconnects."""
        self.protocol = protocol
        if self.session is not None:
            self._setup_views()

    # -- recording and markers ---------------------------------------------------------
    def start_recording(self, path: str | Path | None = None, *, subject_id: str = "",
                        config_extra: dict | None = None) -> bool:
        """Record the session to ``path`` (default: a time-stamped file in the
        settings' recordings folder); a problem is shown, the live view goes on."""
        if self.session is None or not self.session.running:
            self.banner.show_message("connect a device before recording", kind="note")
            return False
        if path is None:
            folder = Path(self.settings.record_dir).expanduser()
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                self.banner.show_message(f"cannot create the recordings folder {folder} ({e.strerror}); "
                                         "pick another folder in the settings")
                return False
            path = folder / time.strftime("emgmap-%Y%m%d-%H%M%S.h5")
        try:
            status = self.live.start_recording(path, subject_id=subject_id, config_extra=config_extra)
        except (EmgmapError, OSError) as e:
            self.banner.show_message(f"recording could not start: {e}")
            return False
        if status.message:  # e.g. it picked a new name rather than overwrite
            self.banner.show_message(status.message, kind="note")
        self.record_bar.set_recording(True)
        self.record_bar.show_progress(0.0, 0, str(self.recorder.path))
        return True

    def choose_record_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save recordings in",
                                                  str(Path(self.settings.record_dir).expanduser()))
        if folder:
            self.settings.record_dir = folder
            self.record_bar.folder_button.setToolTip(f"recordings are saved in {folder}")

    def stop_recording(self) -> None:
        self.record_bar.set_recording(False)
        st = self.live.stop_recording()
        if st is None:
            return
        if st.state == RecorderState.FAILED:
            self.banner.show_message(st.message)
        else:
            self.banner.show_message(f"saved {st.seconds:.1f} s to {st.path}", kind="note")

    def add_marker(self, label: str = "") -> None:
        if self.session is None:
            return
        ev = self.live.mark(label)
        self.record_bar.show_marker(ev.onset_s, label)

    def keyPressEvent(self, ev) -> None:
        if ev.isAutoRepeat():
            return super().keyPressEvent(ev)
        if self.wizard.active and self.wizard.handle_key(ev.key()):
            return
        if ev.key() == Qt.Key.Key_Space:
            self.record_bar.request_marker()
            return
        if ev.key() == Qt.Key.Key_B and ev.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.show_patient_view(not self.patient_view.isVisible())
            return
        super().keyPressEvent(ev)

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        # the guided session's panel takes at most 55 % of the height (its pages scroll inside):
        # it never pushes the traces, the gauges or the record bar off a laptop screen
        self.wizard.setMaximumHeight(max(220, int(self.height() * 0.55)))
        self.wizard.set_compact(self.height() < COMPACT_BELOW_PX)
        self.wizard.fit_page()

    # -- menus, review and compare -------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        file.addAction("&Open recording…", QKeySequence("Ctrl+O"), lambda: self.open_recording())
        file.addAction("&Compare two recordings…", QKeySequence("Ctrl+K"), lambda: self.compare())
        file.addSeparator()
        file.addAction("&Quit", QKeySequence("Ctrl+Q"), self.close)
        from .history import open_history
        bar.addMenu("&Patients").addAction("Patient &history…", QKeySequence("Ctrl+H"), lambda: open_history(self))
        session = bar.addMenu("&Session")
        session.addAction("&New guided session…", QKeySequence("Ctrl+N"), self.new_session)
        session.addSeparator()
        self.lsl_action = session.addAction("Publish over &LSL (raw, envelope, indices, events)")
        self.lsl_action.setCheckable(True)
        self.lsl_action.toggled.connect(self.set_lsl)

    def set_lsl(self, on: bool) -> None:
        """Publish the session over Lab Streaming Layer (docs/lsl.md) while ``on``."""
        if not on or self.session is None or not self.session.running:
            self.live.publish(False)
            return
        try:
            name = self.live.publish(True, "emgmap")
        except EmgmapError as e:   # pylsl missing: one sentence, the box unticks
            self.banner.show_message(str(e))
            self.lsl_action.blockSignals(True)
            self.lsl_action.setChecked(False)
            self.lsl_action.blockSignals(False)
            return
        self.banner.show_message(f"publishing LSL streams '{name}', '{name} envelope', "
                                 f"'{name} indices' and '{name} markers'", kind="note")

    def new_session(self) -> None:
        if self.wizard.active:
            return
        if self.recorder is not None:
            self.banner.show_message("stop the recording before starting a guided session", kind="note")
            return
        self.wizard.begin()

    def open_recording(self, path: str | Path | None = None):
        """Open a recording for review (File → Open, drag and drop, ``emgmap gui FILE.h5``);
        returns the review window, or None when the file cannot be read (said in the banner)."""
        from .review import ReviewWindow
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open a recording", str(Path(self.settings.record_dir)
                                                                                 .expanduser()), "HDF5 (*.h5)")
            if not path:
                return None
        return self._show_window(lambda: ReviewWindow(path, self))

    def compare(self, a: str | Path | None = None, b: str | Path | None = None):
        """Two sessions side by side (indices then and now, with the change)."""
        from .review import CompareWindow
        folder = str(Path(self.settings.record_dir).expanduser())
        if a is None:
            a, _ = QFileDialog.getOpenFileName(self, "The earlier session", folder, "HDF5 (*.h5)")
        if a and b is None:
            b, _ = QFileDialog.getOpenFileName(self, "The later session", str(Path(a).parent), "HDF5 (*.h5)")
        if not a or not b:
            return None
        return self._show_window(lambda: CompareWindow(a, b, self.theme))

    def _show_window(self, make):
        """Open a review or compare window; a file that cannot be read is one sentence in the banner."""
        try:
            win = make()
        except EmgmapError as e:
            self.banner.show_message(str(e))
            return None
        self.reviews.append(win)
        win.show()
        return win

    def replay(self, path: str | Path, speed: float) -> bool:
        """Replay a recording through the live views at ``speed`` x (the ``replay:`` driver)."""
        if self.wizard.active:
            self.banner.show_message("finish or abort the guided session before a replay", kind="note")
            return False
        spec = f"replay:{path}?speed={speed:g}"
        self.device_bar.set_spec(spec)
        if not self.connect_device(spec):
            return False
        self._adopt_recording(path, speed)
        return True

    def replay_position(self, path: str | Path) -> float | None:
        """Where the replay of ``path`` is, in the file's session time (None: not replaying it,
        or it finished)."""
        s = self.session
        if self._replay is None or s is None or not s.running or Path(path) != self._replay_path:
            return None
        t0, speed, _ = self._replay
        return t0 + s.now_s() * (speed if speed > 0 else 1.0)

    def _adopt_recording(self, path: str | Path, speed: float) -> None:
        """A replay shows what the live session showed: the file's MVC references, its protocol
        (pairs, zones, expected ranges) and its sets (the working leg), as `emgmap analyze` reads them."""
        from ..events import Event, EventKind
        from ..protocols import load_protocol
        from ..recordings import open_recording
        with open_recording(path) as rec:
            mvc = rec.mvc_uv
            protocol = str(rec.config.get("protocol", {}).get("name", ""))
            sets = [Event.from_row(e.onset_s, e.duration_s, e.kind, e.label, e.channel) for e in rec.events
                    if e.kind == EventKind.SET and e.duration_s > 0]
            t0 = float(rec.timestamps(0, 1)[0])   # the file's first sample, in its session's time
        if np.isfinite(mvc).any():
            self.session.calibration.set_mvc(mvc)
        proto = None
        if protocol:
            try:
                proto = load_protocol(protocol)
            except EmgmapError:   # a protocol file that moved: the montage's pairs, said
                self.banner.show_message(f"{Path(path).name} was recorded with protocol {protocol}, which cannot "
                                         "be loaded here; the gauges use the montage's pairs", kind="note")
        self.set_protocol(proto)
        self._replay = (t0, speed, sets)
        self._replay_path = Path(path)

    def dragEnterEvent(self, ev) -> None:
        if any(u.toLocalFile().endswith(".h5") for u in ev.mimeData().urls()):
            ev.acceptProposedAction()

    def dropEvent(self, ev) -> None:
        for u in ev.mimeData().urls():
            if u.toLocalFile().endswith(".h5"):
                self.open_recording(u.toLocalFile())

    def _restore_layout(self) -> None:
        st = self.settings
        try:
            if st.geometry:
                self.restoreGeometry(QByteArray.fromHex(st.geometry.encode()))
            sizes = [[int(v) for v in part.split(",")] for part in st.splitters.split(";")] if st.splitters else []
        except ValueError:   # a hand-edited settings file: keep the default layout
            return
        for sp, sz in zip(self.splitters, sizes):
            if len(sz) == sp.count():
                sp.setSizes(sz)

    def _save_layout(self) -> None:
        self.settings.geometry = bytes(self.saveGeometry().toHex()).decode()
        self.settings.splitters = ";".join(",".join(str(v) for v in sp.sizes()) for sp in self.splitters)

    # -- look and lifecycle ------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        from PyQt6.QtWidgets import QApplication
        self.theme = THEMES[name]
        self.settings.theme = name
        app = QApplication.instance()
        if app is not None:
            apply(app, self.theme)
        self.device_bar.theme = self.theme
        self.traces.apply_theme(self.theme)
        self.traces._set_title()
        self.body.set_theme(self.theme)
        self.bars.set_theme(self.theme)
        self.gauges.set_theme(self.theme)
        self.gait_view.set_theme(self.theme)

    def closeEvent(self, ev) -> None:
        self._closing = True
        self.timer.stop()
        if self.wizard.active:
            self.wizard.close_wizard()
        for w in self.reviews:
            w.close()
        self.reviews.clear()
        self._save_layout()
        self.disconnect_device()
        try:
            self.settings.save()
        except OSError:  # an unwritable config folder must not block closing
            pass
        super().closeEvent(ev)
