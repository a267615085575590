"""Which values may be judged (given a zone): one rule for every face that colours an
index, live (``emgmap.app.gauges``) or from a file (`emgmap analyze`'s summary and
report, the wizard's summary, the study table and the patient history).

- The zones' ranges are %MVC ranges (reference/semg.md §3-4: the symmetry thresholds
  and the expected agonist:antagonist ratios come from MVC-normalised studies). A value
  in % of task peak or in µV is shown, never zoned.
- Below an activity threshold an index is noise over noise: a symmetry index whose two
  sides are both under :data:`ACTIVE_MVC_PCT` is "at rest", not judged (a muscle that
  does not work in an exercise, e.g. bf in a clamshell at 3 %MVC, showed red). Live, the
  threshold is also relative to the rest baseline (``emgmap.app.gauges``).
- A ratio is judged only against an expected range for its pair.
"""
from __future__ import annotations

import math

JUDGED_UNIT = "%MVC"    # the unit the zones' ranges are written in
ACTIVE_MVC_PCT = 5.0    # an index whose sides are all below this (%MVC) is at rest


def active(*levels_pct: float) -> bool:
    """Whether any of ``levels_pct`` (%MVC) reaches the activity threshold."""
    return any(math.isfinite(v) and v >= ACTIVE_MVC_PCT for v in levels_pct)


def symmetry_zone(si_percent: float, left: float, right: float, unit: str, zones) -> str | None:
    """The zone of a symmetry index from ``left`` and ``right`` in ``unit`` (None: not judged)."""
    if unit != JUDGED_UNIT or not math.isfinite(si_percent) or not active(left, right):
        return None
    return zones.symmetry(si_percent)


def ratio_zone(value: float, unit: str, expected: tuple[float, float] | None, zones) -> str | None:
    """The zone of an agonist:antagonist ratio of levels in ``unit`` (None: not judged)."""
    if unit != JUDGED_UNIT or expected is None or not math.isfinite(value):
        return None
    return zones.ratio(value, expected)
