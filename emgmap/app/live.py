"""``LiveSession``: the lifecycle of a live device, in one place, for every face.

The CLI commands (stream, record, session, check), the dashboard and the
guided-session wizard all connect, record, publish, mark and calibrate
through it; none of them builds a driver, a Session, a Recorder or an LSL
publisher itself. It is Qt-free and thread-safe for one controlling thread
(the GUI thread, or a command's main thread): :meth:`poll` returns an
immutable :class:`LiveState` for a screen to draw, and finalises a recording
whose device went away.

Lifecycle: :meth:`open` (may be slow: a serial board is probed; call it on a
worker thread in a GUI) -> :meth:`connect` (builds the acquisition session on
the driver and starts it) -> :meth:`start_recording` / :meth:`publish` /
:meth:`mark` / :meth:`calibrate` ... -> :meth:`disconnect` or :meth:`close`.
A batch job that must lose no sample connects with ``start=False``, attaches
its recorder and runners, then calls :meth:`start`; with ``open_first=True``
the device is opened before anything else, so a wrong port never leaves an
empty file behind.
"""
from __future__ import annotations

import enum
import os
import threading
from dataclasses import dataclass
from typing import Callable

from ..clock import SYSTEM_CLOCK, Clock
from ..drivers import Driver, open_driver
from ..dsp import PipelineConfig
from ..dsp.calibration import CalibrationSnapshot
from ..dsp.indices import LiveIndices
from ..events import Event
from ..montage import STANDARD_PAIRS, Montage, guess_montage
from ..protocols import Protocol
from ..sinks.recorder import Recorder, RecorderState, RecorderStatus
from ..session import Session, State, Status
from ..types import DeviceError, EmgmapError, MontageError
from .gait_live import GaitFeed, GaitStatus

CALIBRATE_S = 5.0   # quick calibration from the dashboard: the last 5 s (reference §3: MVC trials of ~5 s)


class MontageOrigin(str, enum.Enum):
    GIVEN = "given"              # passed by the caller (--montage, the wizard)
    REMEMBERED = "remembered"    # the user's last montage for this device
    DEVICE = "device"            # the device's own (the simulator, a replay, LSL metadata)
    GUESSED = "guessed"          # guess_montage(): the user should check it


class MessageKind(str, enum.Enum):
    ERROR = "error"
    NOTE = "note"


@dataclass(frozen=True)
class Message:
    kind: MessageKind
    text: str


@dataclass(frozen=True)
class LiveState:
    """What a face shows, at one instant (immutable).

    ``live``: samples are arriving, what is shown is current; otherwise the data on screen
    stopped at ``stopped_at_s`` (session time) for the reason in ``status.message``
    (``ended`` tells a replay that finished from a device that went away). ``messages``:
    what happened since the previous poll, each to be said once.
    """
    device: str = ""
    status: Status | None = None
    live: bool = False
    stopped_at_s: float | None = None
    ended: bool = False
    recording: RecorderStatus | None = None
    publishing: str = ""
    indices: LiveIndices | None = None
    calibration: CalibrationSnapshot | None = None   # what ``indices`` were normalised with
    gait: GaitStatus | None = None                   # the stride view's data while walking/running (track_gait)
    messages: tuple[Message, ...] = ()

    @property
    def connected(self) -> bool:
        return self.status is not None


class LiveSession:
    """One live device at a time, with its recording and LSL outlets.

    Parameters
    ----------
    clock : the session clock (a ManualClock in tests, with an unpaced or paced simulator).
    ring_seconds : history the rings hold from the start (:meth:`ensure_history` adds more).
    remembered_montage : ``(device, n_channels) -> Montage | None``, the user's montage
        for a device (the GUI's settings); None: nothing is remembered.
    """

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK, ring_seconds: float = 35.0,
                 remembered_montage: Callable[[str, int], Montage | None] | None = None):
        self.clock = clock
        self.ring_seconds = ring_seconds
        self._remembered = remembered_montage
        self.session: Session | None = None
        self.recorder: Recorder | None = None
        self.publisher = None           # an LslPublisher while publishing
        self.montage_origin: MontageOrigin | None = None
        self.gait: GaitFeed | None = None   # stride-by-stride gait analysis (track_gait)
        self._messages: list[Message] = []
        self._lost_handled = False
        self._reconnect_shown = False
        self._lock = threading.Lock()

    # -- devices --------------------------------------------------------------------------------
    def open(self, spec: str) -> Driver:
        """A driver for ``spec``, not started (the spec is parsed, a serial board probed:
        up to a few seconds). Raises :class:`~emgmap.types.EmgmapError` with one sentence.
        Safe on any thread; changes nothing here."""
        return open_driver(spec, clock=self.clock)

    def montage_for(self, driver: Driver, montage: Montage | None = None) -> tuple[Montage, MontageOrigin]:
        """The montage a connection uses, and where it came from: given, else remembered for
        this device, else the device's own, else :func:`~emgmap.montage.guess_montage`."""
        n = driver.spec.n_channels
        if montage is not None:
            return montage, MontageOrigin.GIVEN
        remembered = self._remembered(driver.spec.device, n) if self._remembered else None
        if remembered is not None:
            return remembered, MontageOrigin.REMEMBERED
        if driver.montage is not None and len(driver.montage) == n:
            return driver.montage, MontageOrigin.DEVICE
        guessed = guess_montage(n, driver.spec.channel_names)
        if guessed is None:
            raise MontageError(f"{driver.spec.device} streams {n} channels and emgmap cannot guess their "
                               "muscles; write a montage file (docs/recording-format.md) and pass it with --montage")
        return guessed, MontageOrigin.GUESSED

    def connect(self, device: str | Driver, montage: Montage | None = None, *, protocol: Protocol | None = None,
                start: bool = True, open_first: bool = False, stop_after: int | None = None,
                pipeline_config: PipelineConfig | None = None) -> Session:
        """Stream from ``device`` (a spec, or a driver from :meth:`open`). The session on screen
        before goes on unless the new one could be built (a bad spec or montage raises and
        changes nothing). With a ``protocol`` the session computes the protocol's pairs that the
        montage allows. ``open_first``: start the device here, in the caller's thread, so a
        wrong port raises before anything is created. ``start=False``: the caller attaches
        what must see every sample, then calls :meth:`start`."""
        driver = self.open(device) if isinstance(device, str) else device
        try:
            montage, origin = self.montage_for(driver, montage)
            # every pair the literature has ranges for is computed, so that choosing a protocol
            # later (the wizard) is a view change, never a reconnect
            session = Session(driver, montage, ring_seconds=self.ring_seconds, clock=self.clock,
                              stop_after=stop_after, pipeline_config=pipeline_config,
                              extra_pairs=STANDARD_PAIRS + (protocol.pairs if protocol else ()))
            if open_first:
                session.open()
        except BaseException:
            driver.stop()   # the device is free for the next try
            raise
        self.disconnect()
        self.session, self.montage_origin = session, origin
        self._lost_handled = self._reconnect_shown = False
        if start:
            session.start()
        return session

    def start(self) -> None:
        """Start a session connected with ``start=False``."""
        self._require().start()

    def disconnect(self) -> None:
        """Stop recording and publishing, then the device (what was recorded is kept)."""
        self.track_gait(None)
        if self.recorder is not None:
            self.stop_recording()
        self.publish(False)
        if self.session is not None:
            self.session.stop()

    def close(self) -> None:
        self.disconnect()

    def _require(self) -> Session:
        if self.session is None:
            raise DeviceError("no device is connected; connect one first")
        return self.session

    def ensure_history(self, seconds: float) -> None:
        """Keep at least ``seconds`` in memory (a guided session's longest stage)."""
        self._require().ensure_history(seconds)

    def wait_until(self, predicate: Callable[[Session], bool], timeout: float | None) -> bool:
        """Block until ``predicate(session)`` holds or acquisition has ended (see
        :meth:`Session.wait_until`)."""
        return self._require().wait_until(predicate, timeout)

    # -- recording --------------------------------------------------------------------------------
    def start_recording(self, path: str | os.PathLike, *, subject_id: str = "", notes: str = "",
                        config_extra: dict | None = None, max_samples: int | None = None,
                        compress: bool = False) -> RecorderStatus:
        """Record from now on (from the first sample when the session has not started) to
        ``path``; an existing file is never overwritten (the status says which name was used)."""
        session = self._require()
        if self.recorder is not None:
            raise EmgmapError(f"already recording to {self.recorder.path}; stop that recording first")
        if session.status.state in (State.ERROR, State.LOST, State.STOPPED):
            raise DeviceError(f"{session.spec.device} is not streaming ({session.status.message or 'stopped'}); "
                              "connect it again before recording")
        rec = Recorder(session, path, subject_id=subject_id, notes=notes, config_extra=config_extra,
                       max_samples=max_samples, compress=compress)
        self.recorder = rec.start()
        return rec.status

    def stop_recording(self) -> RecorderStatus | None:
        """Finalise the recording (None when there was none)."""
        rec, self.recorder = self.recorder, None
        return rec.stop() if rec is not None else None

    # -- LSL --------------------------------------------------------------------------------------
    def publish(self, on: bool, name: str = "emgmap") -> str:
        """Publish the session over Lab Streaming Layer (docs/lsl.md) while ``on``; returns the
        stream name (raises one sentence when pylsl is missing)."""
        if self.publisher is not None:
            pub, self.publisher = self.publisher, None
            pub.stop()
        if not on:
            return ""
        from ..sinks.lsl import LslPublisher
        self.publisher = LslPublisher(self._require(), name=name).start()
        return name

    # -- the session's content -------------------------------------------------------------------
    def track_gait(self, mode: str | None) -> GaitFeed | None:
        """Analyse walking or running (``mode`` walk/run) stride by stride from now on: the
        gait events go into the session (and its recording), :meth:`poll` carries the
        ensembles (app/gait_live.py). None: stop."""
        if self.gait is not None:
            self.gait.close()
            self.gait = None
        if mode is not None:
            self.gait = GaitFeed(self._require(), mode).attach()
        return self.gait

    def mark(self, text: str) -> Event:
        """A marker at the newest sample."""
        return self._require().mark(text)

    def calibrate(self, what: str, seconds: float = CALIBRATE_S) -> str:
        """Quick calibration from the last ``seconds`` (docs/dsp.md §5): ``rest``, ``mvc``
        (every channel), ``clear`` (forget the MVC references), ``peak`` (a new task peak).
        Returns what was done, in a sentence."""
        s = self._require()
        end = s.now_s()
        start = max(0.0, end - seconds)   # a session younger than that: all of it
        if what == "rest":
            s.capture_rest(start, end)
            return f"rest baseline set from {start:.1f}-{end:.1f} s"
        if what == "mvc":
            best = s.capture_mvc(start, end)
            return (f"MVC trial added for {len(best)} channels from {start:.1f}-{end:.1f} s: "
                    + ", ".join(f"{c.label} {v:.0f} µV" for c, v in zip(s.montage.channels, best)))
        if what == "clear":
            s.calibration.clear_mvc()
            return "MVC references forgotten: levels fall back to % of task peak"
        if what == "peak":
            s.calibration.reset_peak()
            return "task peak reset"
        raise EmgmapError(f"unknown calibration {what!r}; choose one of rest, mvc, clear, peak")

    # -- what a face shows ---------------------------------------------------------------------
    def say(self, text: str, kind: MessageKind = MessageKind.NOTE) -> None:
        with self._lock:
            self._messages.append(Message(kind, text))

    def poll(self) -> LiveState:
        """The state now. A recording whose device went away (or whose disk refused a write)
        is finalised here, and said once in ``messages``."""
        s = self.session
        if s is None:
            return LiveState(messages=self._take_messages())
        st = s.status
        self._follow_recording()
        if st.state == State.RECONNECTING and not self._reconnect_shown:
            self._reconnect_shown = True
            self.say(st.message)
        elif st.state == State.STREAMING and self._reconnect_shown:
            self._reconnect_shown = False
            self.say(f"{s.spec.device} reconnected; samples lost meanwhile are counted and marked as gaps")
        live = st.state.live or st.state == State.RECONNECTING
        ended = st.state in (State.LOST, State.ERROR, State.STOPPED)
        if st.state in (State.ERROR, State.LOST) and not self._lost_handled:
            self._lost_handled = True
            saved = ""
            if self.recorder is not None:   # the device is gone: finalise what was recorded
                rs = self.stop_recording()
                saved = (f" (recording failed: {rs.message})" if rs.state == RecorderState.FAILED
                         else f" (recording saved to {rs.path})")
            self.say(f"{st.message}{saved}", MessageKind.ERROR if s.driver.remember else MessageKind.NOTE)
        rec = self.recorder.status if self.recorder is not None else None
        return LiveState(device=s.spec.device, status=st, live=live and s.running,
                         stopped_at_s=None if live and s.running else s.now_s(),
                         ended=ended and not s.driver.remember,
                         recording=rec, publishing=self.publisher.name if self.publisher else "",
                         indices=s.latest_indices(), calibration=s.calibration.snapshot(),
                         gait=self.gait.status() if self.gait is not None else None,
                         messages=self._take_messages())

    def _follow_recording(self) -> None:
        rec = self.recorder
        if rec is not None and rec.status.state == RecorderState.FAILED:   # the disk refused: say so, go on
            self.recorder = None
            rec.stop()
            self.say(rec.status.message, MessageKind.ERROR)

    def _take_messages(self) -> tuple[Message, ...]:
        with self._lock:
            out, self._messages = tuple(self._messages), []
        return out
