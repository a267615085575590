"""``replay:FILE.h5?speed=1``: a recording played back through a session as if live.

Paced by the injected clock: sample k is due once ``(t_k - t_0) / speed``
seconds of clock time have passed since start, t being the recording's own
timestamps. ``speed=0`` or ``fast=1`` plays unpaced (0.5 s blocks). Blocks carry
the recorded sample indices, so the recording's gaps come back as gaps; events
of kind ``marker`` come back as markers. At the end of the file the driver
reports the device as lost ("the replay ... ended"), like a board that stopped.
"""
from __future__ import annotations

import numpy as np

from ..clock import SYSTEM_CLOCK, Clock
from ..types import DeviceError, DeviceLost, SampleBlock, StreamSpec
from .base import Driver
from .spec import DeviceSpec

PARAMS = ("speed", "fast")
FAST_BLOCK_S = 0.5
PACED_BLOCK_S = 0.05


class ReplayDriver(Driver):
    remember = False   # a file played back is not the device to reopen next time

    def __init__(self, path: str, *, device: str, speed: float = 1.0, clock: Clock = SYSTEM_CLOCK):
        from ..recordings import RecordingError, open_recording
        from ..recordings.sidecars import raw_band
        try:
            self._rec = open_recording(path)
        except RecordingError as e:
            raise DeviceError(str(e)) from None
        rec = self._rec
        if rec.n_samples == 0:
            rec.close()
            raise DeviceError(f"recording {path} holds no samples; there is nothing to replay")
        self.montage = rec.montage
        band = raw_band(rec)
        self.spec = StreamSpec(fs=rec.fs, channel_names=tuple(rec.channel_names), device=device,
                               device_model=f"replay of {rec.attrs.get('device_model', 'a recording')}",
                               # the replayed samples are the raw ones: the source's device band
                               low_cutoff_hz=band.low_hz,
                               high_cutoff_hz=rec.fs / 2 if band.high_hz is None else band.high_hz,
                               power_line_hz=float(rec.attrs.get("power_line_hz", 50.0)),
                               aux=tuple(zip(rec.aux_names, rec.aux_units)))
        self.speed = speed
        self.paced = speed > 0
        self.clock = clock
        self._t = rec.timestamps()           # small next to the data: (n,) float64
        self._idx = rec.sample_index()
        self._rel = self._t - self._t[0]
        t0 = float(self._t[0])
        self._markers = sorted((float(e.onset_s) - t0, e.label) for e in rec.events if e.kind == "marker")
        self._pos = 0
        self._t0: float | None = None

    def start(self) -> None:
        if self._rec is None:
            raise DeviceError(f"{self.spec.device}: a replay can be started once; open it again")
        self._t0 = self.clock.now()

    def stop(self) -> None:
        self._t0 = None
        if self._rec is not None:
            self._rec.close()
            self._rec = None

    def read(self) -> SampleBlock | None:
        if self._t0 is None:
            raise RuntimeError("read() before start()")
        n = self._rec.n_samples
        if self._pos >= n:
            raise DeviceLost(f"the replay of {self._rec.path.name} ended after {self._rel[-1]:.1f} s")
        if self.paced:
            elapsed = (self.clock.now() - self._t0) * self.speed
            stop = int(np.searchsorted(self._rel, elapsed, side="right"))
            stop = min(stop, self._pos + int(self.spec.fs) + 1)  # at most ~1 s per read
            if stop <= self._pos:  # wait until a block of PACED_BLOCK_S is due, as a board sends them
                wait = (self._rel[self._pos] + PACED_BLOCK_S - elapsed) / self.speed
                self.clock.sleep(min(0.1, max(wait, 1e-4)))
                return None
        else:
            stop = min(n, self._pos + max(1, int(FAST_BLOCK_S * self.spec.fs)))
        idx = self._idx[self._pos:stop]
        jump = np.flatnonzero(np.diff(idx) != 1)
        if jump.size:  # a block holds consecutive samples: end it at the recorded gap
            stop = self._pos + int(jump[0]) + 1
        a, self._pos = self._pos, stop
        data = self._rec.data(a, stop).astype(np.float64)
        ts = self._t0 + self._rel[a:stop] / (self.speed if self.paced else 1.0)
        lo, hi = self._rel[a], self._rel[stop - 1]
        markers = tuple((int(self._idx[a] + round((m - lo) * self.spec.fs)), label)
                        for m, label in self._markers if lo <= m <= hi)
        aux = self._rec.aux(a, stop) if self.spec.aux else None
        return SampleBlock(data, ts, int(self._idx[a]), markers, aux)


def open_replay(spec: DeviceSpec, clock: Clock) -> ReplayDriver:
    if not spec.target:
        raise spec._err("give the recording to replay, e.g. replay:session.h5?speed=1")
    speed = spec.take_float("speed", 1.0, 0, 1000)
    if spec.take_bool("fast", False):
        speed = 0.0
    spec.finish(PARAMS)
    return ReplayDriver(spec.target, device=spec.text, speed=speed, clock=clock)
