"""A stream from another system (a pylsl outlet like a Delsys Trigno app): recorded with no montage,
labels read through the synonym table, jittered chunk timestamps at a fractional rate not taken for gaps."""
import uuid

import numpy as np
import pytest

from emgmap.drivers import open_driver
from emgmap.drivers.lsl import GapDetector
from emgmap.recordings import open_recording
from emgmap.sinks.recorder import Recorder
from emgmap.session import Session, State
from emgmap.types import Side

pylsl = pytest.importorskip("pylsl", reason="pylsl is not installed (pip install 'emgmap[lsl]')")

FS = 1111.11
LABELS = ["L Glute Med", "R Glute Med", "L TFL", "R TFL", "Ref"]


def trigno_outlet(name: str):
    info = pylsl.StreamInfo(name, "EMG", len(LABELS), FS, "float32", f"trigno-{name}")
    chans = info.desc().append_child("channels")
    for label in LABELS:
        ch = chans.append_child("channel")
        ch.append_child_value("label", label)
        ch.append_child_value("unit", "millivolts")
        ch.append_child_value("type", "EMG")
    return pylsl.StreamOutlet(info, chunk_size=11, max_buffered=60)


def push_like_trigno(outlet, n: int, seed: int, skip: tuple[int, int] | None = None) -> np.ndarray:
    """n samples in chunks of 11 or 12 (11.11 per 10 ms), each stamped with the time of its last
    sample ±2 ms of jitter; channel 0 is a ramp in mV (1 mV per sample). ``skip``: samples
    [a, b) are lost (never pushed). Returns the pushed ramp values."""
    rng = np.random.default_rng(seed)
    t0 = pylsl.local_clock()
    ramp = np.arange(n, dtype=np.float64)
    x = np.column_stack([ramp] + [rng.normal(0, 0.05, n) for _ in LABELS[1:]]).astype(np.float32)
    ends = np.unique(np.round(np.arange(1, n / FS * 100 + 1) * FS / 100).astype(int).clip(0, n))
    start = 0
    for end in ends:
        rows = np.arange(start, end)
        if skip is not None:
            rows = rows[(rows < skip[0]) | (rows >= skip[1])]
        if rows.size:
            stamp = t0 + rows[-1] / FS + rng.uniform(-0.002, 0.002)
            outlet.push_chunk(x[rows].tolist(), stamp)
        start = end
    keep = np.ones(n, bool) if skip is None else (ramp < skip[0]) | (ramp >= skip[1])
    return ramp[keep]


def test_a_trigno_like_stream_records_without_montage_and_without_false_gaps(tmp_path):
    name = f"trigno-{uuid.uuid4().hex[:8]}"
    outlet = trigno_outlet(name)
    driver = open_driver(f"lsl:name={name}?timeout=5")
    chans = driver.montage.channels
    assert [(c.muscle, c.side) for c in chans[:4]] == [("gmed", Side.LEFT), ("gmed", Side.RIGHT),
                                                       ("tfl", Side.LEFT), ("tfl", Side.RIGHT)]
    assert not chans[4].assigned and chans[4].name == "Ref"            # an unknown label: unassigned
    session = Session(driver, ring_seconds=30)
    rec = Recorder(session, tmp_path / "trigno.h5")
    session.start()
    assert session.wait_until(lambda s: s.status.state == State.STREAMING, 10)
    rec.start()
    n = int(6 * FS)                                                      # 6 s
    pushed = push_like_trigno(outlet, n, seed=1)
    assert session.wait_until(lambda s: s.rings.total >= n, 30), session.status
    st = session.status
    status = rec.stop()
    session.stop()
    assert st.gaps == 0 and st.dropped_samples == 0, st
    got = session.rings.raw.read_range(0, n)[:, 0]
    np.testing.assert_array_equal(got, pushed * 1000.0)                  # mV -> µV; the ramp proves no loss
    with open_recording(status.path) as r:
        assert r.n_samples == n and r.gaps() == [] and r.montage.channels[0].muscle == "gmed"
        assert r.fs == pytest.approx(FS)


def test_a_real_dropout_in_a_jittered_stream_is_one_gap_of_its_size():
    name = f"trigno-{uuid.uuid4().hex[:8]}"
    outlet = trigno_outlet(name)
    session = Session(open_driver(f"lsl:name={name}?timeout=5"), ring_seconds=30)
    session.start()
    assert session.wait_until(lambda s: s.status.state == State.STREAMING, 10)
    n = int(4 * FS)
    pushed = push_like_trigno(outlet, n, seed=2, skip=(2000, 2100))      # 100 samples (90 ms) lost
    assert session.wait_until(lambda s: s.rings.total >= pushed.size, 30), session.status
    st = session.status
    session.stop()
    idx = session.rings.sample_index.read_range(0, pushed.size)
    got = session.rings.raw.read_range(0, pushed.size)[:, 0] / 1000
    np.testing.assert_array_equal(got, pushed)
    assert st.gaps == 1 and abs(st.dropped_samples - 100) <= 3           # its size within the jitter
    assert idx[-1] - idx[0] + 1 == pushed.size + st.dropped_samples


def test_gap_detector_with_exact_stamps_sees_single_samples():
    """Exact stamps (another emgmap): after the warm-up second a single lost sample is a gap."""
    fs = 2000.0
    g = GapDetector(fs)
    ts = np.delete(np.arange(4000) / fs, [2500])
    out = []
    k = 0
    while k < ts.size:
        first, n = g.take(ts[k:k + 100])
        out.append((first, n))
        k += n
    starts = [f for f, _ in out]
    assert sum(n for _, n in out) == 3999 and 2501 in starts and g.next == 4000
    assert g.tolerance == pytest.approx(0.5 / fs)
