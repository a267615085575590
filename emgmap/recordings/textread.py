"""Chunked reading of numeric text tables with pandas' C parser, and exact error lines.

The fast path hands the whole body to ``pandas.read_csv`` in chunks; only when
that fails (a cut row, a word where a number belongs) is the body scanned line
by line to name the first bad line in one sentence. A short *last* row (the
writing program was stopped mid-line) is left out and reported, not an error:
everything before it is intact. So is a *ragged tail*: rows at the end in which
some columns have already ended while others go on (the UCI lower-limb gait
files carry their knee angle 18 rows past the EMG); those rows are left out and
counted, with the columns that had ended, for the importer to say so.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from ..progress import Progress
from .format import RecordingError

CHUNK_ROWS = 131_072


@dataclass
class TextTable:
    """Where a table's body starts and how its rows are laid out."""
    path: Path
    first_line: int                 # 1-based number of the first data line
    sep: str                        # ",", "\t", ";" or r"\s+"
    n_fields: int                   # fields per row
    text_fields: frozenset[int] = frozenset()   # fields that are words (a formatted clock), never parsed
    header: list[str] = field(default_factory=list)
    cut_last_row: bool = False      # set by read_chunks: the last row was short and was left out
    ragged_rows: int = 0            # set by read_chunks: rows (> 1) at the end with some columns empty, left out
    ragged_fields: tuple[int, ...] = ()   # ... the fields empty in every one of them

    @property
    def numeric_fields(self) -> list[int]:
        return [j for j in range(self.n_fields) if j not in self.text_fields]


def read_head(path: Path, max_lines: int = 200) -> list[str]:
    """The first lines of a text file; a clear error for a missing or binary file."""
    try:
        with open(path, "rb") as f:
            raw = f.read(1 << 16)
    except OSError as e:
        raise RecordingError(f"cannot read {path} ({e.strerror}); check the path") from None
    if b"\x00" in raw[:4096] or raw[:8] == b"\x89HDF\r\n\x1a\n":
        raise RecordingError(f"{path} is not a text file; import reads OpenBCI GUI .txt files, BrainFlow CSV "
                             "files and delimited text")
    lines = raw.decode("utf-8", errors="replace").splitlines()
    if len(raw) == 1 << 16 and lines:
        lines = lines[:-1]   # possibly cut by the read size
    return lines[:max_lines]


def split_fields(line: str, sep: str) -> list[str]:
    text = line.strip()
    parts = text.split() if sep == r"\s+" else text.split(sep)
    return [p.strip() for p in parts]


def is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def guess_sep(line: str) -> str:
    for sep in ("\t", ",", ";"):
        if sep in line:
            return sep
    return r"\s+"


def read_chunks(table: TextTable, usecols: Sequence[int], *, progress: Progress | None = None
                ) -> Iterator[np.ndarray]:
    """(rows, len(usecols)) float64 blocks of the body (columns in file order). Raises RecordingError
    naming the first bad line; a cut last row is dropped (see :attr:`TextTable`)."""
    import pandas as pd

    path, size = table.path, table.path.stat().st_size
    usecols = sorted(usecols)      # pandas returns them in file order
    held: np.ndarray | None = None     # blocks whose last rows all miss a value: fine only if nothing else follows
    scanned = False                    # the body was checked line by line: NaN left are the file's own
    with open(path, "rb") as fh:
        try:
            reader = pd.read_csv(
                fh, sep=table.sep, header=None, names=range(table.n_fields), usecols=usecols,
                # no dtype=: pandas infers float64 for these columns, and forcing it runs ~2x slower
                skiprows=table.first_line - 1, engine="c", chunksize=CHUNK_ROWS,
                skipinitialspace=True, skip_blank_lines=True, comment=None, index_col=False)
            for frame in reader:
                block = frame.to_numpy(dtype=np.float64)    # columns come in file order: sorted usecols
                bad = np.isnan(block).any(axis=1)
                if held is not None:
                    if bad.all():             # the tail goes on into this block
                        held = np.concatenate([held, block])
                        continue
                    _bad_line(table)          # the short-looking rows were not the last: a short row raises,
                    scanned = True            # a literal "nan" passes
                    yield held
                    held = None
                if bad.any() and not scanned:
                    if bad[:_tail_start(bad)].any():
                        _bad_line(table)      # a short row raises; literal "nan" values pass (stored as NaN)
                        scanned = True
                    else:
                        held = block
                        continue
                if progress is not None:
                    progress(fh.tell(), size)
                yield block
        except (ValueError, pd.errors.ParserError):
            _bad_line(table)
            raise RecordingError(f"{table.path} could not be parsed as rows of {table.n_fields} numbers; "
                                 "check that it is a data file") from None
    if held is not None:
        k = _tail_start(np.isnan(held).any(axis=1))
        tail = held[k:]
        if tail.shape[0] == 1:
            table.cut_last_row = True
        else:
            table.ragged_rows = tail.shape[0]
            table.ragged_fields = tuple(j for j, empty in zip(usecols, np.isnan(tail).all(axis=0)) if empty)
        if k:
            yield held[:k]
    if progress is not None:
        progress(size, size)


def _tail_start(bad: np.ndarray) -> int:
    """Where the run of True at the end of ``bad`` starts (``len(bad)`` when it ends False)."""
    good = np.flatnonzero(~bad)
    return int(good[-1]) + 1 if good.size else 0


def _bad_line(table: TextTable) -> None:
    """Scan the body line by line and raise a RecordingError naming the first bad line (returns
    when every line is whole and numeric)."""
    with open(table.path, encoding="utf-8", errors="replace") as f:
        for no, line in enumerate(f, start=1):
            if no < table.first_line or not line.strip():
                continue
            fields = split_fields(line, table.sep)
            if len(fields) != table.n_fields:
                raise RecordingError(f"{table.path} line {no} has {len(fields)} columns, expected "
                                     f"{table.n_fields}; fix the line or cut it out")
            for j, text in enumerate(fields):
                if j not in table.text_fields and not is_number(text):
                    raise RecordingError(f"{table.path} line {no}, column {j + 1}: {text!r} is not a number; "
                                         "fix the line or cut it out")
    # every line is whole and numeric: the NaN pandas saw are the file's own values
