"""Biofeedback during a guided session, Qt-free: a per-muscle activation target,
and a warning when the antagonist outruns the agonist for too long.

Both read the live labelled activation (:meth:`Session.latest_indices`, the
500 ms trailing mean of each envelope, docs/dsp.md §8) and only judge values
in %MVC: a target "40 %MVC" or a comparison of two muscles means nothing on
uncalibrated µV (reference §3: amplitudes are only comparable across muscles
after normalisation).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..analysis.judgement import ACTIVE_MVC_PCT

DEFAULT_TARGET_PCT = 40.0   # reference §4: gmed 38-40 %MVC in a clamshell
REARM_FRACTION = 0.8        # a target counts again once the level fell below 80 % of it
DOMINANCE_HOLD_S = 1.0      # the antagonist must lead this long before the warning
DOMINANCE_CLEAR_S = 0.5     # the agonist must lead again this long before the warning goes


@dataclass
class TargetCue:
    """Per channel: ``reached`` once the level crosses ``target_pct`` (%MVC) from
    below; re-armed when it falls under ``REARM_FRACTION`` of the target, so that
    one rep gives one cue, not a burst while the level hovers at the line."""
    target_pct: float = DEFAULT_TARGET_PCT
    armed: dict[str, bool] = field(default_factory=dict)
    above: dict[str, bool] = field(default_factory=dict)

    def update(self, levels: dict[str, float]) -> list[str]:
        """``levels``: channel -> %MVC (NaN: not calibrated, ignored). Returns the
        channels that reached the target at this update."""
        hit = []
        for name, v in levels.items():
            if not math.isfinite(v):
                continue
            armed = self.armed.get(name, True)
            if armed and v >= self.target_pct:
                hit.append(name)
                self.armed[name] = False
            elif not armed and v < REARM_FRACTION * self.target_pct:
                self.armed[name] = True
            self.above[name] = v >= self.target_pct
        return hit


@dataclass
class DominanceMonitor:
    """Warns when ``antagonist > agonist`` (both %MVC) has lasted ``hold_s`` seconds
    of session time, e.g. TFL over gmed in a clamshell (reference §4). The warning
    clears once the agonist has led again, or both muscles rested, for ``clear_s``:
    a noisy crossing inside one rep does not make it flicker. Below the activity
    threshold (:func:`~emgmap.app.gauges.activity_pct_mvc`: rest + 3 SD, twice the
    quiet level, 5 %MVC) the two muscles are noise over noise: not judged."""
    hold_s: float = DOMINANCE_HOLD_S
    clear_s: float = DOMINANCE_CLEAR_S
    since: float | None = None
    cleared_since: float | None = None
    warning: bool = False

    def update(self, t: float, agonist: float, antagonist: float, active: bool) -> bool:
        """Feed one reading at session time ``t``; ``active``: either muscle is above its
        activity threshold. Returns whether the warning is up."""
        leads = active and math.isfinite(agonist) and math.isfinite(antagonist) and antagonist > agonist
        if leads:
            self.cleared_since = None
            if self.since is None:
                self.since = t
            self.warning = self.warning or t - self.since >= self.hold_s
        else:
            self.since = None
            if self.warning:
                if self.cleared_since is None:
                    self.cleared_since = t
                if t - self.cleared_since >= self.clear_s:
                    self.warning, self.cleared_since = False, None
        return self.warning


MVC_CODE = 2   # rings.index_norms: the value is %MVC (docs/dsp.md §5)


class Biofeedback:
    """Target and dominance over every live index row of a session (``rings.indices``,
    100 rows/s), not only the newest: the judgement does not depend on how often a
    screen happens to look.

    ``columns``: the session's ``index_columns``; ``prime_mover``: the muscle whose
    target is watched; ``pairs``: the montage's agonist:antagonist pairs.
    """

    def __init__(self, columns, montage, prime_mover: str, *, target_pct: float = DEFAULT_TARGET_PCT,
                 hold_s: float = DOMINANCE_HOLD_S):
        self.col = {name: i for i, name in enumerate(columns)}
        self.montage = montage
        self.prime_mover = prime_mover
        self.target = TargetCue(target_pct)
        self.monitors = {(p.name, side): DominanceMonitor(hold_s) for p in montage.pairs for side in ("left", "right")}
        self.calibrated = False
        self.episodes: dict[tuple[str, str], int] = {}   # warnings raised, per (pair, side)

    def _pct(self, row, codes, channel: str) -> float:
        c = self.col[f"act:{channel}"]
        return float(row[c]) if codes[c] == MVC_CODE else float("nan")

    def feed(self, rows, codes, sides=("left", "right"), active_pct=None) -> list[str]:
        """Judge ``rows`` (n, len(columns)) with their normalisation ``codes`` for the
        working ``sides``; returns the channels that reached the target. ``active_pct``:
        (C,) each channel's activity threshold in %MVC (default :data:`ACTIVE_MVC_PCT`)."""
        m = self.montage
        thr = np.full(len(m), ACTIVE_MVC_PCT) if active_pct is None else np.asarray(active_pct, float)
        watch = [c.name for c in m.channels if c.muscle == self.prime_mover and c.side.value in sides]
        pairs = []
        for p in m.pairs:
            for side in sides:
                ag = [c.name for c in m.channels if c.side.value == side and c.muscle in p.agonists]
                an = [c.name for c in m.channels if c.side.value == side and c.muscle in p.antagonists]
                if ag and an:
                    floor = (float(np.mean(thr[[m.names.index(n) for n in ag]])),
                             float(np.mean(thr[[m.names.index(n) for n in an]])))
                    pairs.append(((p.name, side), self.monitors[(p.name, side)], ag, an, floor))
        hits: list[str] = []
        t_col = self.col["t"]
        for row, code in zip(rows, codes):
            self.calibrated = bool(any(code[self.col[f"act:{n}"]] == MVC_CODE for n in watch))
            hits += self.target.update({n: self._pct(row, code, n) for n in watch})
            for key, mon, ag, an, floor in pairs:
                was = mon.warning
                a = sum(self._pct(row, code, n) for n in ag) / len(ag)
                b = sum(self._pct(row, code, n) for n in an) / len(an)
                if mon.update(float(row[t_col]), a, b, a >= floor[0] or b >= floor[1]) and not was:
                    self.episodes[key] = self.episodes.get(key, 0) + 1
        return hits

    @property
    def warnings(self) -> list[tuple[str, str]]:
        """(pair, side) whose antagonist has outrun the agonist for ``hold_s`` and still does."""
        return [key for key, mon in self.monitors.items() if mon.warning]
