"""``sim`` devices: the built-in simulator, paced by a clock or unpaced."""
from __future__ import annotations

import collections
from dataclasses import replace

import numpy as np

from ..clock import SYSTEM_CLOCK, Clock
from ..montage import LOWER_LIMB_ORDER, Montage
from ..sim import SimConfig, Simulator
from ..sim.schedule import Schedule
from ..types import DeviceLost, SampleBlock, StreamSpec
from .base import Driver
from ..validate import MAX_SECONDS
from .spec import DeviceSpec

PARAMS = ("scenario", "severity", "exercise", "fs", "channels", "seed", "scatter", "fatigue", "artifacts", "mains",
          "mains_uv", "drop_rate", "disconnect_at", "saturate_at", "counter", "cadence", "fast")


def sim_config(spec: DeviceSpec) -> tuple[SimConfig, bool]:
    """The :class:`SimConfig` and the ``fast`` flag of a ``sim:?...`` spec."""
    if spec.target:
        raise spec._err("the simulator takes no target; write sim:?key=value")
    d = SimConfig()
    cfg = SimConfig(
        scenario=spec.take_str("scenario", d.scenario),
        severity=spec.take_float("severity", d.severity, 0, 1),
        exercise=spec.take_str("exercise", d.exercise),
        fs=spec.take_float("fs", d.fs, 100, 20000),
        channels=spec.take_int("channels", d.channels, 1, 18),
        seed=spec.take_int("seed", d.seed, 0, 2**63 - 1),
        scatter=spec.take_float("scatter", d.scatter, 0, 1),
        fatigue=spec.take_float("fatigue", d.fatigue, 0, 1),
        artifacts=spec.take_bool("artifacts", d.artifacts),
        power_line_hz=spec.take_float("mains", d.power_line_hz),
        mains_uv=spec.take_float("mains_uv", d.mains_uv, 0, 10000),
        drop_rate=spec.take_float("drop_rate", d.drop_rate, 0, 0.99),
        disconnect_at=spec.take_float("disconnect_at", None, 0, MAX_SECONDS),
        saturate_at=spec.take_float("saturate_at", None, 0, MAX_SECONDS),
        counter=spec.take_bool("counter", d.counter),
        cadence=spec.take_float("cadence", None, 40, 240),
    )
    fast = spec.take_bool("fast", False)
    spec.finish(PARAMS)
    return cfg, fast


class SimDriver(Driver):
    """Streams a :class:`~emgmap.sim.Simulator`.

    Paced: samples become available as ``clock`` time passes (a
    :class:`~emgmap.clock.ManualClock` makes that instant in tests). Unpaced
    (``fast``): every read returns the next ``block_s`` seconds at once (0.5 s by
    default: batch work wants few large blocks).
    Timestamps are ``t0 + index / fs`` on the clock's time line.
    """

    def __init__(self, config: SimConfig, *, device: str = "sim", fast: bool = False,
                 clock: Clock = SYSTEM_CLOCK, schedule: Schedule | None = None, block_s: float = 0.5):
        self.sim = Simulator(config, schedule=schedule)
        self.subject = self.sim   # follows a cue plan (Plan.sim_schedule)
        self.montage = self.sim.montage
        self.spec = StreamSpec(fs=config.fs, channel_names=self.montage.names, device=device,
                               device_model="emgmap simulator", range_uv=config.range_uv,
                               power_line_hz=config.power_line_hz, aux=self.sim.aux_channels)
        self.paced = not fast
        self.clock = clock
        self._frames_per_read = max(1, int(round(block_s * config.fs / self.sim.frame_len)))
        self._t0: float | None = None
        self._queue: collections.deque[SampleBlock] = collections.deque()  # generated, not yet read

    @property
    def truth(self):
        return self.sim.truth

    def wear(self, montage: Montage) -> None:
        """Simulate the electrodes of ``montage`` (a user's montage: its channel names, muscles
        and sides, in its order) instead of the simulator's own; before :meth:`start`."""
        if self._t0 is not None:
            raise RuntimeError("wear() after start()")
        cfg = replace(self.sim.config, channels=len(montage))
        self.sim = self.subject = Simulator(cfg, montage=montage)
        self.montage = montage
        self.spec = replace(self.spec, channel_names=montage.names)

    def start(self) -> None:
        self._t0 = self.clock.now()

    def stop(self) -> None:
        self._t0 = None

    def read(self) -> SampleBlock | None:
        if self._t0 is None:
            raise RuntimeError("read() before start()")
        if self._queue:
            return self._queue.popleft()
        fs, L = self.sim.fs, self.sim.frame_len
        if not self.paced:
            n_frames = self._frames_per_read
        else:
            due = int((self.clock.now() - self._t0) * fs)  # samples that exist by now
            n_frames = (due - self.sim._next) // L
            if n_frames <= 0:
                self.clock.sleep(min(0.1, (self.sim._next + L - due) / fs))
                return None
            n_frames = min(n_frames, int(fs // L) + 1)  # at most ~1 s per read
        cfg = self.sim.config
        if cfg.disconnect_at is not None and self.sim._next / fs >= cfg.disconnect_at:
            raise DeviceLost(f"the simulator was told to disconnect at {cfg.disconnect_at:g} s")
        first, x, kept = self.sim.next_frames(n_frames)
        # gait: foot switches, accelerometers, knee angles (a plan may replace the schedule after
        # open, so the columns follow the spec fixed at open, empty or not)
        aux = self.sim.aux(first, x.shape[0]) if self.spec.aux else None
        ts = self._t0 + (first + np.arange(x.shape[0])) / fs
        k = 0
        while k < n_frames:  # each run of kept frames is one block: a dropped frame is a gap
            if not kept[k]:
                k += 1
                continue
            j = k + int(np.argmin(np.append(kept[k:], False)))
            self._queue.append(SampleBlock(x[k * L:j * L], ts[k * L:j * L], first + k * L,
                                           aux=None if aux is None else aux[k * L:j * L]))
            k = j
        return self._queue.popleft() if self._queue else None


def sim_spec(device: str, muscles, scenario: str | None = None) -> str:
    """A ``sim`` spec with ``scenario`` and enough channels for ``muscles`` (a protocol's):
    the simulator's channels run in :data:`~emgmap.montage.LOWER_LIMB_ORDER`, left then right."""
    extra = [f"scenario={scenario}"] if scenario else []
    if "channels=" not in device:
        known = [m for m in muscles if m in LOWER_LIMB_ORDER]
        need = max((2 * LOWER_LIMB_ORDER.index(m) + 2 for m in known), default=8)
        if need > 8:
            extra.append(f"channels={need}")
    if not extra:
        return device
    base = "sim:" if device.strip().lower() == "sim" else device
    return base + ("&" if "?" in base else "?") + "&".join(extra)


def open_sim(spec: DeviceSpec, clock: Clock) -> SimDriver:
    cfg, fast = sim_config(spec)
    return SimDriver(cfg, device=spec.text, fast=fast, clock=clock)
