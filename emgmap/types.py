"""Core stream types shared by drivers, the session, the DSP and the recorder.

Vocabulary: a *driver* yields :class:`SampleBlock` s described by a
:class:`StreamSpec`; samples are in microvolts, time runs along axis 0.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np


class EmgmapError(Exception):
    """An error a user can cause: its message is one sentence naming the thing
    and what to do. The CLI and the GUI show it without a traceback."""


class DeviceSpecError(EmgmapError):
    """A device spec string could not be parsed."""


class Remedy(str, enum.Enum):
    """What to do about a device that cannot be opened, said by each face its own way
    (the command line names a command, the dashboard its device picker)."""
    LIST_DEVICES = "run `emgmap devices` to list the devices and ports"


class DeviceError(EmgmapError):
    """A device could not be opened or stopped working. With a ``remedy`` the message is
    ``problem; <remedy, as the command line says it><detail>``."""

    def __init__(self, problem: str, remedy: Remedy | None = None, detail: str = ""):
        self.problem, self.remedy, self.detail = problem, remedy, detail
        super().__init__(f"{problem}; {remedy.value}{detail}" if remedy is not None else problem + detail)


class DeviceLost(DeviceError):
    """A device that was streaming went away (unplugged, silent for too long)."""


class MontageError(EmgmapError):
    """A montage is malformed; the message names the field."""


class ConfigError(EmgmapError):
    """A setting is invalid; the message names the setting and its valid values."""


class Side(enum.StrEnum):
    LEFT = "left"
    RIGHT = "right"
    MIDLINE = "midline"

    @property
    def short(self) -> str:
        return {"left": "L", "right": "R", "midline": "M"}[self.value]


@dataclass(frozen=True)
class StreamSpec:
    """What a driver streams.

    Parameters
    ----------
    fs : sampling frequency in Hz.
    channel_names : one name per column of :attr:`SampleBlock.data`.
    device : the device spec string the stream was opened with.
    device_model : a human-readable board name ("emgmap simulator", "OpenBCI Cyton").
    low_cutoff_hz, high_cutoff_hz : the hardware band (0 / fs/2 when unknown).
    range_uv : the largest magnitude the device can report (saturation level).
    power_line_hz : the local mains frequency (50 or 60).
    aux : (name, unit) of each auxiliary (non-EMG) column the device sends beside the EMG,
        sample for sample: a foot switch, an accelerometer axis, a knee angle.
    """

    fs: float
    channel_names: tuple[str, ...]
    device: str
    device_model: str
    low_cutoff_hz: float = 0.0
    high_cutoff_hz: float = float("nan")
    range_uv: float = float("inf")
    power_line_hz: float = 50.0
    aux: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not (self.fs > 0 and np.isfinite(self.fs)):
            raise ConfigError(f"sampling frequency must be a positive number, got {self.fs!r}")
        if len(self.channel_names) == 0:
            raise ConfigError("a stream needs at least one channel")
        if np.isnan(self.high_cutoff_hz):
            object.__setattr__(self, "high_cutoff_hz", self.fs / 2)

    @property
    def n_channels(self) -> int:
        return len(self.channel_names)


@dataclass(frozen=True)
class SampleBlock:
    """``n`` consecutive samples of ``C`` channels.

    ``data`` is (n, C) float64 µV, ``timestamps`` (n,) float64 seconds on the
    host monotonic clock, ``first_index`` the absolute (device) index of the
    first sample. Samples inside a block are consecutive: a driver that sees a
    gap starts a new block, so ``first_index`` jumping past the previous
    block's end *is* the gap. ``markers`` are (absolute index, label) pairs.
    ``aux`` is (n, A) float64 in the units of :attr:`StreamSpec.aux` (None: no aux columns).
    """

    data: np.ndarray
    timestamps: np.ndarray
    first_index: int
    markers: tuple[tuple[int, str], ...] = field(default=())
    aux: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.data.ndim != 2:
            raise ValueError(f"block data must be (n, C), got shape {self.data.shape}")
        if self.timestamps.shape != (self.data.shape[0],):
            raise ValueError(
                f"block has {self.data.shape[0]} samples but {self.timestamps.shape} timestamps"
            )
        if self.aux is not None and (self.aux.ndim != 2 or self.aux.shape[0] != self.data.shape[0]):
            raise ValueError(f"block has {self.data.shape[0]} samples but aux of shape {self.aux.shape}")

    @property
    def n(self) -> int:
        return self.data.shape[0]

    @property
    def end_index(self) -> int:
        """Absolute index one past the last sample."""
        return self.first_index + self.n
