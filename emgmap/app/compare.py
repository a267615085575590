"""Two sessions compared, Qt-free: every index in both, each side judged as the gauges
judge (:mod:`emgmap.app.gauges`), and the change named by its zones.

A change is **better** when the zone improved (red -> amber -> green), **worse**
when it degraded, **same** when it stayed; a number's size alone says nothing
(+0.0 is not a deterioration, gmed:tfl 0.85 -> 3.46 may be an improvement or an
overshoot, depending on the expected range). A session not normalised to MVC is
not judged (the ranges are %MVC ranges), nor is a ratio without an expected range.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from ..protocols import Zones, load_protocol
from ..analysis.report import compare_rows
from ..types import ConfigError
from ..analysis.judgement import JUDGED_UNIT
from .gauges import GaugeKind, Zone

ZONE_RANK = {Zone.GREEN: 0, Zone.AMBER: 1, Zone.RED: 2}


class Change(str, enum.Enum):
    BETTER = "better"
    WORSE = "worse"
    SAME = "same"
    NOT_JUDGED = "not judged"


def zone_of(kind: GaugeKind, value: float, zones: Zones, expected: tuple[float, float] | None = None) -> Zone | None:
    """The zone of a %MVC index (None for a ratio without an expected range)."""
    if kind == GaugeKind.SYMMETRY:
        return Zone(zones.symmetry(value))
    z = zones.ratio(value, expected)
    return Zone(z) if z else None


def zone_change(before: Zone | None, after: Zone | None) -> Change:
    if before is None or after is None:
        return Change.NOT_JUDGED
    d = ZONE_RANK[after] - ZONE_RANK[before]
    return Change.BETTER if d < 0 else Change.WORSE if d > 0 else Change.SAME


@dataclass(frozen=True)
class CompareRow:
    exercise: str
    index: str                  # "SI gmed", "gmed:tfl left"
    kind: GaugeKind
    before: float
    after: float
    before_zone: Zone | None
    after_zone: Zone | None
    change: Change
    note: str = ""              # why it is not judged

    @property
    def delta(self) -> float:
        return self.after - self.before


def _protocol(exercise: str):
    try:
        return load_protocol(exercise)
    except ConfigError:
        return None


def compare_table(a, b) -> tuple[CompareRow, ...]:
    """Rows for two :class:`~emgmap.analysis.Analysis` of the same patient."""
    normalised = a.normalization == b.normalization == "mvc"
    out = []
    for ex, what, unit, x, y in compare_rows(a, b):
        kind = GaugeKind.SYMMETRY if unit == "%" else GaugeKind.RATIO
        p = _protocol(ex)
        zones = p.zones if p is not None else Zones()
        expected = p.expected_range(what.split()[0]) if p is not None and kind == GaugeKind.RATIO else None
        if not normalised:
            row = CompareRow(ex, what, kind, x, y, None, None, Change.NOT_JUDGED,
                             f"not both in {JUDGED_UNIT}: calibrate MVC to judge")
        elif kind == GaugeKind.RATIO and expected is None:
            row = CompareRow(ex, what, kind, x, y, None, None, Change.NOT_JUDGED, "no expected range for this pair")
        else:
            zb, za = zone_of(kind, x, zones, expected), zone_of(kind, y, zones, expected)
            note = f"expected {expected[0]:g}-{expected[1]:g}" if expected else ""
            row = CompareRow(ex, what, kind, x, y, zb, za, zone_change(zb, za), note)
        out.append(row)
    return tuple(out)
