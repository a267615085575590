"""The session summary for a terminal: what the clinician reads after a session. Zones
follow :mod:`emgmap.analysis.judgement`: only %MVC values, only active indices."""
from __future__ import annotations

import math

from ..protocols.model import Zones
from .judgement import JUDGED_UNIT, ratio_zone, symmetry_zone
from .sets import Analysis


def _f(x, nd=1, signed=False) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    return f"{x:+.{nd}f}" if signed else f"{x:.{nd}f}"


def summary_lines(a: Analysis) -> list[str]:
    lines = [f"normalisation: {a.normalization} ({a.unit})"
             + ("" if a.unit == JUDGED_UNIT else ": shown, not judged (zones are %MVC ranges; calibrate MVC)")]
    lines += [f"note: {n}" for n in a.notes]
    for ex in a.exercises:
        sets = [s for s in a.sets if s.exercise == ex["exercise"]]
        zones = sets[0].protocol.zones if sets and sets[0].protocol else Zones()
        lines += ["", f"== {ex['exercise']} =="]
        for s in sets:
            lines.append(f"set {s.label}: {len(s.good_reps)} reps ({'cues' if s.rep_source == 'cues' else 'found in the signal, no cues'})")
            chans = [c for c in a.montage.channels if s.side is None or c.side.value == s.side]
            if s.activation:
                lines.append("  activation " + "  ".join(f"{c.name} {_f(s.activation[c.name])}" for c in chans))
            for r in s.ratios:
                exp = s.protocol.expected.get(r["name"]) if s.protocol else None
                zone = ratio_zone(r["value"], a.unit, exp.range if exp else None, zones)
                rng = f"expected {exp.range[0]:g}-{exp.range[1]:g}" if exp else "no published range"
                lines.append(f"  {r['name']:<14}{r['side']:<7}{_f(r['value'], 2):>6}   {rng}"
                             + (f"  [{zone}]" if zone else ""))
            lines += [f"  note: {n}" for n in s.notes]
        if ex["symmetry"]:
            lines.append("symmetry (SI = (R - L) / mean x 100; + = right dominant):")
            for r in ex["symmetry"]:
                zone = symmetry_zone(r["si_percent"], r["left"], r["right"], a.unit, zones)
                lines.append(f"  {r['muscle']:<6} L {_f(r['left']):>6}  R {_f(r['right']):>6}  "
                             f"SI {_f(r['si_percent'], 1, True):>6} %  L/R {_f(r['lr_ratio'], 2)}"
                             + (f"  [{zone}]" if zone else ""))
    return lines


def print_summary(a: Analysis) -> None:
    print("\n".join(summary_lines(a)))
