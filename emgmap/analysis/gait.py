"""Gait analysis: strides, cadence and cycle-normalised muscle activation per side.

From the gait events of each foot (:mod:`emgmap.dsp.gait_events`; the source is
chosen from what the recording has, :func:`choose_source`) every stride, initial
contact (IC) to the next IC of the same foot, is cut from each muscle's
envelope and resampled to 0-100 % of the cycle (101 points). Per side and
muscle: the ensemble mean and SD over the kept strides, stance and swing mean
activation, burst onset and offset relative to IC; per muscle: left/right
symmetry of stance activation. Strides with an outlying duration or shape are
flagged and left out. Every number is defined in docs/gait.md.

The envelope here is the *RMS linear envelope*: the recording's own band-pass
(the pipeline's filtered signal), squared, low-passed at 6 Hz with a zero-phase
Butterworth (order 2, forwards and backwards), square root. Zero phase keeps the
timing relative to IC unbiased (a causal 100 ms RMS lags ~50 ms); the square
and root keep the RMS scale of the MVC reference, so %MVC means the same as
live (a rectified envelope reads sqrt(2/pi) ~ 0.8 of the RMS of Gaussian sEMG).
The 6 Hz corner is the classic gait linear envelope (Winter 1991).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from scipy import signal

from ..dsp.gait_events import (ANCHOR_ORDER, STANCE_PCT, EventSource, FootEvents, Gait, accel_events,
                               emg_events, footswitch_events, knee_events, rhythm, stride_period)
from ..dsp.indices import lr_ratio, symmetry_index
from ..events import Event, EventKind, GaitPhase
from ..montage import Montage
from ..types import ConfigError, Side

POINTS = 101                      # 0, 1, ..., 100 % of the cycle
ENVELOPE_LP_HZ = 6.0
PHASE_LP_HZ = 15.0                # stance/swing means: less smearing across IC and TO
ONSET_FRACTION = 0.25             # burst threshold: min + 25 % of the ensemble's range
OUTLIER_Z = 3.5                   # modified z-score (Iglewicz & Hoaglin 1993)
SHAPE_OUTLIER_RATIO = 2.0         # ... and a shape distance above twice the median one
ACTIVE_FRACTION = 0.2             # symmetry is judged when stance activation reaches 20 % of the peak
STRIDE_LIMITS_S = (0.3, 3.0)      # a "stride" outside this is a missed or spurious event
LIVE_RHYTHM_MIN = 0.3             # live: a foot's events count while its signal is rhythmic (standing ~0.1)
SOURCES = ("auto", "footswitch:COL", "accel:COL", "knee:COL", "emg")
_SIDE_WORDS = {Side.LEFT: re.compile(r"(^|[^a-z])(l|left|lt)([^a-z]|$)", re.I),
               Side.RIGHT: re.compile(r"(^|[^a-z])(r|right|rt)([^a-z]|$)", re.I)}
_KIND_WORDS = {EventSource.FOOTSWITCH: re.compile(r"foot.?switch|fsw|fsr|switch|heel|insole", re.I),
               EventSource.ACCEL: re.compile(r"acc|imu", re.I),
               EventSource.KNEE: re.compile(r"knee|^fx$|flex|gonio", re.I)}
_PREFERENCE = (EventSource.FOOTSWITCH, EventSource.ACCEL, EventSource.KNEE)
_KIND_NAMES = {EventSource.FOOTSWITCH: "a foot switch", EventSource.ACCEL: "an accelerometer",
               EventSource.KNEE: "a knee angle"}


# --- sources -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SourcePlan:
    """Which signal gives each foot's events: aux columns (per side, several axes of
    one accelerometer are combined) or, for the EMG fallback, an anchor channel."""
    source: EventSource
    columns: dict[Side, tuple[int, ...]]       # side -> aux columns or EMG channel index
    names: dict[Side, str]                     # side -> column / channel name(s)
    requested: str = "auto"

    @property
    def label(self) -> str:
        cols = ", ".join(f"{s.value}: {n}" for s, n in self.names.items())
        return f"{self.source.value} ({cols})"


def aux_side(name: str, montage: Montage) -> Side | None:
    """The foot an aux column belongs to, from its name (``_L``, ``left``, ``R`` ...),
    else the only side the EMG montage has (a one-legged recording such as the UCI files)."""
    base = name.replace("_", " ").replace("-", " ")
    for side, rx in _SIDE_WORDS.items():
        if rx.search(base):
            return side
    sides = {c.side for c in montage.channels} - {Side.MIDLINE}
    return sides.pop() if len(sides) == 1 else None


def _kind_of(name: str, unit: str) -> EventSource | None:
    for kind, rx in _KIND_WORDS.items():
        if rx.search(name):
            return kind
    u = unit.strip().lower()
    if u in ("g", "m/s^2", "m/s2", "m s-2"):
        return EventSource.ACCEL
    return None


def choose_source(requested: str, aux_names: list[str], aux_units: list[str], montage: Montage) -> SourcePlan:
    """The event source for ``requested`` (``auto``, ``footswitch:COL``, ``accel:COL``,
    ``knee:COL`` or ``emg``; COL is one aux column, or two joined by a comma, left
    first). ``auto`` takes the first of foot switch, accelerometer, knee angle that
    the recording has for at least one foot, else the EMG fallback."""
    requested = (requested or "auto").strip()
    kind_text, _, col_text = requested.partition(":")
    if kind_text == "auto":
        found: dict[EventSource, dict[Side, list[int]]] = {}
        for j, (n, u) in enumerate(zip(aux_names, aux_units)):
            kind, side = _kind_of(n, u), aux_side(n, montage)
            if kind is not None and side is not None:
                found.setdefault(kind, {}).setdefault(side, []).append(j)
        for kind in _PREFERENCE:
            if kind in found:
                cols = {s: tuple(v) for s, v in sorted(found[kind].items(), key=lambda kv: kv[0].value)}
                return SourcePlan(kind, cols, {s: ",".join(aux_names[j] for j in v) for s, v in cols.items()},
                                  requested)
        sideless = [(n, kind) for n, u in zip(aux_names, aux_units) if (kind := _kind_of(n, u)) is not None]
        try:
            return _emg_plan(montage, requested)
        except ConfigError:
            if not sideless:
                raise
            n, kind = sideless[0]
            raise ConfigError(f"aux column {n!r} looks like {_KIND_NAMES[kind]}, but neither its name nor the "
                              "EMG montage says which leg it is on; give the EMG channels their muscles and side "
                              "(`emgmap montage assign FILE --channel 'NAME=muscle:side'`), or name the feet's "
                              f"columns: --gait-source {kind.value}:LEFT,RIGHT") from None
    try:
        kind = EventSource(kind_text)
    except ValueError:
        raise ConfigError(f"unknown gait source {requested!r}; valid: {', '.join(SOURCES)}") from None
    if kind is EventSource.EMG:
        return _emg_plan(montage, requested)
    if not col_text:
        raise ConfigError(f"gait source {kind.value} needs a column: {kind.value}:COL (aux columns of this "
                          f"recording: {', '.join(aux_names) or 'none'})")
    cols: dict[Side, tuple[int, ...]] = {}
    wanted = [c.strip() for c in col_text.split(",") if c.strip()]
    for k, name in enumerate(wanted):
        j = _find_column(name, aux_names)
        side = aux_side(aux_names[j], montage) if len(wanted) == 1 else (Side.LEFT, Side.RIGHT)[min(k, 1)]
        if side is None:
            raise ConfigError(f"cannot tell which foot aux column {aux_names[j]!r} belongs to; name both "
                              f"feet's columns, left first: {kind.value}:LEFT,RIGHT")
        cols[side] = cols.get(side, ()) + (j,)
    return SourcePlan(kind, cols, {s: ",".join(aux_names[j] for j in v) for s, v in cols.items()}, requested)


def _find_column(name: str, aux_names: list[str]) -> int:
    for j, n in enumerate(aux_names):
        if n == name or n.lower() == name.lower():
            return j
    raise ConfigError(f"no aux column named {name!r} in this recording; its aux columns: "
                      f"{', '.join(aux_names) or 'none'}")


def _emg_plan(montage: Montage, requested: str) -> SourcePlan:
    cols, names = {}, {}
    for side in (Side.LEFT, Side.RIGHT):
        for m in ANCHOR_ORDER:
            i = montage.index(m, side)
            if i is not None:
                cols[side], names[side] = (i,), montage.names[i]
                break
    if not cols:
        raise ConfigError("no gait events possible: the recording has no foot switch, accelerometer or knee "
                          f"angle, and none of {', '.join(ANCHOR_ORDER)} for the EMG fallback; give "
                          "--gait-source with an aux column")
    return SourcePlan(EventSource.EMG, cols, names, requested)


def detect(plan: SourcePlan, fs: float, t: np.ndarray, aux: np.ndarray, envelope: np.ndarray, montage: Montage,
           mode: Gait) -> dict[Side, FootEvents]:
    """Each foot's events in session seconds (``t`` are the samples' session times)."""
    out = {}
    for side, cols in plan.columns.items():
        if plan.source is EventSource.EMG:
            ev = emg_events(envelope[:, cols[0]], fs, montage.channels[cols[0]].muscle, mode=mode)
        else:
            x = aux[:, list(cols)]
            x = x[:, 0] if x.shape[1] == 1 else x
            if plan.source is EventSource.FOOTSWITCH:
                ev = footswitch_events(x, fs)
            elif plan.source is EventSource.ACCEL:
                ev = accel_events(x, fs)
            else:
                ev = knee_events(x, fs, mode=mode)
        t0 = float(t[0]) if t.size else 0.0
        out[side] = FootEvents(ev.contacts_s + t0, ev.toe_offs_s + t0, ev.source, ev.note)
    return out


def as_events(feet: dict[Side, FootEvents], plan: SourcePlan) -> list[Event]:
    """Typed ``gait`` events (contact, toe-off per foot), in time order."""
    ev = []
    for side, f in feet.items():
        ch = plan.names.get(side, "")
        ev += [Event.gait(side, GaitPhase.CONTACT, t, ch) for t in f.contacts_s]
        ev += [Event.gait(side, GaitPhase.TOE_OFF, t, ch) for t in f.toe_offs_s]
    return sorted(ev, key=lambda e: e.onset_s)


def from_events(events: list) -> dict[Side, FootEvents]:
    """Recorded ``gait`` events (typed, or stored rows read with :meth:`Event.from_row`)."""
    feet: dict[Side, tuple[list, list]] = {}
    for e in events:
        if not isinstance(e, Event):
            e = Event.from_row(e.onset_s, e.duration_s, e.kind, e.label, e.channel)
        if e.kind is not EventKind.GAIT or e.side not in (Side.LEFT, Side.RIGHT):
            continue
        c, o = feet.setdefault(e.side, ([], []))
        (c if e.gait_phase is GaitPhase.CONTACT else o).append(e.onset_s)
    return {s: FootEvents(np.sort(c), np.sort(o), EventSource.FOOTSWITCH, "recorded gait events")
            for s, (c, o) in feet.items()}


# --- envelope and strides ------------------------------------------------------------------------------
def linear_envelope(filtered: np.ndarray, fs: float, cutoff_hz: float = ENVELOPE_LP_HZ,
                    rest_uv: np.ndarray | None = None) -> np.ndarray:
    """RMS linear envelope (module docstring): sqrt(zero-phase low-pass of filtered^2), µV.

    ``rest_uv`` (C,), NaN where unknown: the rest level of each channel (the recorded
    rest baseline). Its power is subtracted before the root: the noise (electrode,
    amplifier, mains) adds in power to the muscle signal, so at low activation it would
    otherwise inflate the envelope, and unequally on the two legs (noise-power
    subtraction: Clancy, Morin & Merletti 2002, J Electromyogr Kinesiol 12:1)."""
    sos = signal.butter(2, cutoff_hz, "lowpass", output="sos", fs=fs)
    x = np.asarray(filtered, dtype=np.float64)
    power = signal.sosfiltfilt(sos, x * x, axis=0)
    if rest_uv is not None:
        power -= np.nan_to_num(np.asarray(rest_uv, dtype=np.float64), nan=0.0) ** 2
    return np.sqrt(np.clip(power, 0.0, None))


@dataclass
class Stride:
    contact_s: float
    next_contact_s: float
    toe_off_s: float                 # NaN when no toe-off was found (normative stance used)
    excluded: str = ""               # why it was left out ("" = kept)

    @property
    def duration_s(self) -> float:
        return self.next_contact_s - self.contact_s

    @property
    def stance_pct(self) -> float:
        return (self.toe_off_s - self.contact_s) / self.duration_s * 100


def strides_of(feet: FootEvents, mode: Gait) -> list[Stride]:
    """Consecutive contacts of one foot; the first toe-off between them ends stance."""
    c = np.sort(feet.contacts_s)
    to = np.sort(feet.toe_offs_s)
    out = []
    for a, b in zip(c[:-1], c[1:]):
        inside = to[(to > a) & (to < b)]
        s = Stride(float(a), float(b), float(inside[0]) if inside.size else float("nan"))
        lo, hi = STRIDE_LIMITS_S
        if not lo <= s.duration_s <= hi:
            s.excluded = f"duration {s.duration_s:.2f} s outside {lo:g}-{hi:g} s (a missed or extra contact)"
        out.append(s)
    return out


def modified_z(x: np.ndarray) -> np.ndarray:
    """0.6745 (x - median) / MAD (Iglewicz & Hoaglin 1993); 0 where MAD is 0."""
    x = np.asarray(x, dtype=float)
    med = np.median(x)
    mad = np.median(np.abs(x - med))
    if not mad > 0:
        return np.zeros_like(x)
    return 0.6745 * (x - med) / mad


def time_normalise(env: np.ndarray, t: np.ndarray, a: float, b: float, points: int = POINTS) -> np.ndarray:
    """(points, C) envelope at ``points`` equally spaced instants from ``a`` to ``b``."""
    grid = np.linspace(a, b, points)
    return np.stack([np.interp(grid, t, env[:, c]) for c in range(env.shape[1])], axis=1)


def burst_bounds(curve: np.ndarray, fraction: float = ONSET_FRACTION) -> tuple[float, float]:
    """(onset_pct, offset_pct) of the main burst of a cycle curve (101 points, 0..100 %):
    the stretch above min + ``fraction`` (max - min) that contains the peak, the cycle
    wrapping; crossings interpolated. A burst that starts before IC (in the previous
    swing) has a negative onset; offset = onset + burst length."""
    y = np.asarray(curve, dtype=float)[:-1]          # 0..99 %: point 100 is point 0 of the next cycle
    n = y.size
    lo, hi = float(np.min(y)), float(np.max(y))
    if not hi > lo:
        return float("nan"), float("nan")
    thr = lo + fraction * (hi - lo)
    p = int(np.argmax(y))
    above = y >= thr
    if above.all():
        return float("nan"), float("nan")
    i = p
    while above[(i - 1) % n]:
        i -= 1                                       # i: first index of the run (may be negative)
    j = p
    while above[(j + 1) % n]:
        j += 1                                       # j: last index of the run
    # interpolate the rising crossing between i-1 and i, the falling one between j and j+1
    y0, y1 = y[(i - 1) % n], y[i % n]
    on = (i - 1) + (thr - y0) / (y1 - y0)
    z0, z1 = y[j % n], y[(j + 1) % n]
    off = j + (z0 - thr) / (z0 - z1)
    if on >= 50:                                     # the run starts in the previous cycle's swing
        on -= n
        off -= n
    if on < -50:
        on += n
        off += n
    return float(on), float(off)


# --- results -------------------------------------------------------------------------------------------
@dataclass
class MuscleCycle:
    channel: str
    muscle: str
    mean: np.ndarray                 # (101,) normalised
    sd: np.ndarray
    unit: str
    stance_mean: float
    swing_mean: float
    onset_pct: float
    offset_pct: float
    onset_ms: float                  # onset_pct of the mean stride time
    cv_percent: float                # Winter's CV of the ensemble

    def to_json(self) -> dict:
        return {"mean": [float(v) for v in self.mean], "sd": [float(v) for v in self.sd], "unit": self.unit,
                "stance_mean": self.stance_mean, "swing_mean": self.swing_mean, "onset_pct": self.onset_pct,
                "offset_pct": self.offset_pct, "onset_ms": self.onset_ms, "cv_percent": self.cv_percent}


@dataclass
class SideResult:
    side: Side
    strides: list[Stride]
    muscles: dict[str, MuscleCycle]

    @property
    def kept(self) -> list[Stride]:
        return [s for s in self.strides if not s.excluded]

    @property
    def stride_times(self) -> np.ndarray:
        return np.array([s.duration_s for s in self.kept])

    @property
    def cadence_spm(self) -> float:
        """Steps per minute: 2 steps per stride, 120 / mean stride time."""
        T = self.stride_times
        return 120.0 / float(T.mean()) if T.size else float("nan")

    @property
    def stride_time_mean(self) -> float:
        T = self.stride_times
        return float(T.mean()) if T.size else float("nan")

    @property
    def stride_time_cv(self) -> float:
        """Coefficient of variation of the stride time, % (SD with ddof=1 / mean)."""
        T = self.stride_times
        return float(T.std(ddof=1) / T.mean() * 100) if T.size > 1 else float("nan")

    @property
    def stance_pct(self) -> float:
        v = [s.stance_pct for s in self.kept if np.isfinite(s.toe_off_s)]
        return float(np.mean(v)) if v else float("nan")

    def to_json(self) -> dict:
        return {"strides": len(self.kept), "cadence_spm": self.cadence_spm,
                "stride_time_s": {"mean": self.stride_time_mean, "cv": self.stride_time_cv},
                "stance_pct": self.stance_pct,
                "excluded": [{"contact_s": s.contact_s, "reason": s.excluded} for s in self.strides if s.excluded],
                "muscles": {ch: m.to_json() for ch, m in self.muscles.items()}}


@dataclass
class GaitAnalysis:
    source: str                      # "footswitch" | "accel" | "knee" | "emg" | "recorded"
    source_label: str                # which columns, e.g. "footswitch (left: fs_L, right: fs_R)"
    mode: Gait
    normalization: str               # "mvc" | "peak"
    unit: str
    sides: dict[Side, SideResult]
    symmetry: list[dict]
    events: list[Event]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """The ``gait`` section of the analysis JSON (issue 17; docs/gait.md)."""
        return {"source": self.source, "source_label": self.source_label, "mode": self.mode.value,
                "normalization": self.normalization,
                "sides": {s.value: r.to_json() for s, r in self.sides.items()},
                "symmetry": self.symmetry, "notes": self.notes}

    def rows(self, file: str = "", subject: str = "", date: str = "", exercise: str = "") -> list[dict]:
        """Long study-table rows (DESIGN §3 "Study table"), measures ``gait_*``."""
        exercise = exercise or self.mode.value
        out = []

        def row(side, measure, name, value, unit, normalization=""):
            out.append({"file": file, "subject": subject, "date": date, "exercise": exercise, "set": exercise,
                        "side": side, "measure": measure, "name": name, "rep": "mean", "value": float(value),
                        "unit": unit, "normalization": normalization, "zone": "", "expected_low": float("nan"),
                        "expected_high": float("nan")})

        for side, r in self.sides.items():
            s = side.value
            row(s, "gait_strides", "", len(r.kept), "strides")
            row(s, "gait_cadence", "", r.cadence_spm, "steps/min")
            row(s, "gait_stride_time", "", r.stride_time_mean, "s")
            row(s, "gait_stride_time_cv", "", r.stride_time_cv, "%")
            row(s, "gait_stance", "", r.stance_pct, "% cycle")
            for ch, m in r.muscles.items():
                row(s, "gait_stance_activation", m.muscle, m.stance_mean, m.unit, self.normalization)
                row(s, "gait_swing_activation", m.muscle, m.swing_mean, m.unit, self.normalization)
                row(s, "gait_onset", m.muscle, m.onset_pct, "% cycle")
                row(s, "gait_offset", m.muscle, m.offset_pct, "% cycle")
                row(s, "gait_cv", m.muscle, m.cv_percent, "%")
        for y in self.symmetry:
            row("", "gait_symmetry", y["muscle"], y["si_percent"], "%", self.normalization)
            row("", "gait_onset_delay", y["muscle"], y["onset_delay_ms"], "ms")
        return out

    def findings(self, si_threshold: float = 10.0, delay_ms: float = 20.0) -> list[str]:
        """Plain-language findings, the largest first: stance-activation asymmetry beyond
        ``si_threshold`` % (only for muscles active in stance on both sides: at least
        ACTIVE_FRACTION of their peak; a near-silent muscle's SI is noise) and onset
        delays beyond ``delay_ms``."""
        out = []
        for y in sorted(self.symmetry, key=lambda y: -abs(np.nan_to_num(y["si_percent"]))):
            si = y["si_percent"]
            if y["active_in_stance"] and np.isfinite(si) and abs(si) > si_threshold:
                weak = "left" if si > 0 else "right"
                out.append(f"{y['muscle']}: stance activation {abs(si):.0f} % lower on the {weak} side "
                           f"(SI {si:+.0f} %)")
        for y in sorted(self.symmetry, key=lambda y: -abs(np.nan_to_num(y["onset_delay_ms"]))):
            d = y["onset_delay_ms"]
            if np.isfinite(d) and abs(d) > delay_ms:
                late = "right" if d > 0 else "left"
                out.append(f"{y['muscle']}: the {late} side's burst starts {abs(d):.0f} ms later relative to "
                           "initial contact")
        return out


# --- the analysis --------------------------------------------------------------------------------------
def guess_mode(feet: dict[Side, FootEvents]) -> Gait:
    """Running when the median stride is shorter than 0.85 s (cadence above ~141 steps/min)."""
    T = np.concatenate([np.diff(np.sort(f.contacts_s)) for f in feet.values()] or [np.empty(0)])
    T = T[(T > STRIDE_LIMITS_S[0]) & (T < STRIDE_LIMITS_S[1])]
    return Gait.RUN if T.size and np.median(T) < 0.85 else Gait.WALK


def analyze_gait(fs: float, t: np.ndarray, filtered: np.ndarray, montage: Montage, *, aux: np.ndarray | None = None,
                 aux_names: list[str] = (), aux_units: list[str] = (), mvc_uv: np.ndarray | None = None,
                 rest_uv: np.ndarray | None = None, source: str = "auto", mode: Gait | str | None = None,
                 span: tuple[float, float] | None = None) -> GaitAnalysis:
    """The gait analysis of one walking/running bout.

    ``t`` (n,) session seconds, ``filtered`` (n, C) the pipeline's filtered EMG (µV),
    ``aux`` (n, A) the auxiliary columns; ``mvc_uv`` and ``rest_uv`` (C,) the MVC reference
    and the rest level, NaN where not calibrated (the rest noise power is subtracted from
    the envelope, :func:`linear_envelope`);
    ``span`` limits the analysis to [start, end) s (a ``run`` or ``walk`` set).
    ``mode`` walk/run (None: from the cadence).
    """
    notes: list[str] = []
    aux = np.zeros((len(t), 0)) if aux is None else np.asarray(aux)
    if span is not None:
        a, b = np.searchsorted(t, span[0]), np.searchsorted(t, span[1])
        t, filtered, aux = t[a:b], filtered[a:b], aux[a:b]
    if t.size < 3 * fs:
        raise ConfigError(f"gait analysis needs at least 3 s of walking or running, got {t.size / fs:.1f} s")
    env = linear_envelope(filtered, fs, rest_uv=rest_uv)
    sharp = linear_envelope(filtered, fs, PHASE_LP_HZ, rest_uv=rest_uv)
    if rest_uv is None or not np.isfinite(np.asarray(rest_uv, dtype=float)).any():
        notes.append("no rest baseline: the envelope keeps the noise floor (it inflates low activation)")
    plan = choose_source(source, list(aux_names), list(aux_units), montage)
    if plan.source is EventSource.EMG:
        notes.append("no foot switch, accelerometer or knee angle: gait events are ESTIMATED from the EMG of "
                     + ", ".join(plan.names.values()) + " and normative timing; onsets and timing are approximate")
    guess = Gait(mode) if mode is not None else None
    feet = detect(plan, fs, t, aux, env, montage, guess or Gait.WALK)
    if guess is None:
        guess = guess_mode(feet)
        if plan.source in (EventSource.EMG, EventSource.KNEE) and guess is not Gait.WALK:
            feet = detect(plan, fs, t, aux, env, montage, guess)   # these sources use the mode's timing
    mode = guess
    for f in feet.values():
        if f.note and f.note not in notes and plan.source is not EventSource.EMG:
            notes.append(f.note)
    events = as_events(feet, plan)
    # normalisation: MVC where every analysed channel has one, else the mean ensemble peak per muscle
    chans = [i for i, c in enumerate(montage.channels) if c.side in feet]
    mvc = np.full(len(montage), np.nan) if mvc_uv is None else np.asarray(mvc_uv, dtype=float)
    use_mvc = bool(chans) and all(np.isfinite(mvc[i]) and mvc[i] > 0 for i in chans)
    per_side: dict[Side, tuple[list[Stride], np.ndarray, list[int]]] = {}
    for side, f in feet.items():
        strides = strides_of(f, mode)
        cols = [i for i in chans if montage.channels[i].side is side]
        valid = [s for s in strides if not s.excluded]
        cycles = np.array([time_normalise(env[:, cols], t, s.contact_s, s.next_contact_s) for s in valid]) \
            if valid else np.empty((0, POINTS, len(cols)))
        _flag_outliers(valid, cycles)
        keep = [k for k, s in enumerate(valid) if not s.excluded]
        per_side[side] = (strides, cycles[keep], cols)
    if use_mvc:
        scale = {i: 100.0 / mvc[i] for i in chans}
        norm, unit = "mvc", "%MVC"
    else:
        peaks: dict[str, list[float]] = {}
        for side, (strides, cyc, cols) in per_side.items():
            good = cyc
            for j, i in enumerate(cols):
                if good.shape[0]:
                    peaks.setdefault(montage.channels[i].muscle, []).append(float(good[:, :, j].mean(axis=0).max()))
        scale = {i: 100.0 / np.mean(peaks[montage.channels[i].muscle]) for i in chans
                 if montage.channels[i].muscle in peaks}
        norm, unit = "peak", "% mean peak"
        notes.append("no MVC calibration: each muscle is normalised to its mean ensemble peak (the mean over "
                     "the sides of the peak of the ensemble-average envelope), so left and right share one "
                     "divisor; values are % mean peak, not %MVC")
    sides = {}
    for side, (strides, cyc, cols) in per_side.items():
        kept = [s for s in strides if not s.excluded]
        good = cyc
        muscles = {}
        T_mean = float(np.mean([s.duration_s for s in kept])) if kept else float("nan")
        for j, i in enumerate(cols):
            ch = montage.channels[i]
            if i not in scale or good.shape[0] == 0:
                continue
            curves = good[:, :, j] * scale[i]
            mean, sd = curves.mean(axis=0), curves.std(axis=0, ddof=1) if len(curves) > 1 else np.zeros(POINTS)
            stance, swing = _phase_means(sharp[:, i] * scale[i], t, kept, mode)
            on, off = burst_bounds(mean)
            cv = float(np.sqrt(np.mean(sd ** 2)) / np.mean(np.abs(mean)) * 100) if np.mean(np.abs(mean)) > 0 \
                else float("nan")
            muscles[ch.name] = MuscleCycle(ch.name, ch.muscle, mean, sd, unit, stance, swing, on, off,
                                           on / 100 * T_mean * 1000, cv)
        sides[side] = SideResult(side, strides, muscles)
        for s in strides:
            if s.excluded:
                notes.append(f"{side.value} stride at {s.contact_s:.2f} s left out: {s.excluded}")
        if len(kept) < 5:
            notes.append(f"{side.value}: only {len(kept)} strides; ensembles and variability are unreliable")
    symmetry = _symmetry(sides, montage)
    return GaitAnalysis(plan.source.value, plan.label, mode, norm, unit, sides, symmetry, events, notes)


def _flag_outliers(valid: list[Stride], cycles: np.ndarray) -> None:
    """Flag strides (``valid``: those with a plausible duration; ``cycles`` their
    (k, 101, C) envelopes) whose duration, or whose envelope shape, is an outlier: modified z-score above OUTLIER_Z (Iglewicz & Hoaglin 1993). Shape
    distance: mean over the channels of the RMS difference from the median curve,
    divided by that curve's range."""
    if len(valid) < 5:
        return
    z = modified_z([s.duration_s for s in valid])
    for s, zz in zip(valid, z):
        if abs(zz) > OUTLIER_Z:
            s.excluded = f"stride time {s.duration_s:.3f} s is an outlier (modified z {zz:+.1f})"
    c = cycles
    if c.shape[2] == 0:
        return
    med = np.median(c, axis=0)
    rng = np.ptp(med, axis=0)
    rng[rng <= 0] = np.inf
    dist = np.mean(np.sqrt(np.mean((c - med) ** 2, axis=1)) / rng, axis=1)
    z = modified_z(dist)
    far = dist > SHAPE_OUTLIER_RATIO * np.median(dist)
    for s, zz, f in zip(valid, z, far):
        if zz > OUTLIER_Z and f and not s.excluded:
            s.excluded = f"envelope shape is an outlier (modified z {zz:+.1f})"


def _phase_means(x: np.ndarray, t: np.ndarray, kept: list[Stride], mode: Gait) -> tuple[float, float]:
    """Mean over the strides of the mean normalised envelope in stance [IC, TO) and swing
    [TO, next IC); without a toe-off the normative stance fraction is used. ``x`` is the
    PHASE_LP_HZ envelope: the 6 Hz one spreads terminal-swing activity ~60 ms into stance,
    which biases the stance mean of a muscle whose burst straddles IC (simulated
    running: SI errors up to 3.2 pp at 6 Hz, 2.3 pp at 15 Hz over 5 subjects of 2 min)."""
    st, sw = [], []
    for s in kept:
        to = s.toe_off_s if np.isfinite(s.toe_off_s) else s.contact_s + STANCE_PCT[mode] / 100 * s.duration_s
        a, m, b = np.searchsorted(t, [s.contact_s, to, s.next_contact_s])
        if m > a:
            st.append(float(np.mean(x[a:m])))
        if b > m:
            sw.append(float(np.mean(x[m:b])))
    return (float(np.mean(st)) if st else float("nan")), (float(np.mean(sw)) if sw else float("nan"))


def _symmetry(sides: dict[Side, SideResult], montage: Montage) -> list[dict]:
    if Side.LEFT not in sides or Side.RIGHT not in sides:
        return []
    out = []
    L, R = sides[Side.LEFT].muscles, sides[Side.RIGHT].muscles
    for m in montage.bilateral_muscles():
        li, ri = montage.names[montage.index(m, Side.LEFT)], montage.names[montage.index(m, Side.RIGHT)]
        if li not in L or ri not in R:
            continue
        left, right = L[li].stance_mean, R[ri].stance_mean
        peak = max(float(np.max(L[li].mean)), float(np.max(R[ri].mean)))
        out.append({"muscle": m, "left": left, "right": right, "si_percent": float(symmetry_index(left, right)),
                    "lr_ratio": float(lr_ratio(left, right)),
                    "onset_delay_ms": R[ri].onset_ms - L[li].onset_ms,
                    "active_in_stance": bool(min(left, right) >= ACTIVE_FRACTION * peak)})
    return out


# --- recordings -------------------------------------------------------------------------------------------
GAIT_EXERCISES = tuple(g.value for g in Gait)


def gait_spans(events: list) -> list[tuple[float, float, Gait]]:
    """(start, end, mode) of every ``walk`` or ``run`` set recorded."""
    out = []
    for e in events:
        if not isinstance(e, Event):
            e = Event.from_row(e.onset_s, e.duration_s, e.kind, e.label, e.channel)
        if e.kind is EventKind.SET and e.exercise in GAIT_EXERCISES:
            out.append((e.onset_s, e.end_s, Gait(e.exercise)))
    return out


def analyze_recording_gait(rec, source: str = "auto", mode: Gait | str | None = None) -> GaitAnalysis:
    """Gait analysis of an open :class:`~emgmap.recordings.reader.Recording`: its first
    ``walk``/``run`` set, else the whole recording."""
    from ..dsp import Pipeline, PipelineConfig
    cfg = rec.config.get("pipeline")
    pipeline = PipelineConfig(**cfg) if cfg else PipelineConfig()
    filtered = Pipeline(rec.fs, rec.n_channels, pipeline).process(rec.data().astype(np.float64)).filtered
    spans = gait_spans(rec.events)
    span = None
    if spans:
        start, end, set_mode = spans[0]
        span, mode = (start, end), mode or set_mode
    g = analyze_gait(rec.fs, rec.timestamps(), filtered, rec.montage, aux=rec.aux(), aux_names=rec.aux_names,
                     aux_units=rec.aux_units, mvc_uv=rec.mvc_uv, rest_uv=rec.rest_rms_uv, source=source, mode=mode, span=span)
    if len(spans) > 1:
        g.notes.append(f"{len(spans)} gait sets recorded: only the first is analysed")
    return g


def summary_lines(g: GaitAnalysis) -> list[str]:
    """The gait analysis as plain text: source, per side strides/cadence/variability,
    symmetry and timing per muscle, findings first."""
    out = [f"gait ({g.mode.value}): events from {g.source_label}; activation in {g.unit}"]
    for f in g.findings():
        out.append(f"  finding: {f}")
    for side, r in g.sides.items():
        out.append(f"  {side.value:>5}: {len(r.kept)} strides, {r.cadence_spm:.1f} steps/min, stride "
                   f"{r.stride_time_mean:.3f} s (CV {r.stride_time_cv:.1f} %), stance {r.stance_pct:.1f} %")
        for m in r.muscles.values():
            out.append(f"         {m.channel:<8} stance {m.stance_mean:6.1f}  swing {m.swing_mean:6.1f}  burst "
                       f"{m.onset_pct:+6.1f} to {m.offset_pct:5.1f} % cycle ({m.onset_ms:+.0f} ms from IC)")
    if g.symmetry:
        out.append(f"  {'muscle':<6} {'stance L':>9} {'stance R':>9} {'SI %':>7} {'onset R-L ms':>13}")
        for y in g.symmetry:
            judged = "" if y["active_in_stance"] else "  (little stance activity: not judged)"
            out.append(f"  {y['muscle']:<6} {y['left']:>9.1f} {y['right']:>9.1f} {y['si_percent']:>+7.1f} "
                       f"{y['onset_delay_ms']:>+13.0f}{judged}")
    out += [f"  note: {n}" for n in g.notes]
    return out


# --- live -----------------------------------------------------------------------------------------------
@dataclass
class _Running:
    """Running sums of one side's cycles (mean and SD without keeping every stride)."""
    n: int = 0
    s1: np.ndarray | None = None
    s2: np.ndarray | None = None
    stance: np.ndarray | None = None
    durations: list[float] = field(default_factory=list)

    def add(self, cycle: np.ndarray, stance: np.ndarray, duration: float) -> None:
        if self.s1 is None:
            self.s1, self.s2, self.stance = np.zeros_like(cycle), np.zeros_like(cycle), np.zeros_like(stance)
        self.n += 1
        self.s1 += cycle
        self.s2 += cycle ** 2
        self.stance += stance
        self.durations.append(duration)

    def mean_sd(self) -> tuple[np.ndarray, np.ndarray]:
        mean = self.s1 / self.n
        var = (self.s2 - self.n * mean ** 2) / max(1, self.n - 1)
        return mean, np.sqrt(np.clip(var, 0, None))


@dataclass(frozen=True)
class LiveSide:
    strides: int
    cadence_spm: float
    mean: dict[str, np.ndarray]        # muscle -> (101,) ensemble mean of this side's channel
    sd: dict[str, np.ndarray]
    stance: dict[str, float]           # muscle -> mean stance activation


@dataclass(frozen=True)
class LiveGait:
    """What the stride-by-stride view draws (immutable snapshot)."""
    source: str
    unit: str
    sides: dict[Side, LiveSide]
    symmetry: dict[str, float]         # muscle -> stance SI %, once both sides have a stride; NaN when the
                                       # muscle is nearly silent in stance (not judged, as offline)
    strides: int                       # total strides so far


class GaitTracker:
    """The gait analysis built up stride by stride during a walk or run (live view).

    :meth:`feed` takes consecutive samples (session times, the pipeline's filtered
    EMG, the aux columns); events are found in the last ``window_s`` seconds with the
    same detectors as offline (a foot switch, accelerometer or knee angle: the EMG
    fallback needs the whole record and is not used live), a stride is accepted once
    its closing contact is ``settle_s`` old (the zero-phase envelope is then final),
    and its cycle joins the running ensemble. The numbers converge to those of
    :func:`analyze_gait` on the same bout (outlier strides are not removed live).
    """

    def __init__(self, fs: float, montage: Montage, aux_names: list[str], aux_units: list[str], *,
                 mvc_uv: np.ndarray | None = None, rest_uv: np.ndarray | None = None, source: str = "auto",
                 mode: Gait | str = Gait.RUN, window_s: float = 6.0, settle_s: float = 0.6):
        self.fs, self.montage = float(fs), montage
        self.plan = choose_source(source, list(aux_names), list(aux_units), montage)
        if self.plan.source is EventSource.EMG:
            raise ConfigError("the live gait view needs a foot switch, accelerometer or knee angle channel; "
                              "the EMG fallback works offline only (emgmap analyze --gait)")
        self.mode = Gait(mode)
        mvc = np.full(len(montage), np.nan) if mvc_uv is None else np.asarray(mvc_uv, dtype=float)
        self.scale = np.where(np.isfinite(mvc) & (mvc > 0), 100.0 / np.where(mvc > 0, mvc, 1), 1.0)
        self.unit = "%MVC" if np.all(np.isfinite(mvc) & (mvc > 0)) else "µV"
        self.rest_uv = rest_uv
        self.n_keep = int(window_s * fs)
        self.settle = settle_s
        self._t = np.empty(0)
        self._x = np.empty((0, len(montage)))
        self._aux = np.empty((0, len(aux_names)))
        self._last: dict[Side, float] = {}
        self._runs = {s: _Running() for s in self.plan.columns}
        self._cols = {s: [i for i, c in enumerate(montage.channels) if c.side is s] for s in self.plan.columns}

    def feed(self, t: np.ndarray, filtered: np.ndarray, aux: np.ndarray) -> list[Event]:
        """Add samples; returns the gait events accepted now: each settled contact, and the
        toe-off of each stride it completes (typed ``gait`` events, session seconds)."""
        self._t = np.concatenate([self._t, t])[-self.n_keep:]
        self._x = np.concatenate([self._x, filtered])[-self.n_keep:]
        self._aux = np.concatenate([self._aux, aux])[-self.n_keep:]
        if self._t.size < 2 * self.fs:
            return []
        feet = detect(self.plan, self.fs, self._t, self._aux, np.empty((self._t.size, 0)), self.montage, self.mode)
        env = None
        new = []
        horizon = self._t[-1] - self.settle
        for side, f in feet.items():
            if not self._rhythmic(side):   # standing, or stepping about: the detectors' relative
                continue                    # thresholds would find "strides" in the sensor noise
            for c in f.contacts_s:
                last = self._last.get(side)
                if c > horizon or (last is not None and c <= last + 0.2):
                    continue
                if last is not None and last >= self._t[0] and STRIDE_LIMITS_S[0] <= c - last <= STRIDE_LIMITS_S[1]:
                    if env is None:   # the ensemble's 6 Hz envelope; stance means on the 15 Hz one, as offline
                        env = linear_envelope(self._x, self.fs, rest_uv=self.rest_uv) * self.scale
                        phase = linear_envelope(self._x, self.fs, PHASE_LP_HZ, rest_uv=self.rest_uv) * self.scale
                    cols = self._cols[side]
                    cycle = time_normalise(env[:, cols], self._t, last, c)
                    to = f.toe_offs_s[(f.toe_offs_s > last) & (f.toe_offs_s < c)]
                    end = to[0] if to.size else last + STANCE_PCT[self.mode] / 100 * (c - last)
                    a, b = np.searchsorted(self._t, [last, end])
                    self._runs[side].add(cycle, phase[a:max(b, a + 1)][:, cols].mean(axis=0), c - last)
                    if to.size:
                        new.append(Event.gait(side, GaitPhase.TOE_OFF, float(to[0]), self.plan.names.get(side, "")))
                self._last[side] = c
                new.append(Event.gait(side, GaitPhase.CONTACT, c, self.plan.names.get(side, "")))
        return new

    def _rhythmic(self, side: Side) -> bool:
        """Whether ``side``'s event signal over the window repeats like strides: its
        autocorrelation peaks at >= LIVE_RHYTHM_MIN at a lag of 0.45-2.2 s (:func:`rhythm`).
        Offline the thresholds come from the whole bout; live a window of standing has only
        noise, which a relative threshold turns into regular false "strides" (~0.4 s)."""
        x = self._aux[:, list(self.plan.columns[side])]
        x = np.linalg.norm(x, axis=1) if x.shape[1] > 1 else x[:, 0]
        if self.plan.source is EventSource.ACCEL:
            x = np.abs(x - np.median(x))
        strength = rhythm(x, self.fs)[1]
        return bool(np.isfinite(strength) and strength >= LIVE_RHYTHM_MIN)

    def state(self) -> LiveGait:
        sides = {}
        for side, run in self._runs.items():
            if run.n == 0:
                continue
            mean, sd = run.mean_sd()
            names = [self.montage.channels[i].muscle for i in self._cols[side]]
            sides[side] = LiveSide(run.n, 120.0 / float(np.mean(run.durations)),
                                   {n: mean[:, j] for j, n in enumerate(names)},
                                   {n: sd[:, j] for j, n in enumerate(names)},
                                   {n: float(run.stance[j] / run.n) for j, n in enumerate(names)})
        sym = {}
        if Side.LEFT in sides and Side.RIGHT in sides:
            L, R = sides[Side.LEFT], sides[Side.RIGHT]
            for m in self.montage.bilateral_muscles():
                peak = max(float(L.mean[m].max()), float(R.mean[m].max()))
                active = min(L.stance[m], R.stance[m]) >= ACTIVE_FRACTION * peak
                sym[m] = float(symmetry_index(L.stance[m], R.stance[m])) if active else float("nan")
        return LiveGait(self.plan.source.value, self.unit, sides, sym, sum(r.n for r in self._runs.values()))
