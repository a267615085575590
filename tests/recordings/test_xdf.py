"""XDF import: our own LSL outlets recorded into an XDF file (written by tests/recordings/
xdfwriter.py after the XDF specification, read by pyxdf), imported without losing a sample."""
import uuid

import numpy as np
import pytest

from emgmap.cli import main
from emgmap.clock import ManualClock
from emgmap.drivers.sim import SimDriver
from emgmap.events import EventKind
from emgmap.recordings import open_recording
from emgmap.recordings.format import RecordingError
from emgmap.session import Session
from emgmap.sim import SimConfig

from xdfwriter import XdfWriter

pylsl = pytest.importorskip("pylsl", reason="pylsl is not installed (pip install 'emgmap[lsl]')")
pytest.importorskip("pyxdf", reason="pyxdf is not installed (pip install 'emgmap[xdf]')")
from emgmap.sinks.lsl import LslPublisher  # noqa: E402

SHIFT = 1000.0   # the markers and indices streams' clock runs this far ahead (another machine)


def _pull_all(inlet, n, string=False):
    values, stamps = [], []
    while len(stamps) < n:
        chunk, ts = inlet.pull_chunk(timeout=5, max_samples=max(1, n - len(stamps)))
        assert len(ts), f"stream stalled at {len(stamps)} of {n}"
        values += list(chunk)
        stamps += list(ts)
    return (values if string else np.asarray(values)), np.asarray(stamps)


def _record_xdf(path, drop_rate):
    """Run a simulated session with a counter channel, publish it with LslPublisher, record
    its four streams from LSL inlets into an XDF file. Returns the sender's truth."""
    name = f"emgmap-xdf-{uuid.uuid4().hex[:8]}"
    clock = ManualClock()
    sender = Session(SimDriver(SimConfig(channels=4, counter=True, drop_rate=drop_rate, seed=5), clock=clock),
                     clock=clock, ring_seconds=30)
    publisher = LslPublisher(sender, name=name)
    inlets = {}
    for suffix in ("", " envelope", " indices", " markers"):
        info = pylsl.resolve_byprop("name", name + suffix, timeout=5)[0]
        inlets[suffix] = pylsl.StreamInlet(info, max_buflen=60)   # no processing flags: stamps as pushed
        inlets[suffix].open_stream(timeout=5)
    publisher.start()
    sender.start()
    assert sender.wait_until(lambda s: s.rings.total >= 10_000, 30)
    sender.capture_rest(0.5, 2.0)
    sender.capture_mvc(2.5, 3.5, ["gmed_L"])
    sender.stop()
    sent, n_rows = sender.rings.total, sender.rings.index_rows.total
    data = {k: _pull_all(inlets[k], n) for k, n in (("", sent), (" envelope", sent), (" indices", n_rows))}
    data[" markers"] = _pull_all(inlets[" markers"], len(sender.events()), string=True)
    w = XdfWriter(path)
    for sid, (suffix, inlet) in enumerate(inlets.items(), start=1):
        info = inlet.info()
        shift = SHIFT if suffix in (" markers", " indices") else 0.0
        w.add_stream(sid, info.as_xml(), "string" if suffix == " markers" else "float32")
        values, stamps = data[suffix]
        w.clock_offset(sid, stamps[0] + shift, inlet.time_correction(timeout=5) - shift)
        for a in range(0, len(stamps), 700):   # chunks, as LabRecorder writes them
            w.samples(sid, values[a:a + 700], stamps[a:a + 700] + shift)
        w.clock_offset(sid, stamps[-1] + shift, inlet.time_correction(timeout=5) - shift)
    w.close()
    for inlet in inlets.values():   # inlets closed before the outlets
        inlet.close_stream()
    publisher.stop()
    return sender, publisher, name, data


@pytest.mark.parametrize("drop_rate", [0.0, 0.05])
def test_xdf_from_our_outlets_imports_without_losing_a_sample(tmp_path, drop_rate):
    xdf = tmp_path / "lab.xdf"
    sender, publisher, name, data = _record_xdf(xdf, drop_rate)
    out = tmp_path / "x.h5"
    assert main(["import", str(xdf), "-o", str(out)]) == 0
    sent = sender.rings.total
    counter = sender.rings.raw.read_range(0, sent)[:, -1]
    with open_recording(out) as rec:
        x, idx, t = rec.data(), rec.sample_index(), rec.timestamps()
        assert rec.n_samples == sent and rec.fs == 2000
        assert rec.montage == sender.montage.__class__(sender.montage.channels)   # muscles and sides travel
        assert np.array_equal(x[:, -1], counter)                            # every sample, in order, once
        assert np.array_equal(idx - idx[0], counter - counter[0])           # gaps from the stamps = the device's
        np.testing.assert_allclose(x[:, :-1], sender.rings.raw.read_range(0, sent)[:, :-1], rtol=1e-6, atol=1e-3)
        gaps = rec.gaps()
        assert sum(g.missing for g in gaps) == sender.status.dropped_samples
        assert (len(gaps) > 0) == (drop_rate > 0)
        # markers: structured events on the EMG time line, the +1000 s clock offset undone
        t0 = data[""][1][0]
        ev = [e for e in rec.events if e.kind != "gap"]
        truth = [e for e in sender.events() if e.kind != "gap"]
        assert len([e for e in rec.events if e.kind == "gap"]) == len(gaps)
        assert [(e.kind, e.label) for e in ev] == [(str(e.kind), e.label) for e in truth]
        for got, want in zip(ev, truth):   # to the precision of LSL's time_correction (tens of µs here)
            assert got.onset_s == pytest.approx(float(publisher.to_lsl(want.onset_s)) - t0, abs=1e-3)
        from emgmap.events import Event
        mvc = Event.from_row(ev[1].onset_s, ev[1].duration_s, ev[1].kind, ev[1].label)
        assert mvc.kind is EventKind.MVC and (mvc.muscle, mvc.side.value) == ("gmed", "left")
        # the other streams in /aux, row for row, on the same clock. Each stream has its own
        # measured clock offsets (tens of µs apart here), so values agree to what the signal
        # moves in that time, not bit for bit
        names = rec.aux_names
        env = rec.aux()[:, names.index(f"{name} envelope: gmed_L")]
        want = sender.rings.envelope.read_range(0, sent)[:, 0]
        assert not np.isnan(env).any()
        np.testing.assert_allclose(env, want, rtol=0, atol=0.01 * want.max())
        rows, row_t = data[" indices"]           # what the XDF file holds (before its +1000 s)
        aux_idx = rec.aux()[:, names.index(f"{name} indices: {sender.index_columns[2]}")]
        inside = (t >= row_t[0] - t0) & (t <= row_t[-1] - t0)
        assert inside.sum() > 0.8 * sent and np.isnan(aux_idx[t < row_t[0] - t0 - 0.006]).all()
        want = np.interp(t[inside], row_t - t0, rows[:, 0])
        np.testing.assert_allclose(aux_idx[inside], want, rtol=0, atol=0.02 * np.abs(rows[:, 0]).max())


def test_xdf_without_an_emg_stream_names_the_streams(tmp_path, capsys):
    path = tmp_path / "m.xdf"
    info = pylsl.StreamInfo("only markers", "Markers", 1, 0, pylsl.cf_string, "m1")
    w = XdfWriter(path)
    w.add_stream(1, info.as_xml(), "string")
    w.samples(1, [["hello"]], [1.0])
    w.close()
    assert main(["import", str(path), "-o", str(tmp_path / "o.h5")]) == 2
    err = capsys.readouterr().err
    assert "has no stream of type EMG; its streams: 'only markers' (Markers)" in err and "--stream NAME" in err
    assert not (tmp_path / "o.h5").exists()


def test_not_an_xdf_file(tmp_path):
    from emgmap.recordings.xdf import import_xdf
    bad = tmp_path / "bad.xdf"
    bad.write_bytes(b"not xdf at all")
    with pytest.raises(RecordingError, match="cannot be read as XDF"):
        import_xdf(bad, tmp_path / "o.h5")
    assert not (tmp_path / "o.h5").exists()
