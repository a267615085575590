"""A session that stopped early, and recordings with nothing to analyse (issue 18)."""
import shutil

import h5py
import numpy as np

from emgmap.analysis import AnalysisError, analyze_recording
from emgmap.cli import main
from emgmap.recordings import open_recording

from cutfiles import truncated


def _events(path):
    with open_recording(path) as rec:
        return list(rec.events)


def test_stopped_after_calibration_mvc_trials_are_not_reps(clam, tmp_path, capsys):
    first_set_rep = min(e.onset_s for e in _events(clam) if e.kind == "rep")
    cut = truncated(clam, tmp_path / "cut.h5", first_set_rep - 0.5)
    assert any(e.kind == "mvc" for e in _events(cut)) and not any(e.kind in ("set", "rep") for e in _events(cut))
    a = analyze_recording(cut)
    assert a.sets == [] and a.provenance.interrupted
    assert any(n.startswith("interrupted: the session stopped before its first exercise set") for n in a.notes)
    assert main(["analyze", str(cut), "--report", str(tmp_path / "r.html")]) == 0
    out = capsys.readouterr().out
    assert "interrupted" in out and "reps" not in out.split("interrupted")[0]
    assert "interrupted" in (tmp_path / "r.html").read_text()


def test_stopped_inside_a_set_keeps_its_finished_reps(clam, tmp_path):
    reps = [e for e in _events(clam) if e.kind == "rep" and e.set_label == "clamshell right"]
    cut = truncated(clam, tmp_path / "cut.h5", reps[1].end_s + 0.3)   # after rep 2 of the right set
    a = analyze_recording(cut)
    assert [s.label for s in a.sets] == ["clamshell left", "clamshell right"]
    left, right = a.sets
    assert len(left.good_reps) == 3 and len(right.good_reps) == 2 and right.rep_source == "cues"
    assert "interrupted: set clamshell right was cut short; its 2 recorded reps are analysed" in a.notes
    assert a.provenance.interrupted and a.exercises[0]["symmetry"]


def test_stopped_between_sets_names_the_missing_set(clam, tmp_path):
    left = next(e for e in _events(clam) if e.kind == "set" and e.label == "clamshell left")
    a = analyze_recording(truncated(clam, tmp_path / "cut.h5", left.end_s + 0.2))
    assert [s.label for s in a.sets] == ["clamshell left"] and a.provenance.interrupted
    assert "interrupted: 1 set of the protocol was not recorded (clamshell right)" in a.notes
    assert not analyze_recording(clam).provenance.interrupted   # the whole session is not


def _one_sentence(capsys, *args):
    assert main(list(args)) == 2
    err = capsys.readouterr().err
    assert err.startswith("emgmap: ") and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


def test_zero_samples_and_all_nan_are_one_sentence(clam, tmp_path, capsys):
    empty = truncated(clam, tmp_path / "empty.h5", -1.0)
    with open_recording(empty) as rec:
        assert rec.n_samples == 0
    nan = tmp_path / "nan.h5"
    shutil.copy(clam, nan)
    with h5py.File(nan, "r+") as f:
        data = f["emg/data"]
        data[...] = np.full(data.shape, np.nan, data.dtype)  # a scalar is slow (chunk by chunk)
    for path, words in ((empty, "holds no samples"), (nan, "holds no finite sample")):
        assert words in _one_sentence(capsys, "analyze", str(path))
        assert words in _one_sentence(capsys, "analyze", str(path), "--report", str(tmp_path / "r.html"))
        assert words in _one_sentence(capsys, "compare", str(clam), str(path))
        try:
            analyze_recording(path)
        except AnalysisError as e:
            assert str(path) in str(e)
        else:
            raise AssertionError("no error")
    assert not (tmp_path / "r.html").exists()
