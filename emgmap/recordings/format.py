"""Names and constants of the emgmap HDF5 recording format (DESIGN §3, docs/recording-format.md).

One place for the layout, so that the writer, the reader, the importers and
the exporters cannot disagree about it.
"""
from __future__ import annotations

import os
from pathlib import Path

import h5py

from ..types import EmgmapError

FORMAT = "emgmap"
FORMAT_VERSION = 1
ENVELOPE_FS = 100.0          # /envelope is the live envelope decimated to this rate
EVENT_KINDS = ("marker", "rest", "mvc", "set", "rep", "cue", "gap")
SIDES = ("left", "right", "midline")
#: UTF-8 variable-length strings, for datasets and attributes alike
STR = h5py.string_dtype("utf-8")


class RecordingError(EmgmapError):
    """A recording cannot be written, read or converted; the message names the file."""


def unique_path(path: str | os.PathLike) -> Path:
    """``path`` if nothing is there, else ``<stem>-1<suffix>``, ``-2``... (never overwrite)."""
    p = Path(path)
    if not p.exists():
        return p
    k = 1
    while (q := p.with_name(f"{p.stem}-{k}{p.suffix}")).exists():
        k += 1
    return q


def chunk_rows(fs: float) -> int:
    """Rows per chunk: about one second of samples (DESIGN §3)."""
    return max(1, int(round(fs)))
