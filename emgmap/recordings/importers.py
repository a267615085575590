"""Import other tools' sEMG files into emgmap recordings (``emgmap import``).

Two readers, both parsing the whole file before anything is written (a bad
line costs nothing):

- OpenBCI GUI "OpenBCI-RAW" text: ``%`` header lines (channel count, sample
  rate, board), then comma-separated rows: sample index, EXG channels in µV
  (Cyton's raw values carry DC offsets of tens of mV, kept as they are),
  accelerometer, other columns, timestamps. The index counts packets modulo
  256, so a jump reveals lost packets: it is unwrapped into /emg/sample_index
  and shows up as gaps.
- delimited text (tabs, commas, semicolons or spaces) with non-numeric header
  lines skipped: ``fs``, ``unit`` (uV, mV, V or ADC counts with ``scale`` µV per
  count around ``offset``), and ``columns`` choosing the EMG columns. Headers in
  the form ``Channel 4: 'Recto Femoral', ... engineering units: mV`` (UCI lower
  limb) and ``# Sampling Rate (Hz):= 1000`` / ``# Resolution:= 12`` (BioSPPy,
  OpenSignals) are understood.

Columns that are not EMG (a knee angle, an accelerometer, host timestamps) go
to /aux row for row (docs/recording-format.md). Muscles and sides come from a
montage or from ``NAME=muscle:side`` assignments.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .. import tomlio
from ..events import Event
from ..montage import MUSCLES, Channel, Montage
from ..types import Side
from ..outputs import check_space
from .format import RecordingError
from .writer import RecordingWriter

UNITS_TO_UV = {"uv": 1.0, "µv": 1.0, "mv": 1e3, "v": 1e6}
UNITS = ("uV", "mV", "V", "counts")
_SPLIT = re.compile(r"[\t,; ]+")


@dataclass
class Table:
    """A parsed text file: numeric rows and what the header said."""
    path: Path
    rows: np.ndarray                       # (n, k) float64
    names: list[str]                       # k column names
    units: list[str]                       # k units ("" unknown)
    header: list[str] = field(default_factory=list)
    first_line: int = 1                    # line number of rows[0], for messages


def _number(text: str, path: Path, line: int, col: int) -> float:
    try:
        return float(text)
    except ValueError:
        raise RecordingError(f"{path} line {line}, column {col}: {text!r} is not a number; "
                             "fix the line or cut it out") from None


def parse_numeric(path: Path, lines: list[str], first: int, sep: re.Pattern | None, ncols: int | None,
                  skip_fields: Sequence[int] = ()) -> np.ndarray:
    """Rows of numbers from ``lines`` (line ``first`` is the first), every row ``ncols`` wide."""
    out = []
    for k, line in enumerate(lines):
        text = line.strip()
        if not text:
            continue
        fields = [f.strip() for f in (sep.split(text) if sep is not None else _SPLIT.split(text))]
        if ncols is None:
            ncols = len(fields)
        if len(fields) != ncols:
            raise RecordingError(f"{path} line {first + k} has {len(fields)} columns, expected {ncols}; "
                                 "fix the line or cut it out")
        out.append([np.nan if j in skip_fields else _number(f, path, first + k, j + 1) for j, f in enumerate(fields)])
    if not out:
        raise RecordingError(f"{path} holds no rows of numbers; check that it is a data file")
    return np.array(out, dtype=np.float64)


def _read_lines(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise RecordingError(f"cannot read {path} ({e.strerror}); check the path") from None
    if b"\x00" in raw[:4096] or raw[:8] == b"\x89HDF\r\n\x1a\n":
        raise RecordingError(f"{path} is not a text file; import reads OpenBCI GUI .txt files and delimited text")
    return raw.decode("utf-8", errors="replace").splitlines()


# --- OpenBCI GUI ------------------------------------------------------------------------------------
def is_openbci(lines: list[str]) -> bool:
    return bool(lines) and lines[0].startswith("%OpenBCI Raw")


def read_openbci(path: Path) -> tuple[Table, float, int, str]:
    """(table of EXG + other columns, fs, number of EXG channels, board) of an OpenBCI-RAW file."""
    lines = _read_lines(path)
    header = [ln for ln in lines if ln.startswith("%")]
    body_start = len(header)
    meta = {}
    for ln in header:
        key, _, value = ln[1:].partition("=")
        meta[key.strip().lower()] = value.strip()
    try:
        n_exg = int(meta["number of channels"])
        fs = float(meta["sample rate"].split()[0])
    except (KeyError, ValueError, IndexError):
        raise RecordingError(f"{path}: the OpenBCI header must give 'Number of channels' and 'Sample Rate'; "
                             "the file looks cut or edited") from None
    board = meta.get("board", "").split("$")[-1].replace("Board", "") or "OpenBCI"
    names = None
    if body_start < len(lines) and lines[body_start].lstrip().lower().startswith("sample index"):
        names = [c.strip() for c in lines[body_start].split(",")]
        body_start += 1
    sep = re.compile(r"\s*,\s*")
    # OpenBCI GUI v5 ends with a formatted date column ("2026-11-24 10:00:00.123"): keep it out
    text_cols = [len(names) - 1] if names and names[-1].lower().startswith("timestamp (formatted)") else []
    rows = parse_numeric(path, lines[body_start:], body_start + 1, sep, len(names) if names else None, text_cols)
    if names is None:  # GUI v4: index, EXG, accel x3, then extra columns
        names = ["Sample Index"] + [f"EXG Channel {i}" for i in range(n_exg)] + \
                [f"Accel Channel {i}" for i in range(3)] + [f"col{j + 1}" for j in range(rows.shape[1] - n_exg - 4)]
    if rows.shape[1] < 1 + n_exg:
        raise RecordingError(f"{path} has {rows.shape[1]} columns but its header announces {n_exg} channels "
                             "after the sample index; the file looks cut or edited")
    keep = [j for j in range(rows.shape[1]) if j not in text_cols]
    table = Table(path, rows[:, keep], [names[j] for j in keep], [""] * len(keep), header)
    return table, fs, n_exg, board


def unwrap_openbci_index(table: Table, fs: float, n_exg: int) -> tuple[np.ndarray, np.ndarray]:
    """(absolute sample index per kept row, kept-row mask) from the packet counter, unwrapped by
    the drivers' :class:`~emgmap.counter.CounterUnwrapper` (modulus 256; step 2 for a
    16-channel Cyton+Daisy), with the host ``Timestamp`` column resolving long dropouts.
    A repeated counter value is a duplicate row, not a sample: it is left out."""
    from ..counter import CounterUnwrapper
    unwrap = CounterUnwrapper(256, step=2 if n_exg == 16 else 1, fs=fs)
    names = [n.lower() for n in table.names]
    host = table.rows[:, names.index("timestamp")] if "timestamp" in names else None
    index = [unwrap(int(c), None if host is None else float(host[k])) for k, c in enumerate(table.rows[:, 0])]
    kept = np.array([i is not None for i in index])
    return np.array([i for i in index if i is not None], dtype=np.int64), kept


# --- delimited text -------------------------------------------------------------------------------------
_UCI = re.compile(r"Channel\s+\d+:\s*'([^']+)'.*?units:\s*([^\s,]+)", re.I)
_FS = re.compile(r"\b(?:sampling rate|sample rate|fs)\s*(?:\(hz\))?\s*:?=?\s*([0-9.]+)", re.I)
_RES = re.compile(r"resolution\s*:?=?\s*(\d+)", re.I)
_LABELS = re.compile(r"labels\s*:?=?\s*(.+)", re.I)


def _numeric_line(text: str) -> bool:
    fields = _SPLIT.split(text.strip())
    try:
        [float(f) for f in fields if f]
        return bool(text.strip())
    except ValueError:
        return False


def read_delimited(path: Path) -> tuple[Table, dict]:
    """The numeric rows of a delimited file and what its header lines tell (fs, resolution)."""
    lines = _read_lines(path)
    k = 0
    while k < len(lines) and not _numeric_line(lines[k]):
        k += 1
    header = lines[:k]
    hints: dict = {}
    names: list[str] = []
    units: list[str] = []
    for ln in header:
        if m := _UCI.search(ln):
            names.append(m.group(1).strip())
            units.append(m.group(2).strip().rstrip(".,"))
        if m := _FS.search(ln):
            hints["fs"] = float(m.group(1))
        if m := _RES.search(ln):
            hints["resolution"] = int(m.group(1))
        if (m := _LABELS.search(ln)) and not names:
            names = [x for x in _SPLIT.split(m.group(1).strip()) if x]
    if not names and header and not header[-1].lstrip().startswith("#"):
        cand = [x.strip() for x in re.split(r"[\t,;]", header[-1]) if x.strip()]
        names = cand
    rows = parse_numeric(path, lines[k:], k + 1, None, None)
    ncol = rows.shape[1]
    if len(names) != ncol:
        names, units = [f"col{j + 1}" for j in range(ncol)], [""] * ncol
    if len(units) != ncol:
        units = [""] * ncol
    return Table(path, rows, names, units, header, k + 1), hints


# --- channel mapping ------------------------------------------------------------------------------
def parse_assignment(text: str) -> tuple[str, str, Side]:
    """``NAME=muscle:side`` -> (NAME, muscle, side)."""
    name, eq, rest = text.rpartition("=")
    muscle, colon, side = rest.partition(":")
    if not eq or not colon or not name:
        raise RecordingError(f"--channel {text!r} must read NAME=muscle:side, e.g. 'EXG Channel 0=gmed:left'")
    if muscle not in MUSCLES:
        raise RecordingError(f"--channel {text!r}: unknown muscle {muscle!r}; valid keys: {', '.join(MUSCLES)}")
    try:
        return name.strip(), muscle, Side(side)
    except ValueError:
        raise RecordingError(f"--channel {text!r}: side must be left, right or midline") from None


def build_montage(names: list[str], montage: Montage | None, assignments: Sequence[str]) -> Montage:
    """Channels for the EMG columns ``names``: from a montage (same count, its names) or from
    ``NAME=muscle:side`` assignments (NAME a column name, case-insensitive, or a 1-based position)."""
    if montage is not None:
        if len(montage) != len(names):
            raise RecordingError(f"the montage has {len(montage)} channels but the file has {len(names)} EMG "
                                 f"columns ({', '.join(names)}); edit the montage or choose --columns")
        return montage
    given: dict[int, tuple[str, Side]] = {}
    lower = [n.lower() for n in names]
    for a in assignments:
        name, muscle, side = parse_assignment(a)
        if name.lower() in lower:
            j = lower.index(name.lower())
        elif name.isdigit() and 1 <= int(name) <= len(names):
            j = int(name) - 1
        else:
            raise RecordingError(f"--channel {a!r}: no EMG column {name!r}; the EMG columns are {', '.join(names)}")
        given[j] = (muscle, side)
    missing = [n for j, n in enumerate(names) if j not in given]
    if missing:
        raise RecordingError(f"EMG column {missing[0]!r} has no muscle; give --channel '{missing[0]}=muscle:side' "
                             f"for each of {', '.join(names)} or --montage FILE.toml")
    return Montage(tuple(Channel(names[j], given[j][0], given[j][1])
                         for j in range(len(names))))


def select_columns(table: Table, spec: str | None, default: list[int]) -> list[int]:
    """Column indices from ``spec``: comma-separated names or 1-based numbers and ranges (``2-5``)."""
    if not spec:
        return default
    out: list[int] = []
    lower = [n.lower() for n in table.names]
    for part in (p.strip() for p in spec.split(",")):
        if re.fullmatch(r"\d+-\d+", part):
            a, b = map(int, part.split("-"))
            out += list(range(a - 1, b))
        elif part.isdigit():
            out.append(int(part) - 1)
        elif part.lower() in lower:
            out.append(lower.index(part.lower()))
        else:
            raise RecordingError(f"--columns: no column {part!r} in {table.path}; columns are "
                                 f"{', '.join(table.names)} (or 1-based numbers)")
    bad = [j + 1 for j in out if not 0 <= j < len(table.names)]
    if bad:
        raise RecordingError(f"--columns: column {bad[0]} does not exist; {table.path} has {len(table.names)}")
    return out


# --- the import -----------------------------------------------------------------------------------------
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
    nonfinite: int = 0      # EMG values stored as NaN/inf (NaN, inf or beyond float32 in the source)


def import_file(src: str | os.PathLike, out: str | os.PathLike, *, fs: float | None = None,
                unit: str | None = None, scale: float | None = None, offset: float | None = None,
                columns: str | None = None, montage: Montage | None = None, channels: Sequence[str] = (),
                subject_id: str = "", notes: str = "", power_line_hz: float = 50.0) -> ImportResult:
    """Import ``src`` (OpenBCI-RAW text or delimited text) into a new recording at ``out``."""
    src = Path(src)
    lines_head = _read_lines(src)[:1]
    settings: dict = {"source": src.name}
    if is_openbci(lines_head):
        table, file_fs, n_exg, board = read_openbci(src)
        kind, device_model = "openbci", f"OpenBCI {board} (OpenBCI GUI file)"
        fs = fs or file_fs
        exg = select_columns(table, columns, list(range(1, 1 + n_exg)))
        to_uv = _unit_factor(unit or "uV", scale, offset, None, src)
        idx, kept = unwrap_openbci_index(table, fs, n_exg)
        table.rows = table.rows[kept]
        settings.update(format="OpenBCI-RAW", board=board, packet_index_modulus=256)
    else:
        table, hints = read_delimited(src)
        kind, device_model = "delimited", "delimited text file"
        fs = fs or hints.get("fs")
        if not fs:
            raise RecordingError(f"{src} does not state its sampling rate; give --fs HZ")
        volt = [j for j, u in enumerate(table.units) if u.lower() in UNITS_TO_UV]
        exg = select_columns(table, columns, volt or list(range(len(table.names))))
        file_units = {table.units[j] for j in exg if table.units[j]}
        if unit is None and len(file_units) == 1 and next(iter(file_units)).lower() in UNITS_TO_UV:
            unit = next(iter(file_units))
        if unit is None:
            raise RecordingError(f"{src} does not state the unit of its EMG columns; give --unit "
                                 f"{'|'.join(UNITS)} (and --scale for counts)")
        to_uv = _unit_factor(unit, scale, offset, hints.get("resolution"), src)
        idx = np.arange(table.rows.shape[0], dtype=np.int64)
        settings.update(format="delimited text", header_lines=len(table.header))
    if not fs or fs <= 0:
        raise RecordingError(f"--fs must be a positive number of Hz, got {fs}")
    names = [table.names[j] for j in exg]
    mont = build_montage(names, montage, channels)
    aux_cols = [j for j in range(len(table.names)) if j not in exg and not (kind == "openbci" and j == 0)]
    aux = [(table.names[j], table.units[j] or _guess_unit(table.names[j])) for j in aux_cols]
    gain, zero = to_uv
    data = (table.rows[:, exg] - zero) * gain
    t = (idx - idx[0]) / fs                      # the device clock: sample index / fs
    settings.update(fs=float(fs), unit=unit or "uV", uv_per_unit=gain, offset=zero,
                    emg_columns=names, aux_columns=[a[0] for a in aux])
    config = tomlio.dumps({"import": settings, "montage": mont.to_dict()})
    # HDF5 stores float32 µV + f8 time + i8 index (+ f8 aux) per row; checked before writing
    check_space(Path(out).expanduser().absolute().parent,
                data.shape[0] * (4 * data.shape[1] + 16 + 8 * len(aux_cols)), "-o/--output")
    writer = RecordingWriter(out, fs=fs, montage=mont, device=f"import:{src.name}", device_model=device_model,
                             power_line_hz=power_line_hz, subject_id=subject_id,
                             notes=notes or "\n".join(table.header), config=config, aux=aux, swmr=False,
                             placement_scheme="n/a")  # the source file does not say where electrodes sat
    try:
        writer.append(data, t, idx, table.rows[:, aux_cols] if aux else None)
        gap_at = np.flatnonzero(np.diff(idx) != 1)
        writer.add_events(Event.gap(f"{int(idx[j + 1] - idx[j] - 1)} samples lost", float(t[j] + 1 / fs),
                                    float((idx[j + 1] - idx[j] - 1) / fs)) for j in gap_at)
        writer.close()
    except Exception:
        writer._abort()
        writer.path.unlink(missing_ok=True)  # nothing half-written is left behind
        raise
    return ImportResult(writer.path, kind, data.shape[0], float(fs), names, [a[0] for a in aux],
                        len(gap_at), writer.renamed, nonfinite_values(data))


def nonfinite_values(data: np.ndarray) -> int:
    """Values that are NaN or infinite, or beyond what float32 (the stored type) holds."""
    return int(np.count_nonzero(~np.isfinite(data.astype(np.float32, copy=False)))) if data.size else 0


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
    return ""
