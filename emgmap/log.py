"""The log: a rotating file in the user's log folder (:func:`emgmap.paths.log_dir`)
with what a clinic sends when something went wrong: the command, the device and
its settings, warnings and errors (with tracebacks). The terminal shows only
warnings and errors (``-v`` more, ``-q`` errors only).

Modules log through ``logging.getLogger(__name__)``; only the CLI (and the
dashboard) call :func:`setup`.
"""
from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from .paths import log_dir

LOG_NAME = "emgmap.log"
MAX_BYTES = 1_000_000   # per file; five old files are kept
BACKUPS = 5
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_path: Path | None = None


class _Console(logging.Formatter):
    """``emgmap: warning: ...`` for warnings, ``emgmap: ...`` for the rest."""

    def format(self, record: logging.LogRecord) -> str:
        prefix = "warning: " if record.levelno == logging.WARNING else ""
        return f"emgmap: {prefix}{record.getMessage()}"


def log_path() -> Path | None:
    """The log file in use, or None when it could not be opened."""
    return _path


def setup(verbosity: int = 0) -> Path | None:
    """Log to the rotating file (INFO and up) and to stderr (WARNING and up; ``verbosity`` 1:
    INFO, 2: DEBUG, -1: ERROR only). Returns the log file, or None when the folder is not
    writable (then only stderr gets messages; the program goes on)."""
    global _path
    root = logging.getLogger("emgmap")
    for h in list(root.handlers):
        root.removeHandler(h)
        h.close()
    root.setLevel(logging.DEBUG)
    root.propagate = False
    console = logging.StreamHandler(sys.stderr)
    console.setLevel({-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG))
    console.setFormatter(_Console())
    # the CLI prints its own one-line errors; the console handler is for warnings and -v
    console.addFilter(lambda r: not getattr(r, "file_only", False))
    root.addHandler(console)
    _path = None
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / LOG_NAME
        fh = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
        path.chmod(0o600)  # it names devices, files and subjects' pseudonyms
    except OSError:
        return None
    fh.setLevel(logging.DEBUG if verbosity >= 2 else logging.INFO)
    fh.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(fh)
    _path = path
    return path
