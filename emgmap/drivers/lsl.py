"""``lsl:type=EMG`` / ``lsl:name=NAME``: any regularly sampled LSL stream as a device.

Timestamps are clock-synchronised by liblsl (``proc_clocksync``) and mapped to
the injected clock's time line. Gaps come from the timestamps, against a
dejittered clock of our own (:class:`GapDetector`): liblsl's own dejitter
(``proc_dejitter``) fits timestamps to the count of samples received and would
smooth real gaps away, and raw steps between jittered chunk stamps at a
fractional rate (1111.11 Hz in chunks of ~11) read as gaps where none is.
Channel labels (emgmap/muscle_names.py) or emgmap's muscle/side metadata give
each channel its muscle; the others stay unassigned.
"""
from __future__ import annotations

import numpy as np

from ..clock import Clock
from ..lsl import require_pylsl
from ..lsl.channels import montage_from, read_channels
from ..montage import Montage
from ..types import DeviceError, DeviceLost, SampleBlock, StreamSpec
from .base import Driver
from .spec import DeviceSpec

SILENCE_S = 1.0  # a stream silent this long is lost (as for boards)
CLOCK_TAU_S = 1.0        # time constant of the dejittered clock and of the jitter estimate
JITTER_K = 4.0           # a sample later than this many mean jitters (or half a period) opens a gap
WARMUP_S = 1.0           # until this much signal was seen the jitter is unknown ...
WARMUP_TOL_S = 0.01      # ... and a gap must exceed 10 ms
UNIT_SCALE = {"": 1.0, "microvolts": 1.0, "uv": 1.0, "µv": 1.0, "millivolts": 1e3, "mv": 1e3,
              "volts": 1e6, "v": 1e6}


def open_lsl(spec: DeviceSpec, clock: Clock) -> "LslDriver":
    key, sep, value = spec.target.partition("=")
    if not sep or key not in ("type", "name", "source_id") or not value:
        raise spec._err("write lsl:type=EMG, lsl:name=NAME or lsl:source_id=ID")
    timeout = spec.take_float("timeout", 5.0, 0.1, 120)
    spec.finish(("timeout",))
    return LslDriver(key, value, timeout=timeout, clock=clock, device=spec.text)


class LslDriver(Driver):
    def __init__(self, prop: str, value: str, *, timeout: float, clock: Clock, device: str):
        pylsl = require_pylsl()
        self._pylsl = pylsl
        self.clock = clock
        found = pylsl.resolve_byprop(prop, value, minimum=1, timeout=timeout)
        if not found:
            raise DeviceError(f"no LSL stream with {prop}={value} answered within {timeout:g} s; start the "
                              "sending app, check the stream's name/type, and that both machines share a network")
        self._info_brief = found[0]
        inlet = pylsl.StreamInlet(found[0], max_buflen=30, processing_flags=pylsl.proc_clocksync)
        try:
            info = inlet.info(timeout=timeout)
        except pylsl.LostError:
            raise DeviceError(f"the LSL stream {prop}={value} vanished while connecting; try again") from None
        finally:
            inlet.close_stream()
            del inlet
        fs = info.nominal_srate()
        if fs <= 0:
            raise DeviceError(f"LSL stream {info.name()!r} has no regular sample rate; emgmap needs a sampled "
                              "EMG stream, not a marker stream")
        meta = read_channels(info)
        n = info.channel_count()
        labels = [m["label"] or f"ch{i + 1}" for i, m in enumerate(meta)] if len(meta) == n else \
            [f"ch{i + 1}" for i in range(n)]
        if len(set(labels)) != n:
            labels = [f"ch{i + 1}" for i in range(n)]
        units = {(m["unit"] or "").lower() for m in meta} or {""}
        self._scale = UNIT_SCALE.get(units.pop(), 1.0) if len(units) == 1 else 1.0
        self.montage = montage_from(info) or Montage.unassigned(labels)
        self.spec = StreamSpec(fs=fs, channel_names=tuple(labels), device=device,
                               device_model=f"LSL {info.type()} stream {info.name()!r} from {info.hostname()}")
        self._inlet = None
        self._gaps = GapDetector(fs)
        self._pending: tuple[np.ndarray, np.ndarray] | None = None
        self._last_data = 0.0
        self._offset = 0.0

    def start(self) -> None:
        p = self._pylsl
        self._inlet = p.StreamInlet(self._info_brief, max_buflen=30, processing_flags=p.proc_clocksync)
        try:
            self._inlet.open_stream(timeout=5.0)
        except p.TimeoutError:
            raise DeviceError(f"{self.spec.device}: the stream did not open within 5 s; is the sender still "
                              "running?") from None
        self._offset = self.clock.now() - p.local_clock()
        self._last_data = self.clock.now()

    def stop(self) -> None:
        if self._inlet is not None:
            self._inlet.close_stream()
            self._inlet = None

    def read(self) -> SampleBlock | None:
        if self._pending is None:
            # min_samples=1: return as soon as anything arrived, not when max_samples did
            data, ts = self._inlet.pull_chunk(timeout=0.1, max_samples=int(self.spec.fs), min_samples=1)
            now = self.clock.now()
            if len(ts) == 0:
                if now - self._last_data > SILENCE_S:
                    raise DeviceLost(f"the LSL stream {self.spec.device} sent nothing for {SILENCE_S:g} s; "
                                     "check the sending app")
                return None
            self._last_data = now
            self._pending = (np.asarray(data, dtype=np.float64) * self._scale, np.asarray(ts, dtype=np.float64))
        data, ts = self._pending
        first, n = self._gaps.take(ts)
        self._pending = None if n == ts.size else (data[n:], ts[n:])
        return SampleBlock(data[:n], ts[:n] + self._offset, first)


class GapDetector:
    """Sample indices for LSL timestamps: a dejittered clock ``t = offset + index / fs`` and
    a gap wherever a sample arrives later than that clock by more than the tolerance.

    ``offset`` follows the residuals of the samples taken (an exponential average with time
    constant :data:`CLOCK_TAU_S` of signal, so a sender's clock drift of hundreds of ppm is
    followed), and so does the mean absolute residual, the jitter. The tolerance is
    ``max(0.5 / fs, JITTER_K * jitter)`` (half a period: one lost sample shows as one period), and at least :data:`WARMUP_TOL_S` during the first
    :data:`WARMUP_S` of signal, before the jitter is known. A gap is ``round(residual * fs)``
    samples; one shorter than the tolerance cannot be seen in timestamps: exact stamps
    (another emgmap) show single lost samples, jittered ones only longer drop-outs.
    A sample arriving earlier than the clock by more than the tolerance (the sender's clock
    stepped back) resets the clock; it is never a gap."""

    def __init__(self, fs: float):
        self.fs = fs
        self.next = 0                    # index of the next sample
        self.offset: float | None = None
        self.jitter = 0.0
        self.seen = 0

    @property
    def tolerance(self) -> float:
        tol = max(0.5 / self.fs, JITTER_K * self.jitter)
        return max(tol, WARMUP_TOL_S) if self.seen < WARMUP_S * self.fs else tol

    def take(self, ts: np.ndarray) -> tuple[int, int]:
        """(absolute index of ``ts[0]``, how many leading samples of ``ts`` are consecutive)."""
        fs = self.fs
        if self.offset is None:
            self.offset = float(ts[0]) - self.next / fs
        r = ts - (self.offset + (self.next + np.arange(ts.size)) / fs)
        tol = self.tolerance
        first = self.next
        if r[0] > tol:                               # samples lost before this one
            first += int(round(r[0] * fs))
            r = r - (first - self.next) / fs
        elif r[0] < -tol:                            # the sender's clock stepped back: follow it
            self.offset += float(r[0])
            r = r - r[0]
        late = np.flatnonzero(r[1:] > r[0] + tol)    # a gap inside: cut before it
        n = ts.size if late.size == 0 else int(late[0]) + 1
        a = min(1.0, n / (fs * CLOCK_TAU_S))
        self.offset += a * float(np.mean(r[:n]))
        self.jitter += a * (float(np.mean(np.abs(r[:n]))) - self.jitter)
        self.seen += n
        self.next = first + n
        return first, n
