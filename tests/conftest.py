import fcntl
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# LSL: resolve on loopback only; liblsl reads this once, before its first use.
os.environ["LSLAPICFG"] = str(Path(__file__).with_name("lsl_api.cfg"))

# the CLI's log file goes here, not into the user's log folder (subprocesses inherit it)
os.environ.setdefault("EMGMAP_LOG_DIR", tempfile.mkdtemp(prefix="emgmap-test-log-"))

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


# numba compiles the DSP kernels into its on-disk cache the first time they run: about 14 s of
# CPU. On a fresh checkout every pytest-xdist worker, and every subprocess started before the
# cache is written, would compile them at once (26 s of the suite's wall time, measured). So the
# controller compiles them once in a subprocess while the workers start and collect, holding an
# exclusive lock that each worker waits on (shared) before its first test.
KERNELS_LOCK = "EMGMAP_TEST_KERNELS_LOCK"


# Likewise Python's bytecode: on a fresh checkout no library module is compiled yet, and three
# workers collecting at once each compiled the same thousands of modules (numpy, scipy, pandas,
# h5py, matplotlib ...): about 12 s of CPU each. So the first worker collects alone and the
# others wait for it, then collect from the bytecode it wrote. Only when the bytecode is missing:
# on a warm checkout waiting would only idle a core.
COLLECT_LOCK = "EMGMAP_TEST_COLLECT_LOCK"


def _bytecode_missing() -> bool:
    import importlib.util
    for name in ("scipy", "pandas", "matplotlib"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin and not os.path.exists(importlib.util.cache_from_source(spec.origin)):
            return True
    return False


def pytest_configure(config):
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return   # a worker, or a run without workers: the kernels compile on first use
    if not sys.flags.dont_write_bytecode and _bytecode_missing():
        os.environ[COLLECT_LOCK] = str(Path(tempfile.mkdtemp(prefix="emgmap-test-collect-")) / "lock")
    lock_path = Path(tempfile.mkdtemp(prefix="emgmap-test-kernels-")) / "lock"
    lock = open(lock_path, "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    os.environ[KERNELS_LOCK] = str(lock_path)   # the workers, spawned after this, inherit it
    proc = subprocess.Popen([sys.executable, "-c", "from emgmap.dsp import kernels\n"
                             "kernels.warm_up()\nkernels.warm_up_analysis()"])

    def release():
        proc.wait()   # a failed compile releases too: the workers then compile as they would have
        fcntl.flock(lock, fcntl.LOCK_UN)
    threading.Thread(target=release, name="emgmap-test-kernels", daemon=True).start()


@pytest.hookimpl(hookwrapper=True)
def pytest_collection(session):
    """A worker collects alone when it comes first and the bytecode is missing (see above)."""
    path = os.environ.get(COLLECT_LOCK)
    if not path or not hasattr(session.config, "workerinput"):
        yield
        return
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # in turn, until the first has collected (the file says so)
        if os.path.getsize(path):
            fcntl.flock(lock, fcntl.LOCK_UN)   # the others then collect together
            yield
            return
        try:
            yield
        finally:
            lock.write("collected\n")
            lock.flush()
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session", autouse=True)
def kernels_compiled():
    """A worker's first test waits for the controller's compile of the kernels (see above)."""
    path = os.environ.get(KERNELS_LOCK)
    if path:
        with open(path) as f:
            fcntl.flock(f, fcntl.LOCK_SH)
            fcntl.flock(f, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def tfl_dominant_clamshell(tmp_path_factory) -> Path:
    """A guided clamshell session (5 reps a side, MVC trials) of the TFL-dominant simulated
    patient, seed 6, recorded once per run: the file several views and analyses read."""
    from sessions import built_once, run_session
    return built_once(tmp_path_factory, "tfl-dominant-clamshell",
                      lambda d: run_session("clamshell", "tfl_dominant_clam", d / "clam.h5", seed=6)) / "clam.h5"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real recordings not found at {SHARED_DATA} (shared/ must sit beside the checkout)")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path, monkeypatch):
    """No test touches the user's patient store: each gets its own data folder."""
    monkeypatch.setenv("EMGMAP_DATA_DIR", str(tmp_path / "emgmap-data"))


class CliResult:
    """What a command printed and returned, as a subprocess would give it."""

    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def cli(capsys):
    """Run ``emgmap ARGS`` in this process (``emgmap.cli.main``): exit code and output exactly
    as the command line gives them; an uncaught exception fails the test. A subprocess is for
    what only a process proves (a kill -9, a pty, what an import loads)."""
    from emgmap.cli import main

    def run(*args) -> CliResult:
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as e:   # argparse refusing an option exits, as the process would
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)
    return run
