"""The study table: an analysis as long (tidy) rows, one value a row (DESIGN §3
"Study table"; columns documented in docs/analysis.md).

Zones are the protocol's :class:`~emgmap.protocols.model.Zones`, applied exactly
where and as the report colours them: a set's ratios (mean over its reps) against
their expected range, an exercise's symmetry index against the green/amber bounds.
"""
from __future__ import annotations

import enum
import json
import math
import os
from pathlib import Path
from typing import Iterable

import numpy as np

from ..protocols.model import Zones
from .judgement import ratio_zone, symmetry_zone
from .normalization import Normalize
from .sets import Analysis, SetResult

COLUMNS = ("file", "subject", "date", "exercise", "set", "side", "measure", "name", "rep", "value", "unit",
           "normalization", "zone", "expected_low", "expected_high")
MEAN = "mean"    # the rep column of a value over all of a set's good reps


class Measure(enum.StrEnum):
    ACTIVATION = "activation"               # mean normalised envelope of a channel
    RATIO = "ratio"                         # agonist:antagonist ratio of a pair on one side
    SYMMETRY = "symmetry"                   # SI % of a muscle, left vs right, per exercise
    ONSET = "onset"                         # onset of a channel relative to the rep's cue (s)
    MEDIAN_FREQUENCY = "median_frequency"   # of the filtered signal over the hold (Hz)


def analysis_rows(analysis: Analysis) -> list[dict]:
    """The rows of ``analysis``: dicts with exactly :data:`COLUMNS`, ``rep`` an int (the
    rep's number in its set) or ``"mean"``. A value the analysis does not define (no onset
    found, a hold too short for a median frequency) has no row."""
    prov = analysis.provenance.source
    head = {"file": analysis.file, "subject": prov.subject, "date": prov.date}
    sides = {c.name: c.side.value for c in analysis.montage.channels}
    out: list[dict] = []

    def row(exercise, set_label, side, measure, name, rep, value, unit, normalization="", zone=None,
            expected=None):
        out.append(dict(head, exercise=exercise, set=set_label, side=side or "", measure=measure.value, name=name,
                        rep=rep, value=float("nan") if value is None else float(value), unit=unit,
                        normalization=normalization, zone=zone or "",
                        expected_low=expected[0] if expected else float("nan"),
                        expected_high=expected[1] if expected else float("nan")))

    norm, unit = analysis.normalization, analysis.unit
    for s in analysis.sets:
        zones = _zones(s)
        good = [(k, r) for k, r in enumerate(s.reps, 1) if not r.missed]
        for k, r in good:
            for ch, v in r.mean.items():
                row(s.exercise, s.label, sides[ch], Measure.ACTIVATION, ch, k, v, unit, norm)
            for q in r.ratios:
                row(s.exercise, s.label, q["side"], Measure.RATIO, q["name"], k, q["value"], "", norm,
                    expected=_expected(s, q["name"]))
            for ch, v in r.onset_s.items():
                if v is not None:
                    row(s.exercise, s.label, sides[ch], Measure.ONSET, ch, k, v, "s")
            for ch, v in r.mdf_hz.items():
                if math.isfinite(v):
                    row(s.exercise, s.label, sides[ch], Measure.MEDIAN_FREQUENCY, ch, k, v, "Hz")
        for ch, v in s.activation.items():
            row(s.exercise, s.label, sides[ch], Measure.ACTIVATION, ch, MEAN, v, unit, norm)
        for q in s.ratios:
            exp = _expected(s, q["name"])
            row(s.exercise, s.label, q["side"], Measure.RATIO, q["name"], MEAN, q["value"], "", norm,
                ratio_zone(q["value"], unit, exp, zones), exp)
        reps = [r for _, r in good]
        for ch in analysis.montage.names:
            onsets = [r.onset_s[ch] for r in reps if r.onset_s[ch] is not None]
            if onsets:
                row(s.exercise, s.label, sides[ch], Measure.ONSET, ch, MEAN, np.mean(onsets), "s")
            mdf = [r.mdf_hz[ch] for r in reps if math.isfinite(r.mdf_hz[ch])]
            if mdf:
                row(s.exercise, s.label, sides[ch], Measure.MEDIAN_FREQUENCY, ch, MEAN, np.mean(mdf), "Hz")
    for ex in analysis.exercises:
        sets = [s for s in analysis.sets if s.exercise == ex["exercise"]]
        zones = _zones(sets[0]) if sets else Zones()
        for y in ex["symmetry"]:
            si = y["si_percent"]
            row(ex["exercise"], "", "", Measure.SYMMETRY, y["muscle"], MEAN, si, "%", norm,
                symmetry_zone(si, y["left"], y["right"], unit, zones), (-zones.symmetry_green, zones.symmetry_green))
    if analysis.gait is not None:   # walking/running: measures gait_* (docs/gait.md)
        out += analysis.gait.rows(analysis.file, prov.subject, prov.date)
    return out


def provenance_row(analysis: Analysis) -> dict:
    """One row per file: how its values were made (the JSON's ``provenance``, flattened;
    nested parts as JSON text)."""
    p = analysis.provenance
    s = p.source
    return {"file": analysis.file, "subject": s.subject, "date": s.date, "recorded_utc": s.recorded_utc,
            "device": s.device, "recorded_with": s.recorded_with, "emgmap_version": p.emgmap_version,
            "normalize": p.normalize, "normalization": analysis.normalization, "unit": analysis.unit,
            "mvc_source": p.mvc_source,
            "channels": json.dumps([c.to_json() for c in p.channels], ensure_ascii=False),
            "pipeline": json.dumps(p.pipeline, sort_keys=True),
            "segmentation": json.dumps(p.segmentation, sort_keys=True),
            "interrupted": p.interrupted, "n_sets": len(analysis.sets),
            "notes": "; ".join(analysis.notes)}


def recording_paths(paths_or_dir, glob: str = "*.h5") -> list[Path]:
    """The recordings named by ``paths_or_dir`` (a path or an iterable of paths): files as
    given, folders searched recursively for ``glob``, in sorted order per folder."""
    items = [paths_or_dir] if isinstance(paths_or_dir, (str, os.PathLike)) else list(paths_or_dir)
    out: list[Path] = []
    for item in map(Path, items):
        out += sorted(p for p in item.rglob(glob) if p.is_file()) if item.is_dir() else [item]
    return out


def analysis_table(paths_or_dir, *, normalize: Normalize | str = "auto", glob: str = "*.h5"):
    """The study table of every recording in ``paths_or_dir`` as a pandas DataFrame with
    exactly :data:`COLUMNS` (``rep`` as text: ``"1"``, ``"2"`` ... or ``"mean"``, so the
    column survives CSV and Parquet). Sequential: a thin loop over
    :func:`~emgmap.analysis.analyze_recording` and :func:`analysis_rows`; a file that
    cannot be analysed raises its one-sentence error (``emgmap analyze DIR --table`` runs
    files in parallel and collects failures instead)."""
    import pandas as pd

    from .recording import analyze_recording
    rows: list[dict] = []
    for path in recording_paths(paths_or_dir, glob):
        rows += analysis_rows(analyze_recording(path, normalize=normalize))
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df["rep"] = df["rep"].astype(str)
    df["value"] = df["value"].astype(float)
    return df


def _zones(s: SetResult) -> Zones:
    return s.protocol.zones if s.protocol else Zones()


def _expected(s: SetResult, pair: str) -> tuple[float, float] | None:
    return s.protocol.expected_range(pair) if s.protocol else None


__all__ = ["COLUMNS", "MEAN", "Measure", "analysis_rows", "analysis_table", "provenance_row",
           "recording_paths"]
