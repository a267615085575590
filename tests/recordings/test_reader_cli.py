"""Reader, `emgmap info`, `emgmap record` and bad input: one clear line each, nothing modified."""
import re
from pathlib import Path

import h5py
import numpy as np
import pytest

from emgmap.cli import main
from emgmap.recordings import RecordingError, open_recording

from terminal import run_on_terminal


def one_line_error(r, *fragments):
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("emgmap: "), r.stderr
    for f in fragments:
        assert f in lines[0], lines[0]
    return lines[0]


def test_info_summarises_device_channels_gaps_events_and_calibration(recorded, capsys):
    assert main(["info", str(recorded.path)]) == 0
    out = capsys.readouterr().out
    s = recorded.session
    t = s.rings.t.read_range(0, s.rings.total)
    assert f"duration     {t[-1] - t[0] + 1 / 2000:.3f} s, {s.rings.total} samples" in out
    assert re.search(rf"gaps\s+{s.status.gaps}, {s.status.dropped_samples} samples missing", out)
    assert "device       sim:?channels=4&seed=3&drop_rate=0.05" in out and "(emgmap simulator)" in out
    assert "sampling     2000 Hz, 4 channels, mains 50 Hz" in out
    snap = s.calibration.snapshot()
    assert re.search(rf"gmed_L\s+gmed\s+left\s+20-450\s+{snap.rest_mean_uv[0]:.1f}\s+{snap.mvc_uv[0]:.1f}", out)
    assert re.search(rf"gmed_R\s+gmed\s+right\s+20-450\s+{snap.rest_mean_uv[1]:.1f}\s+-", out)  # NaN: '-'
    assert "mvc gmed left  [gmed_L]" in out and "subject      S01" in out
    assert "not finalised" not in out


def test_record_command_writes_a_recording(tmp_path, cli):
    out = tmp_path / "r.h5"
    r = cli("record", "--device", "sim:?channels=2&seed=2", "--fast", "--duration", "3", "-o", out,
            "--subject", "P7")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # no progress bar when stderr is not a terminal
    assert f"to {out}" in r.stdout
    with open_recording(out) as rec:
        assert rec.n_samples == 6000 and rec.attrs["subject_id"] == "P7" and rec.finalised  # exactly --duration
    again = cli("record", "--device", "sim:?channels=2", "--fast", "--duration", "1", "-o", out)
    assert again.returncode == 0 and f"{out} exists; recording to {tmp_path / 'r-1.h5'} instead" in again.stderr


@pytest.fixture
def bad_files(tmp_path, recorded):
    text = tmp_path / "notes.h5"
    text.write_text("hello\n")
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.arange(3)
    newer = tmp_path / "newer.h5"
    newer.write_bytes(Path(recorded.path).read_bytes())
    with h5py.File(newer, "r+") as f:
        f.attrs["format_version"] = 2
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(Path(recorded.path).read_bytes()[:5000])
    return {"text": text, "other": other, "newer": newer, "truncated": truncated, "missing": tmp_path / "nope.h5"}


@pytest.mark.parametrize("kind, fragments", [
    ("text", ("is not an HDF5 file",)),
    ("other", ("is an HDF5 file but not an emgmap recording",)),
    ("newer", ("format_version 2", "update emgmap")),
    ("truncated", ("is damaged or truncated",)),
    ("missing", ("does not exist",)),
])
def test_bad_recordings_are_one_clear_line_and_untouched(bad_files, kind, fragments, capsys, cli):
    path = bad_files[kind]
    before = path.read_bytes() if path.exists() else None
    one_line_error(cli("info", path), str(path), *fragments)  # no traceback
    for command in (("export", path, "--to", "csv"), ("repair", path)):
        assert main([*command[:1], str(path), *command[2:]]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and str(path) in err[0] and all(f in err[0] for f in fragments)
    with pytest.raises(RecordingError):
        open_recording(path)
    if before is not None:
        assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.stem)) == \
        ([path.name] if before is not None else [])  # nothing written beside it


def test_replay_driver_spec_errors_are_one_line(bad_files, cli):
    one_line_error(cli("check", "--device", f"replay:{bad_files['other']}", "--seconds", "1"),
                   "not an emgmap recording")
    one_line_error(cli("check", "--device", "replay:", "--seconds", "1"), "give the recording to replay")


def test_record_shows_a_progress_bar_on_a_terminal(tmp_path):
    rc, bar, _ = run_on_terminal(["-m", "emgmap", "record", "--device", "sim:?channels=2", "--fast", "--duration", "2",
                                  "-o", tmp_path / "p.h5"], timeout=60)
    assert rc == 0
    # the shared tqdm bar (emgmap.progress): "recording:  50%|█████     | 1.0/2.0 [..., 0.1 MB]"
    assert "\rrecording:" in bar and "%|" in bar and "/2.0 [" in bar and " MB]" in bar, bar


@pytest.mark.bench
def test_record_benchmark_runs(capsys):
    main(["bench", "record", "--seconds", "2", "--channels", "2", "--repeat", "1"])
    out = capsys.readouterr().out
    assert re.search(r"record to HDF5\s+\d+\.\d+ s\s+\d+\.\dx real time", out) and "goal >= 100x" in out
