import pytest


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    """Each GUI test remembers its settings and montages in its own folder."""
    d = tmp_path / "config"
    monkeypatch.setenv("EMGMAP_CONFIG_DIR", str(d))
    return d
