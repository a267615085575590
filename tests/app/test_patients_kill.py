"""kill -9 never leaves the patient database inconsistent: a session killed mid-recording
leaves no half-filed visit, a writer killed inside its transaction is rolled back, and
the interrupted recording is indexed by `patients import` once `emgmap repair` copied it."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emgmap.app.patients import DB_NAME, Patient, PatientStore
from emgmap.recordings import open_recording
from emgmap.recordings.format import RecordingError

from patientsupport import SHORT_CLAMSHELL, VISITS, emgmap, session_argv

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 120.0


def _env(data_dir: Path) -> dict:
    return {**os.environ, "EMGMAP_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}


def _wait_for(proc: subprocess.Popen, condition, what: str) -> None:
    """Wait (on the process, in short slices) until ``condition()`` holds; fail if it exits first."""
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        try:
            proc.wait(timeout=0.02)
        except subprocess.TimeoutExpired:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"timed out waiting for {what}")
            continue
        pytest.fail(f"the process ended (status {proc.returncode}) before {what}: {proc.stderr.read()}")


def _integrity(data_dir: Path) -> str:
    db = sqlite3.connect(data_dir / DB_NAME)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def test_kill_9_mid_session_leaves_the_store_consistent_and_the_recording_importable(data_dir, tmp_path):
    scenario, extra, note = VISITS[0]
    assert emgmap("patients", "add", "P01")[0] == 0
    assert emgmap(*session_argv(scenario, extra, note=note))[0] == 0     # one completed visit
    folder = data_dir / "recordings" / "P01"
    done = set(folder.iterdir())
    # a session far longer than the test waits, so it is certainly mid-recording when killed
    # (the short protocol can finish, --fast, before a loaded machine's reader first opens it)
    long_protocol = tmp_path / "clamshell_long.toml"
    long_protocol.write_text(SHORT_CLAMSHELL.read_text().replace("reps = 2", "reps = 100"))
    argv = session_argv(*VISITS[2][:2])
    argv[argv.index("--protocol") + 1] = long_protocol
    proc = subprocess.Popen([sys.executable, "-m", "emgmap", *map(str, argv)],
                            env=_env(data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        def samples_on_disk() -> bool:  # past its first flushes: a reader sees 10 s of samples
            new = set(folder.iterdir()) - done
            if not new:
                return False
            try:
                with open_recording(next(iter(new))) as rec:
                    assert not rec.finalised, "the session ended before it could be killed"
                    return rec.n_samples >= 10 * rec.fs
            except RecordingError:  # still being created
                return False
        _wait_for(proc, samples_on_disk, "10 s of samples on disk")
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        proc.stderr.close()
    [killed] = set(folder.iterdir()) - done
    assert _integrity(data_dir) == "ok"
    rc, out = emgmap("history", "P01", "--json")
    assert rc == 0 and [v["indices"] != [] for v in json.loads(out)["visits"]] == [True]  # the completed visit
    # the interrupted recording is reported, not indexed; its repaired copy is
    rc, out = emgmap("patients", "import", folder)
    assert rc == 0 and "interrupted recording" in out and "0 indexed" in out
    assert emgmap("repair", killed)[0] == 0
    rc, out = emgmap("patients", "import", folder)
    assert rc == 0 and "1 indexed" in out and "-repaired.h5" in out
    with PatientStore() as st:
        visits = st.visits("P01")
        assert len(visits) == 2 and visits[1].sessions[0].path.endswith("-repaired.h5")
        assert st.integrity() == "ok"


WRITER = """
import sys
from emgmap.app.patients import PatientStore
st = PatientStore()
st.db.execute("BEGIN IMMEDIATE")
st.db.execute("INSERT INTO visits (pseudonym, date, protocol, note) VALUES ('P01', '2026-12-01', 'bridge', 'half')")
st.db.execute("INSERT INTO sessions (visit_id, path, sha256) VALUES (last_insert_rowid(), 'x.h5', 'deadbeef')")
print("inside", flush=True)
sys.stdin.read()
"""


def test_kill_9_inside_the_filing_transaction_rolls_it_back(data_dir):
    assert emgmap("patients", "add", "P01")[0] == 0
    proc = subprocess.Popen([sys.executable, "-c", WRITER], env=_env(data_dir), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "inside", proc.stderr.read()
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        for f in (proc.stdin, proc.stdout, proc.stderr):
            f.close()
    assert _integrity(data_dir) == "ok"
    with PatientStore() as st:
        assert st.visits("P01") == []
        assert st.db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
        st.add_patient(Patient("P02"))  # not locked: writable again
