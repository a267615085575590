import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# LSL: resolve on loopback only; liblsl reads this once, before its first use.
os.environ["LSLAPICFG"] = str(Path(__file__).with_name("lsl_api.cfg"))

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
