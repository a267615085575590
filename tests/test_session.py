import threading

import numpy as np
import pytest

from emgmap.clock import ManualClock
from emgmap.drivers.base import Driver
from emgmap.drivers.sim import SimDriver
from emgmap.montage import default_montage
from emgmap.session import Session, State
from emgmap.sim import SimConfig
from emgmap.types import DeviceError, DeviceLost, MontageError, SampleBlock, StreamSpec


def acquisition_threads():
    return [t for t in threading.enumerate() if t.name == "emgmap-acquisition"]


def run_until(session, n_samples, timeout=30):
    assert session.wait_until(lambda s: s.rings.total >= n_samples, timeout), session.status
    session.stop()


@pytest.mark.parametrize("drop_rate", [0.0, 0.1])
def test_no_sample_lost_or_duplicated(drop_rate):
    clock = ManualClock()
    driver = SimDriver(SimConfig(counter=True, drop_rate=drop_rate, seed=5), clock=clock)
    session = Session(driver, ring_seconds=60, clock=clock)
    session.start()
    run_until(session, int(20 * 2000))
    total = session.rings.total
    counter = session.rings.raw.read_range(0, total)[:, -1]
    index = session.rings.sample_index.read_range(0, total)
    t = session.rings.t.read_range(0, total)
    assert np.array_equal(counter, index)                    # each sample is the one the device sent
    assert np.all(np.diff(index) >= 1)                       # never duplicated, always in order
    np.testing.assert_allclose(t, index / 2000.0, atol=1e-9)  # session time from the device clock
    lost = int((np.diff(index) - 1).sum())
    st = session.status
    assert st.dropped_samples == lost
    assert lost == sum(e - s for s, e in driver.truth.dropped if e <= index[-1])
    gaps = [e for e in session.events() if e.kind == "gap"]
    assert len(gaps) == st.gaps == int((np.diff(index) > 1).sum())
    if drop_rate:
        assert lost > 0 and gaps[0].label.endswith("samples lost")
    assert st.state == State.STOPPED
    assert st.measured_rate == pytest.approx(2000 * (1 - drop_rate), rel=0.15)
    assert not acquisition_threads()


def test_device_lost_moves_to_lost_state_and_keeps_data():
    clock = ManualClock()
    session = Session(SimDriver(SimConfig(disconnect_at=2.0), clock=clock), clock=clock)
    session.start()
    session.wait_until(lambda s: False, timeout=30)
    st = session.status
    assert st.state == State.LOST and "disconnect at 2 s" in st.message
    assert session.rings.total == 4000
    session.stop()
    assert session.status.state == State.LOST
    assert not acquisition_threads()


class FailingDriver(Driver):
    def __init__(self):
        self.spec = StreamSpec(1000.0, ("a",), "serial:/dev/nothing", "test")
        self.montage = default_montage().with_names  # unused
        self.stopped = False

    def start(self):
        raise DeviceError("cannot open /dev/nothing: no such port; run `emgmap devices` to list ports")

    def read(self):
        raise AssertionError("never read")

    def stop(self):
        self.stopped = True


def test_driver_that_fails_to_start_gives_an_error_state():
    from emgmap.montage import Channel, Montage, Side
    d = FailingDriver()
    session = Session(d, Montage((Channel("a", "gmed", Side.LEFT),)))
    session.start()
    assert session.wait_until(lambda s: s.status.state == State.ERROR, timeout=10)
    assert session.status.message.startswith("cannot open /dev/nothing")
    session.stop()
    assert not acquisition_threads()


def test_montage_must_match_the_channel_count():
    with pytest.raises(MontageError, match="montage has 8 channels but sim streams 4"):
        Session(SimDriver(SimConfig(channels=4)), default_montage())


def test_events_and_listeners():
    clock = ManualClock()
    session = Session(SimDriver(SimConfig(), clock=clock), clock=clock)
    seen = []
    session.add_listener(lambda b: seen.append(b.n))
    session.start()
    session.wait_until(lambda s: s.rings.total >= 2000, timeout=30)
    ev = session.mark("knee valgus")
    session.stop()
    assert ev.onset_s >= 1.0 - 1 / 2000 and session.events() == [ev] and session.events(1) == []
    assert sum(seen) == session.rings.total


def test_rings_hold_the_pipeline_output_across_gaps():
    from emgmap.dsp import Pipeline, PipelineConfig
    clock = ManualClock()
    cfg = PipelineConfig(window_s=0.05)
    session = Session(SimDriver(SimConfig(drop_rate=0.1, seed=2), clock=clock), clock=clock, pipeline_config=cfg)
    session.start()
    run_until(session, 10 * 2000)
    total = session.rings.total
    assert session.rings.filtered.total == session.rings.raw.total == total
    assert session.status.gaps > 0
    raw = session.rings.raw.read_range(0, total)
    # filter state carries across a gap as across any block boundary (docs/dsp.md)
    ref = Pipeline(2000.0, raw.shape[1], cfg).process(raw)
    np.testing.assert_array_equal(session.rings.filtered.read_range(0, total), ref.filtered)
    np.testing.assert_array_equal(session.rings.envelope.read_range(0, total), ref.envelope)


def test_pipeline_config_swaps_at_a_block_boundary():
    from emgmap.dsp import Pipeline, PipelineConfig
    from emgmap.types import ConfigError
    clock = ManualClock()
    session = Session(SimDriver(SimConfig(seed=3), clock=clock), clock=clock)
    new = PipelineConfig(hp_hz=30.0, notch=True)
    swapped_at = []

    def on_block(block):  # on the acquisition thread: the swap lands on the next block
        if not swapped_at and session.rings.total >= 3000:
            session.set_pipeline_config(new)
            swapped_at.append(session.rings.total)
    session.add_listener(on_block)
    session.start()
    run_until(session, 8000)
    k, total = swapped_at[0], session.rings.total
    raw = session.rings.raw.read_range(0, total)
    env = session.rings.envelope.read_range(0, total)
    np.testing.assert_array_equal(env[:k], Pipeline(2000.0, 8).process(raw[:k]).envelope)
    np.testing.assert_array_equal(env[k:], Pipeline(2000.0, 8, new).process(raw[k:]).envelope)
    assert session.pipeline_config == new and session.pipeline.config == new
    with pytest.raises(ConfigError, match="high-pass 500 Hz is not below"):
        session.set_pipeline_config(PipelineConfig(hp_hz=500.0))
    assert session.pipeline_config == new


def test_clamped_low_pass_warns_in_the_status():
    clock = ManualClock()
    session = Session(SimDriver(SimConfig(fs=250.0), clock=clock), clock=clock)
    session.start()
    run_until(session, 500)
    assert any("low-pass 450 Hz is above 0.45 x 250 Hz" in w for w in session.status.warnings)


class FlakyDriver(Driver):
    """100 Hz, one channel, indices from the clock; lost once at ``lose_at``, then its port
    is missing for ``missing_starts`` attempts (the reconnect backoff runs on the clock)."""
    reconnectable = True

    def __init__(self, clock, lose_at=300, missing_starts=2):
        self.spec = StreamSpec(100.0, ("a",), "test:flaky", "test")
        self.clock, self.lose_at, self.missing = clock, lose_at, missing_starts
        self.origin = None
        self.next = 0
        self.lost = False
        self.starts: list[float] = []

    def start(self):
        if self.lost and self.missing:
            self.missing -= 1
            raise DeviceError("no such port /dev/flaky")
        self.starts.append(self.clock.now())
        if self.origin is None:
            self.origin = self.clock.now()
        else:  # the samples of the outage were never received
            self.next = int((self.clock.now() - self.origin) * 100)

    def read(self):
        if self.next >= self.lose_at and not self.lost:
            self.lost = True
            raise DeviceLost("/dev/flaky disappeared; check the cable")
        due = int((self.clock.now() - self.origin) * 100)
        if due <= self.next:
            self.clock.sleep(0.01)
            return None
        n = min(due - self.next, 10)
        b = np.arange(self.next, self.next + n, dtype=float)[:, None]
        blk = SampleBlock(b, self.origin + b[:, 0] / 100, self.next)
        self.next += n
        return blk

    def stop(self):
        pass


def test_lost_device_reconnects_with_backoff_on_the_clock_and_keeps_everything():
    from emgmap.montage import Channel, Montage, Side
    clock = ManualClock()
    d = FlakyDriver(clock)
    session = Session(d, Montage((Channel("a", "gmed", Side.LEFT),)), clock=clock)
    session.start()
    assert session.wait_until(lambda s: s.status.reconnects == 1 and s.rings.total >= 500, timeout=30), \
        session.status
    session.stop()
    st = session.status
    assert st.losses == 1 and st.state == State.STOPPED
    # lost at 3.0 s; retries after 0.25, 0.5 and 1.0 s: the third attempt finds the port
    assert d.starts[1] == pytest.approx(3.0 + 0.25 + 0.5 + 1.0, abs=0.02)
    idx = session.rings.sample_index.read_range(0, session.rings.total)
    raw = session.rings.raw.read_range(0, session.rings.total)[:, 0]
    assert np.array_equal(raw, idx)  # everything before and after the loss, each sample once
    assert np.array_equal(idx[:300], np.arange(300))
    gaps = [e for e in session.events() if e.kind == "gap"]
    assert st.gaps == len(gaps) == 1 and st.dropped_samples == pytest.approx(175, abs=2)
    assert gaps[0].onset_s == pytest.approx(3.0, abs=0.02)


def test_stop_while_reconnecting_ends_promptly():
    from emgmap.montage import Channel, Montage, Side
    clock = ManualClock()
    d = FlakyDriver(clock, lose_at=50, missing_starts=10 ** 9)
    session = Session(d, Montage((Channel("a", "gmed", Side.LEFT),)), clock=clock)
    session.start()
    assert session.wait_until(lambda s: s.status.state == State.RECONNECTING
                              and "attempt 3" in s.status.message, timeout=30), session.status
    assert "/dev/flaky disappeared; check the cable; reconnecting" in session.status.message
    session.stop()
    assert session.status.state == State.STOPPED and not acquisition_threads()
    assert session.rings.total == 50


def test_a_reconnect_starts_the_filters_afresh():
    from emgmap.dsp import Pipeline
    from emgmap.montage import Channel, Montage, Side
    clock = ManualClock()
    session = Session(FlakyDriver(clock), Montage((Channel("a", "gmed", Side.LEFT),)), clock=clock)
    session.start()
    assert session.wait_until(lambda s: s.status.reconnects == 1 and s.rings.total >= 500, timeout=30)
    session.stop()
    raw = session.rings.raw.read_range(0, 500)
    filt = session.rings.filtered.read_range(0, 500)
    np.testing.assert_array_equal(filt[:300], Pipeline(100.0, 1).process(raw[:300]).filtered)
    np.testing.assert_array_equal(filt[300:], Pipeline(100.0, 1).process(raw[300:]).filtered)
