import sys
import uuid

import numpy as np
import pytest

from emgmap.clock import ManualClock
from emgmap.drivers import open_driver
from emgmap.drivers.sim import SimDriver
from emgmap.lsl import require_pylsl
from emgmap.lsl.channels import guess
from emgmap.montage import Side
from emgmap.session import Session, State
from emgmap.sim import SimConfig
from emgmap.types import ConfigError, DeviceError

pylsl = pytest.importorskip("pylsl", reason="pylsl is not installed (pip install 'emgmap[lsl]')")
from emgmap.sinks.lsl import LslPublisher  # noqa: E402


@pytest.mark.parametrize("label, expected", [
    ("gmed_L", ("gmed", Side.LEFT)), ("R TFL", ("tfl", Side.RIGHT)),
    ("Gluteus Medius Left", ("gmed", Side.LEFT)), ("VMO-right", ("vm", Side.RIGHT)),
    ("Biceps Femoris (L)", ("bf", Side.LEFT)), ("EMG 3", None), ("gmed", None),
])
def test_labels_name_muscles(label, expected):
    assert guess(label) == expected


def test_missing_pylsl_is_one_sentence(monkeypatch):
    monkeypatch.setitem(sys.modules, "pylsl", None)
    with pytest.raises(ConfigError, match=r"install it with: pip install 'emgmap\[lsl\]'"):
        require_pylsl()


def test_no_such_stream_is_a_clear_error():
    with pytest.raises(DeviceError, match="no LSL stream with name=nobody-here answered within 0.2 s"):
        open_driver("lsl:name=nobody-here?timeout=0.2")


def test_bad_lsl_spec():
    with pytest.raises(Exception, match="write lsl:type=EMG"):
        open_driver("lsl:EMG")


@pytest.mark.parametrize("drop_rate", [0.0, 0.05])
def test_round_trip_loses_no_sample(drop_rate):
    name = f"emgmap-test-{uuid.uuid4().hex[:8]}"
    clock = ManualClock()
    sender = Session(SimDriver(SimConfig(counter=True, drop_rate=drop_rate, seed=3), clock=clock), clock=clock,
                     ring_seconds=30)
    publisher = LslPublisher(sender, name=name)
    driver = open_driver(f"lsl:name={name}?timeout=5")
    assert driver.spec.fs == 2000 and driver.spec.channel_names == sender.montage.names
    assert driver.montage == sender.montage.__class__(sender.montage.channels)  # muscles and sides travel
    receiver = Session(driver, ring_seconds=30)
    env_inlet = pylsl.StreamInlet(pylsl.resolve_byprop("name", f"{name} envelope", timeout=5)[0], max_buflen=30)
    env_inlet.open_stream(timeout=5)
    idx_info = pylsl.resolve_byprop("name", f"{name} indices", timeout=5)[0]
    idx_inlet = pylsl.StreamInlet(idx_info, max_buflen=30)
    idx_inlet.open_stream(timeout=5)
    receiver.start()
    assert receiver.wait_until(lambda s: s.status.state == State.STREAMING, 10)
    publisher.start()
    sender.start()
    n = 10_000
    assert sender.wait_until(lambda s: s.rings.total >= n, 30)
    sender.stop()
    sent = sender.rings.total
    assert receiver.wait_until(lambda s: s.rings.total >= sent, 30), (receiver.status, sent)
    env = []
    while sum(len(e) for e in env) < sent:
        chunk, _ = env_inlet.pull_chunk(timeout=5, max_samples=sent, min_samples=1)
        assert len(chunk), "envelope stream stalled"
        env.append(np.asarray(chunk))
    n_rows = sender.rings.index_rows.total
    rows = []
    while sum(len(r) for r in rows) < n_rows:
        chunk, _ = idx_inlet.pull_chunk(timeout=5, max_samples=n_rows, min_samples=1)
        assert len(chunk), "indices stream stalled"
        rows.append(np.asarray(chunk))
    receiver.stop()   # inlets closed before the outlets
    env_inlet.close_stream()
    idx_inlet.close_stream()
    publisher.stop()
    np.testing.assert_allclose(np.concatenate(env), sender.rings.envelope.read_range(0, sent), rtol=1e-6)
    assert idx_info.channel_count() == len(sender.index_columns) - 2 and idx_info.nominal_srate() == 100
    np.testing.assert_allclose(np.concatenate(rows), sender.rings.index_rows.read_range(0, n_rows)[:, 2:],
                               rtol=1e-6, atol=1e-6)
    got = receiver.rings.raw.read_range(0, receiver.rings.total)
    sent_idx = sender.rings.sample_index.read_range(0, sent)
    assert receiver.rings.total == sent == publisher.pushed and publisher.overruns == 0
    assert np.array_equal(got[:, -1], sent_idx)                     # every sample, in order, once
    np.testing.assert_allclose(got[:, :-1], sender.rings.raw.read_range(0, sent)[:, :-1], rtol=1e-6, atol=1e-2)
    recv_idx = receiver.rings.sample_index.read_range(0, sent)
    assert np.array_equal(recv_idx - recv_idx[0], sent_idx - sent_idx[0])  # gaps seen from LSL timestamps
    assert receiver.status.dropped_samples == sender.status.dropped_samples
    if drop_rate:
        assert receiver.status.gaps > 0


def test_markers_stream_carries_events():
    name = f"emgmap-test-{uuid.uuid4().hex[:8]}"
    clock = ManualClock()
    sender = Session(SimDriver(SimConfig(), clock=clock), clock=clock)
    publisher = LslPublisher(sender, name=name)
    found = pylsl.resolve_byprop("name", f"{name} markers", timeout=5)
    inlet = pylsl.StreamInlet(found[0])
    inlet.open_stream(timeout=5)
    publisher.start()
    sender.start()
    sender.wait_until(lambda s: s.rings.total >= 2000, 30)
    sender.mark("knee valgus")
    sender.stop()
    sample, ts = inlet.pull_sample(timeout=5)
    inlet.close_stream()
    publisher.stop()
    assert sample == ["marker: knee valgus"]
    assert ts == pytest.approx(publisher.to_lsl(sender.events()[0].onset_s))


def test_record_and_session_commands_publish_with_lsl(tmp_path, capsys):
    from emgmap.cli import main
    name = f"emgmap-test-{uuid.uuid4().hex[:8]}"
    assert main(["record", "--device", "sim", "--duration", "1", "--fast", "-o", str(tmp_path / "r.h5"),
                 "--lsl", "--lsl-name", name]) == 0
    assert f"publishing LSL streams '{name}' (EMG), '{name} envelope', '{name} indices'" in capsys.readouterr().err
