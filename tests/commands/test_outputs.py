"""Issue 18 items 1, 8 and 13: no output replaces an input or an existing file
(unless --force, and then never an input), bad output paths are refused before
any work in one sentence, outputs are complete or absent and owner-only."""
import os
import stat

import pytest

from emgmap.cli import main
from emgmap.outputs import OutputError, atomic_output, check_output, publish_unique, write_text


@pytest.fixture(scope="module")
def rec(tmp_path_factory):
    """A small real recording (the fast simulator through the record command)."""
    path = tmp_path_factory.mktemp("rec") / "s.h5"
    assert main(["record", "--device", "sim:?channels=2&seed=1", "--fast", "--duration", "1",
                 "-o", str(path)]) == 0
    return path


def _err(capsys) -> str:
    return capsys.readouterr().err.strip()


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_recording_is_owner_only(rec):
    assert _mode(rec) == 0o600


@pytest.mark.parametrize("argv", [
    ["analyze", "{rec}", "--report", "{rec}"],
    ["analyze", "{rec}", "--report", "{rec}", "--force"],       # --force never reaches an input
    ["compare", "{rec}", "{rec}", "--html", "{rec}", "--force"],
])
def test_a_report_never_replaces_its_recording(rec, capsys, argv):
    before = rec.read_bytes()
    assert main([a.format(rec=rec) for a in argv]) == 2
    err = _err(capsys)
    assert "is also an input of this command" in err and "\n" not in err
    assert rec.read_bytes() == before


def test_session_refuses_a_report_onto_its_recording_before_running(tmp_path, capsys):
    out = tmp_path / "s.h5"
    assert main(["session", "--protocol", "clamshell", "--fast", "-o", str(out), "--report", str(out)]) == 2
    assert "is also an input of this command" in _err(capsys)
    assert not out.exists()  # refused before the session ran


def test_an_existing_report_needs_force(rec, tmp_path, capsys):
    report = tmp_path / "r.html"
    report.write_text("keep me")
    assert main(["analyze", str(rec), "--report", str(report)]) == 2
    assert f"{report} exists; choose another name, or add --force to replace it" in _err(capsys)
    assert report.read_text() == "keep me"
    assert main(["analyze", str(rec), "--report", str(report), "--force"]) == 0
    assert "<html" in report.read_text().lower() and _mode(report) == 0o600


@pytest.mark.parametrize("argv, message", [
    (["record", "--device", "sim", "--fast", "--duration", "1", "-o", ""], "-o/--output is empty"),
    (["record", "--device", "sim", "--fast", "--duration", "1", "-o", "."], "is a folder"),
    (["analyze", "{rec}", "--report", "{tmp}/missing/r.html"], "folder {tmp}/missing does not exist"),
    (["compare", "{rec}", "{rec}", "--html", "{tmp}/missing/c.html"], "folder {tmp}/missing does not exist"),
    (["export", "{rec}", "--to", "csv", "-o", "{tmp}/missing/e"], "folder {tmp}/missing does not exist"),
    (["repair", "{rec}", "-o", "{tmp}"], "is a folder"),
    (["import", "{rec}", "-o", "{tmp}/missing/i.h5"], "folder {tmp}/missing does not exist"),
])
def test_bad_output_paths_are_one_sentence(rec, tmp_path, capsys, argv, message):
    assert main([a.format(rec=rec, tmp=tmp_path) for a in argv]) == 2
    err = _err(capsys)
    assert message.format(tmp=tmp_path) in err and "Traceback" not in err and "\n" not in err


@pytest.mark.parametrize("argv", [
    ["analyze", "{rec}", "--report", "{ro}/r.html"],
    ["compare", "{rec}", "{rec}", "--html", "{ro}/c.html"],
    ["record", "--device", "sim", "--fast", "--duration", "1", "-o", "{ro}/x.h5"],
    ["repair", "{rec}", "-o", "{ro}/x.h5"],
])
def test_read_only_folders_are_refused_before_work(rec, readonly_dir, capsys, argv):
    assert main([a.format(rec=rec, ro=readonly_dir) for a in argv]) == 2
    err = _err(capsys)
    assert f"cannot write in folder {readonly_dir}" in err and "\n" not in err
    assert list(readonly_dir.iterdir()) == []


def test_atomic_output_leaves_nothing_when_the_writer_fails(tmp_path):
    target = tmp_path / "r.html"
    with pytest.raises(RuntimeError):
        with atomic_output(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("the renderer crashed")
    assert list(tmp_path.iterdir()) == []
    write_text(target, "done")
    assert target.read_text() == "done" and _mode(target) == 0o600
    with pytest.raises(OutputError, match="appeared while it was being written"):
        with atomic_output(target) as tmp:  # someone else wrote it meanwhile: theirs is kept
            tmp.write_text("mine")
    assert target.read_text() == "done" and sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_publish_unique_never_shares_a_name(tmp_path):
    from concurrent.futures import ThreadPoolExecutor
    from emgmap.outputs import partial_path
    target = tmp_path / "x.h5"
    tmps = [partial_path(target) for _ in range(8)]
    for k, t in enumerate(tmps):
        t.write_text(str(k))
    with ThreadPoolExecutor(8) as ex:
        names = list(ex.map(lambda t: publish_unique(t, target), tmps))
    assert len(set(names)) == 8 and target in names
    assert sorted(p.read_text() for p in names) == sorted(map(str, range(8)))


def test_check_output_space(tmp_path):
    with pytest.raises(OutputError, match="MB free but --output needs about"):
        check_output(tmp_path / "x", need_bytes=10 ** 18)
