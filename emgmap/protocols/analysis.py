"""Session analysis: per set, the activation and agonist:antagonist ratios over
its reps; per exercise, left/right symmetry; per rep, peaks, onsets and median
frequency. The JSON is exactly DESIGN §3 "Analysis output"; docs/analysis.md
defines every number.

Offline, the envelope is recomputed from the raw samples with the recording's
own pipeline settings: the pipeline is causal and chunk-invariant, so this is,
to the bit, the envelope the live session had in its rings; a live session
analyses its rings with the same code (:func:`from_session`). Indices go
through :class:`emgmap.dsp.indices.IndexLayout`, the computation the dashboard
uses.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..dsp import Pipeline, PipelineConfig
from ..dsp.calibration import PEAK_MIN_RATIO, CalibrationSnapshot, rest_baseline, sliding_means
from ..dsp.indices import IndexLayout, median_frequency
from ..dsp.onset import OnsetConfig, detect_bursts, tkeo_envelope
from ..montage import Montage, MusclePair, Side
from ..types import ConfigError
from ..montage import STANDARD_PAIRS, restrict_pairs
from .model import Protocol, list_protocols, load_protocol
from .segmentation import RepSpan, mark_missed, reps_from_envelope

ONSET_LEAD_S = 1.0    # onsets are searched from this long before a rep's cue


@dataclass
class SignalData:
    """What the analysis needs, from a recording (:func:`from_recording`) or a live
    session's rings (:func:`from_session`)."""
    fs: float
    montage: Montage
    t: np.ndarray                   # (n,) session seconds
    envelope: np.ndarray            # (n, C) µV, the pipeline's envelope
    filtered: np.ndarray            # (n, C) µV, the pipeline's filtered signal
    events: list                    # objects with onset_s, duration_s, kind, label, channel
    mvc_uv: np.ndarray              # (C,) NaN where absent
    peak_uv: np.ndarray             # (C,) peak-in-task (fallback normalisation)
    floor_uv: np.ndarray            # (C,) lowest 500 ms mean (the quiet level the peak must clear)
    name: str = ""
    protocol: str = ""              # the session's protocol name or file, when recorded


def from_recording(rec) -> SignalData:
    """Recompute filtered and envelope from a :class:`~emgmap.recordings.reader.Recording`."""
    cfg = rec.config.get("pipeline")
    pipeline = PipelineConfig(**cfg) if cfg else PipelineConfig()
    raw = rec.data().astype(np.float64)
    out = Pipeline(rec.fs, rec.n_channels, pipeline).process(raw)
    protocol = str(rec.config.get("protocol", {}).get("name", ""))
    with np.errstate(all="ignore"):
        means = sliding_means(out.envelope, rec.fs)
        peak, floor = np.nanmax(means, axis=0), np.nanmin(means, axis=0)
    return SignalData(rec.fs, rec.montage, rec.timestamps(), out.envelope, out.filtered, list(rec.events),
                      np.asarray(rec.mvc_uv, dtype=float), peak, floor, str(rec.path), protocol)


def from_session(session, start_s: float, end_s: float, protocol: str = "") -> SignalData:
    """The rings of a live ``session`` over [start_s, end_s) of session time, with its
    calibration; the span must still be in the rings."""
    rings = session.rings
    first = rings.envelope.oldest
    total = rings.total
    t_all = rings.t.read_range(first, total)
    a, b = first + int(np.searchsorted(t_all, start_s)), first + int(np.searchsorted(t_all, end_s))
    cal = session.calibration.snapshot()
    return SignalData(session.fs, session.montage, rings.t.read_range(a, b), rings.envelope.read_range(a, b),
                      rings.filtered.read_range(a, b), session.events(), cal.mvc_uv, cal.peak_uv,
                      cal.floor_uv, session.spec.device, protocol)


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


@dataclass
class SetResult:
    label: str
    exercise: str
    side: str | None
    protocol: Protocol | None
    reps: list[RepResult]
    rep_source: str                 # "cues" | "envelope"
    activation: dict[str, float]
    ratios: list[dict]
    symmetry: list[dict]            # within this set (bilateral exercises)
    notes: list[str] = field(default_factory=list)

    @property
    def good_reps(self) -> list[RepResult]:
        return [r for r in self.reps if not r.missed]


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

    def to_json(self) -> dict:
        """Exactly the DESIGN §3 "Analysis output" structure."""
        return {
            "file": self.file, "fs": self.fs, "normalization": self.normalization,
            "sets": [{"label": s.label, "exercise": s.exercise, "side": s.side, "n_reps": len(s.good_reps),
                      "activation": s.activation, "ratios": s.ratios,
                      "reps": [{"start_s": r.start_s, "end_s": r.end_s, "peak": r.peak} for r in s.good_reps]}
                     for s in self.sets],
            "exercises": self.exercises,
        }


# --- helpers ---------------------------------------------------------------------------------
def _exercise_of(label: str) -> tuple[str, Side | None]:
    words = label.split()
    if len(words) > 1 and words[-1] in ("left", "right"):
        return " ".join(words[:-1]), Side(words[-1])
    return label, None


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


def normalisation(data: SignalData) -> tuple[CalibrationSnapshot, str, list[str]]:
    """The calibration used: MVC when every channel has one, else peak-in-task (offline:
    the highest 500 ms mean of the envelope anywhere in the recording), else µV."""
    C = len(data.montage)
    nan = np.full(C, np.nan)
    notes = []
    mvc = np.asarray(data.mvc_uv, dtype=float)
    if np.all(np.isfinite(mvc) & (mvc > 0)):
        return CalibrationSnapshot(data.montage.names, nan, nan, mvc, nan, ()), "mvc", notes
    missing = [n for n, v in zip(data.montage.names, mvc) if not (np.isfinite(v) and v > 0)]
    notes.append(("no MVC calibration" if len(missing) == C else f"no MVC for {', '.join(missing)}")
                 + ": activation is normalised to the peak in the task (% peak), not %MVC")
    snap = CalibrationSnapshot(data.montage.names, nan, nan, nan, np.asarray(data.peak_uv, dtype=float), (),
                               np.asarray(data.floor_uv, dtype=float))
    if np.all(snap.peak_valid):
        return snap, "peak", notes
    flat = [n for n, ok in zip(data.montage.names, snap.peak_valid) if not ok]
    notes.append(f"{', '.join(flat)} never rose {PEAK_MIN_RATIO:g}x above its quiet level: values are in µV, "
                 "not normalised")
    return CalibrationSnapshot(data.montage.names, nan, nan, nan, nan, ()), "none", notes


def _rows(t: np.ndarray, start_s: float, end_s: float) -> tuple[int, int]:
    return int(np.searchsorted(t, start_s, "left")), int(np.searchsorted(t, end_s, "left"))


# --- the analysis ----------------------------------------------------------------------------
def analyze(data: SignalData, sets: list | None = None) -> Analysis:
    """Analyse ``sets`` (default: every ``set`` event whose span lies in the data)."""
    fs, montage = data.fs, data.montage
    names = montage.names
    envelope, filtered, t = data.envelope, data.filtered, data.t
    cal, norm, notes = normalisation(data)
    normed = envelope * cal.scale()
    unit = {"mvc": "%MVC", "peak": "% peak", "none": "µV"}[norm]
    # Onsets: TKEO-conditioned envelope (Li 2007; Solnik 2010), which passes the motor-unit
    # spikes and suppresses the slow motion artefacts at rep transitions; its rest baseline
    # comes from the recorded rest span, else from each channel's quietest second.
    tkeo = tkeo_envelope(filtered, fs)
    rest = [e for e in data.events if e.kind == "rest" and t.size and t[0] <= e.onset_s
            and e.onset_s + e.duration_s <= t[-1]]
    if rest:
        a, b = _rows(t, rest[0].onset_s, rest[0].onset_s + rest[0].duration_s)
        rest_mean, rest_sd = rest_baseline(tkeo[a:b])
    else:
        rest_mean, rest_sd = quietest_second(tkeo, fs)
        if not any(e.kind == "rest" for e in data.events):
            notes.append("no rest baseline recorded: onsets use each channel's quietest second as its rest")
    implicit = None
    if sets is None:
        sets = [e for e in data.events if e.kind == "set" and t.size and
                t[0] - 1e-9 <= e.onset_s and e.onset_s + e.duration_s <= t[-1] + 1 / fs + 1e-9]
        if not sets and t.size:  # an imported or free recording: analyse it whole
            implicit = _Span(float(t[0]), float(t[-1] - t[0]) + 1 / fs, "set", "recording")
            sets = [implicit]
            notes.append("no exercise sets recorded: the whole recording is analysed as one set, reps found "
                         "from the most modulated muscle's envelope, pairs from the montage")
    if not sets:
        notes.append("no exercise sets recorded: nothing to analyse")
    reps_ev = [e for e in data.events if e.kind == "rep"]
    holds = [e for e in data.events if e.kind == "cue" and e.label == "hold"]
    results: list[SetResult] = []
    for s in sets:
        exercise, side = _exercise_of(s.label)
        protocol = _protocol_for(exercise, data.protocol)
        set_notes = []
        if protocol is None:
            pairs = list(restrict_pairs(montage.pairs + STANDARD_PAIRS, montage.muscles))
            if s is not implicit:
                set_notes.append(f"no protocol named {exercise!r}: pairs from the montage and the standard pairs")
        else:
            pairs = protocol.pairs_on(montage)
            on = {c.muscle for c in montage.channels}
            for p in protocol.pairs:
                lost = [m for m in p.muscles if m not in on]
                if lost:
                    done = next((q.name for q in pairs if set(q.muscles) <= set(p.muscles)), None)
                    set_notes.append(f"pair {p.name}: {', '.join(lost)} not on the montage"
                                     + (f", computed as {done}" if done else ", not computed"))
            missing = protocol.missing_muscles(montage)
            if missing:
                set_notes.append(f"muscles of the protocol not on the montage: {', '.join(missing)}")
        pm = Montage(montage.channels, tuple(pairs))
        layout = IndexLayout(pm)
        s0, s1 = _rows(t, s.onset_s, s.onset_s + s.duration_s)
        prime = _prime_signal(normed, montage, protocol, side) if s is not implicit else \
            _most_modulated(normed[s0:s1])
        cued = [e for e in reps_ev if e.label.startswith(s.label + " rep ") and
                s.onset_s - 1e-9 <= e.onset_s <= s.onset_s + s.duration_s + 1e-9]
        if cued:
            spans = [RepSpan(*_rows(t, e.onset_s, e.onset_s + e.duration_s), e.label) for e in cued]
            if prime is not None and s1 > s0:
                spans = mark_missed(spans, prime, float(np.nanpercentile(prime[s0:s1], 10)))
            source = "cues"
            for sp in spans:
                if sp.missed:
                    set_notes.append(f"{sp.label}: no activity of the prime mover, left out (missed rep)")
        else:
            spans = reps_from_envelope(prime, fs, s0, s1, s.label) if prime is not None else []
            source = "envelope"
            set_notes.append(f"no rep cues recorded: {len(spans)} reps found from the prime mover's envelope")
        reps = [_rep(sp, t, normed, filtered, tkeo, fs, names, rest_mean, rest_sd, holds) for sp in spans]
        good = [sp for sp in spans if not sp.missed]
        if not good:
            set_notes.append("no reps found: activation and ratios not computed")
            results.append(SetResult(s.label, exercise, side.value if side else None, protocol, reps, source,
                                     {}, [], [], set_notes))
            continue
        idx = np.concatenate([np.arange(sp.start, sp.stop) for sp in good])
        means_uv = np.nanmean(envelope[idx], axis=0)
        ind = layout.window(means_uv, cal)
        activation = {n: float(v.value) for n, v in ind.activation.items()}
        ratios = [{"name": r.name, "side": r.side, "agonist": "+".join(_pair(pairs, r.name).agonists),
                   "antagonist": "+".join(_pair(pairs, r.name).antagonists), "value": r.value}
                  for r in ind.ratios if side is None or r.side == side.value]
        symmetry = [{"muscle": y.muscle, "left": y.left, "right": y.right, "si_percent": y.si_percent,
                     "lr_ratio": y.lr_ratio} for y in ind.symmetry]
        results.append(SetResult(s.label, exercise, side.value if side else None, protocol, reps, source,
                                 activation, ratios, symmetry, set_notes))
    return Analysis(data.name, fs, norm, unit, montage, results, _exercise_symmetry(results, montage), notes)


@dataclass(frozen=True)
class _Span:
    onset_s: float
    duration_s: float
    kind: str
    label: str


def quietest_second(envelope: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Rest mean and SD of each channel's envelope over its quietest 1 s (lowest mean)."""
    n = min(len(envelope), int(fs))
    if n == 0:
        return np.full(envelope.shape[1], np.nan), np.full(envelope.shape[1], np.nan)
    c = np.cumsum(np.nan_to_num(envelope, nan=np.inf), axis=0)
    means = (c[n - 1:] - np.vstack([np.zeros((1, envelope.shape[1])), c[:-n]])) / n
    start = np.argmin(means, axis=0)
    seg = [envelope[a:a + n, k] for k, a in enumerate(start)]
    return np.array([np.mean(x) for x in seg]), np.array([np.std(x) for x in seg])


def _most_modulated(normed: np.ndarray) -> np.ndarray | None:
    """The envelope of the channel whose 90th percentile stands highest over its 10th."""
    if normed.shape[0] == 0:
        return None
    lo, hi = np.nanpercentile(normed, [10, 90], axis=0)
    return normed[:, int(np.nanargmax(hi / np.maximum(lo, 1e-12)))]


def _pair(pairs: list[MusclePair], name: str) -> MusclePair:
    return next(p for p in pairs if p.name == name)


def _prime_signal(normed: np.ndarray, montage: Montage, protocol: Protocol | None, side: Side | None):
    """The prime mover's normalised envelope: the working side, or the mean of both sides."""
    muscle = protocol.prime_mover if protocol else None
    if muscle is None:
        return None
    sides = [side] if side else [Side.LEFT, Side.RIGHT]
    cols = [i for sd in sides if (i := montage.index(muscle, sd)) is not None]
    return normed[:, cols].mean(axis=1) if cols else None


def _rep(sp: RepSpan, t, normed, filtered, detection, fs, names, rest_mean, rest_sd, holds) -> RepResult:
    a, b = sp.start, max(sp.stop, sp.start + 1)
    seg = normed[a:b]
    mean = {n: float(v) for n, v in zip(names, np.nanmean(seg, axis=0))}
    peak = {n: float(v) for n, v in zip(names, np.nanmax(seg, axis=0))}
    start_s = float(t[a])
    end_s = float(t[min(b, len(t)) - 1]) + 1 / fs
    onset: dict[str, float | None] = {n: None for n in names}
    if np.all(np.isfinite(rest_mean)):
        lead = int(ONSET_LEAD_S * fs)
        w0 = max(0, a - lead)
        bursts = detect_bursts(detection[w0:b], fs, rest_mean, rest_sd, OnsetConfig())
        for burst in bursts:  # first burst per channel that is still on at or after the cue
            n = names[burst.channel]
            end = burst.stop if burst.stop is not None else b - w0
            if onset[n] is None and end > a - w0:
                onset[n] = (w0 + burst.start - a) / fs
    hold = next((h for h in holds if start_s - 1e-9 <= h.onset_s < end_s), None)
    if hold is not None:
        h0, h1 = int(np.searchsorted(t, hold.onset_s)), int(np.searchsorted(t, hold.onset_s + hold.duration_s))
    else:  # no cue: the middle third of the rep
        h0, h1 = a + (b - a) // 3, a + 2 * (b - a) // 3
    mdf = median_frequency(filtered[h0:h1], fs) if h1 - h0 >= int(0.25 * fs) else np.full(len(names), np.nan)
    return RepResult(sp.label, start_s, end_s, sp.missed, mean, peak, onset,
                     {n: float(v) for n, v in zip(names, np.atleast_1d(mdf))})


def _exercise_symmetry(sets: list[SetResult], montage: Montage) -> list[dict]:
    """Per exercise and bilateral muscle: left and right activation, SI and L/R ratio.
    Bilateral exercise: both sides within its sets (averaged over the sets).
    Unilateral: the working side of the left sets against that of the right sets."""
    from ..dsp.indices import lr_ratio, symmetry_index
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


def analyze_file(path) -> tuple[Analysis, dict]:
    """The analysis of the recording at ``path`` and its metadata (subject, recorded, device)."""
    from ..recordings import open_recording
    with open_recording(path) as rec:
        analysis = analyze(from_recording(rec))
        meta = {"subject": rec.attrs.get("subject_id", ""), "recorded": rec.attrs.get("created_utc", ""),
                "device": rec.device}
    return analysis, meta
