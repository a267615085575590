import pytest


@pytest.fixture(scope="session")
def clam(tmp_path_factory):
    """A recorded clamshell session (TFL-dominant, 3 reps a side, MVC and rest calibrated)."""
    from sessions import run_session
    path = tmp_path_factory.mktemp("clam") / "clam.h5"
    run_session("clamshell", "tfl_dominant_clam", path, seed=3, reps=3)
    return path
