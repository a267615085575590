"""The study runner: one table from a folder, equal to per-file `analyze --json`, on local
processes and on a Dask LocalCluster; errors; incremental re-runs."""
import json
import math
import os
from pathlib import Path

import pandas as pd
import pytest

from emgmap.app.study import TABLE_COLUMNS, StudyError, read_table, run_study, write_table
from emgmap.cli import main

GOOD = 6


def analyze_json(path, capsys) -> dict:
    assert main(["analyze", str(path), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_table_equals_analyze_json_of_each_file(study_folder, capsys):
    res = run_study([study_folder], jobs=2)
    assert list(res.table.columns) == list(TABLE_COLUMNS)
    assert sorted(Path(f).name for f in res.errors.file) == ["no-sets.h5", "other-tool.h5", "truncated.h5"]
    assert set(res.table.file) == set(res.provenance.file) and len(res.provenance) == GOOD
    reasons = dict(zip((Path(f).name for f in res.errors.file), res.errors.reason))
    assert "not an emgmap recording" in reasons["other-tool.h5"]
    assert "damaged or truncated" in reasons["truncated.h5"]
    assert "no exercise sets" in reasons["no-sets.h5"]
    assert all("\n" not in r for r in reasons.values())
    checked = 0
    for f in res.provenance.file:
        js = analyze_json(f, capsys)
        mine = res.table[res.table.file == f]
        for s in js["sets"]:
            for r in s["ratios"]:
                row = mine[(mine.set == s["label"]) & (mine.measure == "ratio") & (mine.name == r["name"])
                           & (mine.side == (r["side"] or "")) & (mine.rep == "mean")]
                assert len(row) == 1 and row.value.iloc[0] == r["value"], (f, s["label"], r)
                checked += r["name"] == "gmed:tfl"
        for ex in js["exercises"]:
            for y in ex["symmetry"]:
                row = mine[(mine.exercise == ex["exercise"]) & (mine.measure == "symmetry") & (mine.name == y["muscle"])
                           & (mine.rep == "mean")]
                assert len(row) == 1 and row.value.iloc[0] == y["si_percent"], (f, y)
                checked += 1
    assert checked >= 10
    subj = res.table.groupby("subject").date.nunique()
    assert dict(subj) == {"S01": 2, "S02": 2, "S03": 2}


def test_dask_local_cluster_gives_the_identical_table(study_folder):
    from dask.distributed import LocalCluster
    local = run_study([study_folder], jobs=1)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                      dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        dask = run_study([study_folder], scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(dask.table, local.table)
    pd.testing.assert_frame_equal(dask.errors, local.errors)
    pd.testing.assert_frame_equal(dask.provenance, local.provenance)


def test_incremental_rerun_analyses_only_what_changed(study_folder, tmp_path):
    cache = tmp_path / "cache.sqlite"
    first = run_study([study_folder], jobs=1, cache=cache)
    assert len(first.analysed) == GOOD + 3 and not first.reused
    again = run_study([study_folder], jobs=1, cache=cache)
    assert again.analysed == () and len(again.reused) == GOOD + 3
    pd.testing.assert_frame_equal(again.table, first.table)
    pd.testing.assert_frame_equal(again.errors, first.errors)
    # touched but identical: hashed, not analysed
    touched = Path(first.provenance.file.iloc[0])
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    assert run_study([study_folder], jobs=1, cache=cache).analysed == ()
    # one file really changed: only it is analysed
    import h5py
    changed = Path(first.provenance.file.iloc[1])
    with h5py.File(changed, "r+") as f:
        f.attrs["subject_id"] = "S01b"
    third = run_study([study_folder], jobs=1, cache=cache)
    assert third.analysed == (str(changed),)
    assert set(third.table[third.table.file == str(changed)].subject) == {"S01b"}
    # other settings: everything again
    assert len(run_study([study_folder], jobs=1, cache=cache, options={"x": 1}, glob="S03*.h5").analysed) == 2
    # the same study copied elsewhere (new paths, new times): found by content, nothing analysed
    import shutil
    moved = shutil.copytree(study_folder, tmp_path / "moved")
    elsewhere = run_study([moved], jobs=2, cache=cache)
    assert elsewhere.analysed == () and len(elsewhere.reused) == GOOD + 3
    assert set(elsewhere.table.file) == {str(Path(moved) / Path(f).relative_to(study_folder))
                                         for f in third.table.file}


def test_missing_paths_and_bad_table_names_are_one_sentence(tmp_path):
    with pytest.raises(StudyError, match="does not exist"):
        run_study([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(StudyError, match="no recordings matching"):
        run_study([tmp_path / "empty"])
    with pytest.raises(StudyError, match="must end in one of"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.xlsx")


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_table_round_trips(study_folder, tmp_path, suffix):
    res = run_study([study_folder / "S03"], jobs=1)
    out = write_table(res.table, tmp_path / f"t{suffix}")
    back = read_table(out)
    assert list(back.columns) == list(TABLE_COLUMNS) and len(back) == len(res.table)
    assert all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(back.value, res.table.value))


def test_scheduler_local_starts_a_cluster_of_worker_processes(study_folder, tmp_path, capsys):
    """`--scheduler local`: a LocalCluster of real worker processes on 127.0.0.1, the same table."""
    out = tmp_path / "local.csv"
    assert main(["analyze", str(study_folder / "S01"), "--table", str(out), "--scheduler", "local", "-j", "1",
                 "--no-cache"]) == 0
    assert "2 recordings: 2 in the table" in capsys.readouterr().out
    expected = run_study([study_folder / "S01"], jobs=1).table
    pd.testing.assert_frame_equal(read_table(out), read_table(write_table(expected, tmp_path / "direct.csv")))


def test_analyze_cli_over_a_folder(study_folder, tmp_path, capsys):
    out = tmp_path / "out" / "study.parquet"
    assert main(["analyze", str(study_folder), "--table", str(out), "-j", "1", "--strict"]) == 1
    io = capsys.readouterr()
    assert "9 recordings: 6 in the table" in io.out and io.err.count("failed:") == 3
    table, errors = read_table(out), read_table(out.with_name("study.errors.parquet"))
    assert len(errors) == 3 and set(table.file) == set(read_table(out.with_name("study.provenance.parquet")).file)
    # again: everything from the cache beside the table, and without --strict a failure is no error
    assert main(["analyze", str(study_folder / "S01"), str(study_folder / "S02"), "--table", str(out)]) == 0
    assert "4 recordings: 4 in the table" in capsys.readouterr().out
    assert out.with_name("study.cache.sqlite").is_file()
    assert main(["analyze", str(study_folder), "--json"]) == 2
    assert "take one recording" in capsys.readouterr().err
