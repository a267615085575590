"""Per-channel signal quality over a window of raw samples: the terminal
signal check, the dashboard's channel flags and the wizard's signal step.

Flags (thresholds below, each with its reason):
- ``not finite``: some samples are NaN or infinite (a wrong scale, a garbled
  stream): nothing else can be judged, and the channel is unusable;
- ``railed``: at least 1 % of samples sit at the device's full scale;
- ``flat``: band-passed RMS under 0.5 µV (no electrode contact or a dead lead);
- ``mains-heavy``: over half (:data:`MAINS_FRACTION`) of the band power lies
  within ±2 Hz of the mains frequency and its harmonics, and that interference
  exceeds 5 µV RMS (:data:`MAINS_MIN_UV`). Both, because a check is done at rest:
  with good contact the rest sEMG is a few µV RMS, so even 2 µV of mains can be
  "half the signal" without harming anything, while 5 µV of interference is as
  large as the rest level the calibration has to see (check the reference
  electrode, the skin preparation and the cable routing). ``emgmap check``
  counts it as unhealthy.

The sampling rate (:func:`device_rate`) is measured from the device's sample
indices against the host clock, after the start-up backlog.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

FLAT_UV = 0.5
RAILED_FRACTION = 0.01
MAINS_FRACTION = 0.5
MAINS_MIN_UV = 5.0
BACKLOG_SLACK_S = 0.05     # latency above the settled level that still counts as settled
MIN_RATE_SPAN_S = 0.5      # shortest stretch of host time a rate is measured over


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


@dataclass(frozen=True)
class RateEstimate:
    """A device's true sampling rate as the host clock sees it."""
    rate_hz: float          # NaN when the stream was too short to tell
    backlog_s: float        # host time at the start skipped as start-up backlog
    span_s: float           # host time the rate was measured over


def device_rate(index: np.ndarray, t: np.ndarray, fs: float) -> RateEstimate:
    """Samples per host second, from device sample indices ``index`` (gaps count: a lost sample
    was still sampled) and their host timestamps ``t`` (s), nominal rate ``fs``.

    A busy start delivers a backlog: samples the device took while the host was not yet
    reading arrive at once, and a rate over them counts the backlog as speed (a 2 kHz stream
    measured at 3,500 Hz). Host stamps are late by the reading latency, never early, so
    ``latency = t - index / fs`` falls during the catch-up and then settles. The rate is
    measured from the first arrival after the one whose latency came within
    :data:`BACKLOG_SLACK_S` (or five times the jitter) of the settled level, the median over
    the last half of the host time, to the end (at least :data:`MIN_RATE_SPAN_S`).

    Over that stretch the rate is the slope of the latency's lower envelope: the least
    delayed arrival in its first quarter and in its last quarter, as clock-skew estimation
    over network delays does (Moon, Skelly & Towsley 1999, IEEE INFOCOM). A host that stalls
    near the end (a busy laptop, another program) delays the last arrivals, and a rate from
    the end points would count the stall as a slow device: 150 ms late on a 3 s check is 5 %."""
    index = np.asarray(index, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if t.size < 2 or not t[-1] > t[0]:
        return RateEstimate(float("nan"), 0.0, 0.0)
    lat = t - index / fs
    tail = lat[t >= t[0] + (t[-1] - t[0]) / 2]
    settled = np.median(tail)
    jitter = np.median(np.abs(tail - settled))
    start = int(np.argmax(lat <= settled + max(BACKLOG_SLACK_S, 5 * jitter)))
    start = int(np.searchsorted(t, t[start], side="right"))   # the rest of that arrival was backlog too
    start = max(0, min(start, int(np.searchsorted(t, t[-1] - MIN_RATE_SPAN_S, side="right")) - 1))
    span = float(t[-1] - t[start])
    if span <= 0:
        return RateEstimate(float("nan"), float(t[start] - t[0]), 0.0)
    head = slice(start, max(start + 1, int(np.searchsorted(t, t[start] + span / 4, side="right"))))
    tail = slice(min(t.size - 1, int(np.searchsorted(t, t[-1] - span / 4, side="left"))), t.size)
    a = head.start + int(np.argmin(lat[head]))
    b = tail.start + int(np.argmin(lat[tail]))
    if not index[b] > index[a]:
        return RateEstimate(float("nan"), float(t[start] - t[0]), span)
    per_sample = (t[b] - t[a]) / (index[b] - index[a])   # host seconds per device sample
    return RateEstimate(float(1.0 / per_sample), float(t[start] - t[0]), span)
