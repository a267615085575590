"""Fixtures of the application-layer tests: a data folder with patients (patient store), and a small
simulated study made once per run (study runner, cohort report): 3 subjects, 2 visits each,
plus files that must land in the errors table."""
import shutil
from pathlib import Path

import h5py
import pytest

from patientsupport import VISITS, emgmap, session_argv
from sessions import built_once, run_session

from emgmap.cli import main

# (subject, visit date, protocol, scenario, seed): S01 improves (tfl-dominant, then healthy),
# S02 worsens, S03 keeps a left/right asymmetry on the bridge
STUDY_VISITS = [("S01", "2026-01-10", "clamshell", "tfl_dominant_clam", 1), ("S01", "2026-03-10", "clamshell", "healthy", 2),
          ("S02", "2026-01-12", "clamshell", "healthy", 2), ("S02", "2026-03-12", "clamshell", "tfl_dominant_clam", 1),
          ("S03", "2026-01-15", "bridge", "lr_asymmetry", 3), ("S03", "2026-03-15", "bridge", "lr_asymmetry", 3)]


def _stamp(path: Path, subject: str, date: str) -> None:
    with h5py.File(path, "r+") as f:
        f.attrs["subject_id"] = subject
        f.attrs["created_utc"] = f"{date}T10:00:00Z"


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "emgmap-data"
    monkeypatch.setenv("EMGMAP_DATA_DIR", str(d))
    return d


def _file_three_visits(d: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMGMAP_DATA_DIR", str(d))
        assert emgmap("patients", "add", "P01", "--sport", "football", "--side", "left")[0] == 0
        for scenario, extra, note in VISITS:
            rc, out = emgmap(*session_argv(scenario, extra, note=note))
            assert rc == 0 and "filed under P01" in out, out


@pytest.fixture(scope="module")
def three_visits(tmp_path_factory):
    """A data folder holding patient P01 and the three visits of VISITS: each module gets its own
    copy (recordings are kept relative to the folder) of the one filed per run."""
    filed = built_once(tmp_path_factory, "three-visits", lambda d: _file_three_visits(d / "data"))
    d = tmp_path_factory.mktemp("three-visits") / "data"
    shutil.copytree(filed / "data", d)
    return d


@pytest.fixture(scope="session")
def study_sessions(tmp_path_factory) -> Path:
    """The six good visits (subfolders per subject), made once per run; a base session is
    simulated once per (protocol, scenario, seed) and stamped with the visit's subject and date."""
    return built_once(tmp_path_factory, "study", _make_study)


def _make_study(root: Path) -> None:
    base: dict = {}
    for subject, date, protocol, scenario, seed in STUDY_VISITS:
        key = (protocol, scenario, seed)
        if key not in base:
            base[key] = root / f"base-{protocol}-{scenario}-{seed}.h5"
            run_session(protocol, scenario, base[key], seed=seed, reps=2, extra="&artifacts=0")
        out = root / "visits" / subject / f"{subject}-{date}-{protocol}.h5"
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(base[key], out)
        _stamp(out, subject, date)
    no_sets = root / "no-sets.h5"
    assert main(["record", "--device", "sim", "--duration", "2", "--fast", "--subject", "S09", "-o", str(no_sets)]) == 0


@pytest.fixture
def study_folder(study_sessions, tmp_path) -> Path:
    """A fresh folder with the six visits, a truncated recording, a non-emgmap HDF5 file and
    a recording without sets, as a user would have them."""
    folder = tmp_path / "study"
    shutil.copytree(study_sessions / "visits", folder)
    bad = folder / "broken"
    bad.mkdir()
    data = (study_sessions / "visits" / "S01" / "S01-2026-01-10-clamshell.h5").read_bytes()
    (bad / "truncated.h5").write_bytes(data[:len(data) // 3])
    with h5py.File(bad / "other-tool.h5", "w") as f:
        f["signal"] = [1.0, 2.0, 3.0]
    shutil.copyfile(study_sessions / "no-sets.h5", bad / "no-sets.h5")
    return folder
