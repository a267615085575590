"""Simulated walking and running: strides, muscle activation over the gait cycle,
foot switches, shank accelerometers and knee angles, all with exposed truth.

The gait cycle runs from initial contact (IC, 0 %) of one foot to its next IC
(100 %); toe-off (TO) ends stance. Per muscle the activation over the cycle is
a sum of bursts (onset, peak, offset in % of the cycle, relative height),
each a raised-cosine rise from onset to peak and fall from peak to offset.
The timing follows the published normative patterns:

- walking: Winter DA (1991) *The Biomechanics and Motor Control of Human Gait*,
  2nd ed., ch. 5 (ensemble EMG of normal cadence walking); Perry J, Burnfield JM
  (2010) *Gait Analysis: Normal and Pathological Function*, 2nd ed. (phasic
  muscle action charts): gluteus medius and upper gluteus maximus from terminal
  swing through loading response into mid stance, vasti from terminal swing to
  the end of loading response, hamstrings from mid swing to early stance,
  rectus femoris around toe-off (pre-swing/initial swing), TFL in early stance
  and again at the start of swing; stance ~60-62 % of the cycle.
- running: Novacheck TF (1998) The biomechanics of running, *Gait Posture*
  7:77-95 (EMG timing chart): gluteals, vasti and rectus femoris from late
  swing through the first half of stance, hamstrings from mid swing to early
  stance, rectus again in early swing; stance ~40 % of the cycle at a jog.

Peak levels (%MVC) are approximate centres of the published ranges (walking
~10-30 %MVC, running ~2-3 times higher; between-study spread is large) and go
through the same subject scatter and scenario gains as the exercises.

Cadence is in steps per minute (two steps per stride): walking ~110 spm,
running ~170 spm. Stride times vary stride to stride (CV ~2 % walking,
Hausdorff et al. 1995 J Appl Physiol 78:349; ~1.5 % running). The right foot
lands half a stride after the left.

Everything is a deterministic function of the sample time and the seed, so the
samples do not depend on how a reader chunks them.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
from scipy.interpolate import PchipInterpolator

from ..types import ConfigError, Side


class GaitMode(enum.StrEnum):
    WALK = "walk"
    RUN = "run"


@dataclass(frozen=True)
class Burst:
    onset: float    # % of the cycle; may be negative (before IC, terminal swing)
    peak: float
    offset: float
    height: float = 1.0


@dataclass(frozen=True)
class GaitProfile:
    """Normative timing and levels of one gait mode."""
    mode: GaitMode
    cadence_spm: float
    stance_pct: float                         # toe-off, % of the cycle
    stride_cv: float                          # stride-time CV (fraction)
    levels: Mapping[str, float]               # muscle -> peak %MVC
    bursts: Mapping[str, tuple[Burst, ...]]   # muscle -> bursts over the cycle
    knee: tuple[tuple[float, float], ...]     # (% cycle, knee flexion deg), one cycle
    impact_g: float                           # shank impact peak at IC, g above 1 g
    push_g: float                             # push-off peak at TO
    swing_g: float                            # smooth swing bump


WALK = GaitProfile(
    GaitMode.WALK, cadence_spm=110.0, stance_pct=61.0, stride_cv=0.02,
    levels={"gmed": 25.0, "gmax": 20.0, "tfl": 15.0, "vm": 25.0, "vl": 25.0, "rf": 10.0,
            "bf": 22.0, "st": 22.0, "es": 15.0},
    bursts={
        "gmed": (Burst(-6, 8, 38),),
        "gmax": (Burst(-8, 4, 25),),
        "tfl": (Burst(-2, 8, 25, 0.6), Burst(45, 56, 70)),
        "vm": (Burst(-6, 6, 24),),
        "vl": (Burst(-6, 6, 24),),
        "rf": (Burst(-4, 6, 15, 0.5), Burst(50, 58, 68)),
        "bf": (Burst(75, 92, 108),),
        "st": (Burst(75, 90, 106),),
        "es": (Burst(-5, 5, 18), Burst(45, 55, 68, 0.8)),
    },
    knee=((0, 3.0), (13, 18.0), (40, 4.0), (61, 38.0), (73, 60.0), (88, 25.0), (100, 3.0)),
    impact_g=1.2, push_g=0.5, swing_g=0.4)

RUN = GaitProfile(
    GaitMode.RUN, cadence_spm=170.0, stance_pct=38.0, stride_cv=0.015,
    levels={"gmed": 55.0, "gmax": 50.0, "tfl": 35.0, "vm": 65.0, "vl": 65.0, "rf": 35.0,
            "bf": 55.0, "st": 55.0, "es": 30.0},
    bursts={
        "gmed": (Burst(-12, 5, 28),),
        "gmax": (Burst(-14, 3, 22),),
        "tfl": (Burst(-6, 6, 20, 0.7), Burst(38, 48, 60)),
        "vm": (Burst(-12, 6, 24),),
        "vl": (Burst(-12, 6, 24),),
        "rf": (Burst(-10, 5, 18, 0.8), Burst(40, 50, 62)),
        "bf": (Burst(62, 85, 108),),
        "st": (Burst(62, 84, 106),),
        "es": (Burst(-6, 4, 16), Burst(44, 54, 66, 0.8)),
    },
    knee=((0, 18.0), (15, 42.0), (38, 20.0), (68, 95.0), (88, 35.0), (100, 18.0)),
    impact_g=5.0, push_g=1.5, swing_g=1.2)

PROFILES = {p.mode: p for p in (WALK, RUN)}

IMPACT_PEAK_S = 0.006       # the shank impact peaks this long after contact
AUX_CHANNELS = (("footswitch_L", "V"), ("footswitch_R", "V"), ("accel_L", "g"), ("accel_R", "g"),
                ("knee_L", "deg"), ("knee_R", "deg"))
FOOTSWITCH_V = 3.0
STANDING_KNEE_DEG = 4.0


def burst_shape(pct: np.ndarray, b: Burst) -> np.ndarray:
    """0..1 raised-cosine burst at cycle positions ``pct`` (any real; the cycle wraps)."""
    # place pct in the period that contains the burst: [onset, onset + 100)
    u = (pct - b.onset) % 100.0 + b.onset
    rise = np.clip((u - b.onset) / (b.peak - b.onset), 0, 1)
    fall = np.clip((b.offset - u) / (b.offset - b.peak), 0, 1)
    return np.where(u <= b.peak, 0.5 - 0.5 * np.cos(np.pi * rise), 0.5 - 0.5 * np.cos(np.pi * fall))


def pattern(profile: GaitProfile, muscle: str, pct: np.ndarray) -> np.ndarray:
    """Normalised activation 0..1 of ``muscle`` at cycle positions ``pct``."""
    out = np.zeros_like(np.asarray(pct, dtype=float))
    for b in profile.bursts.get(muscle, ()):
        out = np.maximum(out, b.height * burst_shape(pct, b))
    return out


def _hash_noise(idx: np.ndarray, salt: int) -> np.ndarray:
    """Deterministic zero-mean noise of unit SD as a function of the sample index
    (chunk-invariant without carrying generator state)."""
    x = np.sin((idx.astype(np.float64) * 12.9898 + salt * 78.233) % 6283.1853) * 43758.5453
    return (x - np.floor(x) - 0.5) * np.sqrt(12.0)


class StrideTimeline:
    """Contact and toe-off times of both feet, generated lazily and deterministically.

    Left contacts: ``start + cumulative stride times``; each stride time is the
    nominal ``120 / cadence`` times ``1 + cv * N(0, 1)``; the right foot lands
    half of the current left stride later (plus 1 % jitter); toe-off at the
    stance fraction of each stride (SD 1 % of the cycle).
    """

    BLOCK = 256

    def __init__(self, profile: GaitProfile, start: float, seed: int, cadence_spm: float | None = None):
        self.profile = profile
        self.start = start
        self.seed = seed
        self.cadence_spm = cadence_spm or profile.cadence_spm
        self.nominal_stride_s = 120.0 / self.cadence_spm
        self._contacts = {Side.LEFT: np.empty(0), Side.RIGHT: np.empty(0)}
        self._toe_offs = {Side.LEFT: np.empty(0), Side.RIGHT: np.empty(0)}
        self._blocks = 0

    def _grow(self) -> None:
        rng = np.random.default_rng([self.seed, 7, self._blocks])
        p, T0 = self.profile, self.nominal_stride_s
        T = T0 * (1 + p.stride_cv * np.clip(rng.standard_normal(self.BLOCK), -3, 3))
        offset = 0.5 * T * (1 + 0.01 * np.clip(rng.standard_normal(self.BLOCK), -3, 3))
        stance = p.stance_pct / 100 * (1 + 0.01 * np.clip(rng.standard_normal((2, self.BLOCK)), -3, 3))
        prev = self._contacts[Side.LEFT]
        first = prev[-1] + self._last_T if prev.size else self.start
        left = first + np.concatenate([[0.0], np.cumsum(T[:-1])])
        right = left + offset
        self._last_T = T[-1]
        for side, c, st in ((Side.LEFT, left, stance[0]), (Side.RIGHT, right, stance[1])):
            self._contacts[side] = np.concatenate([self._contacts[side], c])
            # toe-off of stride k, as a fraction of that stride (next contact - this one)
            self._toe_offs[side] = np.concatenate([self._toe_offs[side], c + st * T])
        self._blocks += 1

    def _until(self, t: float) -> None:
        while not self._contacts[Side.LEFT].size or self._contacts[Side.LEFT][-1] < t + 2 * self.nominal_stride_s:
            self._grow()

    def contacts(self, side: Side, until: float) -> np.ndarray:
        self._until(until)
        c = self._contacts[side]
        return c[c < until]

    def toe_offs(self, side: Side, until: float) -> np.ndarray:
        self._until(until)
        c = self._toe_offs[side]
        return c[c < until]

    def phase(self, side: Side, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(stride index, % of the cycle, stride time) of each time in ``t`` for ``side``;
        index -1 (and the first stride's timing) before the first contact."""
        self._until(float(np.max(t)) if t.size else self.start)
        c = self._contacts[side]
        k = np.searchsorted(c, t, side="right") - 1
        kk = np.clip(k, 0, c.size - 2)
        T = c[kk + 1] - c[kk]
        return k, (t - c[kk]) / T * 100.0, T

    def stance(self, side: Side, t: np.ndarray) -> np.ndarray:
        """True where ``side``'s foot is on the ground."""
        k, _, _ = self.phase(side, t)
        kk = np.clip(k, 0, None)
        on = (t >= self._contacts[side][kk]) & (t < self._toe_offs[side][kk])
        return on & (k >= 0)


@dataclass
class GaitTruth:
    """What the simulated gait really was, for tests."""
    profile: GaitProfile
    timeline: StrideTimeline
    start: float
    end: float
    delays_s: dict[str, float] = field(default_factory=dict)   # channel -> extra onset delay, s
    levels: dict[str, float] = field(default_factory=dict)     # channel -> peak %MVC

    def _horizon(self, until: float | None) -> float:
        end = self.end if until is None else min(self.end, until)
        if not np.isfinite(end):
            raise ValueError("an endless bout's truth needs ``until`` (s)")
        return end

    def contacts(self, side: Side | str, until: float | None = None) -> np.ndarray:
        """Initial contacts (landings) of ``side`` inside the bout (before ``until``). The
        bout starts from standing: each foot's first cycle begins on the ground, without a
        landing, so that first "contact" is not one."""
        return self.timeline.contacts(Side(side), self._horizon(until))[1:]

    def toe_offs(self, side: Side | str, until: float | None = None) -> np.ndarray:
        t = self.timeline.toe_offs(Side(side), self._horizon(until))
        return t[t >= self.start]

    def strides(self, side: Side | str, until: float | None = None) -> int:
        """Complete strides (contact to next contact) inside the bout."""
        return max(0, self.contacts(side, until).size - 1)

    def cadence_spm(self, until: float | None = None) -> float:
        """Steps per minute over the bout: 120 / the mean stride time of both feet."""
        T = np.concatenate([np.diff(self.contacts(s, until)) for s in (Side.LEFT, Side.RIGHT)])
        return 120.0 / float(np.mean(T))


class GaitBout:
    """A walking or running bout between ``start`` and ``end`` s: a schedule entry
    the simulator sums into its activation like a contraction (kind ``gait``).

    ``levels``: channel index -> peak %MVC; ``muscles``, ``sides``: per channel of
    the montage; ``delays``: channel index -> extra onset delay (s) of its pattern.
    """

    kind = "gait"
    fatigue = 0.0
    label = ""

    def __init__(self, profile: GaitProfile, start: float, end: float, levels: Mapping[int, float],
                 muscles: tuple[str, ...], sides: tuple[Side, ...], delays: Mapping[int, float], seed: int,
                 cadence_spm: float | None = None, effort_cv: float = 0.08):
        if not end > start:
            raise ConfigError(f"a gait bout must end after it starts ({start:g} -> {end:g} s)")
        self.profile = profile
        self.start, self.end = float(start), float(end)
        self.levels = dict(levels)
        self.lags: dict[int, float] = {}
        self.muscles, self.sides = muscles, sides
        self.delays = dict(delays)
        self.seed = seed
        self.effort_cv = effort_cv
        self.timeline = StrideTimeline(profile, start, seed, cadence_spm)

    @property
    def duration(self) -> float:
        return self.end - self.start

    def _effort(self, side: Side, k: np.ndarray) -> np.ndarray:
        """Stride-to-stride effort factor (SD ``effort_cv``), one per stride and side."""
        salt = 11 if side is Side.LEFT else 13
        return 1 + self.effort_cv * _hash_noise(k, salt)

    def envelope(self, t: np.ndarray, lags=None) -> np.ndarray:
        """(n, k) activation 0..(level-relative) for the bout's channels (``levels`` order)."""
        t = np.asarray(t, dtype=float).reshape(-1)
        cols = list(self.levels)
        out = np.zeros((t.size, len(cols)))
        inside = (t >= self.start) & (t < self.end)
        if not inside.any():
            return out
        ti = t[inside]
        for j, c in enumerate(cols):
            side = self.sides[c]
            if side not in (Side.LEFT, Side.RIGHT):
                side = Side.LEFT     # a midline muscle (es) follows the left cycle
            k, pct, T = self.timeline.phase(side, ti - self.delays.get(c, 0.0))
            a = pattern(self.profile, self.muscles[c], pct) * self._effort(side, k)
            out[inside, j] = np.where(k >= 0, a, 0.0)
        return out

    def truth(self, names: tuple[str, ...]) -> GaitTruth:
        return GaitTruth(self.profile, self.timeline, self.start, self.end,
                         {names[c]: d for c, d in self.delays.items()},
                         {names[c]: v for c, v in self.levels.items()})

    # -- auxiliary signals ---------------------------------------------------------------
    def aux(self, idx: np.ndarray, fs: float) -> np.ndarray:
        """(n, 6) foot switch L/R (V), shank accelerometer resultant L/R (g), knee flexion
        L/R (deg) (:data:`AUX_CHANNELS`) at sample indices ``idx``; standing values
        (:func:`standing_aux`) outside the bout."""
        t = idx / fs
        out = standing_aux(idx)
        p = self.profile
        inside = (t >= self.start) & (t < self.end)
        knee_curve = _knee_interp(p)
        for j, side in enumerate((Side.LEFT, Side.RIGHT)):
            k, pct, T = self.timeline.phase(side, t)
            on = self.timeline.stance(side, t)
            walking = inside & (k >= 0)
            sw = np.where(walking, on, True).astype(float)
            out[:, j] += FOOTSWITCH_V * (sw - 1)
            # shank accelerometer, resultant in g: 1 g at rest; an impact transient peaking
            # IMPACT_PEAK_S after contact (Lafortune 1991 J Biomech 24:877: tibial shock at
            # foot strike), a push-off peak at toe-off, a smooth bump during swing
            c = self.timeline._contacts[side]
            kk = np.clip(k, 0, c.size - 2)
            u = t - c[kk]
            tau = IMPACT_PEAK_S
            # the first contact of a bout is the foot the subject stood on: no landing
            impact = (k >= 1) * p.impact_g * (u / tau) * np.exp(1 - u / tau) * (1 + 0.25 * np.sin(2 * np.pi * 40 * u))
            to = self.timeline._toe_offs[side][kk]
            push = p.push_g * np.exp(-0.5 * ((t - to) / 0.02) ** 2)
            swing_pct = (pct - p.stance_pct) / (100 - p.stance_pct)
            swing = p.swing_g * np.where((swing_pct > 0) & (swing_pct < 1), np.sin(np.pi * swing_pct) ** 2, 0.0)
            out[:, 2 + j] += np.where(walking, impact + push + swing, 0.0)
            out[:, 4 + j] += np.where(walking, knee_curve(pct % 100.0) - STANDING_KNEE_DEG, 0.0)
        return out


_KNEE_CACHE: dict[GaitMode, PchipInterpolator] = {}


def _knee_interp(p: GaitProfile) -> PchipInterpolator:
    f = _KNEE_CACHE.get(p.mode)
    if f is None:
        x, y = np.array(p.knee).T
        f = _KNEE_CACHE[p.mode] = PchipInterpolator(x, y)
    return f


AUX_NOISE = np.array([0.03, 0.03, 0.04, 0.04, 0.3, 0.3])   # sensor noise SD, in each channel's unit


def standing_aux(idx: np.ndarray) -> np.ndarray:
    """Aux rows (:data:`AUX_CHANNELS`) of a subject standing still at sample indices
    ``idx``: both feet down, 1 g, knees nearly straight, plus sensor noise."""
    row = np.array([FOOTSWITCH_V, FOOTSWITCH_V, 1.0, 1.0, STANDING_KNEE_DEG, STANDING_KNEE_DEG])
    noise = np.stack([_hash_noise(idx, 20 + j) for j in range(6)], axis=1) * AUX_NOISE
    return row + noise
