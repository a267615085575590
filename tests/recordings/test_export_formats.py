"""Exports read back by the other tools: MNE reads our BDF, mne-bids our BIDS-EMG dataset,
pynwb our NWB file; the BIDS names and sidecars are checked against the BIDS schema
(bidsschematools, the specification's own machine-readable rules)."""
import csv
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import h5py
import numpy as np
import pytest

from emgmap.cli import main
from emgmap.events import Event
from emgmap.recordings import open_recording
from emgmap.recordings.export import filtered, on_index_grid
from emgmap.recordings.format import RecordingError

from recsupport import record_session

NAMES = ["gmed_L", "gmed_R", "gmax_L", "gmax_R"]
EXTRA_EVENTS = [Event.set("clamshell", "left", 0.5, 4.0), Event.repetition("clamshell", "left", 1, 1.0, 1.5),
                Event.repetition("clamshell", "left", 2, 2.5, 1.5)]


@pytest.fixture(scope="module")
def rec_path(tmp_path_factory):
    """A 6 s simulated recording with gaps, rest/MVC calibration, a marker, and a set with two
    reps appended as the session runner stores them."""
    path = tmp_path_factory.mktemp("rec") / "session.h5"
    _, rec, _ = record_session(path)
    with h5py.File(rec.path, "r+") as f:
        ev = f["events"]
        n = ev["onset_s"].shape[0]
        for k in ev:
            ev[k].resize(n + len(EXTRA_EVENTS), axis=0)
        for j, e in enumerate(EXTRA_EVENTS):
            for k, v in zip(("onset_s", "duration_s", "kind", "label", "channel"), e.row()):
                ev[k][n + j] = v
    return rec.path


def _truth(path):
    with open_recording(path) as rec:
        return SimpleNamespace(x=rec.data(), idx=rec.sample_index(), grid=on_index_grid(rec, rec.data()),
                               fgrid=on_index_grid(rec, filtered(rec)), events=rec.events, fs=rec.fs,
                               t0=float(rec.timestamps(0, 1)[0]), gaps=rec.gaps(), attrs=rec.attrs)


def _lsb(raw, c):
    """One step of BDF's 24-bit resolution for channel c, in µV."""
    ch = raw._raw_extras[0]
    return float(ch["physical_max"][c] - ch["physical_min"][c]) / (2 ** 24 - 1)


@pytest.mark.parametrize("signal, band", [("raw", (0.0, 1000.0)), ("filtered", (20.0, 450.0))])
def test_mne_reads_our_bdf_as_emg_with_the_true_band(rec_path, tmp_path, signal, band):
    mne = pytest.importorskip("mne", reason="needs the research extra (mne)")
    pytest.importorskip("pyedflib", reason="needs the bdf extra (pyedflib)")
    out = tmp_path / "b"
    assert main(["export", str(rec_path), "--to", "bdf", "--signal", signal, "-o", str(out)]) == 0
    raw = mne.io.read_raw_bdf(f"{out}.bdf", infer_types=True, preload=True, verbose="error")
    assert raw.ch_names == NAMES and raw.get_channel_types() == ["emg"] * 4
    # raw: nothing emgmap applied (the simulator states no band: DC to Nyquist);
    # filtered: the recording's pipeline, 20 Hz high-pass, 450 Hz low-pass
    assert (raw.info["highpass"], raw.info["lowpass"]) == band
    truth = _truth(rec_path)
    data = raw.get_data(units="uV")[:, :truth.grid.shape[0]].T
    ref = truth.grid if signal == "raw" else truth.fgrid
    for c in range(4):
        np.testing.assert_allclose(data[:, c], ref[:, c], rtol=0, atol=_lsb(raw, c))
    if signal == "raw":
        assert abs(truth.x.mean()) > 100   # the sim's DC offsets: this really is unfiltered data
    texts = list(raw.annotations.description)
    assert "mvc: mvc gmed left [gmed_L]" in texts and "rep: clamshell left rep 2" in texts
    assert sum(t.startswith("gap: ") for t in texts) == len(truth.gaps) > 0


def test_exports_in_several_formats_do_not_collide(rec_path, tmp_path):
    pytest.importorskip("pyedflib", reason="needs the bdf extra (pyedflib)")
    out = tmp_path / "x"
    assert main(["export", str(rec_path), "--to", "csv", "-o", str(out)]) == 0
    assert main(["export", str(rec_path), "--to", "bdf", "-o", str(out)]) == 0
    csv_band = list(csv.DictReader(open(f"{out}_csv_channels.tsv", encoding="utf-8"), delimiter="\t"))
    bdf_json = json.loads(Path(f"{out}_bdf_emg.json").read_text(encoding="utf-8"))
    assert csv_band[0]["low_cutoff"] == "n/a" and bdf_json["SoftwareFilters"] == "n/a"
    assert bdf_json["TaskName"] == "clamshell" and bdf_json["EMGPlacementScheme"] == "Other"


def test_filtered_bdf_sidecars_name_the_filters(rec_path, tmp_path):
    pytest.importorskip("pyedflib", reason="needs the bdf extra (pyedflib)")
    out = tmp_path / "f"
    assert main(["export", str(rec_path), "--to", "bdf", "--signal", "filtered", "-o", str(out)]) == 0
    meta = json.loads(Path(f"{out}_bdf_emg.json").read_text(encoding="utf-8"))
    assert meta["SoftwareFilters"]["Butterworth high-pass"] == {"CutoffHz": 20.0, "Order": 2}
    assert meta["SoftwareFilters"]["Butterworth low-pass"] == {"CutoffHz": 450.0, "Order": 4}
    rows = list(csv.DictReader(open(f"{out}_bdf_channels.tsv", encoding="utf-8"), delimiter="\t"))
    assert (rows[0]["low_cutoff"], rows[0]["high_cutoff"]) == ("20", "450")


def test_signal_applies_to_bdf_only(rec_path, tmp_path, capsys):
    assert main(["export", str(rec_path), "--to", "csv", "--signal", "filtered", "-o", str(tmp_path / "c")]) == 2
    assert "--signal filtered applies to --to bdf only" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("fmt, module, extra", [("bids", "mne_bids", "bids"), ("nwb", "pynwb", "nwb"),
                                                ("bdf", "pyedflib", "bdf")])
def test_missing_library_is_one_sentence(rec_path, tmp_path, monkeypatch, fmt, module, extra):
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(RecordingError, match=rf"install them with: pip install 'emgmap\[{extra}\]'"):
        from emgmap.recordings.export import export
        export(rec_path, fmt, tmp_path / "o")
    assert not list(tmp_path.iterdir())


# --- BIDS ------------------------------------------------------------------------------------------------
def _tsv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_bids_export_is_read_back_by_mne_bids(rec_path, tmp_path):
    mne_bids = pytest.importorskip("mne_bids", reason="needs the bids extra (mne-bids)")
    root = tmp_path / "bids"
    assert main(["export", str(rec_path), "--to", "bids", "-o", str(root)]) == 0
    truth = _truth(rec_path)
    date = truth.attrs["created_utc"][:10].replace("-", "")
    bp = mne_bids.BIDSPath(subject="S01", session=date, task="clamshell", datatype="emg", root=root)
    stem = root / "sub-S01" / f"ses-{date}" / "emg" / f"sub-S01_ses-{date}_task-clamshell"
    assert Path(f"{stem}_emg.bdf").exists() and Path(f"{stem}_events.tsv").exists()
    raw = mne_bids.read_raw_bids(bp, verbose="error")
    assert raw.ch_names == NAMES and raw.get_channel_types() == ["emg"] * 4
    data = raw.get_data(units="uV")[:, :truth.grid.shape[0]].T
    for c in range(4):
        np.testing.assert_allclose(data[:, c], truth.grid[:, c], rtol=0, atol=_lsb(raw, c))
    ann = list(raw.annotations.description)
    assert "mvc: mvc gmed left [gmed_L]" in ann and "set: clamshell left" in ann
    assert sum(a.startswith("gap: ") for a in ann) == len(truth.gaps)
    rep2 = [r for r in _tsv(f"{stem}_events.tsv") if r["kind"] == "rep" and r["rep"] == "2"]
    assert len(rep2) == 1 and rep2[0]["exercise"] == "clamshell" and rep2[0]["side"] == "left"
    assert float(rep2[0]["onset"]) == pytest.approx(2.5 - truth.t0, abs=1 / truth.fs)
    mvc = [r for r in _tsv(f"{stem}_events.tsv") if r["kind"] == "mvc"]
    assert [(r["muscle"], r["side"], r["channel"]) for r in mvc] == [("gmed", "left", "gmed_L")]


def test_bids_export_follows_the_bids_schema(rec_path, tmp_path):
    pytest.importorskip("mne_bids", reason="needs the bids extra (mne-bids)")
    pytest.importorskip("bidsschematools", reason="needs bidsschematools (test extra)")
    from bidsschematools import schema as bschema
    from bidsschematools import validator
    root = tmp_path / "bids"
    assert main(["export", str(rec_path), "--to", "bids", "-o", str(root), "--session", "01"]) == 0
    result = validator.validate_bids(str(root))
    assert result["path_tracking"] == [], result["path_tracking"]     # every file name is a BIDS name
    s = bschema.load_schema()
    emg_json = json.loads(next(root.rglob("*_emg.json")).read_text(encoding="utf-8"))
    fields = s.rules.sidecars.emg
    required = [k for k, v in fields.EMGRequired.fields.items() if (v if isinstance(v, str) else v["level"]) == "required"]
    required += ["TaskName"]
    assert not [k for k in required if k not in emg_json]
    assert emg_json["EMGPlacementScheme"] in s.objects.metadata.EMGPlacementScheme.enum
    assert "SENIAM" in emg_json["EMGPlacementSchemeDescription"] and emg_json["TaskName"] == "clamshell"
    rows = _tsv(next(root.rglob("*_channels.tsv")))
    cols = s.rules.tabular_data.emg.EMGChannels.columns
    defined = {s.objects.columns[k].name: v for k, v in cols.items()}
    recommended = [k for k, v in defined.items() if (v if isinstance(v, str) else v["level"]) in ("required", "recommended")]
    assert set(rows[0]) <= set(defined) and set(recommended) <= set(rows[0])
    assert rows[0]["target_muscle"] == "left gluteus medius" and rows[0]["type"] == "EMG"
    assert all(r["placement_scheme"] in [*s.objects.columns.placement_scheme.enum, "n/a"] for r in rows)
    description = json.loads((root / "dataset_description.json").read_text(encoding="utf-8"))
    assert description["BIDSVersion"] == "1.11.1" and description["GeneratedBy"][0]["Name"] == "emgmap"
    assert "EEGChannelCount" not in emg_json


def test_bids_export_never_overwrites_and_keeps_other_sessions(rec_path, tmp_path, capsys):
    pytest.importorskip("mne_bids", reason="needs the bids extra (mne-bids)")
    root = tmp_path / "bids"
    assert main(["export", str(rec_path), "--to", "bids", "-o", str(root), "--session", "a"]) == 0
    assert main(["export", str(rec_path), "--to", "bids", "-o", str(root), "--session", "b"]) == 0
    before = sorted(p for p in root.rglob("*") if p.is_file())
    assert main(["export", str(rec_path), "--to", "bids", "-o", str(root), "--session", "a"]) == 2
    assert "exists" in capsys.readouterr().err
    assert sorted(p for p in root.rglob("*") if p.is_file()) == before
    assert len(list(root.rglob("*_emg.bdf"))) == 2


# --- NWB ---------------------------------------------------------------------------------------------------
def test_nwb_export_is_read_back_by_pynwb(rec_path, tmp_path):
    pynwb = pytest.importorskip("pynwb", reason="needs the nwb extra (pynwb)")
    out = tmp_path / "s.nwb"
    assert main(["export", str(rec_path), "--to", "nwb", "-o", str(out)]) == 0
    with open_recording(rec_path) as rec:
        x, t, env, env_t = rec.data(), rec.timestamps(), *rec.envelope()
        mvc, names, idx = rec.mvc_uv, rec.channel_names, rec.sample_index()
    with pynwb.NWBHDF5IO(str(out), "r") as io:
        nwb = io.read()
        es = nwb.acquisition["EMG"]
        assert es.unit == "volts" and es.conversion == 1e-6
        np.testing.assert_allclose(es.data[:] * es.conversion, x.astype(np.float64) * 1e-6, rtol=1e-7)
        np.testing.assert_array_equal(es.timestamps[:], t)
        assert "nothing applied by emgmap" in es.filtering or "raw samples" in es.filtering
        el = nwb.electrodes.to_dataframe()
        assert list(el["channel"]) == names and list(el["location"])[0] == "left gluteus medius"
        np.testing.assert_array_equal(el["mvc_uv"].to_numpy(), mvc)
        e = nwb.processing["emg"]["envelope"]
        np.testing.assert_allclose(e.data[:] * e.conversion, env.astype(np.float64) * 1e-6, rtol=1e-7)
        np.testing.assert_array_equal(e.timestamps[:], env_t)
        assert "RMS envelope over 100 ms of the 20-450 Hz" in e.description
        reps = nwb.intervals["reps"].to_dataframe()
        assert list(reps["rep"]) == [1, 2] and set(reps["exercise"]) == {"clamshell"} and set(reps["side"]) == {"left"}
        assert list(reps["start_time"]) == [1.0, 2.5] and list(reps["stop_time"]) == [2.5, 4.0]
        sets = nwb.intervals["sets"].to_dataframe()
        assert list(sets["exercise"]) == ["clamshell"] and list(sets["stop_time"]) == [4.5]
        mvcs = nwb.intervals["mvc_trials"].to_dataframe()
        assert list(zip(mvcs["muscle"], mvcs["side"], mvcs["channel"])) == [("gmed", "left", "gmed_L")]
        assert list(nwb.intervals["events"].to_dataframe()["label"]) == ["done ✓"]
        lost = nwb.invalid_times.to_dataframe()
        assert len(lost) == int(np.sum(np.diff(idx) != 1)) > 0
        assert nwb.subject.subject_id == "S01" and nwb.subject.date_of_birth is None


def test_docs_export_examples_run(tmp_path, monkeypatch, capsys):
    """Every bash example of docs/recording-format.md's Exports section, as written (the
    emgmap commands through the CLI entry point, the python -c snippets executed)."""
    import re
    import shlex
    pytest.importorskip("mne_bids", reason="needs the research extra")
    pytest.importorskip("pynwb", reason="needs the research extra")
    doc = (Path(__file__).resolve().parents[2] / "docs" / "recording-format.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Exports"):doc.index("## Replay")]
    script = "\n".join(re.findall(r"```bash\n(.*?)```", section, re.S))
    monkeypatch.chdir(tmp_path)
    for cmd in re.findall(r'^(emgmap [^\n]*|python -c ".*?"$)', script, re.M | re.S):
        if cmd.startswith("emgmap "):
            assert main(shlex.split(cmd, comments=True)[1:]) == 0, cmd
        else:
            exec(compile(shlex.split(cmd)[2], "docs example", "exec"), {})
    out = capsys.readouterr().out
    assert "['emg', 'emg', 'emg', 'emg', 'emg', 'emg', 'emg', 'emg'] 0.0 1000.0" in out   # MNE: EMG, raw band
    assert "sub-P007_ses-" in out and "P007 (6000, 8) 1e-06" in out
