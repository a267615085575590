"""Qt-free models behind the activation map and the index gauges.

Inputs are plain numbers: one activation level per montage channel with its
unit (``%MVC`` once calibrated, ``µV`` before), at a session time. From them
:class:`IndicesModel` computes, per reference/semg.md §3:

- symmetry index per bilateral muscle, SI = (R - L) / (0.5 (R + L)) x 100 %
  (positive = right dominant), with the L/R ratio beside it;
- agonist:antagonist ratio per montage/protocol pair and side,
  mean(agonist levels) / mean(antagonist levels);

each classified into a zone by :class:`Zones` and kept as a trend over the
last ``trend_s`` seconds. Views subscribe with :meth:`IndicesModel.subscribe`.
"""
from __future__ import annotations

import collections
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..montage import Montage, MusclePair
from ..types import ConfigError, Side

ZONE_NAMES = ("green", "amber", "red", "none")


@dataclass(frozen=True)
class Zones:
    """Gauge colour zones; a display convention, configurable (protocols set their own).

    symmetry: |SI| <= ``si_green`` is green, <= ``si_amber`` amber, beyond red
    (the 10-15 % "symmetric" band is a convention, reference §3).
    ratio: agonist:antagonist >= ``ratio_green`` is green, >= ``ratio_amber``
    amber, below red (the agonist should lead the exercise).
    Below ``min_level`` on both sides (rest) an index is not computed: a ratio of
    two noise floors means nothing.
    """
    si_green: float = 10.0
    si_amber: float = 20.0
    ratio_green: float = 1.0
    ratio_amber: float = 0.67
    min_level_mvc: float = 5.0     # %MVC
    min_level_uv: float = 10.0     # µV

    def __post_init__(self) -> None:
        if not 0 < self.si_green <= self.si_amber:
            raise ConfigError(f"symmetry zones need 0 < si_green <= si_amber, got {self.si_green}, {self.si_amber}")
        if not 0 < self.ratio_amber <= self.ratio_green:
            raise ConfigError(f"ratio zones need 0 < ratio_amber <= ratio_green, got {self.ratio_amber}, "
                              f"{self.ratio_green}")

    def symmetry_zone(self, si: float) -> str:
        if not math.isfinite(si):
            return "none"
        a = abs(si)
        return "green" if a <= self.si_green else "amber" if a <= self.si_amber else "red"

    def ratio_zone(self, r: float) -> str:
        if not math.isfinite(r):
            return "none"
        return "green" if r >= self.ratio_green else "amber" if r >= self.ratio_amber else "red"

    def min_level(self, unit: str) -> float:
        return self.min_level_mvc if unit == "%MVC" else self.min_level_uv


def symmetry_index(left: float, right: float) -> float:
    """SI = (R - L) / (0.5 (R + L)) x 100 (reference §3); NaN when R + L is not positive."""
    s = left + right
    return (right - left) / (0.5 * s) * 100.0 if s > 0 else float("nan")


@dataclass
class Gauge:
    """One index as shown: name, current value, zone, detail line and trend."""
    key: str                    # "si gmed" | "ratio gmed:tfl left"
    title: str                  # "gmed L/R" | "gmed:tfl L"
    kind: str                   # "symmetry" | "ratio"
    value: float = float("nan")
    zone: str = "none"
    detail: str = ""
    trend_t: collections.deque = field(default_factory=collections.deque)
    trend_v: collections.deque = field(default_factory=collections.deque)


class IndicesModel:
    """Symmetry and agonist:antagonist gauges for a montage (and a protocol's pairs).

    Parameters
    ----------
    montage : which channel is which muscle and side; its pairs are used unless
        ``pairs`` is given.
    zones : colour zones.
    trend_s : how much history each gauge's trend keeps.
    """

    def __init__(self, montage: Montage, zones: Zones = Zones(), *, pairs: tuple[MusclePair, ...] | None = None,
                 trend_s: float = 30.0):
        self.montage = montage
        self.zones = zones
        self.trend_s = trend_s
        self.pairs = tuple(pairs if pairs is not None else montage.pairs)
        self.unit = "µV"
        self.gauges: list[Gauge] = []
        for m in montage.bilateral_muscles():
            self.gauges.append(Gauge(f"si {m}", f"{m} L/R", "symmetry"))
        for p in self.pairs:
            for side in (Side.LEFT, Side.RIGHT):
                if all(montage.index(m, side) is not None for m in p.muscles):
                    self.gauges.append(Gauge(f"ratio {p.name} {side.value}", f"{p.name} {side.short}", "ratio"))
        self._listeners: list[Callable[["IndicesModel"], None]] = []

    def subscribe(self, fn: Callable[["IndicesModel"], None]) -> None:
        self._listeners.append(fn)

    def _level(self, levels: np.ndarray, muscle: str, side: Side) -> float:
        i = self.montage.index(muscle, side)
        return float(levels[i]) if i is not None else float("nan")

    def update(self, t: float, levels: np.ndarray, unit: str) -> None:
        """Recompute every gauge from ``levels`` (one per channel, in ``unit``) at session time ``t``."""
        levels = np.asarray(levels, dtype=float)
        self.unit = unit
        floor = self.zones.min_level(unit)
        fmt = "{:.0f}" if unit == "µV" else "{:.0f}"
        for g in self.gauges:
            if g.kind == "symmetry":
                m = g.key.split(" ", 1)[1]
                L, R = self._level(levels, m, Side.LEFT), self._level(levels, m, Side.RIGHT)
                active = max(L, R) >= floor
                g.value = symmetry_index(L, R) if active else float("nan")
                g.zone = self.zones.symmetry_zone(g.value)
                lr = L / R if R > 0 else float("nan")
                g.detail = (f"L {fmt.format(L)}  R {fmt.format(R)} {unit}  L/R {lr:.2f}" if active
                            else f"at rest (< {floor:g} {unit})")
            else:
                _, name, side = g.key.split(" ")
                pair = next(p for p in self.pairs if p.name == name)
                s = Side(side)
                ag = np.mean([self._level(levels, m, s) for m in pair.agonists])
                an = np.mean([self._level(levels, m, s) for m in pair.antagonists])
                active = max(ag, an) >= floor
                g.value = ag / an if active and an > 0 else float("nan")
                g.zone = self.zones.ratio_zone(g.value)
                g.detail = (f"{'+'.join(pair.agonists)} {fmt.format(ag)} : {'+'.join(pair.antagonists)} "
                            f"{fmt.format(an)} {unit}" if active else f"at rest (< {floor:g} {unit})")
            g.trend_t.append(t)
            g.trend_v.append(g.value)
            while g.trend_t and t - g.trend_t[0] > self.trend_s:
                g.trend_t.popleft()
                g.trend_v.popleft()
        for fn in self._listeners:
            fn(self)


def raw_rms_levels(raw: np.ndarray) -> np.ndarray:
    """Per-channel RMS of a short raw window (n, C) around its mean, µV: the
    activation level shown until the session provides an envelope."""
    if raw.shape[0] == 0:
        return np.zeros(raw.shape[1])
    x = raw - raw.mean(axis=0)
    return np.sqrt(np.mean(x * x, axis=0))
