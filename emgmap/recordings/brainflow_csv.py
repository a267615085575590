"""BrainFlow CSV files: what ``DataFilter.write_file(board.get_board_data(), FILE, "w")`` writes.

No header; one line per sample, tab separated, one field per row of the board's
data array (``BoardShim.get_board_descr(board_id)``: ``num_rows``, the EXG/EMG
rows, ``package_num_channel``, ``timestamp_channel`` (host time, Unix seconds),
``marker_channel``, ``sampling_rate``). EXG rows are in µV already.

The board id is given (``--board cyton`` or ``--board 0``) or guessed: among the
boards whose row count matches, the one whose sampling rate the timestamp
column confirms (within 20 %); boards with the same layout and rate
(e.g. Muse 2 and Muse S) import identically, so any of them will do.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from ..counter import BRAINFLOW_BOARDS, COUNTERS, CounterRule
from .format import RecordingError
from .textread import TextTable, is_number, split_fields

RATE_TOLERANCE = 0.2


@dataclass(frozen=True)
class BrainFlowLayout:
    table: TextTable
    board_id: int
    board_name: str
    fs: float
    exg_fields: list[int]
    package_field: int | None
    timestamp_field: int | None
    marker_field: int | None
    rule: CounterRule | None         # None: a board whose counter emgmap has no rule for
    descr: dict
    guessed: bool

    def names(self) -> list[str]:
        """A name per field: EXG Channel i, Package Num, Timestamp, Marker Channel, then the board's
        own row kinds (Accel Channel i, Other i ...)."""
        out = [""] * self.table.n_fields
        for i, j in enumerate(self.exg_fields):
            out[j] = f"EXG Channel {i}"
        for key, label in (("accel_channels", "Accel Channel"), ("gyro_channels", "Gyro Channel"),
                           ("analog_channels", "Analog Channel"), ("other_channels", "Other"),
                           ("ppg_channels", "PPG Channel"), ("eda_channels", "EDA Channel"),
                           ("temperature_channels", "Temperature"), ("resistance_channels", "Resistance")):
            for i, j in enumerate(self.descr.get(key, [])):
                if j < len(out) and not out[j]:
                    out[j] = f"{label} {i}"
        for j, label in ((self.package_field, "Package Num"), (self.timestamp_field, "Timestamp"),
                         (self.marker_field, "Marker Channel"), (self.descr.get("battery_channel"), "Battery")):
            if j is not None and j < len(out):
                out[j] = label
        return [n or f"Row {j}" for j, n in enumerate(out)]


def board_shim():
    """BrainFlow's ``board_shim`` module (its boards): emgmap imports BrainFlow only through
    this and :func:`data_filter` (see :func:`_mute_pkg_resources`)."""
    _mute_pkg_resources()
    from brainflow import board_shim as module
    return module


def data_filter():
    """BrainFlow's ``data_filter`` module (its filters, its file format)."""
    _mute_pkg_resources()
    from brainflow import data_filter as module
    return module


def _mute_pkg_resources() -> None:
    """BrainFlow 5.x finds its libraries through ``pkg_resources`` (``importlib.resources`` refuses
    a module), which setuptools 80 flags with a UserWarning on first use: a line of noise on
    every command that touches BrainFlow. It is not ours to act on, so that one warning is muted."""
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated as an API", category=UserWarning,
                            module=r"brainflow\.")


def board_names() -> dict[str, int]:
    """BrainFlow board name (lower case, no ``_board``) -> id (the drivers add ``playback``)."""
    return {b.name.lower().removesuffix("_board"): int(b.value) for b in board_shim().BoardIds}


def board_id(text: str) -> int:
    """``cyton``, ``CYTON_DAISY_BOARD`` or ``2`` -> a BrainFlow board id."""
    names = board_names()
    key = text.strip().lower().removesuffix("_board")
    if key in names:
        return names[key]
    if key.lstrip("-").isdigit() and int(key) in names.values():
        return int(key)
    raise RecordingError(f"--board {text!r} is not a BrainFlow board; give a name such as cyton, cyton_daisy, "
                         "ganglion or synthetic, or a BrainFlow board id (`emgmap devices` lists them)")


def _descr(board_id: int) -> dict | None:
    try:
        d = board_shim().BoardShim.get_board_descr(board_id)
    except Exception:  # brainflow raises its own error for ids without a default preset
        return None
    return d if "num_rows" in d else None


def looks_like(head: list[str]) -> bool:
    """A headerless, tab-separated table of numbers: the shape DataFilter.write_file gives."""
    lines = [ln for ln in head if ln.strip()][:5]
    return bool(lines) and all("\t" in ln and all(is_number(f) for f in split_fields(ln, "\t")) for ln in lines)


def sniff(path, head: list[str], board: str | None = None) -> BrainFlowLayout:
    """The layout of a BrainFlow CSV file; ``board`` a name or id, else guessed (see module doc)."""
    bid = board_id(board) if board is not None else None
    if not looks_like(head):
        raise RecordingError(f"{path} is not a BrainFlow CSV file (DataFilter.write_file: tab-separated numbers, "
                             "no header); --board applies to those only")
    rows = [[float(f) for f in split_fields(ln, "\t")] for ln in head if ln.strip()]
    n_fields = len(rows[0])
    table = TextTable(path, 1 + next(k for k, ln in enumerate(head) if ln.strip()), "\t", n_fields)
    if bid is not None:
        d = _descr(bid)
        if d is None or d["num_rows"] != n_fields:
            have = d["num_rows"] if d else "no"
            raise RecordingError(f"{path} has {n_fields} columns but BrainFlow board {board} writes {have} rows; "
                                 "give the board the file was recorded with (--board)")
        return _layout(table, bid, d, guessed=False)
    best: tuple[float, int, dict] | None = None
    for bid in sorted(set(board_names().values()), key=lambda b: (b not in BRAINFLOW_BOARDS, b)):
        d = _descr(bid)
        if d is None or d["num_rows"] != n_fields:
            continue
        miss = _rate_mismatch(np.array(rows), d)
        if miss <= RATE_TOLERANCE and (best is None or miss < best[0] - 1e-9):
            best = (miss, bid, d)
    if best is None:
        raise RecordingError(f"{path} looks like a BrainFlow CSV file ({n_fields} columns) but no BrainFlow board "
                             "matches its layout and timestamps; give --board NAME (e.g. cyton), or --fs and "
                             "--columns to read it as plain delimited text")
    return _layout(table, best[1], best[2], guessed=True)


def _rate_mismatch(rows: np.ndarray, d: dict) -> float:
    """|log(rate the timestamps show / the board's rate)|, inf when they show none."""
    ts = d.get("timestamp_channel")
    if ts is None or rows.shape[0] < 3:
        return math.inf
    t = rows[:, ts]
    if not (t[0] > 1e8 and t[-1] > t[0]):   # Unix seconds, running forward
        return math.inf
    rate = (rows.shape[0] - 1) / (t[-1] - t[0])
    return abs(math.log(rate / d["sampling_rate"]))


def _layout(table: TextTable, bid: int, d: dict, guessed: bool) -> BrainFlowLayout:
    exg = list(d.get("emg_channels") or d.get("eeg_channels") or d.get("exg_channels") or [])
    if not exg:
        raise RecordingError(f"{table.path}: BrainFlow board {d.get('name', bid)} has no EMG/EEG rows to import")
    board = BRAINFLOW_BOARDS.get(bid)
    rule = COUNTERS[board] if board is not None else None
    return BrainFlowLayout(table, bid, str(d.get("name", bid)), float(d["sampling_rate"]), exg,
                           d.get("package_num_channel"), d.get("timestamp_channel"), d.get("marker_channel"),
                           rule, d, guessed)

