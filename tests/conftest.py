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
