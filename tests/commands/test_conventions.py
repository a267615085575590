"""Issue 18 items 7, 11, 13 and 'conventions users expect': numbers validated once
(NaN/inf never pass), the real-name guard on every --subject, exit codes, the log
file, stdout for results and stderr for the rest, info --json, packaging."""
import json
import os
import tomllib
from pathlib import Path

import numpy as np
import pytest

from emgmap import cli, paths
from emgmap.cli import main
from emgmap.privacy import looks_like_name
from emgmap.quality import channel_quality

REPO = Path(__file__).resolve().parents[2]
NAME = "Maria Garcia, born 1984-03-02"


def _run(argv, capsys):
    """(exit code, stdout, stderr) of the CLI run in this process."""
    try:
        code = main(argv)
    except SystemExit as e:  # argparse
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv, message", [
    (["record", "--duration", "nan", "-o", "{tmp}/x.h5"], "--duration: must be a finite number above 0"),
    (["record", "--duration", "inf", "-o", "{tmp}/x.h5"], "--duration: must be a finite number above 0"),
    (["record", "--duration", "1e308", "-o", "{tmp}/x.h5"], "and at most 604800, got 1e308"),
    (["record", "--duration", "-5", "-o", "{tmp}/x.h5"], "got -5"),   # exited 0 with an empty file
    (["check", "--seconds", "nan"], "--seconds: must be a finite number"),
    (["stream", "--seconds", "inf"], "--seconds: must be a finite number"),   # never ended
    (["gui", "--quit-after", "nan"], "--quit-after: must be a finite number"),
    (["import", "x.txt", "-o", "{tmp}/y.h5", "--fs", "nan"], "--fs: must be a finite number"),
    (["record", "--device", "sim:?channels=nan", "--duration", "1", "-o", "{tmp}/x.h5"],
     "channels must be a whole number from 1 to 18, got nan"),
    (["record", "--device", "sim:?seed=inf", "--duration", "1", "-o", "{tmp}/x.h5"], "seed must be a whole number"),
    (["check", "--device", "serial:/dev/null?scale_uv=nan"], "scale_uv must be a finite number"),
])
def test_numbers_are_validated_with_their_range(tmp_path, capsys, argv, message):
    code, out, err = _run([a.format(tmp=tmp_path) for a in argv], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_non_finite_channel_is_unhealthy():
    x = np.random.default_rng(0).normal(size=(2000, 2)) * 20
    x[:, 1] = np.nan  # scale_uv=nan recorded this and `check` said "healthy"
    q = channel_quality(x, 1000.0)
    assert q[0].flags == () and q[1].flags == ("not finite",)


@pytest.mark.parametrize("text, name", [(NAME, True), ("Anna Berg", True), ("S01 1984-03-02", True),
                                        ("P017", False), ("knee-03", False), ("", False)])
def test_the_name_guard_is_qt_free_and_catches_birth_dates(text, name):
    assert looks_like_name(text) is name


def test_a_name_never_lands_in_a_recording_or_export_unconfirmed(tmp_path, capsys):
    out = tmp_path / "n.h5"
    rec = ["record", "--device", "sim:?channels=2", "--fast", "--duration", "0.5", "-o", str(out)]
    code, _, err = _run([*rec, "--subject", NAME], capsys)
    assert code == 2 and "looks like a person's name and a birth date" in err and not out.exists()
    code, _, err = _run([*rec, "--subject", NAME, "--confirm-subject"], capsys)
    assert code == 0 and "emgmap: warning: --subject" in err
    code, _, err = _run(["export", str(out), "--to", "csv"], capsys)
    assert code == 2 and "would land in the export's patient fields" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.h5"]
    code, _, err = _run(["export", str(out), "--to", "csv", "--confirm-subject"], capsys)
    assert code == 0 and "is exported as it is" in err


def test_fast_and_the_fast_parameter_agree_or_say_so(tmp_path, capsys):
    code, _, err = _run(["record", "--device", "sim:?fast=0", "--fast", "--duration", "0.5",
                         "-o", str(tmp_path / "f.h5")], capsys)
    assert code == 2 and "--fast contradicts fast=0 in the device" in err
    code, out, _ = _run(["record", "--device", "sim:?fast=1&channels=2", "--fast", "--duration", "0.5",
                         "-o", str(tmp_path / "f.h5")], capsys)  # was "parameter 'fast' is given twice"
    assert code == 0 and "recorded 0.5 s" in out


def test_warnings_go_to_stderr_results_to_stdout(tmp_path, capsys):
    out = tmp_path / "w.h5"
    code, stdout, err = _run(["record", "--device", "sim:?channels=2&drop_rate=0.3&seed=1", "--fast",
                              "--duration", "2", "-o", str(out)], capsys)
    assert code == 0 and stdout.startswith("recorded ") and "warning:" not in stdout
    assert "emgmap: warning: the device lost" in err
    code, stdout, err = _run(["-q", "record", "--device", "sim:?channels=2&drop_rate=0.3&seed=1", "--fast",
                              "--duration", "2", "-o", str(out)], capsys)
    assert code == 0 and "warning:" not in err  # -q: errors only
    assert f"{out} exists; recording to {tmp_path / 'w-1.h5'} instead" in err


def test_every_error_names_the_log_file_which_has_the_details(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("EMGMAP_LOG_DIR", str(tmp_path / "logs"))
    code, _, err = _run(["info", str(tmp_path / "nope.h5")], capsys)
    log = tmp_path / "logs" / "emgmap.log"
    assert code == 2 and err.strip().endswith(f"(log: {log})")
    text = log.read_text()
    assert "info " in text and "does not exist" in text and oct(log.stat().st_mode & 0o777) == "0o600"

    from emgmap.commands import info

    def bug(args):
        raise ZeroDivisionError("division by zero")
    monkeypatch.setattr(info, "run", bug)
    code, _, err = _run(["info", "x.h5"], capsys)
    assert code == cli.EXIT_FAILED and err.startswith("emgmap: internal error (ZeroDivisionError")
    assert "Traceback" not in err and f"please send {log}" in err
    assert "Traceback" in log.read_text()  # the details are in the file


def test_the_log_records_the_device_and_settings(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("EMGMAP_LOG_DIR", str(tmp_path / "logs"))
    assert _run(["record", "--device", "sim:?channels=2", "--fast", "--duration", "0.5",
                 "-o", str(tmp_path / "l.h5")], capsys)[0] == 0
    text = (tmp_path / "logs" / "emgmap.log").read_text()
    assert "opened sim:?channels=2&fast=1: emgmap simulator, 2000 Hz, 2 channels" in text
    assert "[pipeline]" in text and "recording to" in text


def test_info_json(tmp_path, capsys):
    out = tmp_path / "j.h5"
    assert _run(["record", "--device", "sim:?channels=2", "--fast", "--duration", "0.5", "-o", str(out)],
                capsys)[0] == 0
    code, stdout, _ = _run(["info", "--json", str(out)], capsys)
    doc = json.loads(stdout)
    assert code == 0 and doc["n_samples"] == 1000 and doc["finalised"] and doc["sampling_frequency"] == 2000.0
    assert [c["name"] for c in doc["channels"]] == ["gmed_L", "gmed_R"] and doc["channels"][0]["mvc_uv"] is None


def test_docs_and_firmware_ship_with_the_package(capsys):
    code, out, _ = _run(["docs", "--path"], capsys)
    docs = Path(out.strip())
    assert code == 0 and (docs / "recording-format.md").is_file() and (docs / "outputs.md").is_file()
    code, out, _ = _run(["firmware", "--path"], capsys)
    assert code == 0 and (Path(out.strip()) / "emgmap_serial.ino").is_file()
    # the wheel takes what package-data lists: every doc and the sketch match it
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())
    globs = meta["tool"]["setuptools"]["package-data"]["emgmap"]
    root = REPO / "emgmap"
    shipped = {p for g in globs for p in root.glob(g)}
    assert {root / "resources/docs" / p.name for p in (REPO / "docs").glob("*.md")} <= shipped
    assert root / "resources/firmware/emgmap_serial/emgmap_serial.ino" in shipped
    assert meta["project"]["license"] == "MIT" and (REPO / "LICENSE").read_text().startswith("MIT License")


def test_settings_live_in_the_platform_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("EMGMAP_CONFIG_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    import platformdirs
    assert paths.config_dir() == Path(platformdirs.user_config_dir("emgmap", appauthor=False))
    from emgmap.protocols.model import user_protocol_dir
    monkeypatch.delenv("EMGMAP_PROTOCOLS", raising=False)
    assert user_protocol_dir() == paths.config_dir() / "protocols"
    if os.name == "posix" and not os.uname().sysname == "Darwin":
        assert paths.config_dir() == tmp_path / "emgmap"


def test_exit_codes_are_documented():
    text = (REPO / "docs" / "cli.md").read_text()
    for code, meaning in ((cli.EXIT_OK, "0"), (cli.EXIT_FAILED, "1"), (cli.EXIT_USER_ERROR, "2"),
                          (cli.EXIT_INTERRUPTED, "130")):
        assert f"| {meaning} |" in text and str(code) == meaning


@pytest.mark.parametrize("pseudonym", ["Anna Berg", "P01-1984-03-02"])
def test_a_patient_pseudonym_passes_the_name_guard_too(tmp_path, capsys, pseudonym):
    """`session --patient P` stores P as the subject: the guard of --subject applies. A store
    written before the guard could hold such a pseudonym; the patient store refuses new ones."""
    import sqlite3

    from emgmap.app.patients import PatientError, PatientStore, check_pseudonym
    with pytest.raises(PatientError, match="looks like a real name|contains a birth date"):
        check_pseudonym(pseudonym)   # one rule (emgmap.privacy): the birth date passed here before
    with PatientStore() as store:
        path = store.path
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO patients VALUES (?, '', NULL, '', '', '', '2020-01-01T00:00:00Z')", (pseudonym,))
    argv = ["session", "--protocol", str(REPO / "tests" / "app" / "clamshell_short.toml"), "--fast",
            "--patient", pseudonym, "-o", str(tmp_path / "s.h5")]
    code, _, err = _run(argv, capsys)
    assert code == 2 and err.startswith(f"emgmap: --patient {pseudonym!r} looks like a "), err
    assert "--confirm-subject" in err and not (tmp_path / "s.h5").exists()   # refused before the session ran
