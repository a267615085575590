"""OpenBCI files: the GUI's "OpenBCI-RAW" text in all its generations, the packet
counters of OpenBCI boards, and the host clock columns.

GUI generations (all read by :func:`sniff_gui`):

- 2016 GUI (v1/v2): ``%OpenBCI Raw EEG Data``, ``%Sample Rate``, no channel count,
  rows ``index, 8 EXG, 3 accel``; no host time.
- GUI v3/v4: adds ``%Number of channels``, ``%First Column = SampleIndex``,
  ``%Last Column = Timestamp``; rows end ``..., HH:MM:SS.mmm, <Unix ms>``.
- GUI v5 (early): ``%Board = OpenBCI_GUI$BoardCytonSerial``, one all-zero row
  after the header (not a sample: left out), 24 columns then ``<Unix ms>,
  HH:MM:SS.mmm``.
- BrainFlow-era GUI (v5.x, v6): a column-name line (``Sample Index, EXG Channel 0,
  ..., Timestamp, Marker Channel, Timestamp (Formatted)``); ``Timestamp`` is
  BrainFlow's host time in seconds with decimals.

Packet counters: one rule per board, shared with the live drivers
(:data:`emgmap.counter.COUNTERS`, where the rules are described). A file's counter
is unwrapped offline by :func:`unwrap_counter`; the host clock, when the file has
one, resolves drop-outs longer than one counter period (see there).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..counter import COUNTERS, Board, CounterRule
from .format import RecordingError
from .textread import TextTable, is_number, split_fields


FULL_SCALE_UV = {   # ADS1299 at gain 24: 4.5 V / 24; Ganglion MCP3912: 1.2 V / (1.5 * 51)
    Board.CYTON: 187_500.0, Board.CYTON_DAISY: 187_500.0, Board.GANGLION: 1.2e6 / (1.5 * 51.0),
}
CATCH_UP_S = 10.0             # a stalled reader's backlog is read within this (unwrap_counter)
RAILED_LEVEL = 0.999          # of full scale: the GUI writes a railed ADS1299 as ±187500.00/.02 µV


def board_from_name(text: str, n_exg: int) -> Board:
    """The board a GUI ``%Board`` class name (``OpenBCI_GUI$BoardCytonSerialDaisy``) or, without
    one, the channel count stands for."""
    t = text.lower()
    if "ganglion" in t:
        return Board.GANGLION
    if "daisy" in t:
        return Board.CYTON_DAISY
    if "synthetic" in t:
        return Board.SYNTHETIC
    if "cyton" in t:
        return Board.CYTON
    return {16: Board.CYTON_DAISY, 4: Board.GANGLION}.get(n_exg, Board.CYTON)


def rule_from_data(counter: np.ndarray, rule: CounterRule) -> CounterRule:
    """The board's rule, with the step the counter column itself shows (a Daisy file from a GUI
    that numbered rows +1 still imports without false gaps)."""
    if counter.size < 3 or rule.per_packet != 1:
        return rule
    d = np.diff(counter.astype(np.int64)) % rule.modulus
    d = d[d > 0]
    if d.size == 0:
        return rule
    step = int(np.bincount(d).argmax())
    return CounterRule(rule.modulus, step, rule.per_packet) if step in (1, 2) and step != rule.step else rule


# --- the GUI's text files ----------------------------------------------------------------------------
@dataclass
class GuiLayout:
    """What the header and the first rows of an OpenBCI GUI file say."""
    table: TextTable
    names: list[str]                 # one per field (text fields included)
    fs: float
    n_exg: int
    board: Board
    board_text: str                  # the %Board line's class name ("" when absent)
    generation: str                  # "2016", "v3/v4", "v5", "brainflow"
    host_field: int | None           # the host clock (Unix ms or s)
    marker_field: int | None
    meta: dict = field(default_factory=dict)

    @property
    def exg_fields(self) -> list[int]:
        return list(range(1, 1 + self.n_exg))


def is_gui_file(head: list[str]) -> bool:
    return bool(head) and head[0].startswith("%OpenBCI Raw")


def sniff_gui(path, head: list[str]) -> GuiLayout:
    """Read the layout of an OpenBCI GUI file from its first lines."""
    k = 0
    meta: dict[str, str] = {}
    while k < len(head) and head[k].startswith("%"):
        key, _, value = head[k][1:].partition("=")
        if key.strip():
            meta[key.strip().lower()] = value.strip()
        k += 1
    header = head[:k]
    names: list[str] | None = None
    if k < len(head) and head[k].lstrip().lower().startswith("sample index"):
        names = [c.strip() for c in head[k].split(",")]
        k += 1
    data = [ln for ln in head[k:] if ln.strip()]
    if not data:
        raise RecordingError(f"{path} holds no rows after its OpenBCI header; the recording is empty")
    probe = data[1] if len(data) > 1 else data[0]   # v5's first row is all zeros and has no clock text
    fields = split_fields(probe, ",")
    text = frozenset(j for j, f in enumerate(fields) if not is_number(f))
    n_fields = len(fields)
    if names is not None and len(names) != n_fields:
        names = None  # a header that does not match the rows: name them ourselves
    try:
        fs = float(meta["sample rate"].split()[0])
    except (KeyError, ValueError, IndexError):
        raise RecordingError(f"{path}: the OpenBCI header gives no 'Sample Rate'; the file looks cut or "
                             "edited (give --fs HZ to import it anyway)") from None
    numeric = [j for j in range(n_fields) if j not in text]
    try:
        n_exg = int(meta["number of channels"])
    except (KeyError, ValueError):
        n_exg = len(numeric) - 4   # the 2016 GUI: index, EXG channels, 3 accelerometer axes
        if n_exg not in (4, 8, 16):
            raise RecordingError(f"{path}: the OpenBCI header does not say how many channels the file has and "
                                 f"its {n_fields} columns do not tell; give --columns (e.g. '2-9')")
    if n_fields < 1 + n_exg:
        raise RecordingError(f"{path} has {n_fields} columns but its header announces {n_exg} channels after the "
                             "sample index; the file looks cut or edited")
    board_text = meta.get("board", "").split("$")[-1]
    board = board_from_name(board_text, n_exg)
    first_values = [float(f) if j not in text else math.nan for j, f in enumerate(fields)]
    if names is None:
        names = _default_names(n_fields, n_exg, text, first_values)
    lower = [n.lower() for n in names]
    host = lower.index("timestamp") if "timestamp" in lower else None
    marker = lower.index("marker channel") if "marker channel" in lower else None
    generation = ("brainflow" if "sample index" in head[len(header)].lower() else
                  "v5" if "board" in meta else "v3/v4" if host is not None else "2016")
    table = TextTable(path, len(header) + (generation == "brainflow") + 1, ",", n_fields, text, header)
    return GuiLayout(table, names, fs, n_exg, board, board_text, generation, host, marker, meta)


def _default_names(n_fields: int, n_exg: int, text: frozenset[int], first: list[float]) -> list[str]:
    """Column names for a GUI file without a name line: index, EXG, accelerometer, then the host
    clock (a number that reads as Unix seconds or milliseconds), the other columns, formatted time."""
    names = ["Sample Index"] + [f"EXG Channel {i}" for i in range(n_exg)]
    j = 1 + n_exg
    for a in range(3):
        if j < n_fields and j not in text:
            names.append(f"Accel Channel {a}")
            j += 1
    other = 0
    for jj in range(j, n_fields):
        if jj in text:
            names.append("Timestamp (Formatted)")
        elif first[jj] > 1e8 and "Timestamp" not in names:   # Unix time, s (1e9) or ms (1e12)
            names.append("Timestamp")
        else:
            names.append(f"Other {other}")
            other += 1
    return names


# --- host clock --------------------------------------------------------------------------------------------
HOST_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}


def host_unit(host: np.ndarray, n_samples: int, fs: float) -> str | None:
    """Whether a host clock column counts seconds, milliseconds or microseconds, from the data:
    the unit in which its span best matches ``n_samples / fs``. None when it does not run forward
    (a column of zeros, a clock reset)."""
    if host.size < 2 or n_samples < 2:
        return None
    span = float(host[-1] - host[0])
    if not span > 0 or not np.isfinite(span):
        return None
    ratio = span / ((n_samples - 1) / fs)   # file units per second
    unit = min(HOST_UNITS, key=lambda u: abs(math.log10(ratio * HOST_UNITS[u])))
    return unit if abs(math.log10(ratio * HOST_UNITS[unit])) < 1.0 else None


# --- counter unwrapping ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Unwrapped:
    """Absolute sample indices of the kept rows, and why the others were left out."""
    index: np.ndarray            # (kept,) int64
    keep: np.ndarray             # (rows,) bool
    blank_rows: int              # leading all-zero rows (GUI v5)
    duplicates: int              # rows repeating the previous row exactly
    clock_wraps: int             # whole counter periods added because the host clock said so


def unwrap_counter(counter: np.ndarray, rule: CounterRule, *, fs: float, host_s: np.ndarray | None = None,
                   blank: np.ndarray | None = None, same_as_previous: np.ndarray | None = None) -> Unwrapped:
    """Sample indices from a wrapping packet counter, for a whole file at once.

    - ``blank`` rows (all zero, the GUI v5's first row) at the start are left out;
    - a row equal to the previous one in counter and values (``same_as_previous``) is a
      duplicate: left out;
    - a counter jump of ``d`` packets is ``d`` packets (``d - 1`` lost); a counter value
      seen more often than a packet has samples means one whole period later;
    - with a host clock (``host_s``, seconds): the counter cannot tell a loss of ``k``
      samples from ``k + period``; where the clock runs ahead of the counter by more than
      half a period at one row, the wraps added are the rounded step in the least
      ``host - index / fs`` (the clock offset: host stamps are late, never early) over
      :data:`CATCH_UP_S` after that row against one period before it. A reader that
      stalled and then read its backlog returns to the old level (no wrap); a real
      drop-out stays a period later for good. Clock drift (a few hundred ppm) cannot add
      up to half a period within those seconds.
    """
    n = counter.size
    keep = np.ones(n, dtype=bool)
    blank_rows = 0
    if blank is not None:
        while blank_rows < n and blank[blank_rows]:
            blank_rows += 1
        keep[:blank_rows] = False
    dups = 0
    if same_as_previous is not None:
        dup = same_as_previous.copy()
        dup[:blank_rows + 1] = False
        keep &= ~dup
        dups = int(dup.sum())
    c = counter[keep].astype(np.int64) % rule.modulus
    m = c.size
    if m == 0:
        return Unwrapped(np.zeros(0, np.int64), keep, blank_rows, dups, 0)
    packets_per_turn = rule.modulus // rule.step
    dp = np.zeros(m, dtype=np.int64)
    dp[1:] = (np.diff(c) % rule.modulus) // rule.step
    # position of each row within its run of equal counter values
    starts = np.flatnonzero(np.concatenate(([True], dp[1:] != 0)))
    run_id = np.cumsum(np.concatenate(([True], dp[1:] != 0))) - 1
    offset = np.arange(m) - starts[run_id]
    pos = offset % rule.per_packet
    inc = dp.copy()
    again = (dp == 0) & (pos == 0)          # the same counter once more than a packet holds
    again[0] = False
    inc[again] = packets_per_turn
    packet = c[0] // rule.step + np.cumsum(inc)      # the first sample keeps its own count
    index = packet * rule.per_packet + pos
    first_run = int(starts[1]) if starts.size > 1 else m
    if first_run < rule.per_packet:          # a short first packet holds that packet's last samples
        index[:first_run] += rule.per_packet - first_run
    wraps = 0
    if host_s is not None:
        index, wraps = _clock_wraps(index, host_s[keep], fs, rule.period)
    return Unwrapped(index.astype(np.int64), keep, blank_rows, dups, wraps)


def _clock_wraps(index: np.ndarray, host: np.ndarray, fs: float, period: int) -> tuple[np.ndarray, int]:
    ahead = np.diff(host) * fs - np.diff(index)          # samples the clock says beyond the counter
    cand = np.flatnonzero(ahead > period / 2) + 1
    if cand.size == 0:
        return index, 0
    extra = np.zeros(index.size, dtype=np.int64)
    shift = 0
    m, later = index.size, int(CATCH_UP_S * fs)
    for k in cand:
        # host stamps are late by the reader's latency, never early: the least latency in a window
        # is the clock's offset, and a stall's backlog (stamped on arrival) cannot lower it
        before = np.min(host[max(0, k - period):k] - (index[max(0, k - period):k] + shift) / fs)
        after = np.min(host[k:min(m, k + later)] - (index[k:min(m, k + later)] + shift) / fs)
        w = int(round((after - before) * fs / period))
        if w > 0:
            extra[k] += w * period
            shift += w * period
    return index + np.cumsum(extra), int(extra.sum() // period)


def railed_fraction(block: np.ndarray, full_scale_uv: float) -> np.ndarray:
    """Per column, the share of samples at the board's full scale (a railed ADS1299: electrode off)."""
    return (np.abs(block) >= RAILED_LEVEL * full_scale_uv).mean(axis=0) if block.size else np.zeros(block.shape[1])


def gui_board_model(layout: GuiLayout) -> str:
    return f"OpenBCI {layout.board} (OpenBCI GUI file" + (f", {layout.board_text}" if layout.board_text else "") + ")"

