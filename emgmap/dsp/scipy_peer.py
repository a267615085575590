"""The scipy/numpy reference the Pipeline is tested and benchmarked against.

Plain scipy and numpy, written straight from the definitions in DESIGN §3,
sharing nothing with the numba kernel but the cascade coefficients.
"""
from __future__ import annotations

import numpy as np
from scipy import signal

from .config import PipelineConfig, design


def reference_process(x: np.ndarray, fs: float, config: PipelineConfig | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Offline ``(filtered, envelope)`` of ``x`` (n, C): ``sosfilt`` from the
    steady state of the first sample, then the trailing RMS (zeros before the
    start) by direct convolution, or the rectified linear envelope."""
    config = config or PipelineConfig()
    d = design(config, fs)
    x = np.asarray(x, dtype=np.float64)
    zi = signal.sosfilt_zi(d.sos)[:, :, None] * x[0][None, None, :]
    f, _ = signal.sosfilt(d.sos, x, axis=0, zi=zi)
    if config.envelope == "rms":
        k = np.ones(d.window)
        env = np.sqrt(np.column_stack([np.convolve(f[:, c] ** 2, k)[:len(f)] for c in range(f.shape[1])])
                      / d.window)
    else:
        env = signal.sosfilt(d.env_sos, np.abs(f), axis=0)
    return f, env


class ScipyStreaming:
    """The per-block scipy peer of the benchmark: ``sosfilt`` with ``zi`` carried
    between blocks and a numpy trailing RMS (cumulative sums over the window tail
    plus the block)."""

    def __init__(self, fs: float, n_channels: int, config: PipelineConfig | None = None):
        d = design(config or PipelineConfig(), fs)
        self.sos = d.sos
        self.N = d.window
        self._zi_unit = signal.sosfilt_zi(self.sos)[:, :, None]
        self._zi = None
        self._tail = np.zeros((self.N, n_channels))

    def process(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._zi is None:
            self._zi = self._zi_unit * x[0][None, None, :]
        f, self._zi = signal.sosfilt(self.sos, x, axis=0, zi=self._zi)
        sq = np.concatenate((self._tail, f * f))
        cs = np.cumsum(sq, axis=0)
        n = x.shape[0]
        env = np.sqrt(np.maximum(cs[self.N:] - cs[:n], 0.0) / self.N)
        self._tail = sq[-self.N:]
        return f, env
