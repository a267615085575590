"""The normalisation an analysis uses, per channel, and why.

Every index of one analysis shares one normalisation (DESIGN §2: a number is
judged only when its inputs share the normalisation its expected range is
written in), chosen with ``normalize``:

- ``auto`` (default): ``mvc`` when every channel has an MVC reference, else
  ``peak`` when every channel's peak-in-task stands ``PEAK_MIN_RATIO`` x above its
  quiet level, else ``none`` (µV);
- ``mvc``, ``peak``, ``none``: that one; :class:`~emgmap.types.ConfigError` names
  the channels that lack it.

A channel's MVC reference is the one stored in the recording
(``/calibration/mvc_uv``); where it is missing (NaN, as after an import or a
crash) and the recording holds that channel's ``mvc`` trials, it is recomputed
from them exactly as the live session computes it
(:class:`emgmap.dsp.calibration.Calibration`: the best 500 ms mean of the
envelope in each trial, the best of the channel's last 3 trials).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from ..dsp.calibration import MAX_MVC_TRIALS, MVC_WINDOW_S, PEAK_MIN_RATIO, UNITS, Calibration, CalibrationSnapshot
from ..events import EventKind
from ..types import ConfigError
from .signal import SignalData


class Normalize(enum.StrEnum):
    """The ``normalize`` choice of :func:`emgmap.analysis.analyze_recording`."""
    AUTO = "auto"
    MVC = "mvc"
    PEAK = "peak"
    NONE = "none"

    @classmethod
    def of(cls, value) -> "Normalize":
        if isinstance(value, cls):
            return value
        try:
            return cls(str(value))
        except ValueError:
            raise ConfigError(f"normalize must be one of {', '.join(m.value for m in cls)}; got {value!r}") from None


class MvcSource(enum.StrEnum):
    """Where a channel's MVC reference came from."""
    STORED = "stored"               # /calibration/mvc_uv, captured live
    RECOMPUTED = "recomputed"       # from the recording's mvc trials (stored value missing)
    NONE = "none"                   # no MVC reference


@dataclass(frozen=True)
class ChannelNormalization:
    """One channel's normalisation in an analysis, and why."""
    channel: str
    normalization: str              # mvc | peak | none: what its values are in
    mvc_source: MvcSource
    mvc_uv: float                   # the MVC reference (NaN when none)
    mvc_trials: int                 # trials it was recomputed from (0 unless recomputed)
    reason: str

    def to_json(self) -> dict:
        return {"channel": self.channel, "normalization": self.normalization, "mvc_source": self.mvc_source.value,
                "mvc_uv": self.mvc_uv if np.isfinite(self.mvc_uv) else None, "mvc_trials": self.mvc_trials,
                "reason": self.reason}


@dataclass(frozen=True)
class Normalisation:
    snapshot: CalibrationSnapshot   # scale() takes µV to the chosen normalisation
    normalization: str              # mvc | peak | none
    requested: Normalize
    channels: tuple[ChannelNormalization, ...]
    notes: tuple[str, ...]

    @property
    def unit(self) -> str:
        return UNITS[self.normalization]

    @property
    def mvc_source(self) -> str:
        """stored | recomputed | mixed (some of each) | none, over the channels with an MVC."""
        kinds = {c.mvc_source for c in self.channels} - {MvcSource.NONE}
        if not kinds:
            return MvcSource.NONE.value
        return kinds.pop().value if len(kinds) == 1 else "mixed"


def mvc_from_trials(data: SignalData) -> tuple[np.ndarray, np.ndarray]:
    """(mvc_uv, n_trials), each (C,): the MVC references the live session would have
    computed from the ``mvc`` events of ``data`` whose span lies in its samples (NaN, 0
    for a channel without one). Replays the trials, in recorded order, through the live
    :class:`~emgmap.dsp.calibration.Calibration` on the same envelope rows the live
    capture reads (``searchsorted(t, onset, 'left')`` to ``searchsorted(t, end, 'left')``)."""
    names = data.montage.names
    cal = Calibration(names)
    t, fs = data.t, data.fs
    counts = np.zeros(len(names), dtype=int)
    for e in data.events:
        if e.kind is not EventKind.MVC or not t.size or e.onset_s < t[0] - 1.0 / fs:
            continue
        if e.channel in names:
            cols = [names.index(e.channel)]
        else:  # a row without its channel: the montage's channel of that muscle and side
            c = data.montage.index(e.muscle, e.side) if e.muscle and e.side else None
            cols = [] if c is None else [c]
        a, b = int(np.searchsorted(t, e.onset_s, "left")), int(np.searchsorted(t, e.end_s, "left"))
        if not cols or b <= a:
            continue
        best = cal.add_mvc_trial(data.envelope[a:b], fs, cols)
        for c in cols:
            counts[c] += bool(np.isfinite(best[c]) and best[c] > 0)
    return cal.snapshot().mvc_uv, np.minimum(counts, MAX_MVC_TRIALS)


def choose(data: SignalData, normalize: Normalize | str = Normalize.AUTO) -> Normalisation:
    """The normalisation of an analysis of ``data`` (module docstring)."""
    want = Normalize.of(normalize)
    names = data.montage.names
    C = len(names)
    nan = np.full(C, np.nan)
    stored = np.asarray(data.mvc_uv, dtype=float)
    with np.errstate(invalid="ignore"):
        has_stored = np.isfinite(stored) & (stored > 0)
    mvc, sources, trials = stored.copy(), [MvcSource.STORED if h else MvcSource.NONE for h in has_stored], \
        np.zeros(C, dtype=int)
    notes: list[str] = []
    if not has_stored.all() and want is not Normalize.NONE:
        again, n = mvc_from_trials(data)
        with np.errstate(invalid="ignore"):
            fill = ~has_stored & np.isfinite(again) & (again > 0)
        mvc[fill], trials[fill] = again[fill], n[fill]
        for c in np.flatnonzero(fill):
            sources[c] = MvcSource.RECOMPUTED
        if fill.any():
            which = "every channel" if fill.all() else ", ".join(names[c] for c in np.flatnonzero(fill))
            notes.append(f"no stored MVC calibration for {which}: MVC recomputed from the recording's MVC trials "
                         f"(best {MVC_WINDOW_S * 1000:.0f} ms of the last {MAX_MVC_TRIALS} trials, as live)")
    with np.errstate(invalid="ignore"):
        has_mvc = np.isfinite(mvc) & (mvc > 0)
    peak_snap = CalibrationSnapshot(names, nan, nan, nan, np.asarray(data.peak_uv, dtype=float), (),
                                    np.asarray(data.floor_uv, dtype=float))
    peak_ok = peak_snap.peak_valid
    no_mvc = [names[c] for c in np.flatnonzero(~has_mvc)]
    flat = [names[c] for c in np.flatnonzero(~peak_ok)]
    if want is Normalize.MVC and no_mvc:
        raise ConfigError(f"normalize=mvc: no MVC for {', '.join(no_mvc)} (none stored and no MVC trials in the "
                          "recording); use normalize peak or none")
    if want is Normalize.PEAK and flat:
        raise ConfigError(f"normalize=peak: {', '.join(flat)} never rose {PEAK_MIN_RATIO:g}x above its quiet "
                          "level, so its peak is noise; use normalize none")
    if want is Normalize.MVC or (want is Normalize.AUTO and not no_mvc):
        norm = "mvc"
        snap = CalibrationSnapshot(names, nan, nan, mvc, nan, ())
    elif want is Normalize.PEAK or (want is Normalize.AUTO and not flat):
        norm = "peak"
        snap = peak_snap
        if want is Normalize.AUTO:
            notes.append(("no MVC calibration" if len(no_mvc) == C else f"no MVC for {', '.join(no_mvc)}")
                         + ": activation is normalised to the peak in the task (% peak), not %MVC")
    else:
        norm = "none"
        snap = CalibrationSnapshot(names, nan, nan, nan, nan, ())
        if want is Normalize.AUTO:
            notes.append(("no MVC calibration" if len(no_mvc) == C else f"no MVC for {', '.join(no_mvc)}")
                         + ": activation is normalised to the peak in the task (% peak), not %MVC")
            notes.append(f"{', '.join(flat)} never rose {PEAK_MIN_RATIO:g}x above its quiet level: values are in "
                         "µV, not normalised")
    channels = tuple(ChannelNormalization(n, norm, sources[c], float(mvc[c]), int(trials[c]),
                                          _reason(norm, want, sources[c], int(trials[c]), n, no_mvc, flat))
                     for c, n in enumerate(names))
    return Normalisation(snap, norm, want, channels, tuple(notes))


def _reason(norm: str, want: Normalize, source: MvcSource, trials: int, name: str, no_mvc, flat) -> str:
    asked = want is not Normalize.AUTO
    if norm == "mvc":
        how = ("MVC stored in the recording" if source is MvcSource.STORED else
               f"MVC recomputed from {trials} MVC trial{'s' * (trials != 1)} in the recording")
        return how + (" (normalize=mvc)" if asked else "")
    if norm == "peak":
        if asked:
            return "peak in the task (normalize=peak)"
        return ("no MVC for this channel" if name in no_mvc else f"no MVC for {', '.join(no_mvc)}") \
            + ": peak in the task, so that every channel shares one normalisation"
    if asked:
        return "µV, not normalised (normalize=none)"
    return (f"never rose {PEAK_MIN_RATIO:g}x above its quiet level" if name in flat else
            f"{', '.join(flat)} never rose {PEAK_MIN_RATIO:g}x above its quiet level") + \
        ": µV, so that every channel shares one normalisation"
