"""``lsl:type=EMG`` / ``lsl:name=NAME``: any regularly sampled LSL stream as a device.

Timestamps are clock-synchronised by liblsl (``proc_clocksync``) and mapped to
the injected clock's time line. Gaps come from the timestamps: a step of more
than 1.5 sample periods is a gap of ``round(step * fs) - 1`` samples (no
dejitter, which would smooth gaps away). Channel labels or emgmap's muscle/side
metadata give the montage when they name the muscles.
"""
from __future__ import annotations

import numpy as np

from ..clock import Clock
from ..lsl import require_pylsl
from ..lsl.channels import montage_from, read_channels
from ..types import DeviceError, DeviceLost, SampleBlock, StreamSpec
from .base import Driver
from .spec import DeviceSpec

SILENCE_S = 1.0  # a stream silent this long is lost (as for boards)
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
        self.montage = montage_from(info)
        self.spec = StreamSpec(fs=fs, channel_names=tuple(labels), device=device,
                               device_model=f"LSL {info.type()} stream {info.name()!r} from {info.hostname()}")
        self._inlet = None
        self._last_ts: float | None = None
        self._next = 0
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
        fs = self.spec.fs
        prev = ts[0] - 1 / fs if self._last_ts is None else self._last_ts
        steps = np.maximum(1, np.round(np.diff(np.concatenate(([prev], ts))) * fs)).astype(np.int64)
        gap = np.flatnonzero(steps[1:] > 1)  # cut before the first gap inside the chunk
        n = ts.size if gap.size == 0 else int(gap[0]) + 1
        first = self._next + int(steps[0]) - 1
        self._pending = None if n == ts.size else (data[n:], ts[n:])
        self._last_ts = float(ts[n - 1])
        self._next = first + n
        return SampleBlock(data[:n], ts[:n] + self._offset, first)
