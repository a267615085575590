"""Muscle onset and offset detection, streaming and offline (reference/semg.md §3).

Threshold = rest mean + k x rest SD of the detection signal (the envelope, or the
TKEO-conditioned envelope), held for ``hold_s`` (Hodges & Bui 1996); gaps shorter
than ``gap_s`` are merged and bursts shorter than ``min_burst_s`` dropped
(EMGworks-style gap/spike suppression). :func:`detect_bursts` runs the very same
state machine as :class:`OnsetDetector` over a whole record, so live and offline
onsets are identical. Definitions and defaults: docs/dsp.md.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..types import ConfigError
from . import kernels
from .config import check_fs


@dataclass(frozen=True)
class OnsetConfig:
    """Detector settings.

    k : threshold in rest SDs above the rest mean (1-3 in the literature; 3 by default).
    hold_s : the signal must stay above threshold this long to start a burst (25 ms,
        Hodges & Bui 1996).
    gap_s : dips below threshold shorter than this are merged into the burst; a dip this
        long ends it (50 ms).
    min_burst_s : bursts shorter than this (onset to corrected offset) are dropped as
        spikes (100 ms); an onset is therefore confirmed ``min_burst_s + window_s``
        after it happened.
    window_s : the trailing window of the detection envelope (the pipeline's RMS window,
        100 ms): an offset is placed at the start of the first all-quiet window, i.e.
        ``window - 1`` samples before the closing dip was seen in the envelope.
    """
    k: float = 3.0
    hold_s: float = 0.025
    gap_s: float = 0.050
    min_burst_s: float = 0.100
    window_s: float = 0.100

    def __post_init__(self) -> None:
        for name in ("k", "hold_s", "gap_s", "min_burst_s", "window_s"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and np.isfinite(v) and v > 0):
                raise ConfigError(f"onset setting {name} must be a positive number, got {v!r}")
        if self.min_burst_s < self.hold_s:
            raise ConfigError(f"onset min_burst_s ({self.min_burst_s:g}) must be at least hold_s ({self.hold_s:g})")


@dataclass(frozen=True)
class OnsetEvent:
    channel: int
    kind: str          # "onset" | "offset"
    sample: int        # absolute sample where the burst starts / ends
    detected_at: int   # absolute sample at which the detector knew it (latency = difference)
    t: float = float("nan")   # session seconds of ``sample`` (set by the session)
    name: str = ""            # channel name (set by the session)


@dataclass(frozen=True)
class Burst:
    channel: int
    start: int                 # first sample of the burst
    stop: int | None           # first sample after it; None while still active


def threshold(rest_mean, rest_sd, k: float) -> np.ndarray:
    """rest mean + k x rest SD per channel (NaN where no rest baseline: no detection)."""
    return np.asarray(rest_mean, dtype=np.float64) + k * np.asarray(rest_sd, dtype=np.float64)


class OnsetDetector:
    """Streaming burst detector on a detection signal (n, C), state kept across blocks."""

    def __init__(self, fs: float, rest_mean, rest_sd, config: OnsetConfig | None = None, start: int = 0):
        self.fs = check_fs(fs)
        self.config = config or OnsetConfig()
        cfg = self.config
        self.thr = np.ascontiguousarray(threshold(rest_mean, rest_sd, cfg.k))
        if self.thr.ndim != 1:
            raise ConfigError("rest mean and SD must be one value per channel")
        self._n = [max(1, int(round(s * self.fs))) for s in (cfg.hold_s, cfg.gap_s, cfg.min_burst_s)]
        self._lag = max(1, int(round(cfg.window_s * self.fs))) - 1
        self._state = np.zeros((self.thr.size, 5), dtype=np.int64)
        self._state[:, 2:4] = -1
        self.samples = int(start)   # absolute index of the next sample

    @property
    def active(self) -> np.ndarray:
        """(C,) bool: channels inside a confirmed burst now."""
        return (self._state[:, 0] == 1) & (self._state[:, 4] == 1)

    def open_bursts(self) -> list[Burst]:
        """Confirmed bursts not yet ended."""
        return [Burst(int(c), int(self._state[c, 1]), None) for c in np.flatnonzero(self.active)]

    def process(self, x) -> list[OnsetEvent]:
        x = kernels.as_input(x)
        if x.ndim != 2 or x.shape[1] != self.thr.size:
            raise ConfigError(f"the onset detector expects blocks of shape (n, {self.thr.size}), got {x.shape}")
        ev = np.empty((2 * x.shape[0] * x.shape[1], 4), dtype=np.int64)
        hold, gap, mn = self._n
        # spike suppression applies to the burst as placed (offset moved back by the window)
        m = kernels.onset_block(x, self.thr, hold, gap, mn + self._lag, self._state, self.samples, ev)
        self.samples += x.shape[0]
        out = []
        for c, kind, s, d in ev[:m]:
            if kind == 2:  # back to the first sample of the first all-quiet trailing window
                s = s - self._lag
            out.append(OnsetEvent(int(c), "onset" if kind == 1 else "offset", int(s), int(d)))
        return out


def bursts_from_events(events: list[OnsetEvent], still_open: list[Burst] = ()) -> list[Burst]:
    """Pair each channel's onsets with their offsets; bursts still open at the end keep stop=None."""
    opened: dict[int, int] = {}
    out = []
    for e in events:
        if e.kind == "onset":
            opened[e.channel] = e.sample
        elif e.channel in opened:
            start = opened.pop(e.channel)
            out.append(Burst(e.channel, start, max(e.sample, start + 1)))  # never before its start
    out += list(still_open)
    return sorted(out, key=lambda b: (b.start, b.channel))


def detect_bursts(x, fs: float, rest_mean, rest_sd, config: OnsetConfig | None = None) -> list[Burst]:
    """Offline bursts of a whole detection signal ``x`` (n, C): the streaming detector
    run over it in one call, so the result is identical to any live run."""
    det = OnsetDetector(fs, rest_mean, rest_sd, config)
    events = det.process(x)
    return bursts_from_events(events, det.open_bursts())


# --- TKEO pre-conditioning --------------------------------------------------------------
class TkeoEnvelope:
    """Streaming TKEO detection envelope (Li 2007; Solnik 2010):
    psi[n] = x[n]^2 - x[n-1] x[n+1] of the filtered signal (zeros before the stream),
    then e[n] = sqrt(mean of |psi| over the trailing window), in µV like the RMS envelope.
    psi[n] needs x[n+1], so e[n] covers psi up to n - 1 (one sample of extra delay)."""

    def __init__(self, fs: float, n_channels: int, window_s: float = 0.100):
        self.fs = check_fs(fs)
        C = int(n_channels)
        self._prev = np.zeros((2, C))             # x[n-2], x[n-1]
        self._mean = kernels.TrailingMean(int(round(window_s * self.fs)), C)

    def process(self, filtered) -> np.ndarray:
        x = kernels.as_input(filtered)
        psi = np.empty_like(x)
        kernels.tkeo_block(x, self._prev, psi)           # psi of samples k-1 .. k+n-2, one pass
        out = np.empty_like(x)
        self._mean.block(psi, 1, out)
        return np.sqrt(out, out=out)


def tkeo_envelope(filtered, fs: float, window_s: float = 0.100) -> np.ndarray:
    """Offline :class:`TkeoEnvelope` of a whole record (identical to streaming it)."""
    x = np.asarray(filtered, dtype=np.float64)
    return TkeoEnvelope(fs, x.shape[1], window_s).process(x)
