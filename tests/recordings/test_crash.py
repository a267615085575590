"""A recording process killed with SIGKILL, and one whose disk fills up, in real subprocesses."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from emgmap.recordings import open_recording
from emgmap.recordings.repair import repair
from emgmap.sim import SimConfig, Simulator

REPO = Path(__file__).resolve().parents[2]

CHILD = """
import sys
from emgmap.clock import ManualClock
from emgmap.drivers import open_driver
from emgmap.sinks.recorder import Recorder
from emgmap.session import Session
clock = ManualClock()
s = Session(open_driver("sim:?channels=8&seed=4&fast=1", clock=clock), ring_seconds=5, clock=clock)
r = Recorder(s, sys.argv[1], flush_s=0.1)
r.start()
s.start()
seen = 0
while True:   # report every flush; the parent kills us at some point
    s.wait_until(lambda x: r.status.flushed_samples > seen, 60)
    seen = r.status.flushed_samples
    print(seen, flush=True)
"""


def _child(code, *args, **kw):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=REPO, **kw)


def sim_samples(n):
    sim = Simulator(SimConfig(channels=8, seed=4))
    frames = -(-n // sim.frame_len)
    return sim.next_frames(frames)[1][:n]


def test_kill_9_keeps_everything_up_to_the_last_flush(tmp_path):
    path = tmp_path / "killed.h5"
    p = _child(CHILD, path)
    flushed = [int(p.stdout.readline()) for _ in range(4)]  # four flushes have happened
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    assert p.returncode == -signal.SIGKILL
    assert flushed[-1] > flushed[0] > 0
    with pytest.raises(OSError):  # a plain open refuses the SWMR "open for writing" mark...
        h5py.File(path, "r")
    with h5py.File(path, "r", swmr=True) as f:  # ...a SWMR read opens it (docs/recording-format.md)
        assert f["emg/data"].shape[0] >= flushed[-1]
    before = path.read_bytes()
    with open_recording(path) as rec:
        assert rec.interrupted and not rec.finalised
        assert rec.n_samples >= flushed[-1]
        head = min(rec.n_samples, 40000)  # the same seed makes the same samples: check the first 20 s
        np.testing.assert_array_equal(rec.data(0, head), sim_samples(head).astype(np.float32))
        np.testing.assert_array_equal(rec.sample_index(), np.arange(rec.n_samples))  # and no hole anywhere
        env, _ = rec.envelope()
        assert env.shape[0] >= (flushed[-1] - 1) // 20
        n = rec.n_samples
    assert path.read_bytes() == before  # reading never modifies
    out, n_rep, _ = repair(path)
    assert out == tmp_path / "killed-repaired.h5" and n_rep == n
    with h5py.File(out, "r") as f:  # the repaired copy opens plainly, finalised
        assert f.attrs["n_samples"] == n and "repaired_utc" in f.attrs
        assert f["emg/data"].shape == (n, 8) and f["emg/timestamps"].shape == (n,)
    assert path.read_bytes() == before


DISK_FULL = """
import json, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit fails with EFBIG instead
from emgmap.clock import ManualClock
from emgmap.drivers import open_driver
from emgmap.sinks.recorder import Recorder
from emgmap.session import Session
from emgmap.dsp import start_warm_up
start_warm_up().join()                           # numba's cache files are written before the limit
resource.setrlimit(resource.RLIMIT_FSIZE, (2_000_000, 2_000_000))
clock = ManualClock()
s = Session(open_driver("sim:?channels=8&seed=4&fast=1", clock=clock), ring_seconds=5, clock=clock)
r = Recorder(s, sys.argv[1], flush_s=0.2)
r.start()
s.start()
s.wait_until(lambda x: r.status.state == "failed", 120)
at = s.status.samples
goes_on = s.wait_until(lambda x: x.status.samples >= at + 20000, 120)
print(json.dumps({"state": r.status.state, "message": r.status.message, "session": s.status.state.value,
                  "goes_on": goes_on, "written": r.status.samples}), flush=True)
s.stop()
r.stop()
"""


def test_a_full_disk_stops_the_recording_not_the_session(tmp_path):
    path = tmp_path / "full.h5"
    p = _child(DISK_FULL, path)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    result = json.loads(out)
    assert result["state"] == "failed" and result["session"] == "streaming" and result["goes_on"]
    msg = result["message"]
    assert msg.startswith(f"recording to {path} stopped: the disk is full (")
    assert "acquisition goes on" in msg and "\n" not in msg
    assert path.stat().st_size <= 2_000_000
    with open_recording(path) as rec:  # stopped before the disk refused: finalised, all of it readable
        assert rec.finalised and not rec.interrupted
        assert 0 < rec.n_samples == result["written"]
        np.testing.assert_array_equal(rec.data(), sim_samples(rec.n_samples).astype(np.float32))


def test_an_unwritable_folder_is_one_clear_line(tmp_path, cli):
    r = cli("record", "--device", "sim:?channels=2", "--fast", "--duration", "1", "-o", tmp_path / "no" / "such" / "x.h5")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()  # refused before the device opens (docs/outputs.md)
    assert len(lines) == 1 and lines[0].startswith(
        f"emgmap: folder {tmp_path / 'no' / 'such'} does not exist; create it or give -o/--output in another folder")
    assert lines[0].endswith(".log)")  # the log file's path, to send
