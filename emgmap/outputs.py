"""Where emgmap writes files: every command that writes goes through here.

The guarantees (docs/outputs.md):

- an output path is checked before any work starts (:func:`check_output`): an
  empty name, a folder, a missing or read-only folder, too little free space
  each end in one sentence, so a whole session never runs only to fail at its report;
- nothing replaces an input, ever, and nothing replaces an existing file unless
  the user said ``--force`` (recordings are never replaced: a new name is picked);
- a file appears complete or not at all: it is written under a temporary name
  in the same folder (:func:`partial_path`) and renamed when complete
  (:func:`atomic_output`); a failure removes the temporary file;
- files are created owner-only (0600): recordings, reports and exports hold patient data.
"""
from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from pathlib import Path
from typing import Iterable, Iterator

from .types import EmgmapError

OWNER_ONLY = 0o600
#: kept free beyond an output's own size, so that the disk never fills to the last byte
SPACE_MARGIN = 1_000_000


class OutputError(EmgmapError):
    """An output cannot be written where the user asked; the message names the path."""


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare where they would be
        return a.expanduser().resolve() == Path(b).expanduser().resolve()


def check_output(path, *, what: str = "--output", inputs: Iterable = (), force: bool = False,
                 rename: bool = False, need_bytes: int = 0) -> Path:
    """``path`` as a :class:`Path` when a file can be written there, else :class:`OutputError`.

    ``inputs``: files the command reads; the output may never be one of them (not even with
    ``force``). ``rename``: an existing file is fine because the writer picks a new name
    (recordings); otherwise an existing file needs ``force``. ``need_bytes``: the free space
    the output needs (a margin is added).
    """
    if path is None or not str(path).strip():
        raise OutputError(f"{what} is empty; give a file name")
    p = Path(path).expanduser()
    if p.is_dir():
        raise OutputError(f"{what} {p} is a folder; give a file name inside it, e.g. {p / 'out'}")
    for src in inputs:
        if src is not None and _same(p, Path(src)):
            raise OutputError(f"{what} {p} is also an input of this command; writing it would destroy the "
                              "input, choose another name")
    folder = p.parent
    if not folder.exists():
        raise OutputError(f"folder {folder} does not exist; create it or give {what} in another folder")
    if not folder.is_dir():
        raise OutputError(f"{folder} is not a folder; give {what} in a folder")
    if p.exists() and not (force or rename):
        raise OutputError(f"{p} exists; choose another name, or add --force to replace it")
    probe(folder, what)
    if need_bytes:
        check_space(folder, need_bytes, what)
    return p


def probe(folder: Path, what: str = "--output") -> None:
    """Create and remove a file in ``folder``: the only test that a read-only mount, a
    permission or a full inode table will not refuse the output later."""
    try:
        fd, tmp = _create(folder / f".emgmap-probe-{secrets.token_hex(4)}")
        os.close(fd)
        os.unlink(tmp)
    except OSError as e:
        raise OutputError(f"cannot write in folder {folder} ({os.strerror(e.errno or errno.EIO)}); "
                          f"give {what} in a folder you can write to") from None


def check_space(folder: Path, need_bytes: int, what: str = "--output") -> None:
    free = shutil.disk_usage(folder).free
    if free < need_bytes + SPACE_MARGIN:
        raise OutputError(f"folder {folder} has {free / 1e6:.1f} MB free but {what} needs about "
                          f"{(need_bytes + SPACE_MARGIN) / 1e6:.1f} MB; free some space or choose another folder")


def _create(path: Path) -> tuple[int, Path]:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY), path


def partial_path(path: Path) -> Path:
    """A new, empty, owner-only file beside ``path`` (hidden, same suffix: some writers
    choose the format by it); the caller renames it into place with :func:`publish`."""
    path = Path(path)
    while True:
        try:
            fd, tmp = _create(path.with_name(f".{path.stem}.partial-{secrets.token_hex(4)}{path.suffix}"))
        except FileExistsError:
            continue
        os.close(fd)
        return tmp


def publish(tmp: Path, path: Path, *, force: bool = False) -> Path:
    """Rename the complete ``tmp`` to ``path``. Without ``force`` an existing ``path`` is never
    replaced, not even by a race: a hard link is created (fails if ``path`` exists), then the
    temporary name removed. Filesystems without hard links (FAT, some network shares) fall
    back to a checked rename."""
    if force:
        os.replace(tmp, path)
        return path
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # no hard links here
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from None
        os.rename(tmp, path)
        return path
    os.unlink(tmp)
    return path


def publish_unique(tmp: Path, path: Path) -> Path:
    """Publish ``tmp`` as ``path``, or ``<stem>-1<suffix>``, ``-2``... when taken (even when
    another emgmap takes the name at the same moment). Returns the name used."""
    path = Path(path)
    k = 0
    while True:
        target = path if k == 0 else path.with_name(f"{path.stem}-{k}{path.suffix}")
        try:
            return publish(tmp, target)
        except FileExistsError:
            k += 1


@contextlib.contextmanager
def atomic_outputs(paths: Iterable, *, force: bool = False) -> Iterator[list[Path]]:
    """Yield temporary owner-only paths, one per file of ``paths``, to write files that belong
    together (an export's data and sidecars). On success all of them get their names at once
    (replacing existing files only with ``force``); on any failure none is kept, and a name
    taken meanwhile by another program undoes the ones already given."""
    paths = [Path(p) for p in paths]
    tmps: list[Path] = []
    try:
        for p in paths:
            tmps.append(partial_path(p))
        yield tmps
        done: list[Path] = []
        for tmp, p in zip(tmps, paths):
            try:
                done.append(publish(tmp, p, force=force))
            except FileExistsError:
                for q in done:
                    q.unlink(missing_ok=True)
                raise OutputError(f"{p} appeared while it was being written; the new file"
                                  f"{'s were' if len(paths) > 1 else ' was'} not kept, choose another name") from None
    finally:
        for tmp in tmps:
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def staging_folder(folder: Path, prefix: str) -> Iterator[Path]:
    """Yield a hidden owner-only folder inside ``folder`` (created 0700 when missing) to build
    an output of many files in, published by the caller with a rename. The staging folder is
    always removed afterwards, and ``folder`` too when this made it and it stayed empty, so a
    failed output leaves no trace."""
    import tempfile
    made = not folder.exists()
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create the folder {folder} ({e.strerror or e}); choose a folder you can "
                          "write to") from None
    try:
        try:
            stage = Path(tempfile.mkdtemp(prefix=prefix, dir=folder))
        except OSError as e:
            raise OutputError(f"cannot write in folder {folder} ({e.strerror or e}); choose a folder you can "
                              "write to") from None
        try:
            yield stage
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    finally:
        if made and not any(folder.iterdir()):
            folder.rmdir()


@contextlib.contextmanager
def atomic_output(path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary owner-only path to write; on success it becomes ``path``
    (replacing an existing file only with ``force``), on any failure it is removed."""
    with atomic_outputs([path], force=force) as (tmp,):
        yield tmp


def write_text(path, text: str, *, force: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``path`` completely or not at all, owner-only."""
    with atomic_output(path, force=force) as tmp:
        try:
            tmp.write_text(text, encoding="utf-8")
        except OSError as e:
            raise OutputError(f"could not write {path} ({os.strerror(e.errno or errno.EIO)}); nothing was kept, "
                              "free some space or choose another folder") from None
    return Path(path)
