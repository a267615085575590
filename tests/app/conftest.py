from pathlib import Path

import pytest

from patientsupport import VISITS, emgmap, session_argv


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "emgmap-data"
    monkeypatch.setenv("EMGMAP_DATA_DIR", str(d))
    return d


@pytest.fixture(scope="module")
def three_visits(tmp_path_factory):
    """A data folder holding patient P01 and the three visits of VISITS."""
    d = tmp_path_factory.mktemp("three-visits") / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMGMAP_DATA_DIR", str(d))
        assert emgmap("patients", "add", "P01", "--sport", "football", "--side", "left")[0] == 0
        for scenario, extra, note in VISITS:
            rc, out = emgmap(*session_argv(scenario, extra, note=note))
            assert rc == 0 and "filed under P01" in out, out
    return d
