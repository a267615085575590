import pytest


@pytest.fixture(scope="session")
def clam(tmp_path_factory):
    """A recorded clamshell session (TFL-dominant, 3 reps a side, MVC and rest calibrated), once per run."""
    from sessions import built_once, run_session
    return built_once(tmp_path_factory, "clam-3-reps",
                      lambda d: run_session("clamshell", "tfl_dominant_clam", d / "clam.h5", seed=3, reps=3)) / "clam.h5"
