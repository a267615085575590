"""Qt-free models behind the activation map and the index gauges.

Inputs are plain numbers: one activation level per montage channel with its
unit (``%MVC`` once calibrated, ``µV`` before), at a session time. From them
:class:`IndicesModel` computes, per reference/semg.md §3:

- symmetry index per bilateral muscle, SI = (R - L) / (0.5 (R + L)) x 100 %
  (positive = right dominant), with the L/R ratio beside it;
- agonist:antagonist ratio per montage/protocol pair and side,
  mean(agonist levels) / mean(antagonist levels);

each classified into a zone by the protocol's
:class:`~emgmap.protocols.Zones` (ratios only against the protocol's expected
range for the pair; without one a ratio has no colour) and kept as a trend over
the last ``trend_s`` seconds. Views subscribe with :meth:`IndicesModel.subscribe`.
"""
from __future__ import annotations

import collections
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..montage import Montage, MusclePair
from ..protocols import Zones
from ..types import Side

# Below this level on both sides (rest) an index is not computed: a ratio of two
# noise floors means nothing. Per unit of the levels.
MIN_LEVEL = {"%MVC": 5.0, "µV": 10.0}


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
    expected: tuple[float, float] | None = None   # ratio: the protocol's expected range
    trend_t: collections.deque = field(default_factory=collections.deque)
    trend_v: collections.deque = field(default_factory=collections.deque)


class IndicesModel:
    """Symmetry and agonist:antagonist gauges for a montage (and a protocol's pairs).

    Parameters
    ----------
    montage : which channel is which muscle and side; its pairs are used unless
        ``pairs`` is given.
    zones : colour zones (a protocol's).
    expected : pair name -> expected ratio range (a protocol's), for the ratio zones.
    muscles : symmetry gauges for these muscles only (a protocol's); default: every
        muscle recorded on both sides.
    trend_s : how much history each gauge's trend keeps.
    """

    def __init__(self, montage: Montage, zones: Zones = Zones(), *, pairs: tuple[MusclePair, ...] | None = None,
                 expected: dict[str, tuple[float, float]] | None = None, muscles: tuple[str, ...] | None = None,
                 trend_s: float = 30.0):
        self.montage = montage
        self.zones = zones
        self.trend_s = trend_s
        self.pairs = tuple(pairs if pairs is not None else montage.pairs)
        self.unit = "µV"
        self.gauges: list[Gauge] = []
        for m in montage.bilateral_muscles():
            if muscles is not None and m not in muscles:
                continue
            self.gauges.append(Gauge(f"si {m}", f"{m} L/R", "symmetry"))
        for p in self.pairs:
            for side in (Side.LEFT, Side.RIGHT):
                if all(montage.index(m, side) is not None for m in p.muscles):
                    self.gauges.append(Gauge(f"ratio {p.name} {side.value}", f"{p.name} {side.short}", "ratio",
                                             expected=(expected or {}).get(p.name)))
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
        floor = MIN_LEVEL[unit]
        fmt = "{:.0f}"
        for g in self.gauges:
            if g.kind == "symmetry":
                m = g.key.split(" ", 1)[1]
                L, R = self._level(levels, m, Side.LEFT), self._level(levels, m, Side.RIGHT)
                active = max(L, R) >= floor
                g.value = symmetry_index(L, R) if active else float("nan")
                g.zone = self.zones.symmetry(g.value) if math.isfinite(g.value) else "none"
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
                g.zone = (self.zones.ratio(g.value, g.expected) or "none") if math.isfinite(g.value) else "none"
                g.detail = (f"{'+'.join(pair.agonists)} {fmt.format(ag)} : {'+'.join(pair.antagonists)} "
                            f"{fmt.format(an)} {unit}" if active else f"at rest (< {floor:g} {unit})")
            g.trend_t.append(t)
            g.trend_v.append(g.value)
            while g.trend_t and t - g.trend_t[0] > self.trend_s:
                g.trend_t.popleft()
                g.trend_v.popleft()
        for fn in self._listeners:
            fn(self)
