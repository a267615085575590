"""Repetitions of a set: from the recorded cue schedule when present, else from
the envelope of the prime mover. Robust to a missed rep (a cued rep without
activity is flagged and left out) and to an extra one (activity outside the
cues is ignored; without cues, bursts far smaller than the others are dropped).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dsp.onset import OnsetConfig, detect_bursts

MISSED_FRACTION = 0.25   # a cued rep whose prime mover rose less than 25 % of the set's median rise: missed
SMALL_FRACTION = 0.3     # an uncued burst whose peak is below 30 % of the median burst peak: not a rep
THRESHOLD_FRACTION = 0.25  # uncued: threshold = quiet + 25 % of (90th percentile - quiet)


@dataclass(frozen=True)
class RepSpan:
    start: int            # first sample (absolute row of the recording)
    stop: int             # one past the last
    label: str
    missed: bool = False


def mark_missed(spans: list[RepSpan], prime: np.ndarray, quiet: float) -> list[RepSpan]:
    """Flag cued reps in which the prime mover (``prime``, the normalised envelope of the
    prime mover, 1-D) rose above its ``quiet`` level (the set's 10th percentile) by less
    than ``MISSED_FRACTION`` of the median rep's rise."""
    rise = np.array([np.nanmean(prime[s.start:s.stop]) - quiet if s.stop > s.start else np.nan for s in spans])
    if not np.isfinite(rise).any():
        return spans
    ref = np.nanmedian(rise)
    return [RepSpan(s.start, s.stop, s.label, bool(not r >= MISSED_FRACTION * ref)) for s, r in zip(spans, rise)]


def reps_from_envelope(prime: np.ndarray, fs: float, start: int, stop: int, set_label: str) -> list[RepSpan]:
    """Bursts of the prime mover's envelope within samples [start, stop) of a set.

    Threshold: the set's quiet level (10th percentile) plus 25 % of the way to its
    90th percentile, held 25 ms (the onset detector of docs/dsp.md); dips under
    0.3 s are merged, bursts under 0.4 s dropped, and so are bursts whose peak is under
    30 % of the median burst peak (a twitch is not a rep).
    """
    x = prime[start:stop]
    finite = x[np.isfinite(x)]
    if finite.size < int(fs):
        return []
    quiet, top = np.percentile(finite, [10, 90])  # p90, not the max: one huge rep must not hide the rest
    thr = quiet + THRESHOLD_FRACTION * (top - quiet)
    cfg = OnsetConfig(k=1.0, hold_s=0.025, gap_s=0.3, min_burst_s=0.4)
    bursts = detect_bursts(x[:, None], fs, np.array([thr]), np.array([1e-9]), cfg)  # threshold = thr
    spans = [(b.start, b.stop if b.stop is not None else x.size) for b in bursts]
    if not spans:
        return []
    peaks = np.array([np.nanmax(x[a:b]) for a, b in spans])
    keep = peaks >= SMALL_FRACTION * np.median(peaks)
    out = [(a, b) for (a, b), k in zip(spans, keep) if k]
    return [RepSpan(start + a, start + b, f"{set_label} rep {i}") for i, (a, b) in enumerate(out, 1)]
