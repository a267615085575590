"""The study table (DESIGN §3 "Study table"): rows, zones, provenance, the DataFrame, and
the runnable example of docs/analysis.md."""
import json
import math
import re
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest

from emgmap.analysis.judgement import ACTIVE_MVC_PCT
from emgmap.analysis import COLUMNS, analysis_rows, analysis_table, analyze_recording, provenance_row
from emgmap.protocols.model import BUILTIN_DIR

DOCS = Path(__file__).resolve().parents[2] / "docs" / "analysis.md"


def _zone(value, lo, hi, amber=0.2):
    """The report's ratio colours, written out from docs/analysis.md "Zones"."""
    if lo <= value <= hi:
        return "green"
    return "amber" if lo * (1 - amber) <= value <= hi * (1 + amber) else "red"


def test_rows_have_exactly_the_contract_columns_and_the_json_values(clam):
    a = analyze_recording(clam)
    doc = a.to_json()
    rows = analysis_rows(a)
    assert rows and all(tuple(r) == COLUMNS for r in rows)
    assert {r["measure"] for r in rows} == {"activation", "ratio", "symmetry", "onset", "median_frequency"}
    assert {r["file"] for r in rows} == {str(clam)} and {r["date"] for r in rows} == {doc["provenance"]["date"]}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", rows[0]["date"])
    # every set mean equals the JSON
    for s in doc["sets"]:
        mine = [r for r in rows if r["set"] == s["label"] and r["rep"] == "mean"]
        act = {r["name"]: r["value"] for r in mine if r["measure"] == "activation"}
        assert act == pytest.approx(s["activation"])
        assert all(r["unit"] == "%MVC" and r["normalization"] == "mvc" for r in mine if r["measure"] == "activation")
        ratios = {(r["name"], r["side"]): r["value"] for r in mine if r["measure"] == "ratio"}
        assert ratios == pytest.approx({(q["name"], q["side"]): q["value"] for q in s["ratios"]})
        reps = sorted({r["rep"] for r in rows if r["set"] == s["label"] and r["rep"] != "mean"})
        assert reps == list(range(1, s["n_reps"] + 1))
    sym = {r["name"]: r["value"] for r in rows if r["measure"] == "symmetry"}
    assert sym == pytest.approx({y["muscle"]: y["si_percent"] for y in doc["exercises"][0]["symmetry"]})


def test_zones_and_expected_ranges_are_the_protocols_as_the_report_colours_them(clam):
    a = analyze_recording(clam)
    rows = analysis_rows(a)
    spec = tomllib.loads((BUILTIN_DIR / "clamshell.toml").read_text())
    lo, hi = spec["expected"]["gmed:tfl"]["range"]
    means = [r for r in rows if r["measure"] == "ratio" and r["name"] == "gmed:tfl" and r["rep"] == "mean"]
    assert len(means) == 2   # one per working side
    for r in means:
        assert (r["expected_low"], r["expected_high"]) == (lo, hi)
        assert r["zone"] == _zone(r["value"], lo, hi)
    assert {r["zone"] for r in means} == {"red"}   # the TFL-dominant scenario: gmed:tfl far below 1.9
    per_rep = [r for r in rows if r["measure"] == "ratio" and r["rep"] != "mean"]
    assert per_rep and all(r["zone"] == "" for r in per_rep)  # the report colours set means only
    levels = {y["muscle"]: (y["left"], y["right"]) for y in a.exercises[0]["symmetry"]}
    judged = 0
    for r in (r for r in rows if r["measure"] == "symmetry"):
        si = abs(r["value"])
        if max(levels[r["name"]]) < ACTIVE_MVC_PCT:   # a muscle the exercise does not work: at rest, no zone
            assert r["zone"] == ""
        else:
            judged += 1
            assert r["zone"] == ("green" if si <= 10 else "amber" if si <= 20 else "red")
        assert (r["expected_low"], r["expected_high"]) == (-10.0, 10.0)
    assert judged >= 2
    assert all(r["zone"] == "" and math.isnan(r["expected_low"]) for r in rows if r["measure"] == "activation")


def test_provenance_row(clam):
    p = provenance_row(analyze_recording(clam))
    assert p["file"] == str(clam) and p["mvc_source"] == "stored" and p["normalization"] == "mvc"
    chans = json.loads(p["channels"])
    assert chans and all(c["mvc_source"] == "stored" and c["reason"] == "MVC stored in the recording" for c in chans)
    assert json.loads(p["pipeline"])["lp_hz"] == 450.0 and p["interrupted"] is False


def test_table_of_a_folder_round_trips_through_csv_and_parquet(clam, tmp_path):
    folder = tmp_path / "visits" / "v2"
    folder.mkdir(parents=True)
    shutil.copy(clam, folder / "b.h5")
    shutil.copy(clam, tmp_path / "visits" / "a.h5")
    df = analysis_table([tmp_path / "visits"])
    assert tuple(df.columns) == COLUMNS
    assert list(dict.fromkeys(df["file"])) == [str(tmp_path / "visits" / "a.h5"), str(folder / "b.h5")]
    one = analysis_rows(analyze_recording(clam))
    assert len(df) == 2 * len(one)
    assert set(df["rep"]) == {str(r["rep"]) for r in one}
    df.to_csv(tmp_path / "t.csv", index=False)
    df.to_parquet(tmp_path / "t.parquet")
    import pandas as pd
    for back in (pd.read_csv(tmp_path / "t.csv", keep_default_na=False, dtype={"rep": str}),
                 pd.read_parquet(tmp_path / "t.parquet")):
        assert list(back["rep"]) == list(df["rep"])
        np.testing.assert_allclose(back["value"].astype(float), df["value"], rtol=1e-12)


def test_the_docs_example_runs(clam, tmp_path, monkeypatch):
    """docs/analysis.md "Python API" runs as written (on a session.h5 in the working folder)."""
    block = re.search(r"## Python API.*?```python\n(.*?)```", DOCS.read_text(), re.S).group(1)
    shutil.copy(clam, tmp_path / "session.h5")
    monkeypatch.chdir(tmp_path)
    env: dict = {}
    exec(compile(block, str(DOCS), "exec"), env)
    df = env["table"]
    assert tuple(df.columns) == COLUMNS and len(df) == len(analysis_rows(analyze_recording(clam)))
