"""Issue 18 (docs/outputs.md) for the commands that write beside the recordings: the patient
history report and hand-over export, the study table and the cohort report. Each output is
checked before any work, never replaces an input, is complete or absent, and owner-only."""
import json
import os
import stat

import pytest

from emgmap.app.patients import PatientStore
from emgmap.cli import main

from patientsupport import emgmap


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_history_reports_need_force_and_are_owner_only(three_visits, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("EMGMAP_DATA_DIR", str(three_visits))
    page = tmp_path / "h.html"
    page.write_text("keep me")
    assert main(["history", "P01", "--html", str(page)]) == 2
    assert f"{page} exists; choose another name, or add --force" in capsys.readouterr().err
    assert page.read_text() == "keep me"
    assert main(["history", "P01", "--html", str(page), "--force", "--pdf", str(tmp_path / "h.pdf")]) == 0
    assert "<svg" in page.read_text() and _mode(page) == _mode(tmp_path / "h.pdf") == 0o600
    assert main(["history", "P01", "--pdf", str(tmp_path / "missing" / "h.pdf")]) == 2   # before any work
    assert "folder" in capsys.readouterr().err and not (tmp_path / "missing").exists()


def test_a_failed_hand_over_export_leaves_nothing(three_visits, monkeypatch, tmp_path):
    monkeypatch.setenv("EMGMAP_DATA_DIR", str(three_visits))

    def full(*a, **k):   # the disk fills after the recordings were copied
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(PatientStore, "rows", full)
    rc, _ = emgmap("patients", "export", "P01", tmp_path / "handover")
    assert rc == 2 and not (tmp_path / "handover").exists()   # the recordings copied so far went too
    monkeypatch.undo()
    monkeypatch.setenv("EMGMAP_DATA_DIR", str(three_visits))
    rc, _ = emgmap("patients", "export", "P01", tmp_path / "handover")
    out = tmp_path / "handover" / "P01"
    assert rc == 0 and sorted(p.name for p in (tmp_path / "handover").iterdir()) == ["P01"]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) == 5 and all(_mode(p) == 0o600 for p in files)   # 3 recordings, history, results
    assert json.loads((out / "history.json").read_text())["patient"]["pseudonym"] == "P01"


def test_a_study_with_a_bad_table_name_fails_before_the_analysis(tmp_path, capsys):
    assert main(["analyze", str(tmp_path), "--table", str(tmp_path / "t.xlsx")]) == 2
    assert "must end in one of .parquet, .csv" in capsys.readouterr().err


def test_a_montage_template_is_owner_only_and_never_replaces(tmp_path, capsys):
    out = tmp_path / "m.toml"
    assert main(["montage", "template", "--channels", "2", "-o", str(out)]) == 0 and _mode(out) == 0o600
    assert main(["montage", "template", "--channels", "2", "-o", str(out)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["montage", "template", "--channels", "2", "-o", str(tmp_path / "no" / "m.toml")]) == 2
    assert f"folder {tmp_path / 'no'} does not exist" in capsys.readouterr().err
