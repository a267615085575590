"""CSV and BDF+ exports with BIDS-style sidecars; the replay driver; the docs' h5py example."""
import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest

from emgmap.cli import main
from emgmap.clock import ManualClock
from emgmap.drivers import open_driver
from emgmap.dsp import Pipeline, PipelineConfig
from emgmap.recordings import open_recording
from emgmap.session import Session

DOC = Path(__file__).resolve().parents[2] / "docs" / "recording-format.md"


def test_csv_export(recorded, tmp_path, capsys):
    prefix = tmp_path / "out"
    assert main(["export", str(recorded.path), "--to", "csv", "-o", str(prefix)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("out"))
    assert names == ["out_csv_channels.tsv", "out_csv_emg.json", "out_envelope.csv", "out_events.csv",
                     "out_filtered.csv", "out_raw.csv"]
    with open_recording(recorded.path) as rec:
        raw = np.loadtxt(f"{prefix}_raw.csv", delimiter=",", skiprows=1)
        np.testing.assert_allclose(raw[:, 2:], rec.data(), atol=5e-4)
        np.testing.assert_array_equal(raw[:, 1], rec.sample_index())
        np.testing.assert_allclose(raw[:, 0], rec.timestamps(), atol=5e-7)
        filt = np.loadtxt(f"{prefix}_filtered.csv", delimiter=",", skiprows=1)[:, 2:]
        ref = Pipeline(rec.fs, rec.n_channels, PipelineConfig(**rec.config["pipeline"])).process(
            rec.data().astype(np.float64)).filtered
        np.testing.assert_allclose(filt, ref, atol=5e-5)
        live = recorded.session.rings.filtered.read_range(0, rec.n_samples)
        assert np.abs(filt - live).max() < 1e-2 * np.abs(live).max()  # float32 storage is the only difference
        env = np.loadtxt(f"{prefix}_envelope.csv", delimiter=",", skiprows=1)
        np.testing.assert_allclose(env[:, 1:], rec.envelope()[0], atol=5e-5)
        with open(f"{prefix}_events.csv", newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert [r["label"] for r in rows] == [e.label for e in rec.events] and rows[-1]["label"] == "done ✓"
    with open(f"{prefix}_csv_channels.tsv", encoding="utf-8") as fh:
        ch = list(csv.DictReader(fh, delimiter="\t"))
    assert [c["name"] for c in ch] == ["gmed_L", "gmed_R", "gmax_L", "gmax_R"]
    # the raw columns are unfiltered: no high-pass, the simulator's band ends at Nyquist
    assert ch[0]["type"] == "EMG" and ch[0]["units"] == "uV" and ch[0]["low_cutoff"] == "n/a"
    assert ch[0]["high_cutoff"] == "n/a" and ch[0]["target_muscle"] == "left gluteus medius"
    meta = json.loads(Path(f"{prefix}_csv_emg.json").read_text())
    assert meta["SamplingFrequency"] == 2000.0 and meta["EMGChannelCount"] == 4 and meta["SoftwareFilters"] == "n/a"
    assert meta["EMGPlacementScheme"] == "Other" and "SENIAM" in meta["EMGPlacementSchemeDescription"]
    assert meta["MissingSamples"] == recorded.session.status.dropped_samples
    assert main(["export", str(recorded.path), "--to", "csv", "-o", str(prefix)]) == 2  # never overwrites
    assert "exists" in capsys.readouterr().err


def test_bdf_export_with_annotations_and_zero_filled_gaps(recorded, tmp_path):
    pyedflib = pytest.importorskip("pyedflib", reason="BDF export needs the optional extra bdf (pyedflib)")
    prefix = tmp_path / "b"
    assert main(["export", str(recorded.path), "--to", "bdf", "-o", str(prefix)]) == 0
    with open_recording(recorded.path) as rec:
        x, idx = rec.data(), rec.sample_index()
        gaps, events = rec.gaps(), rec.events
    r = pyedflib.EdfReader(f"{prefix}.bdf")
    try:
        assert r.filetype == pyedflib.FILETYPE_BDFPLUS
        assert r.getSignalLabels() == ["EMG gmed_L", "EMG gmed_R", "EMG gmax_L", "EMG gmax_R"]
        assert r.getSampleFrequency(0) == 2000
        n = idx[-1] - idx[0] + 1
        # BDF+ files hold whole 1 s records: the tail past the last sample is padding
        for c in range(4):
            y = r.readSignal(c)[:n]
            lsb = (r.getPhysicalMaximum(c) - r.getPhysicalMinimum(c)) / (2 ** 24 - 1)
            np.testing.assert_allclose(y[idx - idx[0]], x[:, c], atol=lsb)
            missing = np.setdiff1d(np.arange(n), idx - idx[0])
            assert missing.size == sum(g.missing for g in gaps) > 0
            assert np.abs(y[missing]).max() <= lsb  # lost samples are zeros, not bridged
        onsets, durations, texts = r.readAnnotations()
    finally:
        r.close()
    texts = list(texts)
    assert "mvc: mvc gmed left [gmed_L]" in texts and "marker: done ✓" in texts
    assert sum(t.startswith("gap: ") and t.endswith("(zero-filled)") for t in texts) == len(gaps)
    assert not any(t.endswith("samples lost") for t in texts)  # one annotation per hole, not two
    j = int(np.flatnonzero(np.diff(idx) != 1)[0])
    k = texts.index(f"gap: {gaps[0].missing} samples missing (zero-filled)")
    assert onsets[k] == pytest.approx((idx[j] + 1 - idx[0]) / 2000, abs=1e-6)
    assert durations[k] == pytest.approx(gaps[0].missing / 2000)
    assert Path(f"{prefix}_bdf_channels.tsv").exists() and Path(f"{prefix}_bdf_emg.json").exists()


def test_replay_plays_a_recording_back_through_a_session(recorded):
    clock = ManualClock(50.0)
    d = open_driver(f"replay:{recorded.path}?speed=2", clock=clock)
    assert d.paced and d.montage.names == ("gmed_L", "gmed_R", "gmax_L", "gmax_R")
    s = Session(d, clock=clock, ring_seconds=60)
    with open_recording(recorded.path) as rec:
        n, x, idx, t = rec.n_samples, rec.data(), rec.sample_index(), rec.timestamps()
        gaps, markers = rec.gaps(), [e for e in rec.events if e.kind == "marker"]
    s.start()
    s.wait_until(lambda z: z.status.samples >= n, 30)
    s.stop()
    assert s.status.state.value == "device lost" and "replay of session.h5 ended" in s.status.message
    np.testing.assert_array_equal(s.rings.raw.read_range(0, n), x)  # float32 values, exactly
    np.testing.assert_array_equal(s.rings.sample_index.read_range(0, n), idx)
    np.testing.assert_allclose(s.rings.t.read_range(0, n), (t - t[0]) / 2)  # twice as fast on the clock
    assert s.status.gaps == len(gaps) and s.status.dropped_samples == sum(g.missing for g in gaps)
    replayed = [e for e in s.events() if e.kind == "marker"]
    assert [e.label for e in replayed] == [m.label for m in markers]


def test_fast_replay_and_record_of_a_replay(recorded, tmp_path):
    out = tmp_path / "again.h5"
    assert main(["record", "--device", f"replay:{recorded.path}", "--fast", "--duration", "3", "-o", str(out)]) == 0
    with open_recording(recorded.path) as a, open_recording(out) as b:
        m = b.n_samples
        assert m == 6000
        np.testing.assert_array_equal(b.data(), a.data(0, m))
        np.testing.assert_array_equal(b.sample_index(), a.sample_index(0, m))
        assert b.attrs["device"] == f"replay:{recorded.path}?fast=1"
        # the replayed samples are the raw ones: the copy states the source's device band,
        # not the band its live envelope saw
        assert b.config["session"]["device_band_hz"] == a.config["session"]["device_band_hz"] == [0.0, 1000.0]


def test_docs_h5py_example_reads_a_recording(recorded, tmp_path, monkeypatch, capsys):
    code = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)
    (tmp_path / "session.h5").write_bytes(Path(recorded.path).read_bytes())
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(DOC), "exec"), {})
    out = capsys.readouterr().out
    assert "gmed_L: gmed left, RMS" in out and re.search(r"\d+\.\d s at 2000 Hz, \d+ gaps, \d+ events", out)


def test_aux_columns_flow_through_a_live_session_into_the_recording(tmp_path):
    """A device's auxiliary columns (a knee angle, a foot switch) are recorded sample for
    sample beside the EMG: replay a file that has them, record the replay, compare."""
    from emgmap.app.recording import record
    from emgmap.recordings import RecordingWriter, open_recording
    from emgmap.montage import default_montage
    fs, n = 1000.0, 3000
    src = tmp_path / "with_aux.h5"
    w = RecordingWriter(src, fs=fs, montage=default_montage(), device="test", device_model="test",
                        aux=[("knee", "deg"), ("fsr_L", "V")], swmr=False)
    rng = np.random.default_rng(1)
    aux = np.column_stack((30 * np.sin(np.arange(n) / 100), (np.arange(n) // 500) % 2))
    w.append(rng.normal(0, 20, (n, 8)), np.arange(n) / fs, np.arange(n), aux)
    w.close()
    out = tmp_path / "again.h5"
    r = record(f"replay:{src}", n / fs, str(out), fast=True)
    assert r.recording.samples == n
    with open_recording(out) as rec:
        assert rec.aux_names == ["knee", "fsr_L"] and rec.aux_units == ["deg", "V"]
        np.testing.assert_array_equal(rec.aux(), aux)
