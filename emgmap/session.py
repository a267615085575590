"""A live session: one acquisition thread from a driver into ring buffers.

The worker reads the driver, checks sample continuity (a jump in the device
index is a counted gap and a ``gap`` event, never bridged), writes the rings
and publishes an immutable :class:`Status`. The GUI and the recorder only
read rings, events and status; nothing here touches Qt. A device that is
lost (unplugged, silent) and can come back is reopened with backoff on the
session clock; the outage becomes a gap (docs/devices.md).
"""
from __future__ import annotations

import collections
import enum
import threading
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from .clock import SYSTEM_CLOCK, Clock
from .drivers.base import Driver
from .dsp import Pipeline, PipelineConfig, start_warm_up
from .dsp.calibration import Calibration
from .dsp.indices import IndexTracker, LiveIndices
from .dsp.onset import OnsetConfig, OnsetDetector, OnsetEvent
from .montage import Montage
from .ringbuffer import RingBuffer
from .types import DeviceLost, EmgmapError, MontageError, SampleBlock


class State(str, enum.Enum):
    IDLE = "idle"
    CONNECTING = "connecting"
    STREAMING = "streaming"
    LOST = "device lost"
    RECONNECTING = "reconnecting"
    ERROR = "error"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Event:
    """One row of /events (DESIGN §3): onset and duration in session seconds."""
    onset_s: float
    duration_s: float
    kind: str      # marker | rest | mvc | set | rep | cue | gap
    label: str
    channel: str = ""


@dataclass(frozen=True)
class Status:
    state: State = State.IDLE
    message: str = ""               # error / lost text, one sentence
    samples: int = 0                # samples received
    measured_rate: float = 0.0      # samples/s over the last ~2 s of clock time
    dropped_samples: int = 0        # samples missing from device-index gaps
    gaps: int = 0
    elapsed_s: float = 0.0          # clock time since start
    counters: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    invalid_channels: tuple[str, ...] = ()  # channels whose newest block held NaN/inf (docs/dsp.md)
    losses: int = 0                 # times the device was lost (unplugged, silent)
    reconnects: int = 0             # times it came back


class Rings:
    """The session's aligned ring buffers, written in this order per block:
    ``t`` (s since session start), ``index`` (device sample index), ``raw`` (µV),
    ``filtered`` (µV, the pipeline's band-passed signal), ``envelope`` (µV, its
    RMS or linear envelope); see docs/dsp.md.

    ``indices`` and ``index_norms`` run at their own rate (one row every 10 ms of
    signal, :class:`~emgmap.dsp.indices.IndexTracker`), written after ``envelope``
    in that order: ``index_norms`` (int8 code per column: 0 none, 1 peak, 2 mvc),
    then ``indices`` (float64, columns ``index_columns``, the first two ``t`` and
    ``sample``). They are not part of :attr:`total`."""

    def __init__(self, capacity: int, n_channels: int, index_columns: tuple[str, ...] = (),
                 index_capacity: int = 1):
        self.t = RingBuffer(capacity)
        self.index = RingBuffer(capacity, dtype=np.int64)
        self.raw = RingBuffer(capacity, n_channels)
        self.filtered = RingBuffer(capacity, n_channels)
        self.envelope = RingBuffer(capacity, n_channels)
        self.index_columns = tuple(index_columns)
        self.index_norms = RingBuffer(index_capacity, max(1, len(index_columns)), dtype=np.int8)
        self.indices = RingBuffer(index_capacity, max(1, len(index_columns)))

    @property
    def total(self) -> int:
        """Samples present in every ring (the last-written ring's counter)."""
        return self.envelope.total


class Session:
    """Acquisition from one driver.

    Parameters
    ----------
    driver : an opened-but-not-started :class:`~emgmap.drivers.Driver`.
    montage : channel -> muscle; defaults to the driver's own.
    ring_seconds : how much history the rings hold.
    clock : the time line for rates and session time (inject a ManualClock in tests).
    pipeline_config : filter and envelope settings (docs/dsp.md); change them live with
        :meth:`set_pipeline_config`.
    index_window_s : the trailing window of the live indices (mean of the envelope), 0.5 s:
        the same 500 ms as the MVC reference, so 100 %MVC means "as high as the best
        half second of the MVC trial".
    stop_after : stop reading the device once this many samples are in (a check or a
        recording of a set length; an unpaced source would otherwise run on). The status
        then stays as it was until :meth:`stop`.
    """

    def __init__(self, driver: Driver, montage: Montage | None = None, *, ring_seconds: float = 60.0,
                 clock: Clock = SYSTEM_CLOCK, pipeline_config: PipelineConfig | None = None,
                 index_window_s: float = 0.5, stop_after: int | None = None):
        self.driver = driver
        self._stop_after = stop_after
        self.spec = driver.spec
        montage = montage or driver.montage
        if montage is None:
            raise MontageError(f"{driver.spec.device}: no montage given; pass --montage FILE.toml")
        if len(montage) != self.spec.n_channels:
            raise MontageError(
                f"the montage has {len(montage)} channels but {self.spec.device} streams "
                f"{self.spec.n_channels}; edit the montage to match the board")
        self.montage = montage
        self.fs = self.spec.fs
        self.clock = clock
        start_warm_up()  # the kernels compile (or load from cache) while the device connects
        self._pipeline = Pipeline(self.fs, self.spec.n_channels, pipeline_config)
        self._next_pipeline: Pipeline | None = None
        self.calibration = Calibration(montage.names)
        self._tracker = IndexTracker(montage, self.fs, index_window_s)
        index_hz = self.fs / self._tracker.step
        self.rings = Rings(max(1, int(ring_seconds * self.fs)), self.spec.n_channels,
                           ("t",) + self._tracker.columns, max(1, int(ring_seconds * index_hz) + 1))
        self._latest_indices: LiveIndices | None = None
        self._invalid_channels: tuple[str, ...] = ()
        self._onset_detector: OnsetDetector | None = None
        self._next_onset_detector: OnsetDetector | None = None
        self._onsets: list[OnsetEvent] = []
        self._events: list[Event] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._status = Status()
        self._t0 = 0.0
        self._next_index: int | None = None
        self._first_index = 0
        self._rate_window: collections.deque[tuple[float, int]] = collections.deque()
        self._dropped = 0
        self._gaps = 0
        self._listeners: list[Callable[[SampleBlock], None]] = []
        self._finished = False  # the worker has exited

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("session already started")
        self._publish(arrived=False, state=State.CONNECTING)
        self._thread = threading.Thread(target=self._run, name="emgmap-acquisition", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop acquisition and the device; returns when the worker has exited."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            if self._status.state not in (State.ERROR, State.LOST):
                self._status = replace(self._status, state=State.STOPPED)
            self._changed.notify_all()

    def __enter__(self) -> "Session":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def t0(self) -> float:
        """Clock time of session time 0 (when streaming began)."""
        return self._t0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- worker ----------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self.driver.start()
        except EmgmapError as e:
            self._finish(state=State.ERROR, message=str(e))
            return
        except Exception as e:  # a driver bug: still one sentence, never swallowed
            self._finish(state=State.ERROR, message=f"{self.spec.device} failed to start: {e!r}")
            return
        self._t0 = self.clock.now()
        self._publish(arrived=False, state=State.STREAMING, message="")
        end: dict = {}
        try:
            while not self._stop.is_set():
                try:
                    block = self.driver.read()
                except DeviceLost as e:
                    st = self._status
                    self._publish(arrived=False, state=State.LOST, message=str(e), losses=st.losses + 1)
                    if not self.driver.reconnectable:
                        return
                    self._reconnect(str(e))
                    continue
                if block is not None and block.n:
                    if self._status.state == State.RECONNECTING:  # back: data flows again
                        self._publish(arrived=False, state=State.STREAMING, message="",
                                      reconnects=self._status.reconnects + 1)
                    self._ingest(block)
                    if self._stop_after is not None and self.rings.total >= self._stop_after:
                        break
                else:
                    self._publish(arrived=False)
        except EmgmapError as e:
            end = dict(state=State.ERROR, message=str(e))
        except Exception as e:
            end = dict(state=State.ERROR, message=f"acquisition from {self.spec.device} failed: {e!r}")
        finally:
            try:
                self.driver.stop()
            except Exception:  # the device may already be gone; stopping must not mask the cause
                pass
            self._finish(**end)

    RECONNECT_BACKOFF_S = (0.25, 0.5, 1.0, 2.0)  # then every 2 s

    def _reconnect(self, reason: str) -> None:
        """Reopen a lost device until it opens or the session is stopped. Waits on the
        session clock; rings and events are kept, and the outage becomes a gap."""
        try:
            self.driver.stop()
        except Exception:  # it is gone; closing what is left must not fail the retry
            pass
        attempt = 0
        while not self._stop.is_set():
            wait = self.RECONNECT_BACKOFF_S[min(attempt, len(self.RECONNECT_BACKOFF_S) - 1)]
            attempt += 1
            self._publish(arrived=False, state=State.RECONNECTING,
                          message=f"{reason.rstrip('.')}; reconnecting (attempt {attempt})")
            t_end = self.clock.now() + wait
            while not self._stop.is_set() and self.clock.now() < t_end:
                self.clock.sleep(min(0.05, t_end - self.clock.now()))
            if self._stop.is_set():
                return
            try:
                self.driver.start()
            except EmgmapError:
                continue  # still gone (no such port, busy while it re-enumerates...)
            with self._lock:  # a re-plugged device may start at another DC level: filters afresh
                if self._next_pipeline is None:
                    self._next_pipeline = Pipeline(self.fs, self.spec.n_channels, self._pipeline.config)
            # reopened: the state turns to streaming with the first block (a board may be
            # open but silent, and is then lost again)
            self._publish(arrived=False, message=f"{reason.rstrip('.')}; reopened, waiting for data")
            return

    def _finish(self, **changes) -> None:
        self._finished = True
        self._publish(arrived=False, **changes)

    def _ingest(self, block: SampleBlock) -> None:
        if block.data.shape[1] != self.spec.n_channels:
            raise EmgmapError(f"{self.spec.device} sent {block.data.shape[1]} channels, expected "
                              f"{self.spec.n_channels}")
        if self._next_index is None:
            self._first_index = block.first_index
        elif block.first_index != self._next_index:
            missing = block.first_index - self._next_index
            if missing > 0:
                self._dropped += missing
                self._gaps += 1
                onset = float(block.timestamps[0] - self._t0) - missing / self.fs
                self.add_event("gap", f"{missing} samples lost", onset, missing / self.fs)
            # a backwards jump (device reset) is a discontinuity too; indices restart from here
        # A gap does not reset the filters: the state carries across it like across any
        # block boundary (a reset would blank the envelope for a window); only a reconnect
        # starts them afresh (docs/dsp.md).
        self._next_index = block.end_index
        with self._lock:
            if self._next_pipeline is not None:  # settings change, at this block boundary
                self._pipeline, self._next_pipeline = self._next_pipeline, None
        out = self._pipeline.process(block.data)
        if out.invalid.any() or self._invalid_channels:
            self._invalid_channels = tuple(n for n, bad in zip(self.montage.names, out.invalid) if bad)
        rings = self.rings
        rings.t.write(block.timestamps - self._t0)
        rings.index.write(np.arange(block.first_index, block.end_index, dtype=np.int64))
        rings.raw.write(block.data)
        rings.filtered.write(out.filtered)
        rings.envelope.write(out.envelope)
        self._update_indices(block, out.envelope)
        self._update_onsets(block, out.envelope)
        for fn in self._listeners:
            fn(block)
        for idx, label in block.markers:
            self.add_event("marker", label, float((idx - self._first_index) / self.fs))
        self._publish()

    def _update_onsets(self, block: SampleBlock, envelope: np.ndarray) -> None:
        base = self.rings.total - block.n
        with self._lock:
            if self._next_onset_detector is not None:
                self._onset_detector, self._next_onset_detector = self._next_onset_detector, None
                self._onset_detector.samples = base
        det = self._onset_detector
        if det is None:
            return
        found = det.process(envelope)
        if not found:
            return
        oldest = self.rings.t.oldest
        names = self.montage.names
        timed = []
        for e in found:
            k = max(e.sample, oldest)  # an offset moved back by the window may predate the ring
            t = float(self.rings.t.read_range(k, k + 1)[0]) - (k - e.sample) / self.fs
            timed.append(replace(e, t=t, name=names[e.channel]))
        with self._lock:
            self._onsets.extend(timed)

    def _update_indices(self, block: SampleBlock, envelope: np.ndarray) -> None:
        base = self.rings.total - block.n
        samples, means = self._tracker.means(envelope)
        self.calibration.observe_peak(self._tracker.peak_uv)
        if not len(samples):
            return
        self.calibration.observe_floor(means[samples >= self._tracker.window - 1])  # full windows only
        cal = self.calibration.snapshot()
        vals, codes = self._tracker.layout.rows(samples, means, cal)
        t = (block.timestamps[samples - base] - self._t0)[:, None]
        rows = np.hstack((t, vals))
        codes = np.concatenate(([0], codes)).astype(np.int8)
        self.rings.index_norms.write(np.broadcast_to(codes, rows.shape))
        self.rings.indices.write(rows)
        self._latest_indices = self._tracker.layout.describe(vals[-1], codes[1:], float(t[-1, 0]), means[-1], cal)

    # -- status ----------------------------------------------------------------------
    def _publish(self, arrived: bool = True, **changes) -> None:
        now = self.clock.now()
        total = self.rings.total
        w = self._rate_window
        if arrived:  # rate between block arrivals only, so idle reads do not skew it
            w.append((now, total))
            while len(w) > 2 and now - w[0][0] > 2.0:
                w.popleft()
        rate = (w[-1][1] - w[0][1]) / (w[-1][0] - w[0][0]) if len(w) > 1 and w[-1][0] > w[0][0] else 0.0
        with self._lock:
            self._status = replace(
                self._status, samples=total, measured_rate=rate, dropped_samples=self._dropped,
                gaps=self._gaps, elapsed_s=now - self._t0 if self._t0 else 0.0,
                counters=dict(self.driver.counters),
                warnings=tuple(self.driver.warnings) + self._pipeline.warnings,
                invalid_channels=self._invalid_channels, **changes)
            self._changed.notify_all()

    @property
    def status(self) -> Status:
        return self._status

    def wait_until(self, predicate: Callable[["Session"], bool], timeout: float) -> bool:
        """Block until ``predicate(self)`` holds or the worker has exited (error, a device lost
        for good, stopped); returns the predicate. Woken on every status change, so no
        polling; ``timeout`` is wall time, a safety net."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self) or self._finished, timeout) and predicate(self)

    def add_listener(self, fn: Callable[[SampleBlock], None]) -> None:
        """Call ``fn(block)`` on the acquisition thread after each block is in the rings."""
        self._listeners.append(fn)

    # -- processing settings -------------------------------------------------------------
    @property
    def pipeline(self) -> Pipeline:
        """The pipeline processing blocks now (replaced, not mutated, on a settings change)."""
        return self._pipeline

    @property
    def pipeline_config(self) -> PipelineConfig:
        """The settings in force, or about to be at the next block."""
        with self._lock:
            return (self._next_pipeline or self._pipeline).config

    def set_pipeline_config(self, config: PipelineConfig) -> Pipeline:
        """Build a new :class:`Pipeline` for ``config`` now (a bad setting raises
        :class:`~emgmap.types.ConfigError` here, in the caller) and swap it in at the
        next block boundary; any thread may call it. The new pipeline starts afresh:
        its filters from the steady state of the next block's first sample, its RMS
        window from zeros (docs/dsp.md)."""
        p = Pipeline(self.fs, self.spec.n_channels, config)
        with self._lock:
            self._next_pipeline = p
        return p

    # -- live indices and calibration (docs/dsp.md "Session API") --------------------------
    @property
    def index_columns(self) -> tuple[str, ...]:
        """Names of the columns of ``rings.indices``: ``t``, ``sample``, ``act:<channel>``,
        ``si:<muscle>``, ``lr:<muscle>``, ``ratio:<pair>:<side>``."""
        return self.rings.index_columns

    @property
    def index_rate_hz(self) -> float:
        """Rows per second of signal in ``rings.indices`` (fs / step; 100 at 2 kHz)."""
        return self.fs / self._tracker.step

    def latest_indices(self) -> LiveIndices | None:
        """The newest index row, labelled (None before the first)."""
        return self._latest_indices

    def span(self, start_s: float, end_s: float) -> tuple[int, int]:
        """Absolute ring indices [a, b) of the samples with ``start_s <= t < end_s``."""
        rings = self.rings
        for _ in range(3):  # the writer may move the ring's start while we read it
            total = rings.total
            oldest = rings.t.oldest
            try:
                t = rings.t.read_range(oldest, total)
                break
            except IndexError:
                continue
        else:
            raise EmgmapError("the session is writing too fast to read its time line; try again")
        a, b = oldest + int(np.searchsorted(t, start_s, "left")), oldest + int(np.searchsorted(t, end_s, "left"))
        if b <= a:
            raise EmgmapError(f"no samples between {start_s:.2f} s and {end_s:.2f} s are in memory "
                              f"(held: {t[0] if t.size else 0:.2f}-{t[-1] if t.size else 0:.2f} s); "
                              f"capture a span the session has recorded within the last ring_seconds")
        if t.size and start_s < t[0] - 1.0 / self.fs:
            raise EmgmapError(f"the span from {start_s:.2f} s is older than the {t[0]:.2f} s still in memory; "
                              f"capture it sooner or raise ring_seconds")
        return a, b

    def _envelope_span(self, start_s: float, end_s: float) -> np.ndarray:
        a, b = self.span(start_s, end_s)
        try:
            return self.rings.envelope.read_range(a, b)
        except IndexError:
            raise EmgmapError(f"the span {start_s:.2f}-{end_s:.2f} s left memory while being read; "
                              f"raise ring_seconds") from None

    def capture_rest(self, start_s: float, end_s: float, *, event: bool = True):
        """Set every channel's rest baseline (mean and SD of the envelope) from the span
        [start_s, end_s) of session time; adds the ``rest`` event unless ``event=False``.
        Live onset detection (:meth:`onsets`) starts from the next block with this baseline.
        Returns the new :class:`~emgmap.dsp.calibration.CalibrationSnapshot`."""
        self.calibration.set_rest(self._envelope_span(start_s, end_s))
        snap = self.calibration.snapshot()
        det = OnsetDetector(self.fs, snap.rest_mean_uv, snap.rest_sd_uv,
                            OnsetConfig(window_s=self.pipeline_config.window_s))
        with self._lock:  # the acquisition thread starts it at the next block
            self._next_onset_detector = det
        if event:
            self.add_event("rest", "rest", start_s, end_s - start_s)
        return self.calibration.snapshot()

    def onsets(self, since: int = 0) -> list[OnsetEvent]:
        """Onset/offset events found live (detection starts at the first :meth:`capture_rest`
        and follows the newest baseline; docs/dsp.md §7), from position ``since`` on; each
        carries the channel ``name`` and session time ``t``."""
        with self._lock:
            return self._onsets[since:]

    def capture_mvc(self, start_s: float, end_s: float, channels=None, *, event: bool = True) -> np.ndarray:
        """Add an MVC trial over [start_s, end_s) for ``channels`` (names; default all):
        the best 500 ms mean of the envelope, best of the last 3 trials per channel.
        Adds one ``mvc <muscle> <side>`` event per channel unless ``event=False``.
        Returns the trial's best-500 ms means (C,) µV."""
        env = self._envelope_span(start_s, end_s)
        best = self.calibration.add_mvc_trial(env, self.fs, channels)
        if event:
            cols = self.calibration.columns(channels)
            for c in cols:
                ch = self.montage.channels[c]
                self.add_event("mvc", f"mvc {ch.muscle} {ch.side}", start_s, end_s - start_s, ch.name)
        return best

    # -- events ------------------------------------------------------------------------
    def add_event(self, kind: str, label: str, onset_s: float | None = None, duration_s: float = 0.0,
                  channel: str = "") -> Event:
        """Append an event; ``onset_s`` defaults to the newest sample's session time."""
        if onset_s is None:
            onset_s = self.now_s()
        ev = Event(float(onset_s), float(duration_s), kind, label, channel)
        with self._lock:
            self._events.append(ev)
        return ev

    def events(self, since: int = 0) -> list[Event]:
        """Events from position ``since`` on (readers keep their own position)."""
        with self._lock:
            return self._events[since:]

    def now_s(self) -> float:
        """Session time of the newest sample (0 before any)."""
        t = self.rings.t.latest(1)
        return float(t[0]) if t.size else 0.0
