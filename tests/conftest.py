import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# LSL: resolve on loopback only; liblsl reads this once, before its first use.
os.environ["LSLAPICFG"] = str(Path(__file__).with_name("lsl_api.cfg"))

# the CLI's log file goes here, not into the user's log folder (subprocesses inherit it)
os.environ.setdefault("EMGMAP_LOG_DIR", tempfile.mkdtemp(prefix="emgmap-test-log-"))

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


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
        code = main([str(a) for a in args])
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)
    return run
