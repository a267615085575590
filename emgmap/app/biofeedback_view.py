"""The patient-facing biofeedback view, Qt-free: one large bar per target muscle
with its %MVC target band, a hit counter and a hold timer per rep, and a cue
when the antagonist takes over.

Activation before strength: in isometric holds and activation drills the patient
learns to bring a muscle into a band of effort and keep it there (reference
§4: gmed ~40 %MVC in a clamshell, TFL quiet). Only %MVC is judged (a band in
% of task peak or in µV would mean nothing across days or muscles); a channel
without an MVC shows "calibrate MVC" instead of a bar.

A rep starts when the level enters the band from below (one hit), and ends
when it falls under :data:`~emgmap.app.biofeedback.REARM_FRACTION` of the
band's bottom (so hovering at the line is one rep, not a burst). The hold timer
counts the continuous time inside the band within the rep; the rep's longest
hold stays on screen after it ends. The dominance cue uses the same
:class:`~emgmap.app.biofeedback.DominanceMonitor` as the guided session
(the antagonist above the agonist, both %MVC, for a second, either above its
activity threshold).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..dsp.calibration import CalibrationSnapshot
from ..dsp.indices import LiveIndices
from ..montage import MUSCLES, Montage
from ..types import ConfigError, Side
from .biofeedback import DEFAULT_TARGET_PCT, REARM_FRACTION, DominanceMonitor
from ..analysis.judgement import ACTIVE_MVC_PCT
from .gauges import activity_pct_mvc

DEFAULT_BAND_WIDTH_PCT = 20.0
MAX_TARGET_PCT = 150.0     # above MVC is possible in a rested muscle; beyond this is a typo
BAND_STEP_PCT = 5.0        # one key press moves a band this much


@dataclass(frozen=True)
class TargetBar:
    muscle: str
    side: Side
    value: float                    # %MVC (NaN: no MVC for this channel)
    band: tuple[float, float]       # target band, %MVC
    hits: int = 0                   # reps that reached the band
    hold_s: float = 0.0             # continuous time in the band now
    best_hold_s: float = 0.0        # the longest hold of the current (or last) rep
    in_rep: bool = False

    @property
    def calibrated(self) -> bool:
        return math.isfinite(self.value)

    @property
    def in_band(self) -> bool:
        return self.calibrated and self.band[0] <= self.value <= self.band[1]

    @property
    def title(self) -> str:
        return f"{self.muscle} {self.side.short}"

    @property
    def spoken(self) -> str:
        if not self.calibrated:
            return f"{self.muscle} {self.side.value}: calibrate MVC to show the target"
        where = "in the target" if self.in_band else "above the target" if self.value > self.band[1] else \
            "below the target"
        return (f"{self.muscle} {self.side.value} {self.value:.0f} %MVC, {where} {self.band[0]:g}-{self.band[1]:g}; "
                f"{self.hits} hits, holding {self.hold_s:.1f} s, best {self.best_hold_s:.1f} s")


@dataclass(frozen=True)
class DominanceCue:
    pair: str
    side: Side
    text: str


@dataclass(frozen=True)
class BiofeedbackView:
    t: float = float("nan")
    bars: tuple[TargetBar, ...] = ()
    cues: tuple[DominanceCue, ...] = ()

    @property
    def calibrated(self) -> bool:
        return any(b.calibrated for b in self.bars)

    @property
    def spoken(self) -> str:
        parts = [b.spoken for b in self.bars] + [c.text for c in self.cues]
        return "; ".join(parts) if parts else "no target muscle on the montage"


@dataclass
class _Track:
    """One channel's rep state (private)."""
    armed: bool = True
    in_rep: bool = False
    hits: int = 0
    hold_s: float = 0.0
    best_hold_s: float = 0.0
    last_t: float | None = None
    was_in_band: bool = False


@dataclass
class _Pair:
    name: str
    side: Side
    agonists: tuple[str, ...]
    antagonists: tuple[str, ...]
    monitor: DominanceMonitor = field(default_factory=DominanceMonitor)


class BiofeedbackModel:
    """Bars for ``muscles`` (e.g. a protocol's prime mover) on the working ``sides``.

    ``target_pct``: the bottom of every band to start with (the setup page's target);
    ``band_width_pct``: its height. Bands are per muscle (:meth:`set_band`, :meth:`nudge`).
    """

    def __init__(self, montage: Montage, muscles: tuple[str, ...], *, target_pct: float = DEFAULT_TARGET_PCT,
                 band_width_pct: float = DEFAULT_BAND_WIDTH_PCT, sides: tuple[Side, ...] = (Side.LEFT, Side.RIGHT)):
        self.montage = montage
        self.muscles = tuple(m for m in muscles if any(c.muscle == m for c in montage.channels))
        self.bands: dict[str, tuple[float, float]] = {}
        for m in self.muscles:
            self.set_band(m, target_pct, target_pct + band_width_pct)
        self.sides = tuple(sides)
        self._tracks: dict[tuple[str, Side], _Track] = {}
        self._pairs = [_Pair(p.name, side, p.agonists, p.antagonists) for p in montage.pairs
                       for side in (Side.LEFT, Side.RIGHT) if set(p.agonists) & set(self.muscles)]
        self.view = BiofeedbackView()

    def set_band(self, muscle: str, low: float, high: float) -> None:
        """The target band of ``muscle``, %MVC."""
        if muscle not in self.muscles:
            raise ConfigError(f"{muscle} is not a target muscle here; targets: {', '.join(self.muscles)}")
        if not 0.0 < low < high <= MAX_TARGET_PCT:
            raise ConfigError(f"a target band must lie within 0-{MAX_TARGET_PCT:g} %MVC with its bottom below its "
                              f"top, got {low:g}-{high:g}")
        self.bands[muscle] = (float(low), float(high))

    def nudge(self, muscle: str, steps: int) -> tuple[float, float]:
        """Move ``muscle``'s band up (steps > 0) or down by :data:`BAND_STEP_PCT` each; returns it."""
        lo, hi = self.bands[muscle]
        d = steps * BAND_STEP_PCT
        d = max(d, BAND_STEP_PCT - lo)          # the bottom stays >= one step
        d = min(d, MAX_TARGET_PCT - hi)
        self.set_band(muscle, lo + d, hi + d)
        return self.bands[muscle]

    def set_sides(self, sides: tuple[Side, ...]) -> None:
        """The working leg(s) (a unilateral set works one at a time)."""
        self.sides = tuple(sides)

    def update(self, live: LiveIndices, calibration: CalibrationSnapshot | None = None) -> BiofeedbackView:
        """Take the session's newest indices; ``calibration`` (what they were normalised with)
        gives each muscle's activity threshold: below it on both sides, no dominance cue."""
        t = live.t
        thr = activity_pct_mvc(calibration)
        if thr is None:
            thr = np.full(len(self.montage), ACTIVE_MVC_PCT)
        bars = []
        for c in self.montage.channels:
            if c.muscle not in self.muscles or c.side not in self.sides:
                continue
            v = live.activation.get(c.name)
            pct = v.value if v is not None and v.norm == "mvc" and math.isfinite(v.value) else math.nan
            lo, hi = self.bands[c.muscle]
            tr = self._tracks.setdefault((c.muscle, c.side), _Track())
            dt = t - tr.last_t if tr.last_t is not None else 0.0
            tr.last_t = t
            inside = math.isfinite(pct) and lo <= pct <= hi
            if math.isfinite(pct):
                if tr.armed and pct >= lo:          # a new rep reaches the band
                    tr.armed, tr.in_rep, tr.hits = False, True, tr.hits + 1
                    tr.best_hold_s = 0.0
                elif not tr.armed and pct < REARM_FRACTION * lo:   # the rep is over
                    tr.armed, tr.in_rep = True, False
            tr.hold_s = tr.hold_s + dt if inside and tr.was_in_band else 0.0
            tr.was_in_band = inside
            if tr.in_rep:
                tr.best_hold_s = max(tr.best_hold_s, tr.hold_s)
            bars.append(TargetBar(c.muscle, c.side, pct, (lo, hi), tr.hits, tr.hold_s, tr.best_hold_s, tr.in_rep))
        ratios = {(r.name, r.side): r for r in live.ratios}
        cues = []
        for p in self._pairs:
            r = ratios.get((p.name, p.side.value))
            if r is None or p.side not in self.sides:
                continue
            ag, an = (r.agonist, r.antagonist) if r.norm == "mvc" else (math.nan, math.nan)
            cols = [[i for m in group if (i := self.montage.index(m, p.side)) is not None]
                    for group in (p.agonists, p.antagonists)]
            floor = [float(np.mean(thr[c])) if c else math.nan for c in cols]
            if p.monitor.update(t, ag, an, ag >= floor[0] or an >= floor[1]):
                cues.append(DominanceCue(p.name, p.side, f"{p.side.value} leg: {_names(p.antagonists)} is taking "
                                                         f"over from {_names(p.agonists)}"))
        self.view = BiofeedbackView(t, tuple(bars), tuple(cues))
        return self.view


def _names(muscles: tuple[str, ...]) -> str:
    """``tensor fasciae latae (TFL)``; a group joined with "and"."""
    return " and ".join(f"{MUSCLES[m].name} ({m.upper()})" if m in MUSCLES else m.upper() for m in muscles)
