"""The patient store: patients, the real-name guard, permissions, migrations, moved recordings."""
import json
import os
import shutil
import sqlite3
import stat

import pytest

from emgmap.app.patients import (DB_NAME, MIGRATIONS, SCHEMA_VERSION, AffectedSide, FileState, Patient, PatientError,
                                 PatientStore, check_pseudonym)

from patientsupport import emgmap, session_argv


def test_patients_add_list_edit_and_search(data_dir):
    with PatientStore() as st:
        st.add_patient(Patient("P01", display_name="Anna B", birth_year=1990, sport="football",
                               affected_side=AffectedSide.LEFT))
        st.add_patient(Patient("knee-03", sport="running"))
        assert [p.pseudonym for p in st.patients()] == ["knee-03", "P01"]
        assert [p.pseudonym for p in st.patients("foot")] == ["P01"]
        assert [p.pseudonym for p in st.patients("anna")] == ["P01"]       # display name, any case
        with pytest.raises(PatientError, match="exists already"):
            st.add_patient(Patient("P01"))
        st.edit_patient("P01", pseudonym="P017", notes="ACL 2024")
        assert st.find_patient("P01") is None and st.patient("P017").notes == "ACL 2024"
        assert st.patient("P017").affected_side is AffectedSide.LEFT and st.patient("P017").birth_year == 1990
        with pytest.raises(PatientError, match="year of birth 1850"):
            st.edit_patient("P017", birth_year=1850)
        with pytest.raises(PatientError, match="no patient 'P99'"):
            st.patient("P99")
    assert st.path == data_dir / DB_NAME


@pytest.mark.parametrize("text", ["Anna Berg", "Berg, Anna", "José Núñez"])
def test_real_names_are_refused_as_pseudonyms(text, data_dir):
    with pytest.raises(PatientError, match="looks like a real name"):
        check_pseudonym(text)
    rc = emgmap("patients", "add", text)[0]
    assert rc == 2
    with PatientStore() as st:
        assert st.patients() == []


@pytest.mark.parametrize("text", ["P017", "knee-03", "K_12.b"])
def test_codes_are_pseudonyms(text):
    assert check_pseudonym(f" {text} ") == text


@pytest.mark.parametrize("text", ["", "../etc", "P 01", "a/b"])
def test_what_cannot_be_a_folder_name_is_refused(text):
    with pytest.raises(PatientError, match="not a pseudonym"):
        check_pseudonym(text)


def test_store_is_owner_only_and_in_wal_mode(data_dir):
    with PatientStore() as st:
        st.add_patient(Patient("P01"))
        assert st.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rec_dir = st.patient_dir("P01")
        for path in (data_dir / DB_NAME, data_dir / f"{DB_NAME}-wal"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for folder in (data_dir, data_dir / "recordings", rec_dir):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_an_existing_folder_keeps_its_permissions(tmp_path, monkeypatch):
    chosen = tmp_path / "shared-with-my-group"
    chosen.mkdir(mode=0o750)
    chosen.chmod(0o750)
    monkeypatch.setenv("EMGMAP_DATA_DIR", str(chosen))
    with PatientStore():
        pass
    assert stat.S_IMODE(chosen.stat().st_mode) == 0o750
    assert stat.S_IMODE((chosen / DB_NAME).stat().st_mode) == 0o600


def test_data_dir_defaults_to_the_user_data_folder(monkeypatch, tmp_path):
    import platformdirs

    from emgmap.app.patients import data_dir
    monkeypatch.delenv("EMGMAP_DATA_DIR", raising=False)
    assert str(data_dir()) == platformdirs.user_data_dir("emgmap", appauthor=False)
    monkeypatch.setenv("EMGMAP_DATA_DIR", str(tmp_path / "x"))
    assert data_dir() == tmp_path / "x"


# The schema as emgmap shipped it at version 1, written out here (not taken from MIGRATIONS)
# so that the test keeps a real old database even if someone edits the migration list.
SCHEMA_V1 = """
CREATE TABLE patients (pseudonym TEXT PRIMARY KEY, display_name TEXT NOT NULL DEFAULT '', birth_year INTEGER,
    sport TEXT NOT NULL DEFAULT '', affected_side TEXT NOT NULL DEFAULT '', notes TEXT NOT NULL DEFAULT '',
    created_utc TEXT NOT NULL);
CREATE TABLE visits (id INTEGER PRIMARY KEY, pseudonym TEXT NOT NULL REFERENCES patients(pseudonym)
    ON UPDATE CASCADE ON DELETE CASCADE, date TEXT NOT NULL, protocol TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '');
CREATE INDEX visits_by_patient ON visits(pseudonym, date);
CREATE TABLE sessions (id INTEGER PRIMARY KEY, visit_id INTEGER NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
    path TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE, recorded_utc TEXT NOT NULL DEFAULT '');
INSERT INTO patients VALUES ('P07', 'Old Entry', 1980, 'tennis', 'right', 'from v1', '2026-01-01T00:00:00+00:00');
INSERT INTO visits VALUES (1, 'P07', '2026-01-05', 'bridge', 'v1 visit');
INSERT INTO sessions VALUES (1, 1, '/nowhere/P07-bridge.h5', 'ab12', '2026-01-05T10:00:00+00:00');
PRAGMA user_version = 1;
"""


def test_a_version_1_database_opens_and_upgrades(data_dir):
    assert SCHEMA_VERSION == 2 and len(MIGRATIONS) == 2
    data_dir.mkdir(parents=True)
    old = sqlite3.connect(data_dir / DB_NAME)
    old.executescript(SCHEMA_V1)
    old.close()
    with PatientStore() as st:
        assert st.version == 2
        p = st.patient("P07")
        assert (p.display_name, p.birth_year, p.sport, p.affected_side, p.notes) == \
            ("Old Entry", 1980, "tennis", AffectedSide.RIGHT, "from v1")
        [v] = st.visits("P07")
        assert (v.date, v.protocol, v.note) == ("2026-01-05", "bridge", "v1 visit")
        assert v.sessions[0].state is FileState.MISSING           # reported, not fatal
        assert st.rows(v.id) == []                                 # v1 kept no analysis
        [h] = st.history("P07").visits
        assert h.indices == () and h.recording_states == ("missing",)
        cols = [r[1] for r in st.db.execute("PRAGMA table_info(results)")]
        assert cols[1:] == ["file", "subject", "date", "exercise", "set", "side", "measure", "name", "rep", "value",
                            "unit", "normalization", "zone", "expected_low", "expected_high"]
        assert st.integrity() == "ok"
    with PatientStore() as st:  # opening again: nothing to migrate
        assert st.version == 2


def test_a_newer_database_is_refused_with_a_sentence(data_dir):
    data_dir.mkdir(parents=True)
    db = sqlite3.connect(data_dir / DB_NAME)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(PatientError, match="update emgmap"):
        PatientStore()


def test_a_corrupt_database_is_refused_with_a_sentence(data_dir):
    data_dir.mkdir(parents=True)
    (data_dir / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(PatientError, match="backup copy"):
        PatientStore()


def test_session_needs_a_known_patient_before_recording(data_dir, tmp_path):
    rc = emgmap(*session_argv("healthy", patient="P42"))[0]
    assert rc == 2 and not (data_dir / "recordings" / "P42").exists()
    with PatientStore() as st:
        st.add_patient(Patient("P42"))
    rc = emgmap(*session_argv("healthy", patient="P42"), "--subject", "P43")[0]
    assert rc == 2


def test_a_copied_folder_is_a_working_backup_and_moved_recordings_are_found_again(three_visits, tmp_path,
                                                                                     monkeypatch):
    backup = tmp_path / "backup"
    shutil.copytree(three_visits, backup)                    # backup = copying one folder
    monkeypatch.setenv("EMGMAP_DATA_DIR", str(backup))
    with PatientStore() as st:
        visits = st.visits("P01")
        assert [s.state for v in visits for s in v.sessions] == [FileState.OK] * 3
        assert all(s.path.startswith(str(backup)) for v in visits for s in v.sessions)
        first, second = visits[0].sessions[0].path, visits[1].sessions[0].path
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.move(first, elsewhere / os.path.basename(first))
    os.remove(second)
    rc, out = emgmap("patients", "show", "P01")
    assert rc == 0 and out.count("[missing") == 2 and "patients import" in out
    rc, out = emgmap("history", "P01", "--json")
    assert rc == 0 and len(json.loads(out)["visits"]) == 3   # the analysis is kept either way
    rc, out = emgmap("patients", "import", elsewhere)
    assert rc == 0 and "0 indexed, 1 found again, 0 skipped" in out
    with PatientStore() as st:
        states = [s.state for v in st.visits("P01") for s in v.sessions]
        assert states == [FileState.OK, FileState.MISSING, FileState.OK]
        assert st.visits("P01")[0].sessions[0].path == str(elsewhere / os.path.basename(first))
