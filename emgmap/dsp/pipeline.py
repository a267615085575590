"""The streaming Pipeline: band-pass (and optional notch) cascade, then the envelope.

Contract and exact definitions: DESIGN §3 "Streaming DSP API" and docs/dsp.md.
"""
from __future__ import annotations

import threading
from typing import NamedTuple

import numpy as np
from scipy import signal

from ..types import ConfigError
from . import kernels
from .config import Design, PipelineConfig, check_fs, design


class PipelineOutput(NamedTuple):
    """One block's output; ``filtered`` and ``envelope`` are (n, C) µV.

    ``invalid`` (C,) bool marks channels that had NaN/inf input in this block
    (their output is NaN there; they restart cleanly on the next finite sample).
    A named tuple: built once per block, it costs a third of a frozen dataclass.
    """
    filtered: np.ndarray
    envelope: np.ndarray
    invalid: np.ndarray


class Pipeline:
    """Causal per-channel filtering and envelope with state carried across blocks.

    Parameters
    ----------
    fs : sampling frequency, Hz.
    n_channels : columns of every block.
    config : the settings; defaults to :class:`PipelineConfig` ().

    Notes
    -----
    One numba call per block (:func:`emgmap.dsp.kernels.process_block`). The
    output of any split of a signal into blocks is bit-identical to one call,
    and equals ``scipy.signal.sosfilt(p.sos, x, axis=0, zi=sosfilt_zi(p.sos)[..., None] * x[0])``
    followed by a trailing RMS with zeros before the stream (docs/dsp.md).
    """

    def __init__(self, fs: float, n_channels: int, config: PipelineConfig | None = None):
        self.fs = check_fs(fs)
        if not (isinstance(n_channels, (int, np.integer)) and n_channels >= 1):
            raise ConfigError(f"a pipeline needs at least one channel, got n_channels={n_channels!r}")
        self.n_channels = int(n_channels)
        self.config = config if config is not None else PipelineConfig()
        if not isinstance(self.config, PipelineConfig):
            raise ConfigError(f"pipeline config must be a PipelineConfig, got {type(self.config).__name__}")
        self.design: Design = design(self.config, self.fs)
        d = self.design
        self._rms = self.config.envelope == "rms"
        C = self.n_channels
        # The kernel's state lives in three flat arrays (one numba call per block takes
        # five arrays, not thirteen); the counters named below are views of the same memory.
        self._coef, self._state, self._counts = kernels.kernel_buffers(
            d.sos, signal.sosfilt_zi(d.sos), d.env_sos, d.window if self._rms else 1, C)
        *_, self._pos, self._fresh, self._invalid = kernels.views.py_func(self._coef, self._state, self._counts, C)
        self._invalid_before = np.zeros(C, dtype=np.int64)   # the counts after the last block with a bad sample
        self._all_valid = np.zeros(C, dtype=np.bool_)       # the `invalid` of every clean block, shared
        self._all_valid.flags.writeable = False
        self.samples = 0

    # -- what it is ---------------------------------------------------------------
    @property
    def sos(self) -> np.ndarray:
        """(n_sections, 6) float64: the whole cascade, high-pass, low-pass, notches."""
        return self.design.sos

    @property
    def window(self) -> int:
        """RMS window N in samples, ``round(window_s * fs)``."""
        return self.design.window

    @property
    def warnings(self) -> tuple[str, ...]:
        """Settings that were adjusted for this fs (e.g. a clamped low-pass), for the UI."""
        return self.design.warnings

    @property
    def invalid_samples(self) -> np.ndarray:
        """(C,) int64: non-finite input samples seen per channel since the start or reset."""
        return self._invalid.copy()

    def group_delay_s(self, f_hz: float = 100.0) -> float:
        """Delay of the whole chain at ``f_hz`` (default 100 Hz, near the sEMG median
        frequency): the cascade's group delay there (sum over sections,
        scipy.signal.group_delay) plus the envelope's: (N - 1) / (2 fs) for the trailing
        RMS (the centre of its window), the low-pass's group delay at 0 Hz for the
        linear envelope. Reference §1: show the user about half the window plus the
        filter delay."""
        def sections_delay(sos, f):
            return sum(float(signal.group_delay((s[:3], s[3:]), w=[f], fs=self.fs)[1][0]) for s in sos)
        filt = sections_delay(self.design.sos, f_hz) / self.fs
        if self._rms:
            env = (self.window - 1) / (2 * self.fs)
        else:
            env = sections_delay(self.design.env_sos, 0.0) / self.fs
        return filt + env

    def reset(self) -> None:
        """Forget all history: the next sample of each channel starts afresh."""
        self._state[:] = 0.0   # filter states, ring and sums
        self._pos[0] = 0
        self._fresh[:] = 1
        self._invalid[:] = 0
        self._invalid_before[:] = 0
        self.samples = 0

    # -- streaming ----------------------------------------------------------------
    def process(self, x) -> PipelineOutput:
        """Filter and envelope one block ``x`` (n, C) µV, n >= 0.

        The per-block Python work is kept to a few attribute reads and one
        allocation: at 10-sample blocks it costs more than the kernel itself."""
        x = np.asarray(x)
        shape = x.shape
        if len(shape) != 2 or shape[1] != self.n_channels:
            raise ConfigError(f"the pipeline expects blocks of shape (n, {self.n_channels}), got {shape}; "
                              f"rebuild it for this channel count")
        if x.dtype != _FLOAT64 or not x.flags.carray:  # the kernel's one type: float64, C-contiguous, writeable
            if x.dtype.kind not in "iuf":
                raise ConfigError(f"the pipeline expects real numbers in µV, got dtype {x.dtype}")
            x = kernels.as_input(x)
        out = np.empty((2,) + shape)   # filtered, envelope: one allocation
        bad = kernels.process_block(x, self._coef, self._state, self._counts, out) if shape[0] else 0
        self.samples += shape[0]
        return PipelineOutput(out[0], out[1], self._flag_invalid() if bad else self._all_valid)

    def _flag_invalid(self) -> np.ndarray:
        """(C,) bool: the channels whose invalid count grew in the block just processed."""
        flags = self._invalid > self._invalid_before
        self._invalid_before[:] = self._invalid
        return flags


_FLOAT64 = np.dtype(np.float64)


def _warm_up_all() -> None:
    kernels.warm_up()
    kernels.warm_up_analysis()


_warm_lock = threading.Lock()
_warm_thread: threading.Thread | None = None


def start_warm_up() -> threading.Thread:
    """Compile (or load from numba's on-disk cache) the kernels on a background
    thread, once per process, so the first block never waits for the compiler:
    the streaming kernels first, then those of analysis and calibration."""
    global _warm_thread
    with _warm_lock:
        if _warm_thread is None:
            _warm_thread = threading.Thread(target=_warm_up_all, name="emgmap-dsp-warm-up", daemon=True)
            _warm_thread.start()
        return _warm_thread


def kernels_ready() -> bool:
    """Whether :func:`start_warm_up` has loaded every kernel. Until then the first block
    waits for them: well under a second from numba's cache, about 20 s when a first
    start on this machine (a fresh checkout, a new emgmap version) compiles them."""
    thread = _warm_thread
    return thread is not None and not thread.is_alive()
