"""Names and constants of the emgmap HDF5 recording format (DESIGN §3, docs/recording-format.md).

One place for the layout, so that the writer, the reader, the importers and
the exporters cannot disagree about it.
"""
from __future__ import annotations

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


def chunk_rows(fs: float) -> int:
    """Rows per chunk: about one second of samples (DESIGN §3)."""
    return max(1, int(round(fs)))
