"""Session analysis: per set, the activation and agonist:antagonist ratios over
its reps; per exercise, left/right symmetry; per rep, peaks, onsets and median
frequency. :meth:`Analysis.to_json` is DESIGN §3 "Analysis output" plus its
provenance; docs/analysis.md defines every number.

:func:`analyze` runs named steps, each a function here: the normalisation
(:func:`emgmap.analysis.normalization.choose`), the rest baseline
(:func:`rest_baseline_of`), the sets (:func:`set_events`), and per set the pairs
with their notes (:func:`pairs_with_notes`), the prime mover
(:func:`prime_mover`), the rep spans (:func:`rep_spans`) and the set result
(:func:`set_result`). Indices go through :class:`emgmap.dsp.indices.IndexLayout`,
the computation the dashboard uses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .. import __version__
from ..dsp.calibration import CalibrationSnapshot, rest_baseline, sliding_means
from ..dsp.indices import IndexLayout, lr_ratio, median_frequency, symmetry_index
from ..dsp.onset import OnsetConfig, detect_bursts, tkeo_envelope
from ..events import Event, EventKind
from ..montage import STANDARD_PAIRS, Montage, MusclePair, Side, restrict_pairs
from ..protocols.model import Protocol, list_protocols, load_protocol
from ..types import ConfigError
from .normalization import Normalisation, Normalize, choose
from .segmentation import DETECTOR, RepSpan, mark_missed, reps_from_signal
from .signal import SignalData, Source, as_event

if TYPE_CHECKING:
    from .gait import GaitAnalysis

ONSET_LEAD_S = 1.0    # onsets are searched from this long before a rep's cue
IMPLICIT_EXERCISE = "recording"   # the exercise name of a recording analysed whole


@dataclass
class RepResult:
    label: str
    start_s: float
    end_s: float
    missed: bool
    mean: dict[str, float]          # channel -> mean normalised envelope
    peak: dict[str, float]          # channel -> peak normalised envelope
    onset_s: dict[str, float | None]  # channel -> onset relative to the rep start (None: none found)
    mdf_hz: dict[str, float]        # channel -> median frequency of the filtered signal over the hold
    ratios: list[dict] = field(default_factory=list)  # {"name", "side", "value"} over this rep alone


@dataclass
class SetResult:
    label: str
    exercise: str
    side: str | None
    protocol: Protocol | None
    reps: list[RepResult]
    rep_source: str                 # "cues" | "envelope" (found in the signal: no cues)
    activation: dict[str, float]
    ratios: list[dict]
    symmetry: list[dict]            # within this set (bilateral exercises)
    notes: list[str] = field(default_factory=list)

    @property
    def good_reps(self) -> list[RepResult]:
        return [r for r in self.reps if not r.missed]


@dataclass
class Provenance:
    """How an analysis was made: what the JSON's ``provenance`` and the report say."""
    source: Source = field(default_factory=Source)
    emgmap_version: str = __version__
    normalize: str = "auto"         # the normalisation asked for
    mvc_source: str = "none"        # stored | recomputed | mixed | none
    channels: list = field(default_factory=list)   # ChannelNormalization per channel
    pipeline: dict = field(default_factory=dict)   # the recording's PipelineConfig
    segmentation: dict = field(default_factory=dict)  # the rep detector's settings
    interrupted: bool = False

    def to_json(self) -> dict:
        s = self.source
        return {"subject": s.subject, "date": s.date, "recorded_utc": s.recorded_utc, "device": s.device,
                "recorded_with": s.recorded_with, "emgmap_version": self.emgmap_version,
                "normalize": self.normalize, "mvc_source": self.mvc_source,
                "channels": [c.to_json() for c in self.channels], "pipeline": self.pipeline,
                "segmentation": self.segmentation, "interrupted": self.interrupted}


@dataclass
class Analysis:
    file: str
    fs: float
    normalization: str              # "mvc" | "peak" | "none"
    unit: str
    montage: Montage
    sets: list[SetResult]
    exercises: list[dict]
    notes: list[str]
    provenance: Provenance = field(default_factory=Provenance)
    gait: "GaitAnalysis | None" = None   # walking/running (emgmap.analysis.gait), docs/gait.md

    @property
    def meta(self) -> dict:
        """What the report's header names besides the file: subject, recording time, device."""
        s = self.provenance.source
        return {"subject": s.subject, "recorded": s.recorded_utc, "device": s.device}

    def to_json(self) -> dict:
        """The DESIGN §3 "Analysis output" structure, plus ``provenance``."""
        return {
            "file": self.file, "fs": self.fs, "normalization": self.normalization,
            "sets": [{"label": s.label, "exercise": s.exercise, "side": s.side, "n_reps": len(s.good_reps),
                      "activation": s.activation, "ratios": s.ratios,
                      "reps": [{"start_s": r.start_s, "end_s": r.end_s, "peak": r.peak} for r in s.good_reps]}
                     for s in self.sets],
            "exercises": self.exercises,
            "provenance": self.provenance.to_json(),
            **({"gait": self.gait.to_json()} if self.gait is not None else {}),
        }


@dataclass(frozen=True)
class _Signals:
    """What every set step reads: the data, its normalised envelope and onset baseline."""
    data: SignalData
    cal: CalibrationSnapshot
    normed: np.ndarray              # (n, C) envelope in the chosen normalisation
    tkeo: np.ndarray                # (n, C) onset detection envelope
    rest_mean: np.ndarray
    rest_sd: np.ndarray


# --- the analysis ----------------------------------------------------------------------------
def analyze(data: SignalData, sets: list | None = None, *, normalize: Normalize | str = "auto") -> Analysis:
    """Analyse ``sets`` (default: every ``set`` event whose span lies in the data)."""
    norm = choose(data, normalize)
    notes = list(norm.notes)
    # Onsets: TKEO-conditioned envelope (Li 2007; Solnik 2010), which passes the motor-unit
    # spikes and suppresses the slow motion artefacts at rep transitions.
    tkeo = tkeo_envelope(data.filtered, data.fs)
    rest_mean, rest_sd, rest_notes = rest_baseline_of(data, tkeo)
    sig = _Signals(data, norm.snapshot, data.envelope * norm.snapshot.scale(), tkeo, rest_mean, rest_sd)
    spans, implicit, set_notes, interrupted = set_events(data, sets)
    results = [analyze_set(sig, s, implicit=s is implicit) for s in spans]
    notes += rest_notes + set_notes
    provenance = _provenance(data, norm, interrupted)
    return Analysis(data.name, data.fs, norm.normalization, norm.unit, data.montage, results,
                    exercise_symmetry(results, data.montage), notes, provenance)


def rest_baseline_of(data: SignalData, detection: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Step: the onset detector's rest mean and SD per channel, from the recorded rest span,
    else from each channel's quietest second."""
    t = data.t
    rest = [e for e in data.events if e.kind is EventKind.REST and t.size and t[0] <= e.onset_s
            and e.end_s <= t[-1]]
    if rest:
        a, b = _rows(t, rest[0].onset_s, rest[0].end_s)
        mean, sd = rest_baseline(detection[a:b])
        return mean, sd, []
    mean, sd = quietest_second(detection, data.fs)
    notes = [] if any(e.kind is EventKind.REST for e in data.events) else \
        ["no rest baseline recorded: onsets use each channel's quietest second as its rest"]
    return mean, sd, notes


def set_events(data: SignalData, sets: list | None) -> tuple[list[Event], Event | None, list[str], bool]:
    """Step: the sets to analyse, the implicit whole-recording set (or None), notes, and
    whether the session was interrupted.

    Default: every ``set`` event inside the data. Reps without their set (the session
    stopped inside it) form the set they belong to, cut short. A guided session that
    stopped before its first set has calibration (rest, MVC trials) but nothing to
    analyse: its MVC trials are not reps. A recording without sets or calibration (an
    import, a free recording) is analysed whole as one implicit set."""
    t, fs = data.t, data.fs
    if sets is not None:
        return [as_event(s) for s in sets], None, [], False
    notes: list[str] = []
    inside = [e for e in data.events if t.size and t[0] - 1e-9 <= e.onset_s and e.end_s <= t[-1] + 1 / fs + 1e-9]
    found = [e for e in inside if e.kind is EventKind.SET]
    orphans = [e for e in inside if e.kind is EventKind.REP and not any(e.belongs_to(s) for s in found)]
    cut: dict[tuple[str, Side | None], list[Event]] = {}
    for r in orphans:
        cut.setdefault((r.exercise, r.side), []).append(r)
    for (exercise, side), reps in cut.items():
        s = Event.set(exercise, side, reps[0].onset_s, reps[-1].end_s - reps[0].onset_s)
        found.append(s)
        notes.append(f"interrupted: set {s.label} was cut short; its {len(reps)} recorded "
                     f"rep{'s' * (len(reps) != 1)} are analysed")
    found.sort(key=lambda e: e.onset_s)
    calibration = any(e.kind in (EventKind.MVC, EventKind.REST) for e in data.events)
    interrupted = bool(cut) or data.source.crashed
    if data.source.crashed:
        notes.append("interrupted: the recorder never closed this file (crash or power cut); it is analysed up to "
                     "its last saved second")
    if found:
        missing = _missing_sets(data.protocol, found) if calibration else []
        if missing:
            interrupted = True
            notes.append(f"interrupted: {len(missing)} set{'s' * (len(missing) != 1)} of the protocol "
                         f"{'were' if len(missing) != 1 else 'was'} not recorded ({', '.join(missing)})")
        return found, None, notes, interrupted
    if calibration:
        notes.append("interrupted: the session stopped before its first exercise set; its rest and MVC trials "
                     "are calibration, not reps, so there is no set to analyse")
        return [], None, notes, True
    if not t.size:
        notes.append("no exercise sets recorded: nothing to analyse")
        return [], None, notes, interrupted
    implicit = Event.set(IMPLICIT_EXERCISE, None, float(t[0]), float(t[-1] - t[0]) + 1 / fs)
    notes.append("no exercise sets recorded: the whole recording is analysed as one set, reps found "
                 "from the most modulated muscle's signal, pairs from the montage")
    return [implicit], implicit, notes, interrupted


def _missing_sets(protocol_name: str, found: list[Event]) -> list[str]:
    """Set labels the recorded protocol plans that are not among ``found``."""
    protocols = {s.exercise: _protocol_for(s.exercise, protocol_name) for s in found}
    out = []
    for p in filter(None, protocols.values()):
        have = [s.label for s in found if s.exercise == p.name]
        for label, _ in p.set_labels():
            if label in have:
                have.remove(label)
            else:
                out.append(label)
    return out


def analyze_set(sig: _Signals, s: Event, *, implicit: bool = False) -> SetResult:
    """One set: its pairs, prime mover, rep spans and result."""
    data = sig.data
    protocol = _protocol_for(s.exercise, data.protocol)
    pairs, notes = pairs_with_notes(protocol, data.montage, s.exercise, implicit)
    s0, s1 = _rows(data.t, s.onset_s, s.end_s)
    cols = prime_mover(data.montage, protocol, s.side, sig.normed[s0:s1], implicit)
    spans, source, rep_notes = rep_spans(sig, s, cols, s0, s1)
    return set_result(sig, s, protocol, pairs, spans, source, notes + rep_notes)


def pairs_with_notes(protocol: Protocol | None, montage: Montage, exercise: str,
                     implicit: bool) -> tuple[list[MusclePair], list[str]]:
    """Step: the pairs a set is judged by, and what was dropped or substituted."""
    notes = []
    if protocol is None:
        if not implicit:
            notes.append(f"no protocol named {exercise!r}: pairs from the montage and the standard pairs")
        return list(restrict_pairs(montage.pairs + STANDARD_PAIRS, montage.muscles)), notes
    pairs = protocol.pairs_on(montage)
    on = {c.muscle for c in montage.channels}
    for p in protocol.pairs:
        lost = [m for m in p.muscles if m not in on]
        if lost:
            done = next((q.name for q in pairs if set(q.muscles) <= set(p.muscles)), None)
            notes.append(f"pair {p.name}: {', '.join(lost)} not on the montage"
                         + (f", computed as {done}" if done else ", not computed"))
    missing = protocol.missing_muscles(montage)
    if missing:
        notes.append(f"muscles of the protocol not on the montage: {', '.join(missing)}")
    return pairs, notes


def prime_mover(montage: Montage, protocol: Protocol | None, side: Side | None, normed: np.ndarray,
                implicit: bool) -> list[int]:
    """Step: the columns of the prime mover: the protocol's on the working side (both sides
    of a bilateral exercise); without a protocol, the most modulated channel of the set."""
    if implicit:
        return _most_modulated(normed)
    muscle = protocol.prime_mover if protocol else None
    if muscle is None:
        return []
    sides = [side] if side else [Side.LEFT, Side.RIGHT]
    return [i for sd in sides if (i := montage.index(muscle, sd)) is not None]


def rep_spans(sig: _Signals, s: Event, cols: list[int], s0: int, s1: int) -> tuple[list[RepSpan], str, list[str]]:
    """Step: the reps of a set, from its ``rep`` events (a cued rep without activity of the
    prime mover is marked missed), else detected in the prime mover's filtered signal."""
    data = sig.data
    cued = [e for e in data.events if e.belongs_to(s)]
    notes = []
    prime = sig.normed[:, cols].mean(axis=1) if cols else None
    if cued:
        spans = [RepSpan(*_rows(data.t, e.onset_s, e.end_s), e.label) for e in cued]
        if prime is not None and s1 > s0:
            spans = mark_missed(spans, prime, float(np.nanpercentile(prime[s0:s1], 10)))
        notes += [f"{sp.label}: no activity of the prime mover, left out (missed rep)" for sp in spans if sp.missed]
        return spans, "cues", notes
    spans = reps_from_signal(data.filtered[:, cols], data.fs, s0, s1, s.label) if cols else []
    notes.append(f"no rep cues recorded: {len(spans)} reps found from the prime mover's signal")
    return spans, "envelope", notes


def set_result(sig: _Signals, s: Event, protocol: Protocol | None, pairs: list[MusclePair], spans: list[RepSpan],
               source: str, notes: list[str]) -> SetResult:
    """Step: per-rep results, and the set's activation, ratios and symmetry over its good reps."""
    data = sig.data
    names = data.montage.names
    side = s.side.value if s.side else None
    layout = IndexLayout(Montage(data.montage.channels, tuple(pairs)))
    holds = [e for e in data.events if e.kind is EventKind.CUE and e.text == "hold"]
    reps = [_rep(sig, sp, holds, layout, pairs, s.side) for sp in spans]
    good = [sp for sp in spans if not sp.missed]
    if not good:
        notes.append("no reps found: activation and ratios not computed")
        return SetResult(s.label, s.exercise, side, protocol, reps, source, {}, [], [], notes)
    idx = np.concatenate([np.arange(sp.start, sp.stop) for sp in good])
    ind = layout.window(np.nanmean(data.envelope[idx], axis=0), sig.cal)
    activation = {n: float(v.value) for n, v in ind.activation.items()}
    ratios = _ratios(ind, pairs, s.side)
    symmetry = [{"muscle": y.muscle, "left": y.left, "right": y.right, "si_percent": y.si_percent,
                 "lr_ratio": y.lr_ratio} for y in ind.symmetry]
    return SetResult(s.label, s.exercise, side, protocol, reps, source, activation, ratios, symmetry, notes)


def _ratios(ind, pairs: list[MusclePair], side: Side | None) -> list[dict]:
    """A unilateral set's ratios on its working side; a bilateral set's on both."""
    return [{"name": r.name, "side": r.side, "agonist": "+".join(_pair(pairs, r.name).agonists),
             "antagonist": "+".join(_pair(pairs, r.name).antagonists), "value": r.value}
            for r in ind.ratios if side is None or r.side == side.value]


# --- helpers ---------------------------------------------------------------------------------
def _protocol_for(exercise: str, recorded: str) -> Protocol | None:
    for candidate in (recorded, exercise):
        if not candidate:
            continue
        if candidate.endswith(".toml") or candidate in list_protocols():
            try:
                p = load_protocol(candidate)
            except ConfigError:
                continue
            if p.name == exercise:
                return p
    return None


def _rows(t: np.ndarray, start_s: float, end_s: float) -> tuple[int, int]:
    return int(np.searchsorted(t, start_s, "left")), int(np.searchsorted(t, end_s, "left"))


def quietest_second(envelope: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Rest mean and SD of each channel's envelope over its quietest 1 s (lowest
    :func:`~emgmap.dsp.calibration.sliding_means` of 1 s; a window holding a non-finite
    sample never counts). NaN for a channel without one finite second."""
    C = envelope.shape[1]
    n = min(len(envelope), int(fs))
    means = sliding_means(envelope, fs, window_s=n / fs) if n else np.empty((0, C))
    mean, sd = np.full(C, np.nan), np.full(C, np.nan)
    for k in range(C):
        m = means[:, k]
        if np.isfinite(m).any():
            a = int(np.nanargmin(m))
            mean[k], sd[k] = np.mean(envelope[a:a + n, k]), np.std(envelope[a:a + n, k])
    return mean, sd


def _most_modulated(normed: np.ndarray) -> list[int]:
    """The channel whose envelope's 90th percentile stands highest over its 10th."""
    if normed.shape[0] == 0 or not np.isfinite(normed).any():
        return []
    with np.errstate(all="ignore"):
        lo, hi = np.nanpercentile(normed, [10, 90], axis=0)
        score = hi / np.maximum(lo, 1e-12)
    return [int(np.nanargmax(score))] if np.isfinite(score).any() else []


def _pair(pairs: list[MusclePair], name: str) -> MusclePair:
    return next(p for p in pairs if p.name == name)


def _rep(sig: _Signals, sp: RepSpan, holds: list[Event], layout: IndexLayout, pairs: list[MusclePair],
         side: Side | None) -> RepResult:
    data = sig.data
    t, fs, names = data.t, data.fs, data.montage.names
    a, b = sp.start, max(sp.stop, sp.start + 1)
    seg = sig.normed[a:b]
    with np.errstate(all="ignore"):
        mean = {n: float(v) for n, v in zip(names, np.nanmean(seg, axis=0))}
        peak = {n: float(v) for n, v in zip(names, np.nanmax(seg, axis=0))}
        ratios = [{"name": r["name"], "side": r["side"], "value": r["value"]} for r in
                  _ratios(layout.window(np.nanmean(data.envelope[a:b], axis=0), sig.cal), pairs, side)]
    start_s = float(t[a])
    end_s = float(t[min(b, len(t)) - 1]) + 1 / fs
    onset: dict[str, float | None] = {n: None for n in names}
    if np.all(np.isfinite(sig.rest_mean)):
        lead = int(ONSET_LEAD_S * fs)
        w0 = max(0, a - lead)
        bursts = detect_bursts(sig.tkeo[w0:b], fs, sig.rest_mean, sig.rest_sd, OnsetConfig())
        for burst in bursts:  # first burst per channel that is still on at or after the cue
            n = names[burst.channel]
            end = burst.stop if burst.stop is not None else b - w0
            if onset[n] is None and end > a - w0:
                onset[n] = (w0 + burst.start - a) / fs
    hold = next((h for h in holds if start_s - 1e-9 <= h.onset_s < end_s), None)
    if hold is not None:
        h0, h1 = int(np.searchsorted(t, hold.onset_s)), int(np.searchsorted(t, hold.end_s))
    else:  # no cue: the middle third of the rep
        h0, h1 = a + (b - a) // 3, a + 2 * (b - a) // 3
    mdf = median_frequency(data.filtered[h0:h1], fs) if h1 - h0 >= int(0.25 * fs) else np.full(len(names), np.nan)
    return RepResult(sp.label, start_s, end_s, sp.missed, mean, peak, onset,
                     {n: float(v) for n, v in zip(names, np.atleast_1d(mdf))}, ratios)


def exercise_symmetry(sets: list[SetResult], montage: Montage) -> list[dict]:
    """Per exercise and bilateral muscle: left and right activation, SI and L/R ratio.
    Bilateral exercise: both sides within its sets (averaged over the sets).
    Unilateral: the working side of the left sets against that of the right sets."""
    out = []
    for exercise in dict.fromkeys(s.exercise for s in sets):
        mine = [s for s in sets if s.exercise == exercise and s.activation]
        rows = []
        for m in montage.bilateral_muscles():
            li, ri = montage.names[montage.index(m, Side.LEFT)], montage.names[montage.index(m, Side.RIGHT)]
            if all(s.side is None for s in mine):
                L = [s.activation[li] for s in mine]
                R = [s.activation[ri] for s in mine]
            else:
                L = [s.activation[li] for s in mine if s.side == "left"]
                R = [s.activation[ri] for s in mine if s.side == "right"]
            if not L or not R:
                continue
            left, right = float(np.mean(L)), float(np.mean(R))
            rows.append({"muscle": m, "left": left, "right": right,
                         "si_percent": float(symmetry_index(left, right)), "lr_ratio": float(lr_ratio(left, right))})
        out.append({"exercise": exercise, "symmetry": rows})
    return out


def _provenance(data: SignalData, norm: Normalisation, interrupted: bool) -> Provenance:
    return Provenance(data.source, __version__, norm.requested.value, norm.mvc_source, list(norm.channels),
                      data.pipeline.to_dict(), dict(DETECTOR.to_dict(), method="bonato1998"), interrupted)
