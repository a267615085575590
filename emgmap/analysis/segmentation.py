"""Repetitions of a set: from the recorded cue schedule when present, else found in
the prime mover's signal. Robust to a missed rep (a cued rep without activity is
flagged and left out) and to an extra one (activity outside the cues is ignored).

Without cues, reps are the muscle's active intervals by a double-threshold
detector (Bonato, D'Alessio & Knaflitz 1998, "A statistical method for the
measurement of muscle activation intervals from surface myoelectric signal
during gait", IEEE Trans. Biomed. Eng. 45(3):287-299), from the quiet floor of
the signal, with hysteresis and minimum on and off durations:

1. noise variance ``sigma2`` per channel: the quiet floor, the 10th percentile of
   the 1 s sliding means of ``x**2`` over the set (:func:`~emgmap.dsp.calibration.sliding_means`),
   so bursts filling most of a set cannot raise it;
2. first threshold: the statistic ``z = sum over channels and a pair of consecutive
   samples of x**2 / sigma2`` is chi-square with ``2 C`` degrees of freedom on
   noise (Bonato's test on sample pairs), and a pair "exceeds" when ``z`` passes
   its ``1 - p_pair`` quantile;
3. second threshold: a pair is active when at least ``r_on`` of the ``m`` pairs
   in the window around it exceed (Bonato's r0 of m); an active interval ends only
   where fewer than ``r_off < r_on`` exceed (hysteresis);
4. active intervals shorter than ``min_on_s`` are dropped (Bonato's 30 ms rule,
   here at rep scale so that single spikes go), then gaps shorter than
   ``min_off_s`` are bridged;
5. a rep whose envelope peak is under ``small_fraction`` of the median rep's is a
   twitch, not a rep.

The defaults (:data:`DETECTOR`) are documented in docs/analysis.md; tested on
the BioSPPy recording (2 bursts, 2 single spikes rejected) and on the UCI
lower-limb files (one rep per knee-angle cycle).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..dsp.calibration import sliding_means

MISSED_FRACTION = 0.25   # a cued rep whose prime mover rose less than 25 % of the set's median rise: missed


@dataclass(frozen=True)
class RepSpan:
    start: int            # first sample (absolute row of the recording)
    stop: int             # one past the last
    label: str
    missed: bool = False


@dataclass(frozen=True)
class DoubleThreshold:
    """Settings of :func:`active_intervals` (module docstring)."""
    floor_percentile: float = 10.0   # quiet floor: percentile of the 1 s means of x**2
    p_pair: float = 0.1              # first threshold: share of noise pairs that exceed it
    window_s: float = 0.5            # the m pairs of the second threshold span this long (centred)
    r_on: float = 0.4                # active when at least this share of the window's pairs exceed
    r_off: float = 0.2               # stays active until fewer than this share exceed
    min_on_s: float = 0.3            # shorter active intervals are spikes or twitches, not reps
    min_off_s: float = 0.25          # shorter quiet gaps inside a rep are bridged
    small_fraction: float = 0.3      # a rep whose envelope peak is under 30 % of the median rep's is dropped

    def to_dict(self) -> dict:
        return asdict(self)


DETECTOR = DoubleThreshold()


def mark_missed(spans: list[RepSpan], prime: np.ndarray, quiet: float) -> list[RepSpan]:
    """Flag cued reps in which the prime mover (``prime``, the normalised envelope of the
    prime mover, 1-D) rose above its ``quiet`` level (the set's 10th percentile) by less
    than ``MISSED_FRACTION`` of the median rep's rise."""
    rise = np.array([np.nanmean(prime[s.start:s.stop]) - quiet if s.stop > s.start else np.nan for s in spans])
    if not np.isfinite(rise).any():
        return spans
    ref = np.nanmedian(rise)
    return [RepSpan(s.start, s.stop, s.label, bool(not r >= MISSED_FRACTION * ref)) for s, r in zip(spans, rise)]


def active_intervals(x: np.ndarray, fs: float, config: DoubleThreshold = DETECTOR) -> list[tuple[int, int]]:
    """Active intervals [start, stop) (samples) of the filtered signal ``x`` ((n,) or (n, C)
    µV, one muscle on one or more channels) by the double-threshold detector of the module
    docstring. Non-finite samples count as quiet."""
    from scipy.stats import chi2  # here: scipy.stats costs start-up time to every command
    x = np.asarray(x, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    n, C = x.shape
    x2 = np.where(np.isfinite(x), x * x, 0.0)
    if n < 2 or C == 0:
        return []
    floor_w = min(1.0, n / fs)
    means = sliding_means(x2, fs, window_s=floor_w)
    sigma2 = np.nanpercentile(means, config.floor_percentile, axis=0)
    ok = np.isfinite(sigma2) & (sigma2 > 0)
    if not ok.any():
        return []
    pairs = n // 2
    z = (x2[0:2 * pairs:2, ok] + x2[1:2 * pairs:2, ok]) / sigma2[ok]
    exceed = z.sum(axis=1) > chi2.isf(config.p_pair, 2 * int(ok.sum()))
    m = max(1, int(round(config.window_s * fs / 2)))
    share = np.convolve(exceed.astype(float), np.ones(m) / m, mode="same")
    on = _hysteresis(share, config.r_on, config.r_off)
    spans = _runs(on)
    spans = [(a, b) for a, b in spans if (b - a) * 2 >= config.min_on_s * fs]
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and (a - merged[-1][1]) * 2 < config.min_off_s * fs:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(2 * a, min(n, 2 * b)) for a, b in merged]


def _hysteresis(share: np.ndarray, r_on: float, r_off: float) -> np.ndarray:
    """On from where ``share`` reaches ``r_on`` (back to where it first passed ``r_off``)
    until it falls under ``r_off``."""
    high = share >= r_on
    above = share >= r_off
    out = np.zeros(share.size, dtype=bool)
    for a, b in _runs(above):  # a run above the low threshold is active if it reaches the high one
        if high[a:b].any():
            out[a:b] = True
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    d = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def reps_from_signal(filtered: np.ndarray, fs: float, start: int, stop: int, set_label: str,
                     config: DoubleThreshold = DETECTOR) -> list[RepSpan]:
    """Reps within samples [start, stop) of a set: the active intervals of the prime
    mover's ``filtered`` signal ((n,) or (n, C), the whole recording), without those whose
    RMS peak (100 ms windows) is under ``small_fraction`` of the median rep's."""
    x = np.asarray(filtered, dtype=np.float64)[start:stop]
    if x.shape[0] < int(fs):
        return []
    spans = active_intervals(x, fs, config)
    if not spans:
        return []
    x2 = np.where(np.isfinite(x), x * x, 0.0)
    x2 = x2[:, None] if x2.ndim == 1 else x2
    rms = np.sqrt(sliding_means(x2.mean(axis=1), fs, window_s=0.1)[:, 0])
    peaks = np.array([rms[a:max(a + 1, b - int(0.1 * fs) + 1)].max() for a, b in spans])
    keep = peaks >= config.small_fraction * np.median(peaks)
    out = [(a, b) for (a, b), k in zip(spans, keep) if k]
    return [RepSpan(start + a, start + b, f"{set_label} rep {i}") for i, (a, b) in enumerate(out, 1)]
