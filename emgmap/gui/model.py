"""Qt-free model behind the index gauges: the session's live indices, zoned and trended.

The numbers come from the DSP (``Session.latest_indices()``, docs/dsp.md §6 and
§8): symmetry index SI = (R - L) / (0.5 (R + L)) x 100 % per bilateral muscle
(positive = right dominant) with L/R beside it, and agonist:antagonist ratios
per montage pair and side, each labelled with its normalisation. This model
only decides what to show:

- which gauges: SI for every muscle recorded on both sides (or a protocol's
  muscles), a ratio for every pair and side the session computes;
- zones from the protocol's :class:`~emgmap.protocols.Zones` (a ratio is zoned
  only against the protocol's expected range for its pair; without one it has
  no colour);
- at rest (both sides below :data:`MIN_LEVEL` in their unit) an index is not
  shown: a ratio of two noise floors means nothing;
- a trend of the last ``trend_s`` seconds per gauge.

Views subscribe with :meth:`IndicesModel.subscribe`.
"""
from __future__ import annotations

import collections
import math
from dataclasses import dataclass, field
from typing import Callable

from ..dsp.calibration import UNITS
from ..dsp.indices import LiveIndices
from ..montage import Montage
from ..protocols import Zones
from ..types import Side

# Below this level on both sides an index is not shown, per unit of the values.
MIN_LEVEL = {"%MVC": 5.0, "% peak": 5.0, "µV": 10.0}


@dataclass
class Gauge:
    """One index as shown: name, current value, zone, detail line and trend."""
    key: str                    # "si gmed" | "ratio gmed:tfl left"
    title: str                  # "gmed L/R" | "gmed:tfl L"
    kind: str                   # "symmetry" | "ratio"
    value: float = float("nan")
    zone: str = "none"
    detail: str = "waiting for data"
    expected: tuple[float, float] | None = None   # ratio: the protocol's expected range
    trend_t: collections.deque = field(default_factory=collections.deque)
    trend_v: collections.deque = field(default_factory=collections.deque)


class IndicesModel:
    """The gauges for a session's montage.

    Parameters
    ----------
    montage : the session's montage (its pairs are the ratios the session computes).
    zones : colour zones (a protocol's, else the defaults).
    expected : pair name -> expected ratio range (a protocol's), for the ratio zones.
    muscles : symmetry gauges for these muscles only (a protocol's); default: every
        muscle recorded on both sides.
    trend_s : how much history each gauge's trend keeps.
    """

    def __init__(self, montage: Montage, zones: Zones = Zones(), *,
                 expected: dict[str, tuple[float, float]] | None = None, muscles: tuple[str, ...] | None = None,
                 trend_s: float = 30.0):
        self.montage = montage
        self.zones = zones
        self.trend_s = trend_s
        self.gauges: list[Gauge] = []
        for m in montage.bilateral_muscles():
            if muscles is None or m in muscles:
                self.gauges.append(Gauge(f"si {m}", f"{m} L/R", "symmetry"))
        for p in montage.pairs:
            for side in (Side.LEFT, Side.RIGHT):
                if all(montage.index(m, side) is not None for m in p.muscles):
                    self.gauges.append(Gauge(f"ratio {p.name} {side.value}", f"{p.name} {side.short}", "ratio",
                                             expected=(expected or {}).get(p.name)))
        self._by_key = {g.key: g for g in self.gauges}
        self._listeners: list[Callable[["IndicesModel"], None]] = []

    def subscribe(self, fn: Callable[["IndicesModel"], None]) -> None:
        self._listeners.append(fn)

    def update(self, live: LiveIndices) -> None:
        """Take the session's newest labelled indices."""
        for s in live.symmetry:
            g = self._by_key.get(f"si {s.muscle}")
            if g is None:
                continue
            unit = UNITS[s.norm]
            if max(s.left, s.right) >= MIN_LEVEL[unit] and math.isfinite(s.si_percent):
                g.value = s.si_percent
                g.zone = self.zones.symmetry(s.si_percent)
                g.detail = f"L {s.left:.0f}  R {s.right:.0f} {unit}   L/R {s.lr_ratio:.2f}"
            else:
                g.value, g.zone, g.detail = float("nan"), "none", f"at rest (< {MIN_LEVEL[unit]:g} {unit})"
        for r in live.ratios:
            g = self._by_key.get(f"ratio {r.name} {r.side}")
            if g is None:
                continue
            unit = UNITS[r.norm]
            ag, an = r.name.split(":")
            if max(r.agonist, r.antagonist) >= MIN_LEVEL[unit] and math.isfinite(r.value):
                g.value = r.value
                g.zone = self.zones.ratio(r.value, g.expected) or "none"
                g.detail = f"{ag} {r.agonist:.0f} : {an} {r.antagonist:.0f} {unit}"
                if g.expected:
                    g.detail += f"   expected {g.expected[0]:g}-{g.expected[1]:g}"
            else:
                g.value, g.zone, g.detail = float("nan"), "none", f"at rest (< {MIN_LEVEL[unit]:g} {unit})"
        for g in self.gauges:
            g.trend_t.append(live.t)
            g.trend_v.append(g.value)
            while g.trend_t and live.t - g.trend_t[0] > self.trend_s:
                g.trend_t.popleft()
                g.trend_v.popleft()
        for fn in self._listeners:
            fn(self)
