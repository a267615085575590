"""Normalisation: MVC recomputed from the recording's own trials, the normalize choice,
and its provenance."""
import json
import shutil

import h5py
import numpy as np
import pytest

from emgmap.analysis import analyze_recording
from emgmap.cli import main
from emgmap.recordings import open_recording
from emgmap.types import ConfigError


def _without_calibration(src, dst, drop_trials=False):
    """A copy with NaN in /calibration/mvc_uv (as after an import or a crash), optionally
    with its mvc events turned into markers too."""
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        f["calibration/mvc_uv"][...] = np.nan
        if drop_trials:
            kinds = [k.decode() if isinstance(k, bytes) else k for k in f["events/kind"][()]]
            f["events/kind"][...] = ["marker" if k == "mvc" else k for k in kinds]
    return dst


def test_mvc_recomputed_from_the_trials_equals_the_stored_calibration(clam, tmp_path):
    nocal = _without_calibration(clam, tmp_path / "nocal.h5")
    with open_recording(nocal) as rec:
        assert np.isnan(rec.mvc_uv).all() and any(e.kind == "mvc" for e in rec.events)
    with open_recording(clam) as rec:
        stored = np.array(rec.mvc_uv)
    a, b = analyze_recording(clam), analyze_recording(nocal)
    assert a.normalization == b.normalization == "mvc" and b.unit == "%MVC"
    assert (a.provenance.mvc_source, b.provenance.mvc_source) == ("stored", "recomputed")
    assert any("MVC recomputed from the recording's MVC trials" in n for n in b.notes)
    # the live session's references (stored) from the same trials, recomputed offline from float32 raw
    np.testing.assert_allclose([c.mvc_uv for c in b.provenance.channels], stored, rtol=1e-6)
    assert all(c.mvc_trials == 2 and c.reason == "MVC recomputed from 2 MVC trials in the recording"
               for c in b.provenance.channels)  # the test sessions record 2 trials per channel
    for sa, sb in zip(a.sets, b.sets):
        assert sb.activation == pytest.approx(sa.activation, rel=1e-6)
        assert [r["value"] for r in sb.ratios] == pytest.approx([r["value"] for r in sa.ratios], rel=1e-6)
        for ra, rb in zip(sa.good_reps, sb.good_reps):
            assert rb.peak == pytest.approx(ra.peak, rel=1e-6)
    for ea, eb in zip(a.exercises, b.exercises):
        assert [y["si_percent"] for y in eb["symmetry"]] == pytest.approx([y["si_percent"] for y in ea["symmetry"]],
                                                                         rel=1e-6, abs=1e-6)


def test_normalize_choice_on_the_command_line(clam, tmp_path, capsys):
    assert main(["analyze", str(clam), "--json", "--normalize", "peak"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["normalization"] == "peak" and doc["provenance"]["normalize"] == "peak"
    assert {c["reason"] for c in doc["provenance"]["channels"]} == {"peak in the task (normalize=peak)"}
    assert max(doc["sets"][0]["activation"].values()) <= 100.0
    assert main(["analyze", str(clam), "--json", "--normalize", "none"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["normalization"] == "none" and doc["provenance"]["mvc_source"] == "stored"
    # no stored MVC and no trials: mvc cannot be had, and says which channels lack it
    bare = _without_calibration(clam, tmp_path / "bare.h5", drop_trials=True)
    assert main(["analyze", str(bare), "--normalize", "mvc"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("emgmap: normalize=mvc: no MVC for gmed_L") and len(err.strip().splitlines()) == 1
    auto = analyze_recording(bare)
    assert auto.normalization == "peak" and auto.provenance.mvc_source == "none"
    assert all(c.mvc_source == "none" and "peak in the task" in c.reason for c in auto.provenance.channels)
    with pytest.raises(ConfigError, match="normalize must be one of auto, mvc, peak, none; got 'max'"):
        analyze_recording(clam, normalize="max")
