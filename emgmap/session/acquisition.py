"""A live session: one acquisition thread from a driver into aligned rings.

The worker reads the driver, checks sample continuity (a jump in the device
index is a counted gap and a ``gap`` event, never bridged), runs the
pipeline, writes the rings, feeds the live measures and publishes an
immutable :class:`Status`. Consumers read the rings through aligned frames and
cursors (:mod:`emgmap.rings`) and the events through cursors
(:class:`emgmap.events.EventLog`); nothing here touches Qt. A device that is
lost (unplugged, silent) and can come back is reopened with backoff on the
session clock; the outage becomes a gap (docs/devices.md).
"""
from __future__ import annotations

import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Callable

import numpy as np

from ..clock import SYSTEM_CLOCK, Clock
from ..dsp import Pipeline, PipelineConfig, kernels_ready, start_warm_up
from ..dsp.indices import LiveIndices
from ..dsp.onset import OnsetEvent
from ..events import Event, EventLog
from ..montage import Montage
from ..rings import Frame, Rings
from ..types import DeviceLost, EmgmapError, MontageError, SampleBlock
from .measures import LiveMeasures
from .status import RateMeter, State, Status

if TYPE_CHECKING:   # the driver protocol lives a layer up; the session only calls its methods
    from ..drivers.base import Driver


class Session:
    """Acquisition from one driver.

    Parameters
    ----------
    driver : an opened-but-not-started driver (:mod:`emgmap.drivers`).
    montage : channel -> muscle; defaults to the driver's own.
    ring_seconds : how much history the rings hold (:meth:`ensure_history` adds more later).
    clock : the time line for rates and session time (inject a ManualClock in tests).
    pipeline_config : filter and envelope settings (docs/dsp.md); change them live with
        :meth:`set_pipeline_config`.
    index_window_s : the trailing window of the live indices (:class:`LiveMeasures`).
    extra_pairs : pairs to compute live beside the montage's own (restricted to its muscles):
        the standard pairs and a protocol's, so that views can choose among them; the
        session's (and the recording's) montage stays as given.
    stop_after : stop reading the device once this many samples are in (a check or a
        recording of a set length; an unpaced source would otherwise run on). The status
        then stays as it was until :meth:`stop`.
    """

    RECONNECT_BACKOFF_S = (0.25, 0.5, 1.0, 2.0)  # then every 2 s

    def __init__(self, driver: "Driver", montage: Montage | None = None, *, ring_seconds: float = 60.0,
                 clock: Clock = SYSTEM_CLOCK, pipeline_config: PipelineConfig | None = None,
                 index_window_s: float = 0.5, stop_after: int | None = None, extra_pairs=()):
        self.driver = driver
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
        self._stop_after = stop_after
        start_warm_up()  # the kernels compile (or load from cache) while the device connects
        self._pipeline = Pipeline(self.fs, self.spec.n_channels, pipeline_config)
        self._next_pipeline: Pipeline | None = None
        self.measures = LiveMeasures(montage.with_pairs(montage.pairs + tuple(extra_pairs)), self.fs,
                                     index_window_s=index_window_s)
        self.rings = Rings(max(1, int(ring_seconds * self.fs)), self.spec.n_channels,
                           self.measures.index_columns, self.measures.rows_for(ring_seconds), len(self.spec.aux))
        self.event_log = EventLog()
        self._invalid_channels: tuple[str, ...] = ()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._status = Status()
        self._rate = RateMeter()
        self._t0 = 0.0
        self._next_index: int | None = None
        self._first_index = 0
        self._dropped = 0
        self._gaps = 0
        self._listeners: list[Callable[[SampleBlock], None]] = []
        self._finished = False  # the worker has exited
        self._opened = False    # the device was started by open(), in the caller's thread

    # -- lifecycle -----------------------------------------------------------------------------
    def open(self) -> None:
        """Start the device now, in the caller's thread: a wrong port or an unplugged board
        raises its one-sentence :class:`~emgmap.types.DeviceError` here, before anything else
        (a file) is created. :meth:`start` then streams without opening it again."""
        self.driver.start()
        self._opened = True

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
        elif self._opened:   # opened, never streamed: the worker that would close it never ran
            self._opened = False
            self.driver.stop()
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

    # -- worker -----------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            if not self._opened:
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

    def _account_gap(self, block: SampleBlock) -> None:
        """A jump of the device index past the expected next sample is a counted gap and a
        ``gap`` event. A gap does not reset the filters: the state carries across it like
        across any block boundary (a reset would blank the envelope for a window); only a
        reconnect starts them afresh (docs/dsp.md)."""
        if self._next_index is None:
            self._first_index = block.first_index
        elif block.first_index != self._next_index:
            missing = block.first_index - self._next_index
            if missing > 0:
                self._dropped += missing
                self._gaps += 1
                onset = float(block.timestamps[0] - self._t0) - missing / self.fs
                self.add_event(Event.gap(f"{missing} samples lost", onset, missing / self.fs))
            # a backwards jump (device reset) is a discontinuity too; indices restart from here
        self._next_index = block.end_index

    def _ingest(self, block: SampleBlock) -> None:
        if block.data.shape[1] != self.spec.n_channels:
            raise EmgmapError(f"{self.spec.device} sent {block.data.shape[1]} channels, expected "
                              f"{self.spec.n_channels}")
        self._account_gap(block)
        with self._lock:
            if self._next_pipeline is not None:  # settings change, at this block boundary
                self._pipeline, self._next_pipeline = self._next_pipeline, None
        out = self._pipeline.process(block.data)
        if out.invalid.any() or self._invalid_channels:
            self._invalid_channels = tuple(n for n, bad in zip(self.montage.names, out.invalid) if bad)
        t = block.timestamps - self._t0
        aux = block.aux if block.aux is not None else np.full((block.n, len(self.spec.aux)), np.nan)
        self.rings.write(t, np.arange(block.first_index, block.end_index, dtype=np.int64), block.data, aux,
                         out.filtered, out.envelope)
        self.measures.process(t, out.envelope, self.rings)
        for fn in self._listeners:
            fn(block)
        for idx, label in block.markers:
            self.add_event(Event.marker(label, float((idx - self._first_index) / self.fs)))
        self._publish()

    # -- status ---------------------------------------------------------------------------------
    def _publish(self, arrived: bool = True, **changes) -> None:
        now = self.clock.now()
        total = self.rings.total
        if arrived:  # rate between block arrivals only, so idle reads do not skew it
            self._rate.arrived(now, total)
        with self._lock:
            self._status = replace(
                self._status, samples=total, measured_rate=self._rate.rate, dropped_samples=self._dropped,
                gaps=self._gaps, elapsed_s=now - self._t0 if self._t0 else 0.0,
                counters=dict(self.driver.counters),
                warnings=tuple(self.driver.warnings) + self._pipeline.warnings,
                invalid_channels=self._invalid_channels, preparing=total == 0 and not kernels_ready(), **changes)
            self._changed.notify_all()

    @property
    def status(self) -> Status:
        return self._status

    def wait_until(self, predicate: Callable[["Session"], bool], timeout: float | None) -> bool:
        """Block until ``predicate(self)`` holds or the worker has exited (error, a device lost
        for good, stopped); returns the predicate. Woken on every status change, so no
        polling; ``timeout`` is wall time, a safety net."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self) or self._finished, timeout) and predicate(self)

    def add_listener(self, fn: Callable[[SampleBlock], None]) -> None:
        """Call ``fn(block)`` on the acquisition thread after each block is in the rings."""
        self._listeners.append(fn)

    def remove_listener(self, fn: Callable[[SampleBlock], None]) -> None:
        """Stop calling ``fn`` (from the next block on)."""
        self._listeners = [f for f in self._listeners if f is not fn]   # a new list: the worker iterates the old

    # -- processing settings ------------------------------------------------------------------------
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

    # -- reading the rings ------------------------------------------------------------------------
    def ensure_history(self, seconds: float) -> None:
        """Keep at least ``seconds`` of samples and index rows in memory from now on (a guided
        session's longest stage); what is held stays, nothing reconnects."""
        self.rings.grow(max(1, int(seconds * self.fs)), self.measures.rows_for(seconds))

    @property
    def history_s(self) -> float:
        """Seconds of samples the rings hold."""
        return self.rings.capacity / self.fs

    def span(self, start_s: float, end_s: float) -> tuple[int, int]:
        """Absolute ring indices [a, b) of the held samples with ``start_s <= t < end_s``;
        one sentence when the span is not (or no longer) in memory."""
        try:
            a, b = self.rings.span(start_s, end_s)
        except IndexError:
            raise EmgmapError("the session is writing too fast to read its time line; try again") from None
        held = self._held_s()
        if b <= a:
            raise EmgmapError(f"no samples between {start_s:.2f} s and {end_s:.2f} s are in memory "
                              f"(held: {held[0]:.2f}-{held[1]:.2f} s); capture a span the session has "
                              f"recorded within the last {self.history_s:.0f} s")
        if start_s < held[0] - 1.0 / self.fs:
            raise EmgmapError(f"the span from {start_s:.2f} s is older than the {held[0]:.2f} s still in memory; "
                              f"capture it sooner or keep more history (ensure_history)")
        return a, b

    def _held_s(self) -> tuple[float, float]:
        """Session times of the oldest and newest samples in memory (0, 0 before any)."""
        ring = self.rings.t
        for _ in range(3):   # the writer may move the oldest sample between the two reads
            k = ring.oldest
            try:
                return float(ring.read_range(k, k + 1)[0]), float(ring.latest(1)[0])
            except IndexError:
                continue
        return 0.0, 0.0

    def window(self, start_s: float, end_s: float) -> Frame:
        """The aligned samples with ``start_s <= t < end_s`` (session seconds)."""
        a, b = self.span(start_s, end_s)
        try:
            return self.rings.frame(a, b)
        except IndexError:
            raise EmgmapError(f"the span {start_s:.2f}-{end_s:.2f} s left memory while being read; "
                              f"keep more history (ensure_history)") from None

    def now_s(self) -> float:
        """Session time of the newest sample (0 before any)."""
        t = self.rings.t.latest(1)
        return float(t[0]) if t.size else 0.0

    # -- live indices and calibration (docs/dsp.md "Session API") ---------------------------------
    @property
    def calibration(self):
        return self.measures.calibration

    @property
    def index_columns(self) -> tuple[str, ...]:
        """Names of the columns of ``rings.index_rows``: ``t``, ``sample``, ``act:<channel>``,
        ``si:<muscle>``, ``lr:<muscle>``, ``ratio:<pair>:<side>``."""
        return self.rings.index_columns

    @property
    def index_rate_hz(self) -> float:
        """Rows per second of signal in ``rings.index_rows`` (fs / step; 100 at 2 kHz)."""
        return self.measures.rate_hz

    def latest_indices(self) -> LiveIndices | None:
        """The newest index row, labelled (None before the first)."""
        return self.measures.latest

    def capture_rest(self, start_s: float, end_s: float, *, event: bool = True):
        """Set every channel's rest baseline (mean and SD of the envelope) from the span
        [start_s, end_s) of session time; adds the ``rest`` event unless ``event=False``.
        Live onset detection (:meth:`onsets`) starts from the next block with this baseline.
        Returns the new :class:`~emgmap.dsp.calibration.CalibrationSnapshot`."""
        snap = self.measures.capture_rest(self.window(start_s, end_s).envelope, self.pipeline_config.window_s)
        if event:
            self.add_event(Event.rest(start_s, end_s - start_s))
        return snap

    def capture_mvc(self, start_s: float, end_s: float, channels=None, *, event: bool = True) -> np.ndarray:
        """Add an MVC trial over [start_s, end_s) for ``channels`` (names; default all):
        the best 500 ms mean of the envelope, best of the last 3 trials per channel.
        Adds one ``mvc <muscle> <side>`` event per channel unless ``event=False``.
        Returns the trial's best-500 ms means (C,) µV."""
        best = self.measures.capture_mvc(self.window(start_s, end_s).envelope, channels)
        if event:
            for c in self.calibration.columns(channels):
                ch = self.montage.channels[c]
                self.add_event(Event.mvc(ch.muscle, ch.side, ch.name, start_s, end_s - start_s))
        return best

    def onsets(self, since: int = 0) -> list[OnsetEvent]:
        """Onset/offset events found live (detection starts at the first :meth:`capture_rest`
        and follows the newest baseline; docs/dsp.md §7), from position ``since`` on; each
        carries the channel ``name`` and session time ``t``."""
        return self.measures.onsets(since)

    # -- events -----------------------------------------------------------------------------------
    def add_event(self, event: Event) -> Event:
        """Append an event (any thread)."""
        return self.event_log.add(event)

    def mark(self, text: str, onset_s: float | None = None, channel: str = "") -> Event:
        """A marker at ``onset_s`` (default: the newest sample's session time)."""
        return self.add_event(Event.marker(text, self.now_s() if onset_s is None else onset_s, channel=channel))

    def events(self, since: int = 0) -> list[Event]:
        """Events from position ``since`` on (or read them through ``event_log.cursor()``)."""
        return self.event_log.since(since)
