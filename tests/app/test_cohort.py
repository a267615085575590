"""The cohort report: definitions against direct computations, the page from a real study table, the CLI."""
import math
import re
import stat

import numpy as np
import pytest

from emgmap.analysis.cohort import Index, change, deviation, index_values, render_cohort_html, tukey_fences
from emgmap.app.study import run_study, write_table
from emgmap.cli import main


def test_deviation_and_change_definitions():
    ratio = Index("clamshell", "ratio", "gmed:tfl", "left")
    si = Index("clamshell", "symmetry", "gmed", "")
    assert deviation(1.5, 1.0, 2.0, log=True) == 0.0
    assert deviation(4.0, 1.0, 2.0, log=True) == pytest.approx(math.log(2))   # twice the upper bound
    assert deviation(-15.0, -10.0, 10.0, log=False) == 5.0
    assert change(ratio, 0.5, 0.8, 1.0, 2.0) == "improved"
    assert change(ratio, 1.2, 1.9, 1.0, 2.0) == "same"          # inside both times
    assert change(ratio, 1.5, 2.5, 1.0, 2.0) == "worsened"
    assert change(ratio, 0.5, 0.8, math.nan, math.nan) == "unjudged"
    assert change(si, -20.0, 8.0, math.nan, math.nan) == "improved"   # |SI| without a range
    assert change(si, 5.0, -12.0, -10.0, 10.0) == "worsened"
    x = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    lo, hi = tukey_fences(x)
    q1, q3 = np.percentile(x, 25), np.percentile(x, 75)
    assert (lo, hi) == (q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)) and not lo <= 100.0 <= hi


@pytest.fixture(scope="module")
def study_table(study_sessions):
    return run_study([study_sessions / "visits"], jobs=1).table


def _table_rows(html_text: str, index_title: str) -> list[list[str]]:
    rows = re.findall(r"<tr><td>([^<]*)</td>((?:<td[^>]*>[^<]*</td>)+)</tr>", html_text)
    return [[re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>[^<]*</td>", rest)]
            for name, rest in rows if name == index_title]


def test_report_counts_equal_a_direct_computation(study_table):
    page = render_cohort_html(study_table)
    assert page.count("<svg") >= 6 and "<script" not in page and "http://" not in page.split("<style>")[0]
    v = index_values(study_table)
    for (exercise, measure, name, side), g in v.groupby(["exercise", "measure", "name", "side"]):
        if measure != "symmetry":
            continue
        g = g.sort_values("date")
        first, last = g.groupby("subject").value.first(), g.groupby("subject").value.last()
        two = g.groupby("subject").date.nunique() >= 2
        subjects = [s for s in two.index if two[s]]
        lo, hi = g.expected_low.iloc[0], g.expected_high.iloc[0]

        def dev(x):  # distance from the green band, or |SI| without one
            return abs(x) if math.isnan(lo) else max(lo - x, x - hi, 0.0)
        improved = sum(dev(last[s]) < dev(first[s]) for s in subjects)
        worsened = sum(dev(last[s]) > dev(first[s]) for s in subjects)
        same = len(subjects) - improved - worsened
        title = Index(exercise, measure, name, side).title
        section = page.split(f"<h2>{exercise}</h2>")[1].split("<h2>")[0]
        assert [str(len(subjects)), str(improved), str(worsened), str(same)] in _table_rows(section, title)
    # S01 went from a TFL-dominant clamshell to a healthy one, S02 the other way: opposite verdicts
    gm = v[(v.measure == "ratio") & (v.name == "gmed:tfl") & (v.side == "left")].sort_values("date")
    s1, s2 = gm[gm.subject == "S01"].value.to_numpy(), gm[gm.subject == "S02"].value.to_numpy()
    assert s1[1] > s1[0] and s2[1] < s2[0]


def test_cohort_cli_writes_the_page(study_table, tmp_path, capsys):
    table = write_table(study_table, tmp_path / "study.csv")
    out = tmp_path / "cohort.html"
    assert main(["cohort", str(table), "--html", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Pre and post" in text and "Outliers" in text
    assert main(["cohort", str(tmp_path / "missing.parquet"), "--html", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_the_cohort_report_never_replaces_its_table_and_tables_are_owner_only(study_table, tmp_path, capsys):
    table = write_table(study_table, tmp_path / "study.csv")
    assert stat.S_IMODE(table.stat().st_mode) == 0o600   # owner-only, as every output
    before = table.read_bytes()
    assert main(["cohort", str(table), "--html", str(table)]) == 2
    assert "is also an input of this command" in capsys.readouterr().err and table.read_bytes() == before
    out = tmp_path / "cohort.html"
    assert main(["cohort", str(table), "--html", str(out)]) == 0 and stat.S_IMODE(out.stat().st_mode) == 0o600
