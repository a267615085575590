"""When each muscle contracts, and how hard: the simulator's activation truth.

A :class:`Contraction` is one trapezoid (ramp up, hold, ramp down) with a
level in %MVC and an onset lag per channel. A :class:`Schedule` answers which
contractions overlap a time span; the activation of a channel is the sum of
its trapezoids (contractions do not overlap in practice).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Callable, Mapping, Protocol

import numpy as np


@dataclass(frozen=True)
class Contraction:
    start: float                      # s, ramp-up onset of a channel with zero lag
    ramp_up: float
    hold: float
    ramp_down: float
    levels: Mapping[int, float]       # channel -> %MVC during the hold
    lags: Mapping[int, float] = field(default_factory=dict)  # channel -> onset lag, s
    fatigue: float = 0.0              # 0 fresh .. 1 fatigued spectrum, during this contraction
    kind: str = "rep"                 # "rep" | "mvc" | "hold"
    label: str = ""

    @property
    def duration(self) -> float:
        return self.ramp_up + self.hold + self.ramp_down

    @property
    def end(self) -> float:
        """End of the ramp-down of the most lagged channel."""
        return self.start + self.duration + max(self.lags.values(), default=0.0)

    def envelope(self, t: np.ndarray, lag: float = 0.0) -> np.ndarray:
        """Trapezoid 0..1 at times ``t`` for a channel with onset ``lag``."""
        u = t - (self.start + lag)
        up = np.clip(u / self.ramp_up, 0.0, 1.0) if self.ramp_up > 0 else (u >= 0).astype(float)
        d = u - self.ramp_up - self.hold
        down = np.clip(1.0 - d / self.ramp_down, 0.0, 1.0) if self.ramp_down > 0 else (d < 0).astype(float)
        return np.minimum(up, down) * (u >= 0)


class Schedule(Protocol):
    def between(self, t0: float, t1: float) -> list[Contraction]:
        """Contractions active at some time in [t0, t1)."""


class ContractionList:
    """A finite schedule (a guided session's cue schedule)."""

    def __init__(self, contractions: list[Contraction]):
        self.contractions = sorted(contractions, key=lambda c: c.start)
        self._starts = [c.start for c in self.contractions]
        self._max_len = max((c.end - c.start for c in self.contractions), default=0.0)

    def between(self, t0: float, t1: float) -> list[Contraction]:
        lo = bisect.bisect_left(self._starts, t0 - self._max_len)
        hi = bisect.bisect_left(self._starts, t1)
        return [c for c in self.contractions[lo:hi] if c.end > t0]


class RepeatingExercise:
    """Endless reps after a rest lead-in: the live demo's schedule.

    ``make_rep(k, start)`` builds rep ``k`` (0-based) starting at ``start``; it
    must be deterministic so that any time span can be recomputed (truth).
    """

    def __init__(self, make_rep: Callable[[int, float], Contraction], period: float, lead_in: float):
        self._make_rep = make_rep
        self.period = period
        self.lead_in = lead_in
        self._cache: dict[int, Contraction] = {}

    def rep(self, k: int) -> Contraction:
        c = self._cache.get(k)
        if c is None:
            if len(self._cache) > 64:
                self._cache.clear()
            c = self._cache[k] = self._make_rep(k, self.lead_in + k * self.period)
        return c

    def between(self, t0: float, t1: float) -> list[Contraction]:
        # a rep may overrun its period by its lags: look one period back
        k0 = max(0, int(np.floor((t0 - self.lead_in) / self.period)) - 1)
        k1 = int(np.floor((t1 - self.lead_in) / self.period)) + 1
        return [c for k in range(k0, max(k0, k1)) if (c := self.rep(k)).end > t0 and c.start < t1]
