"""The serial driver against the serial emulator on real pseudo-terminals (pyserial)."""
import contextlib
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import serial

from emgmap.clock import SYSTEM_CLOCK
from emgmap.drivers import open_driver
from emgmap.drivers.emulators import SerialEmulator
from emgmap.montage import default_montage
from emgmap.session import Session, State
from emgmap.sim import SimConfig, Simulator
from emgmap.types import DeviceError, MontageError


@contextlib.contextmanager
def emulator(**kw):
    em = SerialEmulator(**kw).start()
    try:
        yield em
    finally:
        em.stop()


def sim_uv(n, fs=1000.0, channels=4, seed=0, scale=1.0):
    """What the emulator sends for samples 0..n-1, in µV after quantisation."""
    sim, parts = Simulator(SimConfig(fs=fs, channels=channels, seed=seed)), []
    while sum(p.shape[0] for p in parts) < n:
        parts.append(sim.next_frame()[1])
    x = np.concatenate(parts)[:n]
    return np.clip(np.rint(x / scale), -32768, 32767) * scale


def read_samples(driver, n, timeout=20):
    blocks, got, t_end = [], 0, time.monotonic() + timeout
    while got < n and time.monotonic() < t_end:
        b = driver.read()
        if b is not None:
            blocks.append(b)
            got += b.n
    assert got >= n, f"only {got} samples"
    return blocks


def test_binary_stream_equals_the_simulator_and_the_banner_sets_the_spec():
    with emulator(fs=1000.0, channels=4, scale_uv=0.5, seed=3) as em:
        t_before = SYSTEM_CLOCK.now()
        d = open_driver(f"serial:{em.path}")
        assert (d.spec.fs, d.spec.n_channels, d.scale_uv, d.format) == (1000.0, 4, 0.5, "binary")
        assert d.montage.names == d.spec.channel_names == ("gmed_L", "gmed_R", "gmax_L", "gmax_R")
        d.start()
        blocks = read_samples(d, 1500)
        d.stop()
        t_after = SYSTEM_CLOCK.now()
    idx = np.concatenate([np.arange(b.first_index, b.end_index) for b in blocks])
    x = np.concatenate([b.data for b in blocks])
    ts = np.concatenate([b.timestamps for b in blocks])
    assert np.array_equal(idx, np.arange(idx[0], idx[0] + idx.size))  # no gap, no duplicate
    ref = sim_uv(idx[-1] + 1, seed=3, scale=0.5)[idx]
    assert np.abs(x - ref).max() <= 0.5 * 0.5 + 1e-9  # within one count (exact after quantisation)
    assert t_before <= ts[0] and ts[-1] <= t_after and np.all(np.diff(ts) > -0.05)
    assert d.counters == {"resyncs": 0, "crc_errors": 0}


def test_ascii_with_counter_and_url_overrides():
    with emulator(format="ascii", fs=500.0, channels=3, counter=True, banner=False, seed=1) as em:
        with pytest.raises(DeviceError, match=r"sent no banner with its sample rate; add fs=<Hz>"):
            open_driver(f"serial:{em.path}?counter=1")
        d = open_driver(f"serial:{em.path}?counter=1&fs=500&scale_uv=1")
        assert (d.spec.fs, d.spec.n_channels, d.format) == (500.0, 3, "ascii")
        d.start()
        blocks = read_samples(d, 300)
        d.stop()
        # the first open may have reset the board (when the emulator saw the port close in between)
        o = em.origin
    b = blocks[-1]
    ref = sim_uv(o + b.end_index, fs=500.0, channels=3, seed=1)[o + b.first_index:]
    np.testing.assert_array_equal(b.data, ref)
    with emulator(fs=1000.0, channels=2) as em:  # URL parameters win over the banner
        d = open_driver(f"serial:{em.path}?fs=800&scale_uv=2")
        assert (d.spec.fs, d.scale_uv) == (800.0, 2.0)
        d.stop()


def test_faults_are_counted_and_no_sample_comes_from_a_bad_frame():
    with emulator(fs=1000.0, channels=4, seed=2, drop_rate=0.02, corrupt_rate=0.02, garbage_rate=0.02) as em:
        s = Session(open_driver(f"serial:{em.path}"), ring_seconds=10)
        s.start()
        assert s.wait_until(lambda s: s.rings.total >= 3000, timeout=20), s.status
        s.stop()
    st = s.status
    c = st.counters
    assert c["crc_errors"] > 0 and c["resyncs"] > 0 and c["garbage_bytes"] > 0
    assert st.gaps > 0 and st.dropped_samples > 0
    assert len([e for e in s.events() if e.kind == "gap"]) == st.gaps
    n = s.rings.total
    idx = s.rings.sample_index.read_range(0, n)
    x = s.rings.raw.read_range(0, n)
    assert st.dropped_samples == int((np.diff(idx) - 1).sum())
    np.testing.assert_array_equal(x, sim_uv(idx[-1] + 1, seed=2)[idx])


def test_reconnects_after_unplug_and_after_silence(tmp_path):
    link = str(tmp_path / "board")
    with emulator(fs=1000.0, channels=4, link=link) as em:
        s = Session(open_driver(f"serial:{link}"), ring_seconds=30)
        s.start()
        assert s.wait_until(lambda s: s.rings.total >= 500, timeout=20)
        em.unplug()
        assert not os.path.exists(link)
        assert s.wait_until(lambda s: s.status.losses == 1 and s.status.state == State.RECONNECTING, timeout=20)
        kept = s.rings.total
        assert kept >= 500 and "disappeared" in s.status.message and "reconnect" in s.status.message
        em.plug()
        assert s.wait_until(lambda s: s.status.reconnects == 1 and s.rings.total >= kept + 500, timeout=20), s.status
        assert s.status.state == State.STREAMING and s.status.gaps >= 1
        # a board that falls silent for more than 1 s is lost too, and comes back when it speaks
        em.pause()
        assert s.wait_until(lambda s: s.status.losses == 2, timeout=20)
        assert "sent no valid frame for 1 s" in s.status.message
        # the port reopens at once, but "reconnected" waits for data from the board
        assert s.wait_until(lambda s: "reopened, waiting for data" in s.status.message, timeout=20)
        assert s.status.state == State.RECONNECTING and s.status.reconnects == 1
        em.pause(False)
        n2 = s.rings.total
        assert s.wait_until(lambda s: s.status.reconnects == 2 and s.rings.total >= n2 + 500, timeout=20)
        s.stop()
    idx = s.rings.sample_index.read_range(0, s.rings.total)
    assert np.all(np.diff(idx) >= 1)  # the outages are gaps: indices only move forward
    gaps = [e for e in s.events() if e.kind == "gap"]
    assert len(gaps) == s.status.gaps >= 2
    assert s.status.dropped_samples > 1000  # two outages of more than a second at 1 kHz
    assert s.rings.raw.read_range(0, 500).shape == (500, 4)  # what came before is kept


# -- bad input: one sentence naming the port and what to try -----------------------------
def test_wrong_port_busy_port_and_channel_mismatch():
    with pytest.raises(DeviceError, match=r"no such port /dev/nonexistent-emgmap; run `emgmap devices`"):
        open_driver("serial:/dev/nonexistent-emgmap?fs=1000")
    with emulator(fs=1000.0, channels=4) as em:
        with serial.Serial(em.path, exclusive=True):
            with pytest.raises(DeviceError, match=rf"{em.path} is busy"):
                open_driver(f"serial:{em.path}")
        with pytest.raises(DeviceError, match=rf"{em.path} sends 4 channels, not 8; set channels=4"):
            open_driver(f"serial:{em.path}?channels=8")
        # reopened within the emulator's poll period the board may not reset (no banner): give fs
        d = open_driver(f"serial:{em.path}?fs=1000")
        with pytest.raises(MontageError, match=rf"montage has 8 channels but serial:{em.path}\?fs=1000 streams 4"):
            Session(d, default_montage())
        d.stop()


def test_silent_port_and_garbage_at_the_wrong_baud():
    master, slave = os.openpty()
    path = os.ttyname(slave)
    try:
        with pytest.raises(DeviceError, match=rf"{path} sent nothing in 2.5 s; check that it is the board"):
            open_driver(f"serial:{path}?fs=1000")
        stop = threading.Event()

        def noise():  # what a board at another baud rate looks like: bytes, no frames
            rng = np.random.default_rng(0)
            while not stop.wait(0.01):
                os.write(master, rng.integers(0, 256, 64, dtype=np.uint8).tobytes())
        t = threading.Thread(target=noise, daemon=True)
        t.start()
        try:
            with pytest.raises(DeviceError, match=r"no valid emgmap frames at 9600 baud; check the baud rate"):
                open_driver(f"serial:{path}?fs=1000&baud=9600")
        finally:
            stop.set()
            t.join()
    finally:
        os.close(slave)
        os.close(master)


def test_spec_errors_name_the_parameter():
    from emgmap.types import DeviceSpecError
    with pytest.raises(DeviceSpecError, match="give the port"):
        open_driver("serial:?fs=1000")
    with pytest.raises(DeviceSpecError, match="format must be one of binary, ascii"):
        open_driver("serial:/dev/x?format=hex")
    with pytest.raises(DeviceSpecError, match="unknown parameter 'rate'"):
        open_driver("serial:/dev/x?rate=5")


def test_emulate_and_check_from_the_command_line(cli, tmp_path):
    # a link of ours: the pty's own number may be reused by another test's pty as soon as it closes
    link = str(tmp_path / "board")
    em = subprocess.Popen([sys.executable, "-m", "emgmap", "emulate", "serial", "--channels", "2",
                           "--garbage-rate", "0.05", "--link", link], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    try:
        path = em.stdout.readline().strip()
        assert path == link and os.path.realpath(link).startswith("/dev/pts/")
        r = cli("check", "--device", f"serial:{path}", "--seconds", "3")   # in this process: the emulator's is the CLI's
        assert r.returncode == 0, r.stdout + r.stderr
        assert "(emgmap serial board (binary), 1000 Hz nominal)" in r.stdout
        head = [line for line in r.stdout.splitlines() if line.startswith("streamed")][0]
        assert "0 dropped in 0 gaps" in head and "resyncs" in head and "crc_errors" in head
        assert r.stdout.strip().endswith("healthy")
    finally:
        em.terminate()
        em.wait(timeout=10)
    assert em.returncode == 0 and not os.path.exists(path)
    r = cli("check", "--device", "serial:/dev/nonexistent-emgmap")
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "no such port /dev/nonexistent-emgmap" in r.stderr


def test_check_with_a_montage_wider_than_the_board(tmp_path):
    montage = tmp_path / "eight.toml"
    default_montage().save(montage)
    with emulator(fs=1000.0, channels=4) as em:
        r = subprocess.run([sys.executable, "-m", "emgmap", "check", "--device", f"serial:{em.path}",
                            "--montage", str(montage), "--seconds", "1"], capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert f"the montage has 8 channels but serial:{em.path} streams 4" in r.stderr
        with serial.Serial(em.path, exclusive=True):  # the check released the port
            pass
