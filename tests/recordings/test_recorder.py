import math
import tomllib

import h5py
import numpy as np
import pytest

from emgmap.recordings import open_recording
from emgmap.recordings.format import STR

from recsupport import record_session


def test_layout_is_format_version_1_exactly(recorded):
    with h5py.File(recorded.path, "r") as f:
        a = f.attrs
        for key in ("format", "format_version", "software_version", "created_utc", "subject_id", "device",
                    "device_model", "power_line_hz", "placement_scheme", "notes", "config", "n_samples",
                    "duration_s"):
            assert key in a, key
        assert a["format"] == "emgmap" and a["format_version"] == 1 and a["subject_id"] == "S01"
        assert a["placement_scheme"] == "SENIAM" and a["device"].startswith("sim:?channels=4")
        emg = f["emg/data"]
        assert emg.dtype == np.float32 and emg.maxshape == (None, 4) and emg.chunks == (2000, 4)
        assert emg.compression is None
        assert f["emg/timestamps"].dtype == np.float64 and f["emg/timestamps"].chunks == (2000,)
        assert f["emg/sample_index"].dtype == np.int64 and f["emg/sample_index"].maxshape == (None,)
        assert dict(f["emg"].attrs) == {"sampling_frequency": 2000.0, "unit": "uV"}
        for k in ("name", "muscle", "side", "placement", "kind", "label", "channel"):
            ds = f["channels" if k in ("name", "muscle", "side", "placement") else "events"][k]
            assert ds.dtype == STR and h5py.check_string_dtype(ds.dtype).encoding == "utf-8"
        assert list(f["channels/side"].asstr()[()]) == ["left", "right", "left", "right"]
        assert f["channels/low_cutoff_hz"][0] == 20.0 and f["channels/high_cutoff_hz"][0] == 450.0
        for k in ("onset_s", "duration_s", "kind", "label", "channel"):
            assert f["events"][k].maxshape == (None,)
        assert f["envelope"].attrs["sampling_frequency"] == 100.0
        assert f["envelope/data"].dtype == np.float32


def test_samples_timestamps_indices_and_gaps_match_the_session(recorded):
    s = recorded.session
    total = s.rings.total
    with open_recording(recorded.path) as rec:
        assert rec.finalised and not rec.interrupted
        assert rec.n_samples == total == recorded.status.samples == rec.attrs["n_samples"]
        np.testing.assert_array_equal(rec.data(), s.rings.raw.read_range(0, total).astype(np.float32))
        np.testing.assert_array_equal(rec.timestamps(), s.rings.t.read_range(0, total))
        np.testing.assert_array_equal(rec.sample_index(), s.rings.sample_index.read_range(0, total))
        truth = [(a, b) for a, b in s.driver.truth.dropped if b <= rec.sample_index()[-1]]
        assert len(rec.gaps()) >= 1
        assert sum(g.missing for g in rec.gaps()) == sum(b - a for a, b in truth if a > 0)
        assert rec.duration_s == pytest.approx(rec.attrs["duration_s"])
        assert rec.duration_s == pytest.approx(rec.timestamps()[-1] - rec.timestamps()[0] + 1 / rec.fs)


def test_events_calibration_and_config(recorded):
    s = recorded.session
    with open_recording(recorded.path) as rec:
        kinds = [e.kind for e in rec.events]
        assert kinds.count("gap") == s.status.gaps > 0
        mvc = next(e for e in rec.events if e.kind == "mvc")
        assert (mvc.label, mvc.channel, mvc.onset_s) == ("mvc gmed left", "gmed_L", 5.0)
        assert mvc.duration_s == pytest.approx(0.9)
        rest = next(e for e in rec.events if e.kind == "rest")
        assert (rest.label, rest.onset_s, rest.duration_s) == ("rest", 0.5, 2.0)
        assert rec.events[-1].label == "done ✓"  # UTF-8 round trip
        snap = s.calibration.snapshot()
        np.testing.assert_array_equal(rec.rest_rms_uv, snap.rest_mean_uv)
        np.testing.assert_array_equal(rec.rest_sd_uv, snap.rest_sd_uv)
        assert np.all((rec.rest_rms_uv > 0.5) & (rec.rest_rms_uv < 10))  # rest noise, µV
        assert rec.mvc_uv[0] == snap.mvc_uv[0] > 2 * rec.rest_rms_uv[0]  # the ramp-up of the first rep
        assert np.isnan(rec.mvc_uv[1:]).all()
        cfg = tomllib.loads(rec.attrs["config"])
        assert cfg["pipeline"] == s.pipeline_config.to_dict()
        assert cfg["session"]["fs"] == 2000.0 and len(cfg["montage"]["channel"]) == 4


def test_envelope_is_the_live_envelope_at_100_hz(recorded):
    s = recorded.session
    total = s.rings.total
    live = s.rings.envelope.read_range(0, total)
    t = s.rings.t.read_range(0, total)
    with open_recording(recorded.path) as rec:
        env, env_t = rec.envelope()
    k = np.arange(env.shape[0])
    at = np.ceil(k * s.fs / 100).astype(int)
    assert env.shape[0] == math.floor((total - 1) / 20) + 1
    np.testing.assert_array_equal(env, live[at].astype(np.float32))
    np.testing.assert_array_equal(env_t, t[at])
    assert env.max() > 10  # the simulated contractions are in it


def test_a_taken_name_is_never_overwritten(tmp_path):
    target = tmp_path / "s.h5"
    target.write_bytes(b"precious")
    _, rec, status = record_session(target, seconds=1.0, calibrate=False)
    assert target.read_bytes() == b"precious"
    assert rec.path == tmp_path / "s-1.h5" and status.path == str(tmp_path / "s-1.h5")
    assert "s.h5 exists; recording to" in status.message and "s-1.h5" in status.message
    with open_recording(rec.path) as r:
        assert r.n_samples >= 2000


def test_compression_on_request(tmp_path):
    _, rec, _ = record_session(tmp_path / "z.h5", seconds=1.0, calibrate=False, compress=True)
    with h5py.File(rec.path, "r") as f:
        assert f["emg/data"].compression == "gzip" and f["emg/data"].shuffle


def test_overruns_are_counted_and_recorded_never_silent(tmp_path, monkeypatch):
    """Hold the recorder's first write until the session has lapped a 0.5 s ring."""
    import threading
    from emgmap.recordings import writer as writer_mod
    release = threading.Event()
    real_append = writer_mod.RecordingWriter.append
    calls = []

    def slow_append(self, *a, **k):
        calls.append(1)
        if len(calls) == 1:
            release.wait(30)
        return real_append(self, *a, **k)

    monkeypatch.setattr(writer_mod.RecordingWriter, "append", slow_append)
    from emgmap.clock import ManualClock
    from emgmap.drivers import open_driver
    from emgmap.sinks.recorder import Recorder
    from emgmap.session import Session
    clock = ManualClock()
    s = Session(open_driver("sim:?channels=2&seed=1", clock=clock), ring_seconds=0.5, clock=clock)
    rec = Recorder(s, tmp_path / "o.h5").start()
    s.start()
    s.wait_until(lambda x: x.status.samples >= 4000, 30)
    release.set()
    s.wait_until(lambda x: x.status.samples >= 8000, 30)
    s.stop()
    st = rec.stop()
    assert st.overruns > 0
    with open_recording(rec.path) as r:
        assert r.n_samples + st.overruns == s.rings.total
        lost = [e for e in r.events if "not recorded" in e.label]
        assert lost and all(e.kind == "gap" for e in lost)
        assert sum(int(e.label.split()[0]) for e in lost) == st.overruns
        # the sample index shows each hole (a loss before the first recorded sample: its index)
        assert sum(g.missing for g in r.gaps()) + int(r.sample_index()[0]) == st.overruns


def test_unpaced_sources_are_held_back_instead_of_overrun(tmp_path):
    # a fast simulator would lap a 1 s ring many times over; the recorder holds it back
    session, rec, status = record_session(tmp_path / "f.h5", spec="sim:?channels=8&fast=1", seconds=20.0,
                                          ring_seconds=1.0, calibrate=False)
    assert status.overruns == 0 and status.samples == session.rings.total >= 40000


def test_a_live_settings_change_is_a_marker_with_the_new_settings(tmp_path):
    from emgmap.clock import ManualClock
    from emgmap.drivers import open_driver
    from emgmap.dsp import PipelineConfig
    from emgmap.sinks.recorder import Recorder
    from emgmap.session import Session
    clock = ManualClock()
    s = Session(open_driver("sim:?channels=2&seed=1", clock=clock), ring_seconds=30, clock=clock)
    rec = Recorder(s, tmp_path / "c.h5").start()
    s.start()
    s.wait_until(lambda x: x.status.samples >= 2000, 30)
    s.set_pipeline_config(PipelineConfig(hp_hz=30.0, notch=True))
    s.wait_until(lambda x: x.status.samples >= 6000, 30)
    s.stop()
    rec.stop()
    with open_recording(rec.path) as r:
        assert tomllib.loads(r.attrs["config"])["pipeline"]["hp_hz"] == 20.0  # the settings at the start
        changed = [e for e in r.events if e.label.startswith("pipeline settings changed: ")]
        assert len(changed) == 1 and changed[0].kind == "marker"
        assert "hp_hz=30.0" in changed[0].label and "notch=True" in changed[0].label
        assert 1.0 <= changed[0].onset_s <= r.duration_s
