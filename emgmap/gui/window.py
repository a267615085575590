"""The main window: device bar, traces, activation map, index gauges, recording.

Views pull from the session on one QTimer (``fps``, default 60 Hz): traces
every frame, the activation map at 20 Hz, numbers, gauges and status at 4 Hz
(numbers that change 60 times a second cannot be read), channel quality once
a second (computed on a worker thread). The slower views take turns on their
own frames (:meth:`MainWindow.tick`): a frame that paints everything overruns
its 16 ms and shows as a late trace. The session's worker never touches Qt;
closing the window stops the timer, the recorder and the session.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PyQt6.QtCore import QByteArray, Qt, QTimer
from PyQt6.QtGui import QKeySequence
from PyQt6.QtWidgets import QFileDialog, QMainWindow, QScrollArea, QSplitter, QVBoxLayout, QWidget

from ..app.dashboard import (ENDED, DashboardModels, LatencyMeter, ReplayFile, band_text, new_recording_path,
                             quality_flags, stopped_text)
from ..app.live import LiveSession, MessageKind, MontageOrigin
from ..clock import SYSTEM_CLOCK, Clock
from ..montage import Montage
from ..protocols import Protocol
from ..sinks.recorder import RecorderState
from ..session import Session
from ..types import EmgmapError, Side
from . import settings as settings_mod
from .banner import Banner
from .bodymap import ActivationBars, BodyMap
from .controls import TRACE_WINDOW_MAX_S, ControlRow
from .devicebar import DeviceBar, MontageEditor, error_text
from .gait_view import GaitView
from .off_thread import off_thread
from .gauges import GaugePanel
from .patient_view import PatientView
from .recordbar import RecordBar
from .theme import MEDIUM_PT, THEMES, apply, fit_to_screen, font
from .traces import TracesView
from .wizard import COMPACT_BELOW_PX, SessionWizard


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
        self.models: DashboardModels | None = None   # gauges, levels, biofeedback (app/dashboard.py)
        self.state = None                            # the newest LiveState drawn
        self.stopped = ""                            # when and why the data on screen stopped
        self.replaying: ReplayFile | None = None     # the recording being replayed
        self._frame = 0
        self._levels = None                          # the newest LevelsView (20 Hz), drawn as bars at 4 Hz
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="emgmap-quality")
        self._quality_job = None                     # (session, future) of channel quality flags
        self.latency = LatencyMeter()
        self._opening = False   # a device is being opened (nested event loop): no second open
        self._closing = False
        self.setWindowTitle("emgmap")

        self.device_bar = DeviceBar(self.theme)
        self.device_bar.connect_requested.connect(self.connect_device)
        self.device_bar.disconnect_requested.connect(self.disconnect_device)
        self.device_bar.montage_requested.connect(self.edit_montage)
        self.banner = Banner(theme=self.theme)

        self.controls = ControlRow(self.settings.window_s, self.theme.name)
        self.controls.view_changed.connect(self._view_changed)
        self.controls.window_changed.connect(self._window_changed)
        self.controls.theme_changed.connect(self.set_theme)
        self.controls.calibrate_requested.connect(self.calibrate)
        self.norm_label = self.controls.norm_label

        self.traces = TracesView(self.theme, method=trace_method)
        self.traces.painted.append(lambda i: self.latency.painted(self.session, i, self.clock.now()))
        self.body = BodyMap(self.theme)
        self.bars = ActivationBars(self.theme)
        self.gauges = GaugePanel(self.theme, spread=True)
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
        lay.addWidget(self.controls)
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
        self.replaying = None
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
            self.banner.show_message(error_text(e))
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
        """``live.open`` on a worker thread: a serial board is probed for up to 2.5 s
        (drivers/serial_board.py PROBE_S) and the window must keep painting, recording and
        answering meanwhile. Errors are raised here, on the GUI thread."""
        def waiting(on: bool) -> None:
            self._opening = on   # a key or click meanwhile opens nothing else
            if on:
                self.banner.show_message(f"opening {spec}…", kind="note")
            else:
                self.banner.hide()
        return off_thread(lambda: self.live.open(spec), waiting)

    def disconnect_device(self) -> None:
        if self.recorder is not None:
            self.stop_recording()
        self.live.disconnect()
        self.device_bar.set_connected(False)
        self._update_status()

    def _setup_views(self) -> None:
        montage, st = self.session.montage, self.settings
        self.controls.set_view(st.view)
        self._set_trace_source()
        self.models = DashboardModels.for_session(montage, self.protocol, st.zones, st.target_pct)
        self.gauges.set_model(self.models.gauges)
        self.body.set_montage(montage)
        self.bars.set_montage(montage)
        gait = self.gait_view.setup(self.live, self.protocol)
        self.splitters[1].setVisible(not gait)
        if gait:
            self.splitters[2].setSizes([450, 0, 900])   # the traces a third, the stride view two
        self.latency.clear()
        self._show_stale("")

    def _set_trace_source(self) -> None:
        s, filtered = self.session, self.settings.view == "filtered"
        label = f"filtered µV ({band_text(s)})" if filtered else "raw µV"
        self.traces.set_source(s.rings.filtered if filtered else s.rings.raw, s.rings.t, s.fs, s.montage,
                               self.settings.window_s, label)
        self._event_cursor = s.event_log.cursor(0)

    def _view_changed(self, view: str) -> None:
        self.settings.view = view
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
        """One frame: the traces every frame; the rest on a 15-frame (4 Hz) cycle in which each
        slower view has its own frames, so that no frame carries them all (a frame over its
        16 ms drops a tick and shows as a late trace)."""
        s = self.session
        if s is None:
            return
        self._frame += 1
        phase = self._frame % 15
        drawing = not self.isMinimized()  # minimised: no drawing, status and recorder still watched
        if drawing and not self.stopped:
            self.traces.refresh()
        if phase % 3 == 0:
            self._update_state(drawing, numbers=False)        # 20 Hz: the activation map
        elif phase == 1:
            self._update_numbers(drawing)                     # 4 Hz: bars, gauges (painted one a frame)
        elif phase == 2:
            self._update_bar_status(self.state)               # 4 Hz: device and record bars
        elif phase == 4:
            self._update_events()
        if phase % 3 == 1 and self.wizard.runner is not None:
            self.wizard.tick()
        if drawing:
            self.gauges.paint_next()
        self._follow_quality(drawing and self._frame % 60 == 7)

    def _update_state(self, drawing: bool, numbers: bool) -> None:
        """Draw the session's state (:meth:`LiveSession.poll`, 20 Hz): the activation map from
        the levels view; what happened since the last look in the banner; with ``numbers``
        also the bars, gauges, numbers and status at once (the frame cycle spreads those:
        :meth:`tick`)."""
        state = self.state = self.live.poll()
        for m in state.messages:
            self.banner.show_message(m.text, kind="error" if m.kind == MessageKind.ERROR else "note")
        ended = state.status is not None and state.status.state in ENDED
        if ended:   # (connecting is not stopped: nothing was shown yet)
            self._show_stale(stopped_text(state, self.stopped))
        live, m = state.indices, self.models
        if drawing and live is not None and m is not None:
            self._levels = m.levels.update(live, state.calibration)
            self.body.set_view(self._levels)
            if self.patient_view.isVisible():
                side = self.working_side(live.t)
                m.feedback.set_sides((side,) if side is not None else (Side.LEFT, Side.RIGHT))
                self.patient_view.set_view(m.feedback.update(live, state.calibration))
        if numbers:
            self._update_numbers(drawing)
            self.gauges.paint_all()
        if numbers or ended:
            self._update_bar_status(state)

    def _update_numbers(self, drawing: bool) -> None:
        """Numbers that change 60 times a second cannot be read: the bars, the gauges and the
        normalisation at 4 Hz, from the newest polled state."""
        state, m = self.state, self.models
        live = state.indices if state is not None else None
        if drawing and live is not None and m is not None and self._levels is not None:
            self.bars.set_view(self._levels)
            m.gauges.update(live, state.calibration, working_side=self.working_side(live.t))
            self.norm_label.setText(self._levels.norm_text)
        if self.gait_view.isVisible() and state is not None:
            self.gait_view.update_state(state.gait)

    def _update_bar_status(self, state) -> None:
        s = self.session
        if state is None or s is None:
            return
        ended = state.status is not None and state.status.state in ENDED
        latency = self.latency.median_ms() if s.driver.paced and not ended else None   # unpaced: none to show
        self.device_bar.show_status(state.status, latency, s.fs, s.driver.paced, ended=state.ended)
        if not s.running:
            self.device_bar.set_connected(False)
        if self.recorder is None:
            self.record_bar.set_recording(False)
        elif state.recording is not None:   # (a recording started since the poll: shown at the next)
            rs = state.recording
            self.record_bar.show_progress(rs.seconds, rs.file_bytes, rs.path)

    def _follow_quality(self, start: bool) -> None:
        """Channel quality flags on the lane labels, once a second: computed on a worker thread
        (band-pass and spectrum of a second of 16 channels: several ms, a dropped frame on the
        GUI thread), shown when done, for the session they were computed for."""
        job = self._quality_job
        if job is not None and job[1].done():
            self._quality_job = None
            session, future = job
            if session is self.session and not self.stopped and future.exception() is None:
                self.traces.set_flags(future.result())
        if start and self._quality_job is None and not self.stopped:
            s = self.session
            raw = s.rings.raw.latest(int(s.fs))
            self._quality_job = (s, self._worker.submit(quality_flags, raw, s.fs, s.spec.power_line_hz,
                                                        s.spec.range_uv))

    def _update_status(self) -> None:
        """The state now, drawn at once (after a disconnect, a recording stopped...)."""
        if self.session is not None:
            self._update_state(drawing=not self.isMinimized(), numbers=True)

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
        return side if side is not None or self.replaying is None else self.replaying.side_at(t)

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
        if self.models is not None:
            self.models.feedback.nudge(muscle, steps)

    def _update_events(self) -> None:
        """Markers and gaps as lines on the traces."""
        for ev in self._event_cursor.read():
            if ev.kind in ("marker", "gap", "rest", "mvc"):
                self.traces.add_event_line(ev.onset_s, ev.label if ev.kind == "marker" else ev.kind, ev.kind)

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
        try:
            path = path or new_recording_path(self.settings.record_dir)
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
        s, r = self.session, self.replaying
        if r is None or s is None or not s.running or Path(path) != r.path:
            return None
        return r.file_time(s.now_s())

    def _adopt_recording(self, path: str | Path, speed: float) -> None:
        """A replay shows what the live session showed: the file's MVC references, its protocol
        (pairs, zones, expected ranges) and its sets (the working leg), as `emgmap analyze` reads them."""
        r = ReplayFile.read(path, speed)
        if r.has_mvc:
            self.session.calibration.set_mvc(r.mvc_uv)
        if r.note:
            self.banner.show_message(r.note, kind="note")
        self.set_protocol(r.protocol)
        self.replaying = r

    def dragEnterEvent(self, ev) -> None:
        if any(u.toLocalFile().endswith(".h5") for u in ev.mimeData().urls()):
            ev.acceptProposedAction()

    def dropEvent(self, ev) -> None:
        for u in ev.mimeData().urls():
            if u.toLocalFile().endswith(".h5"):
                self.open_recording(u.toLocalFile())

    def _restore_layout(self) -> None:
        st = self.settings
        if st.geometry:
            self.restoreGeometry(QByteArray.fromHex(st.geometry.encode()))
        for sp, sz in zip(self.splitters, st.splitter_sizes()):
            if len(sz) == sp.count():
                sp.setSizes(sz)

    def _save_layout(self) -> None:
        self.settings.remember_layout(bytes(self.saveGeometry()), [sp.sizes() for sp in self.splitters])

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
        for view in (self.body, self.bars, self.gauges, self.gait_view):
            view.set_theme(self.theme)

    def closeEvent(self, ev) -> None:
        self._closing = True
        self.timer.stop()
        self._worker.shutdown(wait=False, cancel_futures=True)
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
