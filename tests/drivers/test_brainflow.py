"""The BrainFlow driver with real BrainFlow: its synthetic board, and its own Cyton driver
talking to `emgmap emulate cyton` over a pseudo-terminal."""
import os
import subprocess
import sys

import numpy as np
import pytest

from emgmap.clock import SYSTEM_CLOCK
from emgmap.drivers import open_driver
from emgmap.drivers.emulators import CYTON_UV_PER_COUNT, SampleSource, uv_to_cyton_counts
from emgmap.session import Session, State
from emgmap.sim import SimConfig
from emgmap.types import DeviceError


def test_synthetic_board_indices_timestamps_markers_and_warning():
    d = open_driver("brainflow:synthetic")
    assert (d.spec.fs, d.spec.n_channels) == (250.0, 16) and len(d.montage) == 16
    assert any("250 Hz" in w and "not comparable with clinical systems" in w for w in d.warnings)
    s = Session(d, ring_seconds=10)
    t_before = SYSTEM_CLOCK.now()
    s.start()
    assert s.wait_until(lambda s: s.rings.total >= 100, timeout=20), s.status
    d.insert_marker(7)
    assert s.wait_until(lambda s: s.rings.total >= 400, timeout=20)  # past a wrap of the 0-255 counter
    s.stop()
    t_after = SYSTEM_CLOCK.now()
    n = s.rings.total
    idx = s.rings.sample_index.read_range(0, n)
    t = s.rings.t.read_range(0, n) + s.t0
    assert np.array_equal(np.diff(idx), np.ones(n - 1)) and s.status.gaps == 0  # unwrapped, consecutive
    assert t_before <= t[0] and t[-1] <= t_after  # BrainFlow's wall-time stamps on the session clock
    assert [e.label for e in s.events() if e.kind == "marker"] == ["7"]
    assert s.status.warnings and s.status.state == State.STOPPED


def test_cyton_emulator_through_brainflow_end_to_end(tmp_path):
    """BrainFlow's Cyton driver streams the emulator: every value is the simulator's within one
    count at its index, injected drops are gaps, and an unplug is a loss with reconnection."""
    link = str(tmp_path / "cyton")
    em = subprocess.Popen([sys.executable, "-m", "emgmap", "emulate", "cyton", "--seed", "4", "--drop-rate", "0.02",
                           "--link", link], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    try:
        assert em.stdout.readline().strip() == link
        s = Session(open_driver(f"brainflow:cyton?port={link}"), ring_seconds=60)
        s.start()
        assert s.wait_until(lambda s: s.rings.total >= 500, timeout=30), s.status
        st = s.status
        assert st.gaps > 0 and st.dropped_samples > 0
        em.stdin.write("unplug\n")
        em.stdin.flush()
        assert s.wait_until(lambda s: s.status.losses == 1, timeout=30), s.status
        assert "sent nothing for 1 s" in s.status.message
        kept = s.rings.total
        em.stdin.write("plug\n")
        em.stdin.flush()
        assert s.wait_until(lambda s: s.status.reconnects == 1 and s.rings.total >= kept + 50, timeout=30), s.status
        s.stop()
    finally:
        em.terminate()
        em.wait(timeout=10)
    n = s.rings.total
    idx = s.rings.sample_index.read_range(0, n)
    x = s.rings.raw.read_range(0, n)
    first = slice(0, kept)
    # before the unplug, sample k of the stream is simulator sample k
    ref = uv_to_cyton_counts(SampleSource(SimConfig(fs=250.0, channels=8, seed=4)).take(int(idx[first][-1]) + 1))
    assert np.abs(x[first] / CYTON_UV_PER_COUNT - ref[idx[first]]).max() <= 1.0
    gaps = np.diff(idx[first]) - 1
    assert int(gaps.sum()) > 0 and np.all(gaps >= 0)
    assert np.all(np.diff(idx) >= 1) and idx[-1] - idx[kept - 1] > 250  # the outage (>1 s) is a gap
    assert not os.path.exists(link)


def test_brainflow_loads_without_a_warning():
    """BrainFlow finds its libraries through pkg_resources, which setuptools 80 (what a fresh venv
    gets under the <81 pin) flags with a UserWarning: emgmap's imports of BrainFlow (boards and
    filters) mute it. In a fresh interpreter: each library loads once per process."""
    for first in ("board_shim().BoardShim.get_board_descr(-1)",
                  "data_filter().DataFilter.perform_rolling_filter(np.zeros(8), 3, 0)"):   # each mutes it alone
        code = ("import numpy as np\n"
                "from emgmap.recordings.brainflow_csv import board_shim, data_filter\n"
                f"{first}\n"
                "print(board_shim().BoardShim.get_board_descr(-1)['sampling_rate'])")
        r = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and r.stdout.strip() == "250" and "Warning" not in r.stderr, r.stderr


def test_bad_board_specs_are_one_sentence():
    with pytest.raises(DeviceError, match=r"cannot open /dev/nonexistent-emgmap: no such port or no permission; "
                                          r"run `emgmap devices`"):
        d = open_driver("brainflow:cyton?port=/dev/nonexistent-emgmap")
        d.start()
    with pytest.raises(DeviceError, match=r"unknown BrainFlow board 'cytonn'; try synthetic, cyton"):
        open_driver("brainflow:cytonn")
    with pytest.raises(DeviceError, match=r"a cyton needs port=..., e.g. brainflow:cyton\?port=/dev/ttyUSB0"):
        open_driver("brainflow:cyton")
    with pytest.raises(DeviceError, match=r"playback needs file=PATH and master_board=NAME"):
        open_driver("brainflow:playback?file=x.csv")
    assert open_driver("brainflow:-1").spec.fs == 250.0  # a board by id
    assert open_driver("brainflow:cyton_daisy?port=/dev/x").spec.n_channels == 16


def test_busy_port_is_named():
    import serial
    master, slave = os.openpty()
    path = os.ttyname(slave)
    try:
        with serial.Serial(path, exclusive=True):
            d = open_driver(f"brainflow:cyton?port={path}")
            with pytest.raises(DeviceError, match=rf"{path} is busy \(another program has it open\)"):
                d.start()
    finally:
        os.close(slave)
        os.close(master)


def test_playback_file_replays_its_values_then_ends(tmp_path):
    from brainflow.data_filter import DataFilter
    n = 250
    data = np.zeros((32, n))  # the synthetic board's layout: package row 0, EXG 1-16, timestamps 30
    data[0] = np.arange(n) % 256
    data[1:17] = np.arange(n)[None, :] * 0.5 + np.arange(16)[:, None] * 100
    data[30] = 1.7e9 + np.arange(n) / 250.0
    path = str(tmp_path / "rec.csv")
    DataFilter.write_file(data, path, "w")
    s = Session(open_driver(f"brainflow:playback?file={path}&master_board=synthetic"), ring_seconds=10)
    s.start()
    s.wait_until(lambda s: False, timeout=30)  # until the file has ended
    s.stop()
    st = s.status
    assert st.state == State.LOST and st.message == f"playback of {path} reached its end" and st.reconnects == 0
    got = s.rings.raw.read_range(0, s.rings.total)
    idx = s.rings.sample_index.read_range(0, s.rings.total)
    assert np.array_equal(idx, np.arange(idx[0], idx[0] + idx.size)) and idx[-1] == n - 1
    np.testing.assert_allclose(got, data[1:17, idx].T, atol=1e-6)


def test_cyton_daisy_packet_pairs_through_brainflow():
    """BrainFlow's Cyton+Daisy driver joins packet pairs; the +2 counter unwraps into sample
    indices whose values are the simulator's (16 channels at 125 Hz), drops are gaps."""
    from emgmap.drivers.emulators import CytonEmulator
    em = CytonEmulator(daisy=True, seed=2, drop_rate=0.03).start()
    try:
        s = Session(open_driver(f"brainflow:cyton_daisy?port={em.path}"), ring_seconds=30)
        s.start()
        assert s.wait_until(lambda s: s.rings.total >= 300, timeout=30), s.status  # past a wrap (128 samples)
        s.stop()
    finally:
        em.stop()
    # a silence over 1 s (a starved machine) is a lost device: the reconnect re-bases the indices
    assert s.status.reconnects == 0, f"the stream fell silent for over 1 s: {s.status}"
    n = s.rings.total
    idx = s.rings.sample_index.read_range(0, n)
    x = s.rings.raw.read_range(0, n)
    ref = uv_to_cyton_counts(SampleSource(SimConfig(fs=125.0, channels=16, seed=2)).take(int(idx[-1]) + 1))
    assert np.abs(x / CYTON_UV_PER_COUNT - ref[idx]).max() <= 1.0
    assert s.status.gaps > 0 and s.status.dropped_samples == int((np.diff(idx) - 1).sum())


def test_ganglion_packet_ids_through_brainflow_playback(tmp_path):
    """A Ganglion's two samples per BLE packet id, replayed by BrainFlow's own playback board
    in the Ganglion's row layout: every sample is kept (the second of a packet is not a
    duplicate) and a lost packet is a gap of two samples, by the rule the importer uses
    (emgmap.counter.COUNTERS). The driver had no Ganglion rule: no gaps were detected."""
    from brainflow.data_filter import DataFilter
    packets = np.r_[np.arange(1, 101), np.arange(101, 151)]    # firmware 2: 18-bit ids, then 19-bit
    ids = np.repeat(packets, 2)
    keep = np.ones(ids.size, bool)
    keep[[60, 61]] = False                                      # packet 31 lost over the radio
    n = int(keep.sum())
    data = np.zeros((15, n))     # BrainFlow's Ganglion layout: package row 0, EXG 1-4, timestamp 13
    data[0] = ids[keep]
    data[1:5] = np.flatnonzero(keep)[None, :] + np.arange(4)[:, None] * 1000.0   # value = true sample number
    data[13] = 1.7e9 + np.arange(n) / 200.0
    path = str(tmp_path / "ganglion.csv")
    DataFilter.write_file(data, path, "w")
    driver = open_driver(f"brainflow:playback?file={path}&master_board=ganglion")
    assert not any("counter is not interpreted" in w for w in driver.warnings)
    s = Session(driver, ring_seconds=10)
    s.start()
    s.wait_until(lambda s: False, timeout=30)  # until the file has ended
    s.stop()
    got = s.rings.raw.read_range(0, s.rings.total)
    idx = s.rings.sample_index.read_range(0, s.rings.total)
    assert idx.size == n and s.status.dropped_samples == 2 and s.status.gaps == 1
    np.testing.assert_array_equal(idx - idx[0], got[:, 0] - got[0, 0])   # indices are the true sample numbers
