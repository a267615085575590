"""Gait events of one foot: initial contact (IC, heel strike) and toe-off (TO).

Pure functions of one signal and its sampling rate; each returns
:class:`FootEvents` with times in seconds from the signal's first sample.
In order of preference (docs/gait.md):

1. :func:`footswitch_events`: a foot switch or force-sensitive resistor under
   the foot, on while the foot is loaded. A Schmitt trigger (two thresholds,
   hysteresis) with debouncing: IC when the signal rises through the high
   threshold, TO when it falls through the low one. This is the reference
   method of clinical gait labs (Perry & Burnfield 2010, ch. 19 "Stride
   analysis": foot switches).
2. :func:`accel_events`: a shank accelerometer (resultant or vertical). IC is
   the impact transient, the largest sharp peak of each stride (Lafortune 1991,
   J Biomech 24:877: the tibial acceleration peak at foot strike; it lags the
   true contact by a few ms). TO is the sharpest peak between 20 and 80 % of the
   stride after the slow swing motion is removed (push-off): an approximation.
3. :func:`knee_events`: a knee flexion angle (degrees, flexion positive). IC is
   the knee's extension at the end of swing, the first local minimum after the
   swing flexion peak, just before the loading-response flexion (Perry &
   Burnfield 2010: knee near full extension at IC, 15-20° loading flexion
   after it; Winter 1991). TO: walking, where the pre-swing flexion passes
   60 % of the way from the stance minimum to the swing peak (Perry: ~40° of a
   ~60° peak at TO); running, the stance minimum after the loading peak
   (Novacheck 1998, Gait Posture 7:77: the knee extends until toe-off).
4. :func:`emg_events`: the last resort, from a muscle's own envelope. Each
   stride's burst peak minus that muscle's normative peak time (in % of the
   cycle) gives IC; TO is IC plus the normative stance fraction. Onsets and
   timing of the anchor muscle are then not independent of the events, and
   every event is only as good as the normative timing: results are labelled
   as an EMG-derived estimate.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from scipy import signal

from ..types import ConfigError
from .config import check_fs


class EventSource(enum.StrEnum):
    FOOTSWITCH = "footswitch"
    ACCEL = "accel"
    KNEE = "knee"
    EMG = "emg"


class Gait(enum.StrEnum):
    WALK = "walk"
    RUN = "run"


# Normative stance fraction (% of the cycle): walking 60-62 % (Perry & Burnfield 2010);
# running ~40 % at a jog, less when faster (Novacheck 1998).
STANCE_PCT = {Gait.WALK: 61.0, Gait.RUN: 38.0}
# Normative peak of the main burst, % of the cycle from IC, for the EMG fallback's anchor
# muscles (Winter 1991 walking ensembles; Novacheck 1998 running): all peak in loading response.
ANCHOR_PEAK_PCT = {
    "vm": {Gait.WALK: 6.0, Gait.RUN: 6.0}, "vl": {Gait.WALK: 6.0, Gait.RUN: 6.0},
    "gmax": {Gait.WALK: 4.0, Gait.RUN: 3.0}, "gmed": {Gait.WALK: 8.0, Gait.RUN: 5.0},
}
ANCHOR_ORDER = ("vm", "vl", "gmax", "gmed")


@dataclass(frozen=True)
class FootEvents:
    """Events of one foot: times in s from the signal's first sample, ascending."""
    contacts_s: np.ndarray
    toe_offs_s: np.ndarray
    source: EventSource
    note: str = ""


def _gait(mode) -> Gait:
    try:
        return Gait(mode)
    except ValueError:
        raise ConfigError(f"gait mode must be one of {', '.join(g.value for g in Gait)}, got {mode!r}") from None


def _as_1d(x, what: str) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:   # several axes of one sensor: the resultant
        x = np.sqrt(np.sum(x ** 2, axis=1))
    if x.ndim != 1:
        raise ConfigError(f"{what} must be one column or (n, axes), got shape {x.shape}")
    return x


def _lowpass(x: np.ndarray, fs: float, fc: float) -> np.ndarray:
    """Zero-phase Butterworth low-pass (order 2 each way)."""
    if fc >= 0.45 * fs:
        return x
    sos = signal.butter(2, fc, "lowpass", output="sos", fs=fs)
    return signal.sosfiltfilt(sos, x)


def stride_period(x: np.ndarray, fs: float, lo_s: float = 0.45, hi_s: float = 2.2) -> float:
    """The dominant period (s) of a stride-periodic signal in [lo_s, hi_s]: the highest
    peak of its autocorrelation there. NaN when the signal is too short or flat."""
    return rhythm(x, fs, lo_s, hi_s)[0]


def rhythm(x: np.ndarray, fs: float, lo_s: float = 0.45, hi_s: float = 2.2) -> tuple[float, float]:
    """(period s, strength) of a stride-periodic signal: the lag in [lo_s, hi_s] of the
    highest peak of its normalised autocorrelation, and that peak's value (1: perfectly
    periodic; standing still reads ~0.1 on the simulator's foot switch, accelerometer and
    knee angle, walking or running 0.5-0.9). (NaN, NaN) when too short, flat or not
    periodic."""
    fs = check_fs(fs)
    x = np.asarray(x, dtype=float)
    lo, hi = int(lo_s * fs), int(hi_s * fs)
    if x.size < 2 * hi or not np.isfinite(x).all():
        hi = x.size // 2
    nothing = (float("nan"), float("nan"))
    if hi <= lo + 2:
        return nothing
    step = max(1, int(fs // 200))   # 200 Hz is plenty for a period
    y = x[::step] - np.mean(x[::step])
    n = y.size
    f = np.fft.rfft(y, 2 * n)
    ac = np.fft.irfft(f * np.conj(f))[:n]
    if ac[0] <= 0:
        return nothing
    ac = ac / ac[0]
    a, b = lo // step, min(hi // step, n - 1)
    peaks, _ = signal.find_peaks(ac[a:b + 1])
    if peaks.size == 0:
        return nothing
    best = peaks[np.argmax(ac[a + peaks])]
    if ac[a + best] <= 0:          # no positive correlation at any lag in range: not periodic
        return nothing
    # a sub-harmonic (2 strides) can tie with the stride: prefer the shortest peak within 10 %
    good = peaks[ac[a + peaks] >= 0.9 * ac[a + best]]
    return float((a + good[0]) * step / fs), float(ac[a + best])


def _crossing(x: np.ndarray, i: int, level: float, fs: float) -> float:
    """Time (s) where x crosses ``level`` between samples i-1 and i (linear interpolation)."""
    if i <= 0:
        return i / fs
    x0, x1 = x[i - 1], x[i]
    frac = (level - x0) / (x1 - x0) if x1 != x0 else 0.0
    return (i - 1 + float(np.clip(frac, 0.0, 1.0))) / fs


# --- 1. foot switch --------------------------------------------------------------------------------
def footswitch_events(x, fs: float, *, high: float | None = None, low: float | None = None,
                      min_state_s: float = 0.05) -> FootEvents:
    """IC and TO from a foot switch / FSR (loaded = high).

    Thresholds default to 60 % (``high``) and 40 % (``low``) of the way from the
    signal's 5th to its 95th percentile. A state (loaded or unloaded) shorter than
    ``min_state_s`` is a bounce and is merged into its neighbours. Crossing times are
    interpolated between samples.
    """
    fs = check_fs(fs)
    x = _as_1d(x, "a foot switch signal")
    p5, p95 = np.percentile(x, [5, 95]) if x.size else (0.0, 0.0)
    if high is None or low is None:
        if not p95 > p5:
            return FootEvents(np.empty(0), np.empty(0), EventSource.FOOTSWITCH, "the foot switch never changes")
        high = p5 + 0.6 * (p95 - p5) if high is None else high
        low = p5 + 0.4 * (p95 - p5) if low is None else low
    if not high > low:
        raise ConfigError(f"foot switch thresholds need high > low, got high={high}, low={low}")
    # Schmitt trigger over the samples that are decisively above or below
    above, below = x >= high, x <= low
    decided = np.flatnonzero(above | below)
    if decided.size == 0:
        return FootEvents(np.empty(0), np.empty(0), EventSource.FOOTSWITCH)
    states = above[decided]
    change = np.flatnonzero(np.diff(states.astype(np.int8)) != 0) + 1
    starts = np.concatenate([[decided[0]], decided[change]])   # first sample of each state
    vals = np.concatenate([[states[0]], states[change]])
    # debounce: drop states shorter than min_state_s, then merge equal neighbours
    min_n = int(round(min_state_s * fs))
    ends = np.append(starts[1:], x.size)
    keep = (ends - starts) >= min_n
    keep[0] = True
    starts, vals = starts[keep], vals[keep]
    same = np.flatnonzero(np.diff(vals.astype(np.int8)) == 0) + 1
    starts, vals = np.delete(starts, same), np.delete(vals, same)
    contacts = [_crossing(x, int(i), high, fs) for i, v in zip(starts[1:], vals[1:]) if v]
    toe_offs = [_crossing(x, int(i), low, fs) for i, v in zip(starts[1:], vals[1:]) if not v]
    return FootEvents(np.array(contacts), np.array(toe_offs), EventSource.FOOTSWITCH)


# --- 2. accelerometer ------------------------------------------------------------------------------
def accel_events(a, fs: float, *, stride_s: float | None = None) -> FootEvents:
    """IC and TO from a shank accelerometer: one column (vertical or resultant) or
    (n, 3) axes (their resultant is used), any unit.

    IC: impact peaks, at least 70 % of a stride apart (the stride from
    :func:`stride_period` of the signal unless given), higher than the median
    plus 40 % of the way to the 99.5th percentile. TO: per stride, the highest
    peak between 20 and 80 % of the stride of the signal minus its 100 ms moving
    mean (which keeps the sharp push-off and drops the slow swing motion).
    """
    fs = check_fs(fs)
    a = _as_1d(a, "an accelerometer signal")
    if stride_s is None:
        stride_s = stride_period(np.abs(a - np.median(a)), fs)
    if not np.isfinite(stride_s):
        return FootEvents(np.empty(0), np.empty(0), EventSource.ACCEL, "no periodic stepping found")
    med, top = np.median(a), np.percentile(a, 99.5)
    peaks, _ = signal.find_peaks(a, height=med + 0.4 * (top - med), distance=max(1, int(0.7 * stride_s * fs)))
    w = max(1, int(round(0.1 * fs)))
    sharp = a - np.convolve(a, np.ones(w) / w, mode="same")
    toe_offs = []
    for p, q in zip(peaks[:-1], peaks[1:]):
        T = q - p
        lo, hi = p + int(0.2 * T), p + int(0.8 * T)
        if hi > lo:
            toe_offs.append((lo + int(np.argmax(sharp[lo:hi]))) / fs)
    return FootEvents(peaks / fs, np.array(toe_offs), EventSource.ACCEL)


# --- 3. knee angle ----------------------------------------------------------------------------------
def knee_events(angle, fs: float, *, mode: Gait | str = Gait.WALK, stride_s: float | None = None) -> FootEvents:
    """IC and TO from a knee flexion angle (degrees, flexion positive).

    The angle is smoothed (zero-phase 6 Hz low-pass: a goniometer sampled at 50 Hz
    and held, like the UCI files' FX, becomes smooth). Swing peaks are peaks at
    least 60 % of a stride apart with a prominence of at least 40 % of the signal's
    5-95 % range. After each swing peak, IC is the first local minimum in the lower
    35 % of that descent. TO is found between an IC and the next swing peak (see the
    module docstring for walking and running).
    """
    fs = check_fs(fs)
    mode = _gait(mode)
    x = _lowpass(_as_1d(angle, "a knee angle"), fs, 6.0)
    if stride_s is None:
        stride_s = stride_period(x, fs)
    if not np.isfinite(stride_s):
        return FootEvents(np.empty(0), np.empty(0), EventSource.KNEE, "no periodic knee flexion found")
    p5, p95 = np.percentile(x, [5, 95])
    # pad with the lowest value so that a record starting (or ending) in swing keeps that peak
    padded = np.concatenate([[x.min()], x, [x.min()]])
    peaks, _ = signal.find_peaks(padded, prominence=0.4 * (p95 - p5), distance=max(1, int(0.6 * stride_s * fs)))
    peaks = np.clip(peaks - 1, 0, x.size - 1)
    v = np.diff(x)
    contacts, toe_offs = [], []
    bounds = np.append(peaks, x.size - 1)
    for k, p in enumerate(peaks):
        q = int(bounds[k + 1])
        seg = x[p:q + 1]
        if seg.size < 3:
            continue
        low = seg.min() + 0.35 * (x[p] - seg.min())
        # first sample after the peak where the knee stops extending while nearly straight
        turn = np.flatnonzero((v[p:q] >= 0) & (x[p:q] <= low))
        if turn.size == 0:
            continue
        ic = p + int(turn[0])
        contacts.append(ic / fs)
        if k + 1 >= len(peaks):
            continue
        nxt = int(peaks[k + 1])
        if nxt - ic < 3:
            continue
        if mode is Gait.WALK:
            stance_min = float(np.min(x[ic:nxt]))
            level = stance_min + 0.6 * (x[nxt] - stance_min)
            up = np.flatnonzero((x[ic:nxt] < level) & (x[ic + 1:nxt + 1] >= level))
            if up.size:
                i = ic + int(up[-1]) + 1
                toe_offs.append(_crossing(x, i, level, fs))
        else:
            load = ic + int(np.argmax(x[ic:ic + max(2, int(0.3 * stride_s * fs))]))  # loading peak
            if nxt > load:
                toe_offs.append((load + int(np.argmin(x[load:nxt]))) / fs)
    return FootEvents(np.array(contacts), np.array(toe_offs), EventSource.KNEE)


# --- 4. EMG (last resort) ------------------------------------------------------------------------------
def emg_events(envelope, fs: float, muscle: str, *, mode: Gait | str = Gait.WALK) -> FootEvents:
    """Estimated IC and TO from one muscle's linear envelope (``muscle`` one of
    :data:`ANCHOR_ORDER`): each stride's burst peak minus the muscle's normative peak
    time (:data:`ANCHOR_PEAK_PCT`) is IC, IC plus the normative stance fraction
    (:data:`STANCE_PCT`) is TO. A labelled fallback: see the module docstring."""
    fs = check_fs(fs)
    mode = _gait(mode)
    if muscle not in ANCHOR_PEAK_PCT:
        raise ConfigError(f"the EMG fallback anchors on one of {', '.join(ANCHOR_ORDER)}, not {muscle!r}")
    x = _lowpass(_as_1d(envelope, "an envelope"), fs, 4.0)
    T = stride_period(x, fs)
    if not np.isfinite(T):
        return FootEvents(np.empty(0), np.empty(0), EventSource.EMG, f"{muscle}: no periodic bursts found")
    p5, p95 = np.percentile(x, [5, 95])
    peaks, _ = signal.find_peaks(x, prominence=0.3 * (p95 - p5), distance=max(1, int(0.7 * T * fs)))
    if peaks.size < 2:
        return FootEvents(np.empty(0), np.empty(0), EventSource.EMG, f"{muscle}: fewer than two bursts")
    t = peaks / fs
    # the local stride time (to the next burst; the last one takes the previous)
    Tk = np.diff(t)
    Tk = np.append(Tk, Tk[-1])
    contacts = t - ANCHOR_PEAK_PCT[muscle][mode] / 100 * Tk
    toe_offs = contacts + STANCE_PCT[mode] / 100 * Tk
    keep = contacts >= 0
    note = (f"estimated from the {muscle} bursts (peak at {ANCHOR_PEAK_PCT[muscle][mode]:g} % of the cycle, "
            f"stance {STANCE_PCT[mode]:g} %, normative {mode.value} values): no foot switch, accelerometer "
            "or knee angle was available")
    return FootEvents(contacts[keep], toe_offs[keep], EventSource.EMG, note)
