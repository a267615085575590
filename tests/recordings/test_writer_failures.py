"""Issue 18 items 2, 4 and 13: a full disk during import (it segfaulted), a reader
holding the file open at stop (it broke finalisation), a kill -9 while the file is
being created, and two recorders onto one path. Real files, real subprocesses,
a real full filesystem (a small tmpfs) when the tests run as root."""
import json
import os
import signal
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import h5py
import numpy as np
import pytest

from emgmap.montage import bilateral
from emgmap.recordings import open_recording
from emgmap.recordings.format import RecordingError
from emgmap.recordings.writer import RecordingWriter

REPO = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, PYTHONPATH=str(REPO))


def _run(code: str, *args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                          env=ENV, cwd=REPO, timeout=timeout)


@pytest.fixture
def full_disk(tmp_path):
    """A 4 MB tmpfs with 1.5 MB free (needs root to mount; skipped otherwise)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
    (mnt / "filler").write_bytes(b"\0" * 2_500_000)
    yield mnt
    subprocess.run(["umount", str(mnt)], check=False)


@pytest.fixture(scope="module")
def big_text(tmp_path_factory) -> Path:
    """60k rows x 4 columns of µV: ~2.4 MB once imported, more than the full disk holds."""
    p = tmp_path_factory.mktemp("src") / "big.txt"
    x = np.random.default_rng(0).normal(size=(60_000, 4))
    with open(p, "w") as fh:
        fh.write("# fs = 1000\n")
        np.savetxt(fh, x, fmt="%.3f", delimiter=",")
    return p


IMPORT = ["--fs", "1000", "--unit", "uV", "--channel", "1=gmed:left", "--channel", "2=gmed:right",
          "--channel", "3=tfl:left", "--channel", "4=tfl:right"]


def test_import_onto_a_full_disk_is_refused_before_writing(full_disk, big_text, cli):
    r = cli("import", big_text, "-o", full_disk / "x.h5", *IMPORT)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(f"emgmap: folder {full_disk} has ") and "free some space" in r.stderr
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]


FILLS_DURING = """
import sys
import emgmap.recordings.importers as im
im.check_space = lambda *a, **k: None   # the disk fills after the check (another program)
from emgmap.cli import main
sys.exit(main(["import", *sys.argv[1:]]))
"""


def test_a_disk_that_fills_during_import_leaves_nothing_and_no_crash(full_disk, big_text):
    r = _run(FILLS_DURING, big_text, "-o", full_disk / "x.h5", *IMPORT)
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])  # was 139 (segfault)
    assert r.stderr.strip().splitlines()[-1].startswith(
        f"emgmap: writing {full_disk / 'x.h5'} failed (No space left on device); free some space or pick "
        "another folder (log: ")
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]  # no half-written file, no temporary


WRITE_AFTER_FAILURE = """
import sys, numpy as np
from emgmap.montage import bilateral
from emgmap.recordings.format import RecordingError
from emgmap.recordings.writer import RecordingWriter
w = RecordingWriter(sys.argv[1], fs=1000, montage=bilateral(["gmed"]), device="test", device_model="test")
w.append(np.zeros((1000, 2)), np.arange(1000) / 1000, np.arange(1000))
w.flush()
kept = w.n_samples
x = np.random.default_rng(0).normal(size=(400_000, 2))
errors = []
for _ in range(3):   # the disk is full: the first write fails, the others are refused without HDF5
    try:
        w.append(x, np.arange(400_000) / 1000, np.arange(400_000))
        w.flush()
    except RecordingError as e:
        errors.append(str(e))
try:
    w.close()
except RecordingError as e:
    errors.append(str(e))
print("|".join(errors))
"""


def test_no_hdf5_write_after_a_failed_write(full_disk):
    path = full_disk / "live.h5"
    r = _run(WRITE_AFTER_FAILURE, path)
    assert r.returncode == 0, r.stderr[-2000:]
    errors = r.stdout.strip().split("|")
    assert "No space left on device" in errors[0] and "free some space" in errors[0]
    assert all("is no longer written" in e for e in errors[1:3])
    assert "could not finish recording" in errors[3]
    with open_recording(path) as rec:  # what the last flush left is readable
        assert rec.n_samples >= 1000 and not rec.finalised


READER_AT_STOP = """
import sys, h5py
r = h5py.File(sys.argv[1], "r", swmr=True)
print(r["emg/data"].shape[0], flush=True)
sys.stdin.read()   # held open until the parent says
r.close()
"""


def test_a_reader_open_at_stop_does_not_break_finalisation(tmp_path):
    path = tmp_path / "r.h5"
    w = RecordingWriter(path, fs=1000, montage=bilateral(["gmed"]), device="test", device_model="test")
    w.append(np.ones((500, 2)), np.arange(500) / 1000, np.arange(500))
    w.flush()
    reader = subprocess.Popen([sys.executable, "-c", READER_AT_STOP, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=ENV)
    try:
        assert reader.stdout.readline().strip() == "500"
        w.append(np.ones((500, 2)), 0.5 + np.arange(500) / 1000, 500 + np.arange(500))
        w.close()  # raised "free some space" (a lock error) and left no n_samples
    finally:
        reader.stdin.close()
        reader.wait(30)
    with h5py.File(path, "r") as f:  # a plain open: finalised
        assert f.attrs["n_samples"] == 1000 and f.attrs["duration_s"] == pytest.approx(1.0)
    with open_recording(path) as rec:
        assert rec.finalised and rec.n_samples == 1000


KILLED_WHILE_CREATING = """
import os, signal, sys
from emgmap.montage import bilateral
from emgmap.recordings.writer import RecordingWriter
original = RecordingWriter._create
def create_then_die(self, f, *a):
    original(self, f, *a)
    os.kill(os.getpid(), signal.SIGKILL)   # before the first flush: the file is half made
RecordingWriter._create = create_then_die
RecordingWriter(sys.argv[1], fs=1000, montage=bilateral(["gmed"]), device="test", device_model="test")
"""

KILLED_AFTER_CREATING = """
import os, signal, sys
from emgmap.montage import bilateral
from emgmap.recordings.writer import RecordingWriter
RecordingWriter(sys.argv[1], fs=1000, montage=bilateral(["gmed"]), device="test", device_model="test")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_kill_while_the_file_is_created_leaves_no_broken_recording(tmp_path, cli):
    path = tmp_path / "k.h5"
    r = _run(KILLED_WHILE_CREATING, path)
    assert r.returncode == -signal.SIGKILL
    assert not path.exists()  # the half-made file never had the recording's name
    r = _run(KILLED_AFTER_CREATING, path)
    assert r.returncode == -signal.SIGKILL
    info = cli("info", path)
    assert info.returncode == 0, info.stderr
    assert "0 samples" in info.stdout and "not finalised" in info.stdout
    fixed = cli("repair", path)
    assert fixed.returncode == 0, fixed.stderr


def test_two_writers_onto_one_path_get_two_files(tmp_path):
    path = tmp_path / "same.h5"

    def make(k):
        w = RecordingWriter(path, fs=1000, montage=bilateral(["gmed"]), device=f"w{k}", device_model="test")
        w.append(np.full((10, 2), k), np.arange(10) / 1000, np.arange(10))
        w.close()
        w.device_name = f"w{k}"
        return w

    with ThreadPoolExecutor(4) as ex:
        writers = list(ex.map(make, range(4)))
    paths = {w.path for w in writers}
    assert len(paths) == 4 and path in paths
    assert sum(w.renamed for w in writers) == 3
    for w in writers:
        with open_recording(w.path) as rec:
            assert rec.finalised and rec.device == w.device_name
            assert (rec.data() == int(w.device_name[1:])).all()  # each file holds its own writer's rows
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same-1.h5", "same-2.h5", "same-3.h5", "same.h5"]


def test_a_write_to_a_closed_writer_says_so(tmp_path):
    w = RecordingWriter(tmp_path / "c.h5", fs=1000, montage=bilateral(["gmed"]), device="t", device_model="t")
    w.close()
    with pytest.raises(RecordingError, match="is closed"):
        w.append(np.ones((1, 2)), np.zeros(1), np.zeros(1, dtype=int))
    assert json.dumps(oct(os.stat(w.path).st_mode & 0o777)) == '"0o600"'


@pytest.fixture(scope="module")
def two_mb_recording(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("rec") / "big.h5"
    w = RecordingWriter(path, fs=1000, montage=bilateral(["gmed", "tfl"]), device="t", device_model="t")
    n = 120_000
    w.append(np.random.default_rng(1).normal(size=(n, 4)), np.arange(n) / 1000, np.arange(n))
    w.close()
    return path


@pytest.mark.parametrize("argv", [["repair", "{rec}", "-o", "{disk}/r.h5"]])
def test_repair_onto_a_full_disk_leaves_nothing(full_disk, two_mb_recording, argv, cli):
    """It left a truncated file (issue 18 item 8); every export format: tests/commands/test_export_outputs.py."""
    r = cli(*[a.format(rec=two_mb_recording, disk=full_disk) for a in argv])
    assert r.returncode == 2, r.stderr
    assert "free some space" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]


def test_import_warns_about_values_that_are_not_numbers(tmp_path, cli):
    src = tmp_path / "nan.txt"
    src.write_text("# fs = 100\n" + "".join(f"{v},1\n" for v in ["1", "nan", "inf", "1e300", "2"] * 20))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = cli("import", src, "-o", tmp_path / "n.h5", "--unit", "uV", "--channel", "1=gmed:left", "--channel",
                "2=gmed:right")
    # numpy's own line about the float32 cast, with a source path, was printed to the user too
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], [str(w.message) for w in caught]
    assert r.returncode == 0, r.stderr
    assert "emgmap: warning: 60 EMG values in" in r.stderr and "not finite" in r.stderr  # was silent
    assert r.stdout.startswith("imported 100 samples")
