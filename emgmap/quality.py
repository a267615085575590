"""Per-channel signal quality over a window of raw samples: the terminal
signal check, the dashboard's channel flags and the wizard's signal step.

Flags (thresholds below, each with its reason):
- ``not finite``: some samples are NaN or infinite (a wrong scale, a garbled
  stream): nothing else can be judged, and the channel is unusable;
- ``railed``: at least 1 % of samples sit at the device's full scale;
- ``flat``: band-passed RMS under 0.5 µV (no electrode contact or a dead lead);
- ``mains-heavy``: over half the band power lies within ±2 Hz of the mains
  frequency and its harmonics and the mains RMS exceeds 10 µV (check the
  reference electrode and skin preparation).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

FLAT_UV = 0.5
RAILED_FRACTION = 0.01
MAINS_FRACTION = 0.5
MAINS_MIN_UV = 10.0


@dataclass(frozen=True)
class ChannelQuality:
    rms_uv: float          # RMS of the 20-450 Hz band (clamped to 0.45 fs)
    mains_uv: float        # RMS within ±2 Hz of mains and harmonics
    mains_fraction: float  # share of the band power that is mains
    railed_fraction: float
    flags: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.flags


def channel_quality(raw: np.ndarray, fs: float, *, power_line_hz: float = 50.0,
                    range_uv: float = np.inf) -> list[ChannelQuality]:
    """Quality of each column of ``raw`` (n, C) µV sampled at ``fs``."""
    raw = np.asarray(raw, dtype=np.float64)
    n, C = raw.shape
    railed = (np.abs(raw) >= 0.99 * range_uv).mean(axis=0) if np.isfinite(range_uv) and n else np.zeros(C)
    if n < int(0.25 * fs):
        return [ChannelQuality(float("nan"), float("nan"), float("nan"), float(r), ("too short",)) for r in railed]
    hi = min(450.0, 0.45 * fs)
    sos = signal.butter(4, [20.0, hi], "bandpass", output="sos", fs=fs)
    x = signal.sosfiltfilt(sos, raw - raw.mean(axis=0), axis=0)
    rms = np.sqrt(np.mean(x ** 2, axis=0))
    f, p = signal.periodogram(x, fs, window="hann", axis=0)
    harmonics = np.arange(power_line_hz, hi, power_line_hz)
    near = np.zeros_like(f, dtype=bool)
    for h in harmonics:
        near |= np.abs(f - h) <= 2.0
    total = p.sum(axis=0)
    mains_p = p[near].sum(axis=0)
    frac = np.divide(mains_p, total, out=np.zeros(C), where=total > 0)
    mains_uv = np.sqrt(frac) * rms
    finite = np.isfinite(raw).all(axis=0)
    out = []
    for c in range(C):
        flags = []
        if not finite[c]:
            flags.append("not finite")
        elif railed[c] >= RAILED_FRACTION:
            flags.append("railed")
        elif rms[c] < FLAT_UV:
            flags.append("flat")
        if frac[c] > MAINS_FRACTION and mains_uv[c] > MAINS_MIN_UV:
            flags.append("mains-heavy")
        out.append(ChannelQuality(float(rms[c]), float(mains_uv[c]), float(frac[c]), float(railed[c]), tuple(flags)))
    return out
