"""The study runner: one tidy table from many recordings, on local processes or a Dask cluster.

:func:`run_study` finds the recordings under the given files and folders, runs the
per-file analysis (:func:`analyze_path`) over them and gathers

- ``table``: the long study table (one row per number, the columns of
  :data:`TABLE_COLUMNS`, docs/analysis.md "Study"),
- ``provenance``: one row per analysed file (content hash, emgmap version, settings),
- ``errors``: one row per file that could not be analysed, with its one-line reason.

Work goes to a local process pool (``jobs``; 1 runs in this process) or, with
``scheduler``, to a Dask distributed cluster (``dask.distributed.Client(address)``;
``"local"`` starts a ``LocalCluster`` on 127.0.0.1). A file that fails never stops the
others.

Incremental re-runs: with ``cache`` (an SQLite file) every file's result is stored
under a key made of its content hash (SHA-256), the analysis options and the emgmap
version. A file whose size and modification time are those of its cached entry is
taken from the cache without being read; any other file is hashed (by the worker) and
analysed only if no entry has its content and settings, so a study folder that was
copied or moved elsewhere is not analysed again either.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..outputs import atomic_output
from ..progress import Progress
from ..types import EmgmapError

TABLE_COLUMNS = ("file", "subject", "date", "exercise", "set", "side", "measure", "name", "rep", "value", "unit",
                 "normalization", "zone", "expected_low", "expected_high")
ERROR_COLUMNS = ("file", "reason")
DEFAULT_GLOB = "*.h5"
LOCAL_SCHEDULER = "local"
_HASH_CHUNK = 1 << 20


class StudyError(EmgmapError):
    """A study cannot run (a missing path, no recordings, a bad table name, a cluster out of reach)."""


class NothingToTabulate(EmgmapError):
    """A readable recording that gives no rows (no exercise sets recorded)."""


# -- the per-file work ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FileResult:
    """What one file gives: its table rows and its provenance (a flat dict)."""
    rows: list[dict]
    provenance: dict


def analyze_path(path: str, options: dict) -> FileResult:
    """The per-file analysis of the study: ``analysis_rows(analyze_recording(path, **options))``
    (``rep`` as text, as in :func:`emgmap.analysis.analysis_table`) and ``provenance_row``.

    Raises :class:`~emgmap.types.EmgmapError` (one sentence) for a file that is not a
    readable emgmap recording, or that has no exercise sets (the analysis would take
    it whole as one set; a study table wants the protocol's sets)."""
    from ..analysis import analysis_rows, analyze_recording, provenance_row
    from ..events import EventKind
    from ..recordings import open_recording

    with open_recording(path) as rec:
        if not any(e.kind == EventKind.SET for e in rec.events):
            raise NothingToTabulate(f"{path} has no exercise sets recorded; nothing to tabulate")
    analysis = analyze_recording(path, **options)
    rows = [{**r, "file": path, "rep": str(r["rep"])} for r in analysis_rows(analysis)]
    return FileResult(rows, {**provenance_row(analysis), "file": path})


@dataclass(frozen=True)
class _Outcome:
    """What a worker sends back for one file."""
    path: str
    sha256: str = ""
    key: str = ""
    result: FileResult | None = None
    error: str = ""
    cacheable: bool = True        # a failure that is the file's own (not a crash) is cached too
    unchanged: bool = False       # the content hash matched the cached entry: no analysis ran


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _study_file(path: str, options: dict, settings: str, known_keys: frozenset[str]) -> _Outcome:
    """Hash, then (unless its key is one of the cached ``known_keys``) analyse ``path``; never raises."""
    try:
        sha = file_sha256(path)
    except OSError as e:
        return _Outcome(path, error=f"cannot read {path} ({e.strerror or e})", cacheable=False)
    key = _key(sha, settings)
    if key in known_keys:
        return _Outcome(path, sha, key, unchanged=True)
    try:
        return _Outcome(path, sha, key, result=analyze_path(path, options))
    except EmgmapError as e:
        return _Outcome(path, sha, key, error=_one_line(str(e)))
    except Exception as e:  # a bug, not the file's fault: reported, never cached
        return _Outcome(path, sha, key, error=_one_line(f"analysis failed ({type(e).__name__}: {e})"),
                        cacheable=False)


def _one_line(text: str) -> str:
    return " ".join(text.split())


# -- finding the files ----------------------------------------------------------------------------
def find_recordings(paths: Iterable[str | os.PathLike], glob: str = DEFAULT_GLOB) -> list[str]:
    """Files as given, and every file under a folder (recursively) whose name matches ``glob``;
    in order, without duplicates."""
    out: dict[str, None] = {}
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(q for q in p.rglob(glob) if q.is_file())
            if not found:
                raise StudyError(f"no recordings matching {glob!r} under {p}; check the folder or --glob")
            out.update((str(q), None) for q in found)
        elif p.exists():
            out[str(p)] = None
        else:
            raise StudyError(f"{p} does not exist; check the path")
    return list(out)


# -- the cache ------------------------------------------------------------------------------------
class StudyCache:
    """Per-file results by path and by key, in one SQLite file (docs/analysis.md "Study").

    A row holds the file's size and mtime (to skip hashing an untouched file), its
    SHA-256, the key (hash + settings + version) and the result as JSON. A file at a new
    path finds its result by key: the candidates are the entries of the same size."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path)
            self._db.execute("CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, "
                             "mtime_ns INTEGER, sha256 TEXT, key TEXT, result TEXT)")
        except (OSError, sqlite3.Error) as e:
            raise StudyError(f"cannot use {self.path} as the study cache ({e}); give another --cache "
                             f"or delete it") from None

    def lookup(self, path: str) -> tuple[int, int, str, str, str] | None:
        return self._db.execute("SELECT size, mtime_ns, sha256, key, result FROM files WHERE path = ?",
                                (_abs(path),)).fetchone()

    def keys_of_size(self, size: int) -> frozenset[str]:
        return frozenset(k for (k,) in self._db.execute("SELECT key FROM files WHERE size = ?", (size,)))

    def result_of(self, key: str) -> str:
        return self._db.execute("SELECT result FROM files WHERE key = ? LIMIT 1", (key,)).fetchone()[0]

    def store(self, path: str, stat: os.stat_result, sha: str, key: str, result: str) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)",
                             (_abs(path), stat.st_size, stat.st_mtime_ns, sha, key, result))

    def close(self) -> None:
        self._db.close()


def _abs(path: str) -> str:
    return str(Path(path).resolve())


def _encode(o: _Outcome) -> str:
    if o.result is None:
        return json.dumps({"error": o.error})
    return json.dumps({"rows": o.result.rows, "provenance": o.result.provenance})


def _decode(path: str, sha: str, key: str, text: str) -> _Outcome:
    d = json.loads(text)
    if "error" in d:
        return _Outcome(path, sha, key, error=d["error"])
    rows = [{**r, "file": path} for r in d["rows"]]
    return _Outcome(path, sha, key, result=FileResult(rows, d["provenance"]))


# -- running --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StudyResult:
    """The study table, per-file provenance and errors (pandas DataFrames), and which
    files were analysed in this run and which were taken from the cache."""
    table: object
    provenance: object
    errors: object
    analysed: tuple[str, ...] = field(default=())
    reused: tuple[str, ...] = field(default=())


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_study(paths, *, jobs: int | None = None, scheduler: str | None = None, options: dict | None = None,
              cache: str | os.PathLike | None = None, glob: str = DEFAULT_GLOB,
              progress: Progress | None = None) -> StudyResult:
    """Analyse every recording under ``paths`` (files and folders) into one table.

    Parameters
    ----------
    paths : files and folders (folders searched recursively for ``glob``).
    jobs : worker processes (default: all cores; 1 runs in this process); with
        ``scheduler="local"`` the number of Dask workers.
    scheduler : a Dask scheduler address (``tcp://host:8786``), or ``"local"`` for a
        LocalCluster on 127.0.0.1; None runs on local processes.
    options : keyword options of the per-file analysis; part of the cache key.
    cache : SQLite file for incremental re-runs (created if absent); None: no cache.
    progress : ``progress(files done, files to analyse)`` as the analyses finish (the
        command passes :func:`emgmap.progress.bar`).
    """
    import pandas as pd

    options = dict(options or {})
    files = find_recordings([paths] if isinstance(paths, (str, os.PathLike)) else paths, glob)
    settings = json.dumps({"options": options, "emgmap": __version__}, sort_keys=True, default=str)
    store = StudyCache(cache) if cache is not None else None
    try:
        outcomes: dict[str, _Outcome] = {}
        todo: list[tuple[str, frozenset[str]]] = []
        for f in files:
            entry = store.lookup(f) if store else None
            if entry and _same_stat(f, entry) and entry[3] == _key(entry[2], settings):
                outcomes[f] = _decode(f, entry[2], entry[3], entry[4])
            else:
                todo.append((f, _candidates(store, f)))
        reused = [f for f in files if f in outcomes]
        analysed = []
        for o in _execute(todo, options, settings, jobs, scheduler, progress):
            if o.unchanged:
                o = _decode(o.path, o.sha256, o.key, store.result_of(o.key))
                reused.append(o.path)
            else:
                analysed.append(o.path)
            outcomes[o.path] = o
            if store and o.key and o.cacheable:
                try:
                    stat = os.stat(o.path)
                except OSError:
                    continue
                store.store(o.path, stat, o.sha256, o.key, _encode(o))
    finally:
        if store:
            store.close()
    done = [outcomes[f] for f in files]
    rows = [r for o in done if o.result for r in o.result.rows]
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    prov = pd.DataFrame([{"file": o.path, "sha256": o.sha256, "emgmap_version": __version__,
                          "options": json.dumps(options, sort_keys=True, default=str), **o.result.provenance}
                         for o in done if o.result])
    errors = pd.DataFrame([{"file": o.path, "reason": o.error} for o in done if o.result is None],
                          columns=list(ERROR_COLUMNS))
    order = {f: i for i, f in enumerate(files)}
    return StudyResult(table, prov, errors, tuple(sorted(analysed, key=order.get)),
                       tuple(sorted(reused, key=order.get)))


def _key(sha: str, settings: str) -> str:
    return hashlib.sha256(f"{sha}|{settings}".encode()).hexdigest()


def _candidates(store: StudyCache | None, path: str) -> frozenset[str]:
    """The cached keys ``path``'s content might have: those of the entries of its size."""
    try:
        return store.keys_of_size(os.stat(path).st_size) if store else frozenset()
    except OSError:   # gone since it was found: the worker reports it
        return frozenset()


def _same_stat(path: str, entry) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == (entry[0], entry[1])


def _execute(todo, options, settings, jobs, scheduler, progress) -> Iterator[_Outcome]:
    """Run :func:`_study_file` over ``todo`` and yield the outcomes as they finish."""
    if not todo:
        return
    if scheduler is not None:
        runner = _on_dask(todo, options, settings, scheduler, jobs)
    elif (jobs or default_jobs()) <= 1 or len(todo) == 1:
        runner = (_study_file(p, options, settings, k) for p, k in todo)
    else:
        runner = _on_processes(todo, options, settings, jobs or default_jobs())
    for done, o in enumerate(runner, 1):
        if progress is not None:
            progress(done, len(todo))
        yield o


def _on_processes(todo, options, settings, jobs) -> Iterator[_Outcome]:
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(max_workers=min(jobs, len(todo))) as pool:
        futures = {pool.submit(_study_file, p, options, settings, k): p for p, k in todo}
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except BrokenProcessPool:  # a worker died (out of memory, a crash in native code)
                p = futures[fut]
                yield _Outcome(p, error=f"the worker analysing {p} died (out of memory or a crash)",
                               cacheable=False)


def _on_dask(todo, options, settings, scheduler: str, jobs) -> Iterator[_Outcome]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise StudyError("--scheduler needs Dask: pip install 'emgmap[study]'") from None
    cluster = None
    try:
        if scheduler == LOCAL_SCHEDULER:
            cluster = LocalCluster(n_workers=jobs or default_jobs(), threads_per_worker=1, host="127.0.0.1",
                                   dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as e:
        if cluster is not None:
            cluster.close()
        raise StudyError(f"cannot reach the Dask scheduler at {scheduler} ({e}); check the address "
                         f"(or use --scheduler local)") from None
    try:
        futures = [client.submit(_study_file, p, options, settings, k, pure=False) for p, k in todo]
        for fut in as_completed(futures):
            if fut.status == "finished":
                yield fut.result()
            else:  # the task itself never raises: this is the cluster losing it
                p = todo[futures.index(fut)][0]
                yield _Outcome(p, error=_one_line(f"the Dask cluster lost {p} ({fut.exception()})"),
                               cacheable=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# -- writing ----------------------------------------------------------------------------------------
TABLE_FORMATS = (".parquet", ".csv")


def write_table(df, path: str | os.PathLike) -> Path:
    """Write ``df`` as Parquet (pyarrow) or CSV by the suffix, replacing an older table (a
    re-run updates it) completely or not at all, owner-only (emgmap.outputs: a temporary file
    in the same folder, then renamed; an interrupted write leaves the old table)."""
    path = Path(path)
    if path.suffix.lower() not in TABLE_FORMATS:
        raise StudyError(f"cannot write a table to {path}: the name must end in one of {', '.join(TABLE_FORMATS)}")
    try:
        with atomic_output(path, force=True) as tmp:
            if path.suffix.lower() == ".parquet":
                df.to_parquet(tmp, index=False)
            else:
                df.to_csv(tmp, index=False)
    except OSError as e:
        raise StudyError(f"cannot write {path} ({e.strerror or e}); check the folder and free space") from None
    return path


def sidecar(table_path: str | os.PathLike, what: str) -> Path:
    """``out.parquet`` -> ``out.<what>.parquet``: the errors and provenance tables beside the table."""
    p = Path(table_path)
    return p.with_name(f"{p.stem}.{what}{p.suffix}")


def read_table(path: str | os.PathLike):
    """A study table written by :func:`write_table` (Parquet or CSV)."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise StudyError(f"study table {path} does not exist; write one with emgmap analyze ... --table {path.name}")
    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path, keep_default_na=False, na_values=[""])
    except Exception as e:
        raise StudyError(f"cannot read the study table {path} ({_one_line(str(e))})") from None
    raise StudyError(f"cannot read {path}: a study table ends in one of {', '.join(TABLE_FORMATS)}")


def write_report(table, path: str | os.PathLike, title: str = "emgmap cohort report", errors=None) -> Path:
    """The cohort report (:mod:`emgmap.analysis.cohort`) of ``table`` as one HTML file, replacing
    an older one, complete or absent, owner-only."""
    from ..analysis.cohort import render_cohort_html
    path = Path(path)
    text = render_cohort_html(table, title, errors)
    try:
        with atomic_output(path, force=True) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except OSError as e:
        raise StudyError(f"cannot write {path} ({e.strerror or e}); check the folder and free space") from None
    return path
