"""The patient store: the clinic's memory of patients, visits and the sessions recorded at them.

One SQLite file (standard-library :mod:`sqlite3`, WAL journal) in the user's data
folder (``platformdirs.user_data_dir("emgmap")``, or ``$EMGMAP_DATA_DIR``), next to
a ``recordings/<pseudonym>/`` folder for sessions recorded under a patient. The
database indexes recordings and holds their analysis as rows of the long study
table (DESIGN §3); it never holds samples: recordings stay HDF5 files on disk,
and one that was moved or deleted is reported (:class:`FileState`), never fatal.

Privacy: a patient is keyed by a pseudonym (the real-name guard refuses what
looks like a name); a display name, year of birth, sport and notes are optional
and stay in this database. The folder is created owner-only (0700), the database
and the recordings filed in it 0600; nothing here opens a network connection.

Safety: filing a session is one transaction (visit, session and result rows
together, or nothing), so a process killed at any point leaves either the
completed session or no trace of it; ``PRAGMA integrity_check`` stays ``ok``.
Schema changes are numbered migrations (``PRAGMA user_version``) applied in one
transaction when an older database is opened.
"""
from __future__ import annotations

import datetime as _dt
import enum
import hashlib
import json
import math
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from ..analysis.progress_report import HistoryIndex, PatientHistory, VisitRecord
from ..privacy import personal_data
from ..types import EmgmapError

DATA_DIR_ENV = "EMGMAP_DATA_DIR"
DB_NAME = "patients.sqlite"
STUDY_COLUMNS = ("file", "subject", "date", "exercise", "set", "side", "measure", "name", "rep", "value", "unit",
                 "normalization", "zone", "expected_low", "expected_high")
# The judged indices a visit is summarised by (history, progress report, last-visit comparison).
HISTORY_MEASURES = ("ratio", "symmetry", "activation")
ZONE_RANK = {"green": 0, "amber": 1, "red": 2}


class PatientError(EmgmapError):
    """A patient-store request that cannot be done (unknown patient, a real name, a bad field)."""


class AffectedSide(str, enum.Enum):
    NONE = ""
    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"


class FileState(str, enum.Enum):
    """Where a filed recording stands on disk now."""
    OK = "ok"
    MISSING = "missing"          # moved or deleted: `emgmap patients import DIR` finds a moved one again


@dataclass(frozen=True)
class Patient:
    pseudonym: str
    display_name: str = ""
    birth_year: int | None = None
    sport: str = ""
    affected_side: AffectedSide = AffectedSide.NONE
    notes: str = ""


@dataclass(frozen=True)
class SessionRecord:
    id: int
    visit_id: int
    path: str
    sha256: str
    recorded_utc: str
    state: FileState = FileState.OK


@dataclass(frozen=True)
class Visit:
    id: int
    pseudonym: str
    date: str                    # ISO date of the recording
    protocol: str
    note: str
    sessions: tuple[SessionRecord, ...] = ()


@dataclass(frozen=True)
class ImportReport:
    indexed: list[Path] = field(default_factory=list)
    relocated: list[Path] = field(default_factory=list)      # known recordings found at a new path
    skipped: list[tuple[Path, str]] = field(default_factory=list)   # (file, why)


# --- schema -------------------------------------------------------------------------------------
# Each migration takes the database from version k to k + 1; never edit one that shipped.
MIGRATIONS: tuple[str, ...] = (
    # 1: patients, visits and the recordings filed at them
    """
    CREATE TABLE patients (
        pseudonym TEXT PRIMARY KEY,
        display_name TEXT NOT NULL DEFAULT '',
        birth_year INTEGER,
        sport TEXT NOT NULL DEFAULT '',
        affected_side TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        created_utc TEXT NOT NULL
    );
    CREATE TABLE visits (
        id INTEGER PRIMARY KEY,
        pseudonym TEXT NOT NULL REFERENCES patients(pseudonym) ON UPDATE CASCADE ON DELETE CASCADE,
        date TEXT NOT NULL,
        protocol TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX visits_by_patient ON visits(pseudonym, date);
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        visit_id INTEGER NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL UNIQUE,
        recorded_utc TEXT NOT NULL DEFAULT ''
    );
    """,
    # 2: the analysis of each session, as rows of the long study table (DESIGN §3)
    """
    CREATE TABLE results (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        file TEXT NOT NULL, subject TEXT NOT NULL, date TEXT NOT NULL, exercise TEXT NOT NULL,
        "set" TEXT NOT NULL, side TEXT NOT NULL, measure TEXT NOT NULL, name TEXT NOT NULL,
        rep TEXT NOT NULL, value REAL, unit TEXT NOT NULL, normalization TEXT NOT NULL,
        zone TEXT NOT NULL, expected_low REAL, expected_high REAL
    );
    CREATE INDEX results_by_session ON results(session_id);
    ALTER TABLE sessions ADD COLUMN analysed_utc TEXT NOT NULL DEFAULT '';
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def data_dir() -> Path:
    """The folder holding the database and the filed recordings: ``$EMGMAP_DATA_DIR``, else
    the platform's user data folder (e.g. ``~/.local/share/emgmap``)."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs
    return Path(platformdirs.user_data_dir("emgmap", appauthor=False))


def _private_dir(path: Path) -> Path:
    """``path``, created owner-only (0700) when missing; an existing folder keeps its mode
    (EMGMAP_DATA_DIR may name a folder the user chose, whose permissions are theirs)."""
    try:
        if not path.is_dir():
            path.mkdir(parents=True, exist_ok=True)
            path.chmod(0o700)
    except OSError as e:
        raise PatientError(f"cannot create the data folder {path} ({e.strerror or e}); set {DATA_DIR_ENV} "
                           "to a folder you can write to") from None
    return path


_PSEUDONYM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")


def check_pseudonym(text: str) -> str:
    """``text`` as a pseudonym (a code such as P017 or knee-03), or :class:`PatientError`.
    A real name or a birth date is refused (the one rule of :mod:`emgmap.privacy`): it would
    end up in file names, recordings and exports."""
    p = text.strip()
    what = personal_data(p)
    if what:
        raise PatientError(f"{p!r} " + ("looks like a real name" if "name" in what else "contains a birth date")
                           + "; use a pseudonym such as P017 (a display name can be kept locally with "
                           "--display-name)")
    if not _PSEUDONYM.match(p):
        raise PatientError(f"{p!r} is not a pseudonym: use 1-40 letters, digits, '-', '_' or '.', "
                           "starting with a letter or digit (e.g. P017)")
    return p


def sha256_of(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


# --- analysis -> rows ----------------------------------------------------------------------------
def recording_facts(path: str | os.PathLike) -> dict:
    """What the store keeps about a recording besides its analysis: subject, recorded_utc,
    date, protocol (the recorded protocol's name), finalised (False: never closed)."""
    from ..recordings import open_recording
    with open_recording(path) as rec:
        facts = {"subject": str(rec.attrs.get("subject_id", "")), "recorded_utc": str(rec.attrs.get("created_utc", "")),
                 "protocol": _protocol_name(str(rec.config.get("protocol", {}).get("name", ""))),
                 "finalised": rec.finalised}
    facts["date"] = facts["recorded_utc"][:10] or _dt.date.today().isoformat()
    return facts


def recording_rows(path: str | os.PathLike) -> tuple[list[dict], dict]:
    """(study-table rows (:func:`emgmap.analysis.analysis_rows`), :func:`recording_facts`)."""
    from ..analysis import analysis_rows, analyze_recording
    facts = recording_facts(path)
    analysis = analyze_recording(path)
    facts["protocol"] = facts["protocol"] or next((s.exercise for s in analysis.sets), "")
    return analysis_rows(analysis), facts


def _protocol_name(recorded: str) -> str:
    """A recorded protocol is a built-in name or a .toml path: the protocol's own name."""
    if not recorded.endswith(".toml"):
        return recorded
    from ..protocols import load_protocol
    try:
        return load_protocol(recorded).name
    except EmgmapError:
        return Path(recorded).stem


def visit_indices(rows: list[dict]) -> list[HistoryIndex]:
    """The judged indices of one visit from its result rows: set means of ratios and
    symmetry, and each muscle's activation on its working side (a unilateral set's resting
    leg is left out). Repeated sets of the same index are averaged; their zone is the worst."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        if str(r["rep"]) != "mean" or r["measure"] not in HISTORY_MEASURES:
            continue
        if r["measure"] == "activation" and r["set"].split()[-1:] in (["left"], ["right"]) \
                and r["set"].split()[-1] != r["side"]:
            continue
        groups.setdefault((r["exercise"], r["measure"], r["name"], r["side"]), []).append(r)
    out = []
    for (exercise, measure, name, side), rs in groups.items():
        values = [r["value"] for r in rs if r["value"] is not None and math.isfinite(r["value"])]
        zones = [r["zone"] for r in rs if r["zone"]]
        out.append(HistoryIndex(exercise, measure, name, side, sum(values) / len(values) if values else math.nan,
                                rs[0]["unit"], max(zones, key=ZONE_RANK.__getitem__) if zones else "",
                                rs[0]["expected_low"], rs[0]["expected_high"],
                                tuple(dict.fromkeys((r["file"], r["set"]) for r in rs))))
    order = {m: k for k, m in enumerate(HISTORY_MEASURES)}
    return sorted(out, key=lambda i: (i.exercise, order[i.measure], i.name, i.side))


# --- the store -----------------------------------------------------------------------------------
class PatientStore:
    """The patient database. ``PatientStore()`` opens (creating or upgrading) the one in
    :func:`data_dir`; use it as a context manager or call :meth:`close`."""

    def __init__(self, folder: str | os.PathLike | None = None):
        self.folder = _private_dir(Path(folder) if folder is not None else data_dir())
        self.path = self.folder / DB_NAME
        if not self.path.exists():  # created owner-only; SQLite gives -wal/-shm the same mode
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        try:
            self.db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable at checkpoints, never corrupt
            self._migrate()
        except sqlite3.DatabaseError as e:
            raise PatientError(f"the patient database {self.path} cannot be opened ({e}); restore it from a "
                               "backup copy of the folder or move it away to start a new one") from None

    # -- lifecycle --------------------------------------------------------------------------------
    @property
    def version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        v = self.version
        if v > SCHEMA_VERSION:
            raise PatientError(f"the patient database {self.path} is schema version {v}, this emgmap knows "
                               f"{SCHEMA_VERSION}; update emgmap")
        if v == SCHEMA_VERSION:
            return
        with self._transaction():
            for k in range(v, SCHEMA_VERSION):
                for statement in MIGRATIONS[k].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _transaction(self):
        return _Transaction(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "PatientStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def integrity(self) -> str:
        return "; ".join(r[0] for r in self.db.execute("PRAGMA integrity_check"))

    def patient_dir(self, pseudonym: str) -> Path:
        """``recordings/<pseudonym>/`` in the data folder, created owner-only."""
        return _private_dir(_private_dir(self.folder / "recordings") / check_pseudonym(pseudonym))

    def new_recording_path(self, pseudonym: str, protocol: str) -> Path:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        return self.patient_dir(pseudonym) / f"{pseudonym}-{stamp}-{Path(protocol).stem}.h5"

    # -- patients ---------------------------------------------------------------------------------
    def add_patient(self, patient: Patient) -> Patient:
        patient = _checked(patient)
        if self.find_patient(patient.pseudonym):
            raise PatientError(f"patient {patient.pseudonym} exists already; `emgmap patients edit` changes it")
        with self._transaction():
            self.db.execute("INSERT INTO patients VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (patient.pseudonym, patient.display_name, patient.birth_year, patient.sport,
                             patient.affected_side.value, patient.notes, _now()))
        return patient

    def edit_patient(self, current: str, /, **changes) -> Patient:
        """Change fields of patient ``current`` (``pseudonym=`` renames it, visits follow)."""
        old = self.patient(current)
        new = _checked(replace(old, **changes))
        if new.pseudonym != old.pseudonym and self.find_patient(new.pseudonym):
            raise PatientError(f"patient {new.pseudonym} exists already; choose another pseudonym")
        with self._transaction():
            self.db.execute("UPDATE patients SET pseudonym=?, display_name=?, birth_year=?, sport=?, affected_side=?, "
                            "notes=? WHERE pseudonym=?", (new.pseudonym, new.display_name, new.birth_year, new.sport,
                                                          new.affected_side.value, new.notes, old.pseudonym))
        return new

    def find_patient(self, pseudonym: str) -> Patient | None:
        r = self.db.execute("SELECT * FROM patients WHERE pseudonym=?", (pseudonym.strip(),)).fetchone()
        return _patient(r) if r else None

    def patient(self, pseudonym: str) -> Patient:
        p = self.find_patient(pseudonym)
        if p is None:
            raise PatientError(f"no patient {pseudonym!r}; `emgmap patients list` shows them, "
                               "`emgmap patients add` adds one")
        return p

    def patients(self, search: str = "") -> list[Patient]:
        """Patients whose pseudonym, display name or sport contains ``search`` (any case)."""
        like = f"%{search.strip()}%"
        return [_patient(r) for r in self.db.execute(
            "SELECT * FROM patients WHERE pseudonym LIKE ? OR display_name LIKE ? OR sport LIKE ? "
            "ORDER BY pseudonym COLLATE NOCASE", (like, like, like))]

    def last_visit_date(self, pseudonym: str) -> str:
        r = self.db.execute("SELECT max(date) FROM visits WHERE pseudonym=?", (pseudonym,)).fetchone()
        return r[0] or ""

    # -- sessions ---------------------------------------------------------------------------------
    def file_recording(self, pseudonym: str, path: str | os.PathLike, *, protocol: str = "", note: str = "",
                       rows: list[dict] | None = None, facts: dict | None = None) -> Visit:
        """Index ``path`` under ``pseudonym`` as a new visit (its date is the recording's),
        with its analysis rows; one transaction. A recording already filed is refused."""
        path = Path(path).resolve()
        patient = self.patient(pseudonym)
        digest = sha256_of(path)
        known = self.db.execute("SELECT s.path, v.pseudonym FROM sessions s JOIN visits v ON v.id = s.visit_id "
                                "WHERE sha256=?", (digest,)).fetchone()
        if known:
            raise PatientError(f"{path} is filed already (as {known['path']} under {known['pseudonym']})")
        if rows is None or facts is None:
            rows, facts = recording_rows(path)
        with self._transaction():
            cur = self.db.execute("INSERT INTO visits (pseudonym, date, protocol, note) VALUES (?, ?, ?, ?)",
                                  (patient.pseudonym, facts["date"], _protocol_name(protocol) or facts["protocol"],
                                   note))
            visit_id = cur.lastrowid
            cur = self.db.execute("INSERT INTO sessions (visit_id, path, sha256, recorded_utc, analysed_utc) "
                                  "VALUES (?, ?, ?, ?, ?)", (visit_id, self._stored(path), digest,
                                                             facts["recorded_utc"], _now()))
            session_id = cur.lastrowid
            self.db.executemany(
                f"INSERT INTO results VALUES (?, {', '.join('?' * len(STUDY_COLUMNS))})",
                [(session_id, *(_db_value(r[c]) for c in STUDY_COLUMNS)) for r in rows])
        return self.visit(visit_id)

    def set_visit_note(self, visit_id: int, note: str) -> None:
        with self._transaction():
            if self.db.execute("UPDATE visits SET note=? WHERE id=?", (note, visit_id)).rowcount != 1:
                raise PatientError(f"no visit {visit_id}")

    def visit(self, visit_id: int) -> Visit:
        r = self.db.execute("SELECT * FROM visits WHERE id=?", (visit_id,)).fetchone()
        if r is None:
            raise PatientError(f"no visit {visit_id}")
        return self._visit(r)

    def visits(self, pseudonym: str) -> list[Visit]:
        """The patient's visits, oldest first, with each recording's state on disk."""
        self.patient(pseudonym)
        return [self._visit(r) for r in self.db.execute(
            "SELECT * FROM visits WHERE pseudonym=? ORDER BY date, id", (pseudonym,))]

    def _visit(self, r) -> Visit:
        sessions = tuple(SessionRecord(s["id"], s["visit_id"], str(p := self._full(s["path"])), s["sha256"],
                                       s["recorded_utc"], _file_state(p))
                         for s in self.db.execute("SELECT * FROM sessions WHERE visit_id=? ORDER BY id", (r["id"],)))
        return Visit(r["id"], r["pseudonym"], r["date"], r["protocol"], r["note"], sessions)

    def _stored(self, path: Path) -> str:
        """Recordings in the data folder are kept relative to it: a copied or restored folder works."""
        try:
            return path.resolve().relative_to(self.folder.resolve()).as_posix()
        except ValueError:
            return str(path.resolve())

    def _full(self, stored: str) -> Path:
        return self.folder / stored if not Path(stored).is_absolute() else Path(stored)

    def rows(self, visit_id: int) -> list[dict]:
        """The study-table rows of a visit's sessions (``file``: where the recording is now)."""
        cols = ", ".join(f'r."{c}"' for c in STUDY_COLUMNS)
        out = []
        for r in self.db.execute(f"SELECT s.path AS stored, {cols} FROM results r JOIN sessions s "
                                 "ON s.id = r.session_id WHERE s.visit_id=? ORDER BY r.rowid", (visit_id,)):
            row = {c: _py_value(c, r[c]) for c in STUDY_COLUMNS}
            row["file"] = str(self._full(r["stored"]))
            out.append(row)
        return out

    def history(self, pseudonym: str) -> PatientHistory:
        visits = self.visits(pseudonym)
        return PatientHistory(pseudonym, tuple(
            VisitRecord(v.id, v.date, v.protocol, v.note, tuple(s.path for s in v.sessions),
                        tuple(s.state.value for s in v.sessions), tuple(visit_indices(self.rows(v.id))))
            for v in visits))

    # -- folders ----------------------------------------------------------------------------------
    def import_dir(self, folder: str | os.PathLike, pseudonym: str | None = None) -> ImportReport:
        """Index every recording under ``folder`` by its subject pseudonym (``pseudonym``
        overrides it), creating patients that are not in the store yet. A recording filed
        before and since moved gets its new path; an interrupted one is skipped (repair it
        first: `emgmap repair`)."""
        folder = Path(folder)
        if not folder.is_dir():
            raise PatientError(f"{folder} is not a folder; give the folder holding the recordings")
        report = ImportReport()
        for path in sorted(folder.rglob("*.h5")):
            try:
                digest = sha256_of(path)
                known = self.db.execute("SELECT id, path FROM sessions WHERE sha256=?", (digest,)).fetchone()
                if known:
                    if not self._full(known["path"]).exists():
                        with self._transaction():
                            self.db.execute("UPDATE sessions SET path=? WHERE id=?", (self._stored(path), known["id"]))
                        report.relocated.append(path)
                    continue
                if not recording_facts(path)["finalised"]:
                    report.skipped.append((path, "interrupted recording; `emgmap repair` it, then import the copy"))
                    continue
                rows, facts = recording_rows(path)
            except (EmgmapError, OSError) as e:   # not a recording, damaged, nothing to analyse
                report.skipped.append((path, str(e)))
                continue
            subject = pseudonym or facts["subject"]
            if not subject:
                report.skipped.append((path, "no subject pseudonym recorded; import it with --patient P01"))
                continue
            try:
                if self.find_patient(subject) is None:
                    self.add_patient(Patient(subject))
                self.file_recording(subject, path, rows=rows, facts=facts)
            except PatientError as e:
                report.skipped.append((path, str(e)))
                continue
            report.indexed.append(path)
        return report

    def export(self, pseudonym: str, folder: str | os.PathLike, *, personal: bool = False) -> Path:
        """A hand-over copy in ``folder/<pseudonym>/``: the recordings, ``history.json`` and
        ``results.csv`` (the study table). Display name, year of birth and notes only with
        ``personal``. Missing recordings are listed in ``history.json``, not fatal.

        Complete or absent (docs/outputs.md): the copy is made in a hidden owner-only folder
        beside it and renamed when complete; the free space is checked first; every file is
        owner-only."""
        import csv

        from ..outputs import OWNER_ONLY, check_space, staging_folder
        patient = self.patient(pseudonym)
        out = Path(folder) / patient.pseudonym
        if out.exists() and any(out.iterdir()):
            raise PatientError(f"{out} exists and is not empty; choose another folder")
        folder = Path(folder)
        if not folder.parent.is_dir():
            raise PatientError(f"folder {folder.parent} does not exist; create it or choose another folder")
        try:
            with staging_folder(folder, f".{patient.pseudonym}.partial-") as stage:
                sources = [Path(s.path) for v in self.visits(pseudonym) for s in v.sessions if s.state is FileState.OK]
                check_space(folder, sum(p.stat().st_size for p in sources), "the export")
                (stage / "recordings").mkdir(mode=0o700)
                for src in sources:
                    dest = stage / "recordings" / src.name
                    shutil.copyfile(src, dest)
                    shutil.copystat(src, dest)
                    dest.chmod(OWNER_ONLY)
                doc = self.history(pseudonym).to_json()
                doc["patient"] = patient_json(patient, personal)
                (stage / "history.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
                with open(stage / "results.csv", "w", newline="", encoding="utf-8") as f:
                    w = csv.DictWriter(f, STUDY_COLUMNS)
                    w.writeheader()
                    for v in self.visits(pseudonym):
                        w.writerows({**r, "file": Path(r["file"]).name} for r in self.rows(v.id))
                for p in (stage / "history.json", stage / "results.csv"):
                    p.chmod(OWNER_ONLY)
                os.rename(stage, out)   # an empty `out` is replaced; a non-empty one (a race) refuses
        except OSError as e:
            raise PatientError(f"could not write the export {out} ({e.strerror or e}); nothing was kept, free some "
                               "space or choose another folder") from None
        return out


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, *exc) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def _checked(p: Patient) -> Patient:
    side = AffectedSide(p.affected_side) if p.affected_side in {s.value for s in AffectedSide} else None
    if side is None:
        raise PatientError(f"affected side {p.affected_side!r}: use one of left, right, both (or leave it empty)")
    year = _dt.date.today().year
    if p.birth_year is not None and not 1900 <= p.birth_year <= year:
        raise PatientError(f"year of birth {p.birth_year} is not between 1900 and {year}")
    return replace(p, pseudonym=check_pseudonym(p.pseudonym), affected_side=side)


def _patient(r) -> Patient:
    return Patient(r["pseudonym"], r["display_name"], r["birth_year"], r["sport"], AffectedSide(r["affected_side"]),
                   r["notes"])


def patient_json(p: Patient, personal: bool = True) -> dict:
    """The patient as JSON; without ``personal``: no display name, year of birth or notes."""
    d = {f.name: getattr(p, f.name) for f in fields(p)}
    d["affected_side"] = p.affected_side.value
    if not personal:
        for key in ("display_name", "birth_year", "notes"):
            d.pop(key)
    return d


def _file_state(path: Path) -> FileState:
    return FileState.OK if path.is_file() else FileState.MISSING


def _db_value(v):
    return None if isinstance(v, float) and not math.isfinite(v) else v


def _py_value(column: str, v):
    return math.nan if v is None and column == "value" else v


# --- the faces' entry points ---------------------------------------------------------------------
def prepare_patient_session(pseudonym: str, output: str | None, subject: str, protocol: str) -> tuple[str, str]:
    """(recording path, subject pseudonym) for a session to be filed under ``pseudonym``,
    checked before anything is recorded: the patient exists, ``subject`` (if given) agrees,
    and the default path lies in the patient's owner-only folder of the data folder."""
    with PatientStore() as store:
        patient = store.patient(pseudonym)
        if subject and subject != patient.pseudonym:
            raise PatientError(f"--subject {subject} and --patient {patient.pseudonym} disagree; give one of them")
        path = output or str(store.new_recording_path(patient.pseudonym, protocol))
    return path, patient.pseudonym


def file_session(store: PatientStore, pseudonym: str, recording_path: str | os.PathLike, protocol: str = "",
                 note: str = "") -> Visit:
    """File a just-recorded session under ``pseudonym`` (the recording made owner-only when it
    lies in the data folder). Used by ``emgmap session --patient`` and the wizard."""
    path = Path(recording_path).resolve()
    if store.folder.resolve() in path.parents:
        path.chmod(0o600)
    return store.file_recording(pseudonym, path, protocol=protocol, note=note)


@dataclass(frozen=True)
class IndexChange:
    """One index at the last visit and now: what the wizard summary shows."""
    exercise: str
    measure: str
    name: str
    side: str
    unit: str
    then: float | None           # None: not measured at the last visit
    now: float
    zone_then: str
    zone_now: str

    @property
    def change(self) -> float | None:
        return None if self.then is None else self.now - self.then

    @property
    def zone_change(self) -> str:
        """'' (same or unjudged), 'better' or 'worse' (by green < amber < red)."""
        if self.zone_then not in ZONE_RANK or self.zone_now not in ZONE_RANK:
            return ""
        d = ZONE_RANK[self.zone_now] - ZONE_RANK[self.zone_then]
        return "" if d == 0 else "better" if d < 0 else "worse"


def compare_with_last_visit(store: PatientStore, visit_id: int) -> list[IndexChange]:
    """Each index of visit ``visit_id`` against the patient's previous visit with the same
    exercise (indices new this time have ``then=None``; none at all on a first visit)."""
    visit = store.visit(visit_id)
    visits = store.history(visit.pseudonym).visits
    k = next(k for k, v in enumerate(visits) if v.id == visit_id)
    now = visits[k].indices
    exercises = {i.exercise for i in now}
    last = next((v for v in reversed(visits[:k]) if exercises & {i.exercise for i in v.indices}), None)
    then = {i.key: i for i in (last.indices if last else ())}
    out = []
    for i in now:
        t = then.get(i.key)
        out.append(IndexChange(i.exercise, i.measure, i.name, i.side, i.unit, t.value if t else None, i.value,
                               t.zone if t else "", i.zone))
    return out
