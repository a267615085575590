"""Import other tools' sEMG files into emgmap recordings (``emgmap import``).

Three kinds of text file, told apart by their first lines:

- OpenBCI GUI "OpenBCI-RAW" text, every generation (recordings/openbci.py): EXG
  columns in µV (Cyton's DC offsets of tens of mV kept), the packet counter
  unwrapped into /emg/sample_index with the board's rule, so lost packets become
  gaps; the GUI v5 all-zero first row and duplicated rows left out; railed channels
  flagged; the host clock (Unix ms or s, told from the data) resolves long drop-outs.
- BrainFlow CSV (``DataFilter.write_file``; recordings/brainflow_csv.py): the
  board given (``board=``) or guessed; its package counter and timestamps as above.
- delimited text (tabs, commas, semicolons or spaces) with non-numeric header
  lines skipped: ``fs``, ``unit`` (uV, mV, V or ADC counts with ``scale`` µV per
  count around ``offset``), and ``columns`` choosing the EMG columns. Headers in
  the form ``Channel 4: 'Recto Femoral', ... engineering units: mV`` (UCI lower
  limb) and ``# Sampling Rate (Hz):= 1000`` / ``# Resolution:= 12`` (BioSPPy,
  OpenSignals) are understood.

The body is parsed by pandas' C parser in chunks (recordings/textread.py); the
whole file is read before anything is written, so a bad line costs nothing.
Columns that are not EMG (a knee angle, an accelerometer, host timestamps) go to
/aux row for row. Muscles and sides come from a montage, ``NAME=muscle:side``
assignments or channel labels the synonym table knows (emgmap/muscle_names.py);
the rest stay unassigned (``emgmap montage assign`` sets them later).
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .. import muscle_names, tomlio
from ..counter import BRAINFLOW_BOARDS
from ..events import Event
from ..montage import MUSCLES, Channel, Montage
from ..outputs import check_space
from ..types import MontageError, Side
from . import brainflow_csv, openbci
from .format import RecordingError
from .openbci import HOST_UNITS, CounterRule
from .textread import Progress, TextTable, guess_sep, is_number, read_chunks, read_head, split_fields
from .writer import RecordingWriter

UNITS_TO_UV = {"uv": 1.0, "µv": 1.0, "mv": 1e3, "v": 1e6}
UNITS = ("uV", "mV", "V", "counts")
WRITE_ROWS = 1 << 18          # rows per append when writing the recording


@dataclass
class Source:
    """One importable file: where its numbers are and what they mean."""
    kind: str                           # "openbci", "brainflow", "delimited"
    table: TextTable
    names: list[str]                    # per field
    units: list[str]                    # per field ("" unknown)
    fs: float | None
    emg: list[int]                      # fields that become /emg/data by default (other numbers: /aux)
    device_model: str
    settings: dict = field(default_factory=dict)
    counter: int | None = None          # the packet counter field
    rule: CounterRule | None = None
    host: int | None = None             # the host clock field
    marker: int | None = None           # a marker field (non-zero = a marker)
    full_scale_uv: float | None = None  # railed level
    hints: dict = field(default_factory=dict)


# --- recognising a file ------------------------------------------------------------------------------------
def open_source(path: Path, *, board: str | None = None, fs: float | None = None) -> Source:
    head = read_head(path)
    if openbci.is_gui_file(head):
        return _gui_source(path, head)
    if board is not None or (brainflow_csv.looks_like(head) and fs is None):
        if board is None and not _brainflow_match(path, head):
            return _delimited_source(path, head)
        return _brainflow_source(path, head, board)
    return _delimited_source(path, head)


def _brainflow_match(path: Path, head: list[str]) -> bool:
    try:
        brainflow_csv.sniff(path, head)
        return True
    except RecordingError:
        return False


def _gui_source(path: Path, head: list[str]) -> Source:
    g = openbci.sniff_gui(path, head)
    units = [_guess_unit(n) for n in g.names]
    return Source("openbci", g.table, g.names, units, g.fs, g.exg_fields, openbci.gui_board_model(g),
                  {"format": "OpenBCI-RAW", "generation": g.generation, "board": str(g.board),
                   "board_class": g.board_text},
                  counter=0, rule=openbci.COUNTERS[g.board], host=g.host_field, marker=g.marker_field,
                  full_scale_uv=openbci.FULL_SCALE_UV.get(g.board))


def _brainflow_source(path: Path, head: list[str], board: str | None) -> Source:
    b = brainflow_csv.sniff(path, head, board)
    names = b.names()
    board_kind = BRAINFLOW_BOARDS.get(b.board_id)
    return Source("brainflow", b.table, names, [_guess_unit(n) for n in names], b.fs, b.exg_fields,
                  f"BrainFlow {b.board_name} (BrainFlow CSV file)",
                  {"format": "BrainFlow CSV", "board_id": b.board_id, "board": b.board_name,
                   "board_guessed": b.guessed},
                  counter=b.package_field, rule=b.rule, host=b.timestamp_field, marker=b.marker_field,
                  full_scale_uv=openbci.FULL_SCALE_UV.get(board_kind) if board_kind else None)


_UCI = re.compile(r"Channel\s+\d+:\s*'([^']+)'.*?units:\s*([^\s,]+)", re.I)
_FS = re.compile(r"\b(?:sampling rate|sample rate|fs)\s*(?:\(hz\))?\s*:?=?\s*([0-9.]+)", re.I)
_PER_SECOND = re.compile(r"([0-9.]+)\s+samples\s+per\s+second", re.I)   # UCI: "... from 50 to 1000 samples per second"
_RES = re.compile(r"resolution\s*:?=?\s*(\d+)", re.I)
_LABELS = re.compile(r"labels\s*:?=?\s*(.+)", re.I)


def _delimited_source(path: Path, head: list[str]) -> Source:
    k = 0
    while k < len(head) and not _numeric_line(head[k]):
        k += 1
    if k == len(head):
        raise RecordingError(f"{path} holds no rows of numbers in its first {len(head)} lines; check that it is "
                             "a data file")
    header = head[:k]
    hints: dict = {}
    names: list[str] = []
    units: list[str] = []
    for ln in header:
        if m := _UCI.search(ln):
            names.append(m.group(1).strip())
            units.append(m.group(2).strip().rstrip(".,"))
        if m := _FS.search(ln) or _PER_SECOND.search(ln):
            hints["fs"] = float(m.group(1))
        if m := _RES.search(ln):
            hints["resolution"] = int(m.group(1))
        if (m := _LABELS.search(ln)) and not names:
            names = [x for x in re.split(r"[\t,; ]+", m.group(1).strip()) if x]
    if not names and header and not header[-1].lstrip().startswith("#"):
        names = [x.strip() for x in re.split(r"[\t,;]", header[-1]) if x.strip()]
    sep = guess_sep(head[k])
    ncol = len(split_fields(head[k], sep))
    if len(names) != ncol:
        names, units = [f"col{j + 1}" for j in range(ncol)], [""] * ncol
    if len(units) != ncol:
        units = [""] * ncol
    units = [u or _guess_unit(n) for u, n in zip(units, names)]
    table = TextTable(path, k + 1, sep, ncol, frozenset(), header)
    volt = [j for j, u in enumerate(units) if u.lower() in UNITS_TO_UV]
    emg = volt or list(range(ncol))
    return Source("delimited", table, names, units, hints.get("fs"), emg, "delimited text file", {"format": "delimited text", "header_lines": len(header)}, hints=hints)


def _numeric_line(text: str) -> bool:
    fields = [f for f in re.split(r"[\t,; ]+", text.strip()) if f]
    return bool(fields) and all(is_number(f) for f in fields)


# --- channel mapping ---------------------------------------------------------------------------------------
def apply_assignments(chans: list, names: Sequence[str], assignments: Sequence[str], noun: str = "channel") -> None:
    """Set ``chans[j]`` for each ``NAME=muscle:side`` (NAME: a channel name, any case, or its
    1-based number); an unknown NAME is one sentence listing the ``noun`` s there are."""
    lower = [n.lower() for n in names]
    for a in assignments:
        name, muscle, side = parse_assignment(a)
        if name.lower() in lower:
            j = lower.index(name.lower())
        elif name.isdigit() and 1 <= int(name) <= len(names):
            j = int(name) - 1
        else:
            raise RecordingError(f"--channel {a!r}: no {noun} {name!r}; the {noun}s are {', '.join(names)}")
        chans[j] = Channel(names[j], muscle, side, MUSCLES[muscle].placement)


def parse_assignment(text: str) -> tuple[str, str, Side]:
    """``NAME=muscle:side`` -> (NAME, muscle key, side); the muscle may be any name of the
    synonym table (``L Glute Med`` style names too: ``NAME=gluteus medius:left``)."""
    name, eq, rest = text.rpartition("=")
    muscle, colon, side = rest.partition(":")
    if not eq or not colon or not name:
        raise RecordingError(f"--channel {text!r} must read NAME=muscle:side, e.g. 'EXG Channel 0=gmed:left'")
    key = muscle if muscle in MUSCLES else muscle_names.muscle_key(muscle)
    if key is None:
        raise RecordingError(f"--channel {text!r}: unknown muscle {muscle!r}; valid keys: {', '.join(MUSCLES)}")
    try:
        return name.strip(), key, Side(side)
    except ValueError:
        raise RecordingError(f"--channel {text!r}: side must be left, right or midline") from None


def build_montage(names: list[str], montage: Montage | None, assignments: Sequence[str]) -> Montage:
    """Channels for the EMG columns ``names``: from a montage (same count) or from ``NAME=muscle:side``
    assignments (NAME a column name, case-insensitive, or a 1-based position) on top of what the
    column labels say (muscle_names); columns nothing names stay unassigned."""
    if montage is not None:
        if len(montage) != len(names):
            raise RecordingError(f"the montage has {len(montage)} channels but the file has {len(names)} EMG "
                                 f"columns ({', '.join(names)}); edit the montage or choose --columns")
        return montage
    chans = {}
    for j, n in enumerate(names):
        found = muscle_names.guess(n)
        chans[j] = Channel(n, found[0], found[1], MUSCLES[found[0]].placement) if found else Channel.unassigned(n)
    apply_assignments(chans, names, assignments, "EMG column")
    try:
        return Montage(tuple(chans[j] for j in range(len(names))))
    except MontageError as e:
        raise RecordingError(f"the channel assignments do not make a montage: {e}") from None


def select_columns(source: Source, spec: str | None) -> list[int]:
    """EMG fields from ``spec``: comma-separated names or 1-based numbers and ranges (``2-5``)."""
    if not spec:
        return source.emg
    out: list[int] = []
    names = source.names
    lower = [n.lower() for n in names]
    for part in (p.strip() for p in spec.split(",")):
        if re.fullmatch(r"\d+-\d+", part):
            a, b = map(int, part.split("-"))
            out += list(range(a - 1, b))
        elif part.isdigit():
            out.append(int(part) - 1)
        elif part.lower() in lower:
            out.append(lower.index(part.lower()))
        else:
            raise RecordingError(f"--columns: no column {part!r} in {source.table.path}; columns are "
                                 f"{', '.join(names)} (or 1-based numbers)")
    bad = [j + 1 for j in out if not 0 <= j < len(names)]
    if bad:
        raise RecordingError(f"--columns: column {bad[0]} does not exist; {source.table.path} has {len(names)}")
    text = [names[j] for j in out if j in source.table.text_fields]
    if text:
        raise RecordingError(f"--columns: {text[0]!r} holds text, not samples; choose numeric columns")
    return out


# --- the import -------------------------------------------------------------------------------------------
@dataclass
class ImportResult:
    path: Path
    kind: str
    n_samples: int
    fs: float
    channels: list[str]
    aux: list[str]
    gaps: int
    renamed: bool
    missing: int = 0                    # samples lost in the gaps
    duration_s: float = 0.0             # first to last sample, gaps included
    unassigned: list[str] = field(default_factory=list)
    railed: dict[str, float] = field(default_factory=dict)   # channel -> share of samples at full scale
    notes: list[str] = field(default_factory=list)
    nonfinite: int = 0      # EMG values stored as NaN/inf (NaN, inf or beyond float32 in the source)
    left_out: str = ""      # rows of the source not imported, and why (a ragged tail), in a sentence


@dataclass
class _Parsed:
    emg: list[np.ndarray]
    aux: list[np.ndarray]
    counter: np.ndarray | None
    host: np.ndarray | None
    marker: np.ndarray | None
    same_as_previous: np.ndarray
    blank: np.ndarray
    railed_count: np.ndarray
    rows: int
    nonfinite: int


def import_file(src: str | os.PathLike, out: str | os.PathLike, *, fs: float | None = None,
                unit: str | None = None, scale: float | None = None, offset: float | None = None,
                columns: str | None = None, montage: Montage | None = None, channels: Sequence[str] = (),
                board: str | None = None, subject_id: str = "", notes: str = "", power_line_hz: float = 50.0,
                progress: Progress | None = None) -> ImportResult:
    """Import ``src`` (OpenBCI GUI text, BrainFlow CSV or delimited text) into a new recording at ``out``.
    ``progress(bytes_read, file_size)`` is called as the file is parsed."""
    src = Path(src)
    source = open_source(src, board=board, fs=fs)
    fs = fs or source.fs
    if source.kind == "delimited" and not fs:
        raise RecordingError(f"{src} does not state its sampling rate; give --fs HZ")
    if not fs or not (fs > 0 and math.isfinite(fs)):
        raise RecordingError(f"--fs must be a positive number of Hz, got {fs}")
    emg = select_columns(source, columns)
    aux = [j for j in source.table.numeric_fields if j not in emg and j != source.counter]
    unit, (gain, zero) = _units(source, emg, unit, scale, offset, src)
    names = [source.names[j] for j in emg]
    mont = build_montage(names, montage, channels)
    result_notes: list[str] = []

    parsed = _parse(source, emg, aux, gain, zero, progress)
    if source.table.cut_last_row:
        result_notes.append(f"the last line of {src.name} is cut short (the writing program stopped mid-line): "
                            "left out")
    n_rows = parsed.rows
    left_out = ""
    if source.table.ragged_rows:   # e.g. the UCI gait files: FX runs on 18 rows after the EMG
        ended = [source.names[j] for j in source.table.ragged_fields]
        going = [source.names[j] for j in sorted(emg + aux) if j not in source.table.ragged_fields]
        left_out = (f"left out the last {source.table.ragged_rows} rows of {src.name}: {', '.join(ended)} "
                    f"{'ends' if len(ended) == 1 else 'end'} after row {n_rows}"
                    + (f", only {', '.join(going)} {'goes' if len(going) == 1 else 'go'} on" if going else ""))
        source.settings.update(ragged_rows_left_out=source.table.ragged_rows)
    if n_rows == 0:
        raise RecordingError(f"{src} holds no rows of samples; nothing to import")
    host_s, host_unit = None, ""
    if parsed.host is not None:
        valid = ~parsed.same_as_previous & ~(np.cumprod(parsed.blank) > 0)   # not a duplicate nor a leading blank
        host_unit = openbci.host_unit(parsed.host[valid], int(valid.sum()), fs) or ""
        if host_unit:
            host_s = parsed.host * HOST_UNITS[host_unit]
        else:
            result_notes.append("the host Timestamp column does not run forward: counter gaps are taken as they are")
    if parsed.counter is not None:
        rule = source.rule
        if rule is None:   # a board we have no rule for: +1 per sample, wrapping at a power of two
            top = int(parsed.counter.max())
            rule = CounterRule(1 << max(8, math.ceil(math.log2(top + 1))))
        rule = openbci.rule_from_data(parsed.counter, rule)
        u = openbci.unwrap_counter(parsed.counter, rule, fs=fs, host_s=host_s, blank=parsed.blank,
                                   same_as_previous=parsed.same_as_previous)
        idx, keep = u.index, u.keep
        if u.blank_rows:
            result_notes.append(f"left out {u.blank_rows} all-zero row(s) at the start (the OpenBCI GUI v5 writes "
                                "one before the first sample)")
        if u.duplicates:
            result_notes.append(f"left out {u.duplicates} duplicated row(s) (same counter and values as the row "
                                "before)")
        if u.clock_wraps:
            result_notes.append(f"the host clock shows {u.clock_wraps} whole counter period(s) lost in drop-outs")
        source.settings.update(packet_counter_modulus=rule.modulus, packet_counter_step=rule.step,
                               samples_per_packet=rule.per_packet, blank_rows=u.blank_rows,
                               duplicate_rows=u.duplicates, clock_wraps=u.clock_wraps)
    else:
        idx, keep = np.arange(n_rows, dtype=np.int64), np.ones(n_rows, dtype=bool)
    if idx.size == 0:
        raise RecordingError(f"{src} holds no samples (only blank or duplicated rows); nothing to import")
    t = (idx - idx[0]) / fs                       # the device clock: sample index / fs
    railed = {}
    if source.full_scale_uv:
        frac = parsed.railed_count / n_rows
        railed = {names[i]: float(frac[i]) for i in range(len(names)) if frac[i] >= 0.01}
        if railed:
            result_notes.append("railed (at the board's full scale of ±{:g} µV, electrode off?): {}".format(
                source.full_scale_uv, ", ".join(f"{k} {v:.0%}" for k, v in railed.items())))
    aux_meta = [(source.names[j], "ms" if j == source.host and host_unit == "ms" else
                 "s" if j == source.host else source.units[j]) for j in aux]
    source.settings.update(fs=float(fs), unit=unit, uv_per_unit=gain, offset=zero, emg_columns=names,
                           aux_columns=[a[0] for a in aux_meta], source=src.name,
                           **({"host_clock_unit": host_unit} if host_unit else {}),
                           **({"railed": railed} if railed else {}),
                           **({"cut_last_row": True} if source.table.cut_last_row else {}))
    config = tomlio.dumps({"import": source.settings, "montage": mont.to_dict()})
    gap_at = np.flatnonzero(np.diff(idx) != 1)
    events = [Event.gap(f"{int(idx[j + 1] - idx[j] - 1)} samples lost", float(t[j] + 1 / fs),
                        float((idx[j + 1] - idx[j] - 1) / fs)) for j in gap_at]
    if parsed.marker is not None:
        mk = parsed.marker[keep]
        events += [Event.marker(f"{mk[j]:g}", float(t[j])) for j in np.flatnonzero(mk != 0)]
    events.sort(key=lambda e: e.onset_s)
    # HDF5 stores float32 µV + f8 time + i8 index (+ f8 aux) per row; checked before writing
    check_space(Path(out).expanduser().absolute().parent,
                idx.size * (4 * len(names) + 16 + 8 * len(aux_meta)), "-o/--output")
    writer = RecordingWriter(out, fs=fs, montage=mont, device=f"import:{src.name}",
                             device_model=source.device_model, power_line_hz=power_line_hz, subject_id=subject_id,
                             notes=notes or "\n".join(source.table.header), config=config, aux=aux_meta, swmr=False,
                             placement_scheme="n/a")  # the source file does not say where electrodes sat
    try:
        _write(writer, parsed, keep, idx, t, bool(aux))
        writer.add_events(events)
        writer.close()
    except Exception:
        writer.discard()  # nothing half-written is left behind
        raise
    unassigned = [c.name for c in mont.channels if not c.assigned]
    return ImportResult(writer.path, source.kind, int(idx.size), float(fs), names, [a[0] for a in aux_meta],
                        int(gap_at.size), writer.renamed, int(idx[-1] - idx[0] + 1 - idx.size),
                        float((idx[-1] - idx[0] + 1) / fs), unassigned, railed, result_notes, parsed.nonfinite,
                        left_out)


def nonfinite_values(data: np.ndarray) -> int:
    """Values that are NaN or infinite, or beyond what float32 (the stored type) holds."""
    return int(np.count_nonzero(~np.isfinite(data.astype(np.float32, copy=False)))) if data.size else 0


def _parse(source: Source, emg: list[int], aux: list[int], gain: float, zero: float,
           progress: Progress | None) -> _Parsed:
    """Read every row: EMG as float32 µV, aux as float64, and the columns the index needs."""
    extra = [j for j in (source.counter, source.host, source.marker) if j is not None]
    usecols = sorted(set(emg) | set(aux) | set(extra))
    pos = {j: k for k, j in enumerate(usecols)}
    e_pos, a_pos = [pos[j] for j in emg], [pos[j] for j in aux]
    chunks_emg, chunks_aux, counter, host, marker, same, blank = [], [], [], [], [], [], []
    railed = np.zeros(len(emg))
    prev: tuple | None = None             # (counter, EMG) of the previous block's last row: duplicates
    rows = nonfinite = 0
    for block in read_chunks(source.table, usecols, progress=progress):
        x = block[:, e_pos]
        if zero or gain != 1.0:
            x = (x - zero) * gain
        with np.errstate(over="ignore"):   # beyond float32 is inf: counted and reported just below
            x = x.astype(np.float32)
        nonfinite += nonfinite_values(x)
        chunks_emg.append(x)
        chunks_aux.append(block[:, a_pos] if aux else None)
        if source.counter is not None:
            c = block[:, pos[source.counter]]
            s = np.zeros(block.shape[0], dtype=bool)     # same counter and values as the row before
            s[1:] = c[1:] == c[:-1]
            s[0] = prev is not None and c[0] == prev[0]
            k = np.flatnonzero(s[1:]) + 1                # compare the values only there
            s[k] = (x[k] == x[k - 1]).all(axis=1)
            if s[0]:
                s[0] = bool(np.array_equal(x[0], prev[1]))
            prev = (c[-1], x[-1].copy())
            counter.append(c)
            same.append(s)
            blank.append((block == 0).all(axis=1))
        if source.host is not None:
            host.append(block[:, pos[source.host]])
        if source.marker is not None:
            marker.append(block[:, pos[source.marker]])
        if source.full_scale_uv:
            railed += (np.abs(x) >= openbci.RAILED_LEVEL * source.full_scale_uv).sum(axis=0)
        rows += block.shape[0]

    def cat(parts):
        return np.concatenate(parts) if parts else None
    return _Parsed(chunks_emg, chunks_aux, cat(counter), cat(host), cat(marker),
                   cat(same) if same else np.zeros(rows, bool), cat(blank) if blank else np.zeros(rows, bool),
                   railed, rows, nonfinite)


def _write(writer: RecordingWriter, parsed: _Parsed, keep: np.ndarray, idx: np.ndarray, t: np.ndarray,
           has_aux: bool) -> None:
    """Append the kept rows block by block, releasing each parsed block once written."""
    row = out = 0
    for k in range(len(parsed.emg)):
        x, a = parsed.emg[k], parsed.aux[k]
        parsed.emg[k] = parsed.aux[k] = None
        n = x.shape[0]
        kp = keep[row:row + n]
        if not kp.all():
            x, a = x[kp], (a[kp] if has_aux else None)
        m = x.shape[0]
        for s in range(0, m, WRITE_ROWS):
            e = min(m, s + WRITE_ROWS)
            writer.append(x[s:e], t[out + s:out + e], idx[out + s:out + e], a[s:e] if has_aux else None)
        row += n
        out += m


def _units(source: Source, emg: list[int], unit: str | None, scale: float | None, offset: float | None,
           src: Path) -> tuple[str, tuple[float, float]]:
    if source.kind != "delimited":
        unit = unit or "uV"        # OpenBCI GUI and BrainFlow write µV
    else:
        file_units = {source.units[j] for j in emg if source.units[j]}
        if unit is None and len(file_units) == 1 and next(iter(file_units)).lower() in UNITS_TO_UV:
            unit = next(iter(file_units))
        if unit is None:
            raise RecordingError(f"{src} does not state the unit of its EMG columns; give --unit "
                                 f"{'|'.join(UNITS)} (and --scale for counts)")
    return unit, _unit_factor(unit, scale, offset, source.hints.get("resolution"), src)


def _unit_factor(unit: str, scale: float | None, offset: float | None, resolution: int | None,
                 src: Path) -> tuple[float, float]:
    """(µV per file unit, zero level in file units)."""
    u = unit.lower()
    if u == "counts":
        if scale is None:
            raise RecordingError(f"{src}: ADC counts need --scale (µV per count), e.g. from the board's data sheet")
        zero = offset if offset is not None else (2 ** (resolution - 1) if resolution else 0.0)
        return float(scale), float(zero)
    if u not in UNITS_TO_UV:
        raise RecordingError(f"--unit must be one of {', '.join(UNITS)}, got {unit!r}")
    return UNITS_TO_UV[u] * (scale if scale is not None else 1.0), float(offset or 0.0)


def _guess_unit(name: str) -> str:
    n = name.lower()
    if n.startswith("accel"):
        return "g"
    if n.startswith("timestamp"):
        return "s"
    if n in ("fx", "flexo-extension") or "angle" in n:
        return "deg"
    return ""
