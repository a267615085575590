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

DEFAULT_TARGET_PCT = 40.0   # reference §4: gmed 38-40 %MVC in a clamshell
REARM_FRACTION = 0.8        # a target counts again once the level fell below 80 % of it
DOMINANCE_HOLD_S = 1.0      # the antagonist must lead this long before the warning
DOMINANCE_FLOOR_PCT = 5.0   # below this (%MVC) both muscles are at rest: no judgement


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
    of session time, e.g. TFL over gmed in a clamshell (reference §4); the warning
    clears as soon as the agonist leads again or both muscles are at rest."""
    hold_s: float = DOMINANCE_HOLD_S
    floor_pct: float = DOMINANCE_FLOOR_PCT
    since: float | None = None
    warning: bool = False

    def update(self, t: float, agonist: float, antagonist: float) -> bool:
        """Feed one reading at session time ``t``; returns whether the warning is up."""
        leads = (math.isfinite(agonist) and math.isfinite(antagonist) and antagonist > agonist
                 and max(agonist, antagonist) >= self.floor_pct)
        if not leads:
            self.since, self.warning = None, False
        else:
            if self.since is None:
                self.since = t
            self.warning = t - self.since >= self.hold_s
        return self.warning
