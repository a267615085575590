"""Rest baseline, MVC reference and the normalisation every index is labelled with.

Definitions (reference/semg.md §3, docs/dsp.md):

- rest baseline: per-channel mean and SD of the envelope over a rest span;
- MVC reference: the highest mean of the envelope over a 500 ms sliding window
  during an MVC trial; a channel keeps its 3 most recent trials and uses the best;
- peak-in-task: the highest 500 ms trailing mean of the envelope seen so far
  (the fallback when a channel has no MVC); it counts only once it stands at least
  ``PEAK_MIN_RATIO`` times above the channel's quiet level (its rest mean, else the
  lowest 500 ms mean seen so far): before any contraction the "peak" is noise, and
  dividing by it would show a resting muscle at ~100 %;
- normalisation of a channel: ``mvc`` (envelope / MVC x 100, %MVC) when it has an
  MVC reference, else ``peak`` (envelope / peak x 100, % of peak), else ``none`` (µV).
  An index over several channels uses the best normalisation *all* of them have.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from . import kernels

from ..types import EmgmapError

MVC_WINDOW_S = 0.5
MAX_MVC_TRIALS = 3
PEAK_MIN_RATIO = 3.0  # stationary rest noise: max/min of 500 ms means stays under ~2
NORMS = ("none", "peak", "mvc")        # code = position: worse to better
UNITS = {"none": "µV", "peak": "% peak", "mvc": "%MVC"}


def sliding_means(envelope: np.ndarray, fs: float, window_s: float = MVC_WINDOW_S) -> np.ndarray:
    """Means of ``envelope`` (n, C) over every run of ``M = round(window_s * fs)``
    consecutive samples (``M = n`` when the span is shorter): (n - M + 1, C).
    A window holding a non-finite sample has a NaN mean."""
    env = np.asarray(envelope, dtype=np.float64)
    if env.ndim == 1:
        env = env[:, None]
    n, C = env.shape
    if n == 0:
        return np.empty((0, C))
    M = min(n, max(1, int(round(window_s * fs))))
    finite = np.isfinite(env)
    all_finite = bool(finite.all())
    cs = np.empty((n + 1, C))   # cumulative sums written in place: no concatenated copies
    cs[0] = 0.0
    np.cumsum(env if all_finite else np.where(finite, env, 0.0), axis=0, out=cs[1:])
    means = cs[M:] - cs[:-M]
    means /= M
    if not all_finite:  # a window holding a non-finite sample has no mean
        nb = np.zeros((n + 1, C), dtype=np.int64)
        np.cumsum(~finite, axis=0, out=nb[1:])
        means[(nb[M:] - nb[:-M]) > 0] = np.nan
    return means


def sliding_mean_max(envelope: np.ndarray, fs: float, window_s: float = MVC_WINDOW_S) -> np.ndarray:
    """Per column, the highest of :func:`sliding_means` (NaN when every window is bad):
    the MVC reference of one trial (reference §3) and the peak-in-task."""
    return sliding_mean_range(envelope, fs, window_s)[0]


def sliding_mean_range(envelope: np.ndarray, fs: float,
                       window_s: float = MVC_WINDOW_S) -> tuple[np.ndarray, np.ndarray]:
    """Per column, the highest and the lowest of :func:`sliding_means` (NaN when every
    window is bad), to the bit, in one pass without the (n, C) array of means (a whole
    recording's peak-in-task and quiet floor)."""
    env = kernels.as_input(envelope)
    if env.ndim == 1:
        env = env[:, None]
    n, C = env.shape
    hi, lo = np.full(C, np.nan), np.full(C, np.nan)
    if n:
        kernels.sliding_mean_extremes(env, min(n, max(1, int(round(window_s * fs)))), hi, lo)
    return hi, lo


def rest_baseline(envelope: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and SD (ddof=0) of the finite samples of ``envelope`` (n, C);
    NaN for a column without any."""
    env = np.asarray(envelope, dtype=np.float64)
    if env.ndim == 1:
        env = env[:, None]
    ok = np.isfinite(env)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, env, 0.0).sum(axis=0) / n
        sd = np.sqrt(np.where(ok, (env - mean) ** 2, 0.0).sum(axis=0) / n)
    return mean, sd


@dataclass(frozen=True)
class CalibrationSnapshot:
    """Immutable per-channel values (C,) float64 µV; NaN where absent."""
    channel_names: tuple[str, ...]
    rest_mean_uv: np.ndarray
    rest_sd_uv: np.ndarray
    mvc_uv: np.ndarray
    peak_uv: np.ndarray
    mvc_trials: tuple[tuple[float, ...], ...]
    floor_uv: np.ndarray | None = None   # lowest 500 ms mean seen (quiet level without a rest baseline)

    @property
    def norm_codes(self) -> np.ndarray:
        """(C,) int8 index into :data:`NORMS` of each channel's normalisation."""
        return np.where(np.isfinite(self.mvc_uv) & (self.mvc_uv > 0), 2,
                        np.where(self.peak_valid, 1, 0)).astype(np.int8)

    @property
    def peak_valid(self) -> np.ndarray:
        """(C,) bool: the peak-in-task stands ``PEAK_MIN_RATIO`` times above the quiet level
        (never while no quiet level is known yet: the first 500 ms of a stream)."""
        quiet = np.where(np.isfinite(self.rest_mean_uv), self.rest_mean_uv,
                         self.floor_uv if self.floor_uv is not None else np.nan)
        with np.errstate(invalid="ignore"):
            return np.isfinite(self.peak_uv) & np.isfinite(quiet) & (self.peak_uv >= PEAK_MIN_RATIO * quiet)

    @property
    def norms(self) -> tuple[str, ...]:
        return tuple(NORMS[k] for k in self.norm_codes)

    def scale(self, codes: np.ndarray | None = None) -> np.ndarray:
        """(C,) multipliers taking µV to each channel's normalisation (or to ``codes``)."""
        codes = self.norm_codes if codes is None else np.asarray(codes)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(codes == 2, 100.0 / self.mvc_uv, np.where(codes == 1, 100.0 / self.peak_uv, 1.0))

    def normalise(self, envelope: np.ndarray) -> np.ndarray:
        """``envelope`` (..., C) in each channel's own normalisation."""
        return np.asarray(envelope) * self.scale()


class Calibration:
    """The live, thread-safe calibration of one session's channels.

    The GUI thread captures rest and MVC; the acquisition thread raises the peaks;
    readers take a :meth:`snapshot`.
    """

    def __init__(self, channel_names):
        self.channel_names = tuple(channel_names)
        C = len(self.channel_names)
        self._lock = threading.Lock()
        self._rest_mean = np.full(C, np.nan)
        self._rest_sd = np.full(C, np.nan)
        self._trials: list[list[float]] = [[] for _ in range(C)]
        self._peak = np.full(C, np.nan)
        self._floor = np.full(C, np.nan)

    def columns(self, channels) -> list[int]:
        """Column numbers of ``channels``: None (all), a name, or a list of names or numbers."""
        if channels is None:
            return list(range(len(self.channel_names)))
        if isinstance(channels, (str, int, np.integer)):
            channels = [channels]
        out = []
        for ch in channels:
            if isinstance(ch, (int, np.integer)):
                if not 0 <= ch < len(self.channel_names):
                    raise EmgmapError(f"channel {ch} is out of range; the montage has {len(self.channel_names)}")
                out.append(int(ch))
            elif ch in self.channel_names:
                out.append(self.channel_names.index(ch))
            else:
                raise EmgmapError(f"unknown channel {ch!r}; channels are {', '.join(self.channel_names)}")
        return out

    def set_rest(self, envelope: np.ndarray, channels=None) -> None:
        """Rest baseline from ``envelope`` (n, C) (all columns; ``channels`` picks which to set)."""
        mean, sd = rest_baseline(envelope)
        cols = self.columns(channels)
        with self._lock:
            self._rest_mean[cols] = mean[cols]
            self._rest_sd[cols] = sd[cols]

    def add_mvc_trial(self, envelope: np.ndarray, fs: float, channels=None) -> np.ndarray:
        """Add one MVC trial (the ``envelope`` (n, C) of the whole trial) to ``channels``
        (default all); returns the trial's best-500 ms means (C,)."""
        best = sliding_mean_max(envelope, fs)
        with self._lock:
            for c in self.columns(channels):
                if np.isfinite(best[c]) and best[c] > 0:
                    self._trials[c] = (self._trials[c] + [float(best[c])])[-MAX_MVC_TRIALS:]
        return best

    def set_mvc(self, mvc_uv, channels=None) -> None:
        """Set MVC references directly (e.g. from a recording's /calibration/mvc_uv); NaN clears."""
        vals = np.broadcast_to(np.asarray(mvc_uv, dtype=np.float64), (len(self.channel_names),))
        with self._lock:
            for c in self.columns(channels):
                self._trials[c] = [float(vals[c])] if np.isfinite(vals[c]) and vals[c] > 0 else []

    def clear_mvc(self, channels=None) -> None:
        with self._lock:
            for c in self.columns(channels):
                self._trials[c] = []

    def observe_peak(self, peak_uv: np.ndarray) -> None:
        """Raise the peak-in-task references to ``peak_uv`` (C,) where higher."""
        p = np.asarray(peak_uv, dtype=np.float64)
        with self._lock:
            up = np.isfinite(p) & (p > 0) & ~(self._peak >= p)
            self._peak[up] = p[up]

    def observe_floor(self, means_uv: np.ndarray) -> None:
        """Lower the quiet levels to the smallest of ``means_uv`` (R, C) 500 ms means."""
        m = np.asarray(means_uv, dtype=np.float64)
        if m.size == 0:
            return
        m = np.atleast_2d(m)
        with np.errstate(invalid="ignore"):
            low = np.where(m > 0, m, np.inf).min(axis=0)  # NaN and zero-padded rows never count
        with self._lock:
            down = np.isfinite(low) & ~(self._floor <= low)
            self._floor[down] = low[down]

    def reset_peak(self) -> None:
        """Forget the peaks (a new task starts)."""
        with self._lock:
            self._peak[:] = np.nan

    def snapshot(self) -> CalibrationSnapshot:
        with self._lock:
            mvc = np.array([max(t) if t else np.nan for t in self._trials])
            return CalibrationSnapshot(self.channel_names, self._rest_mean.copy(), self._rest_sd.copy(), mvc,
                                       self._peak.copy(), tuple(tuple(t) for t in self._trials),
                                       self._floor.copy())

    # convenient reads (each a consistent copy)
    @property
    def rest_mean_uv(self) -> np.ndarray:
        return self.snapshot().rest_mean_uv

    @property
    def rest_sd_uv(self) -> np.ndarray:
        return self.snapshot().rest_sd_uv

    @property
    def mvc_uv(self) -> np.ndarray:
        return self.snapshot().mvc_uv

    @property
    def peak_uv(self) -> np.ndarray:
        return self.snapshot().peak_uv

    @property
    def norms(self) -> tuple[str, ...]:
        return self.snapshot().norms
