"""The guided session's summary as rows for a table, Qt-free: each set's reps and
ratios, each exercise's symmetry, judged by the same rule as the live gauges
(:mod:`emgmap.analysis.judgement`): a zone only for values normalised to MVC and an
index above the activity threshold, a ratio only against a published range for its
pair, and each ratio names its side.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..analysis.judgement import JUDGED_UNIT, ratio_zone, symmetry_zone
from ..protocols import Zones
from .gauges import GaugeKind, NotJudged, Zone

NORMALISATION_TEXT = {"mvc": "%MVC: each muscle normalised to its MVC",
                      "peak": "% of task peak (no MVC): shown, not judged",
                      "none": "µV (not normalised): shown, not judged"}


@dataclass(frozen=True)
class SummaryRow:
    group: str                  # the set ("clamshell left") or the exercise ("clamshell")
    index: str                  # "gmed:tfl left", "SI gmed"
    kind: GaugeKind
    value: float
    zone: Zone | None
    detail: str                 # "expected 1.9-4", "L 40  R 52 %MVC  L/R 0.77"
    reason: NotJudged | None = None

    @property
    def value_text(self) -> str:
        if not math.isfinite(self.value):
            return "–"
        return f"{self.value:+.1f} %" if self.kind == GaugeKind.SYMMETRY else f"{self.value:.2f}"

    @property
    def status_text(self) -> str:
        return self.zone.word if self.zone is not None else (self.reason.value if self.reason else "")


@dataclass(frozen=True)
class SetLine:
    label: str
    reps: int
    rep_source: str             # "cues" | "envelope"
    notes: tuple[str, ...]


@dataclass(frozen=True)
class SummaryView:
    normalisation: str          # "%MVC (normalised to MVC)"
    judged: bool                # the values are in %MVC: zones mean something
    notes: tuple[str, ...]
    sets: tuple[SetLine, ...]
    rows: tuple[SummaryRow, ...]


def summary_view(a) -> SummaryView:
    """The summary of an :class:`~emgmap.analysis.Analysis` (the recording's, as
    ``emgmap analyze`` computes it)."""
    judged = a.unit == JUDGED_UNIT
    rows, sets = [], []
    for ex in a.exercises:
        ex_sets = [s for s in a.sets if s.exercise == ex["exercise"]]
        zones = ex_sets[0].protocol.zones if ex_sets and ex_sets[0].protocol else Zones()
        for s in ex_sets:
            sets.append(SetLine(s.label, len(s.good_reps), s.rep_source, tuple(s.notes)))
            for r in s.ratios:
                exp = s.protocol.expected.get(r["name"]) if s.protocol else None
                rng = f"expected {exp.range[0]:g}-{exp.range[1]:g}" if exp else "no published range"
                index = f"{r['name']} {r['side']}"
                if not judged:
                    rows.append(SummaryRow(s.label, index, GaugeKind.RATIO, r["value"], None, rng, NotJudged.NOT_MVC))
                elif exp is None:
                    rows.append(SummaryRow(s.label, index, GaugeKind.RATIO, r["value"], None, rng, NotJudged.NO_RANGE))
                else:
                    z = ratio_zone(r["value"], a.unit, exp.range, zones)
                    rows.append(SummaryRow(s.label, index, GaugeKind.RATIO, r["value"], Zone(z) if z else None, rng))
        for r in ex["symmetry"]:
            si = r["si_percent"]
            detail = f"L {r['left']:.1f}  R {r['right']:.1f} {a.unit}  L/R {r['lr_ratio']:.2f}"
            z = symmetry_zone(si, r["left"], r["right"], a.unit, zones)
            zone = Zone(z) if z else None
            reason = None if zone is not None else NotJudged.NOT_MVC if not judged else NotJudged.AT_REST
            rows.append(SummaryRow(ex["exercise"], f"SI {r['muscle']}", GaugeKind.SYMMETRY, si, zone, detail, reason))
    return SummaryView(NORMALISATION_TEXT.get(a.normalization, a.unit), judged, tuple(a.notes), tuple(sets),
                       tuple(rows))
