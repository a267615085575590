"""``emgmap import FILE.xdf``: an XDF file (LabRecorder, or any XDF writer) -> an
emgmap recording, read through pyxdf (XDF 1.0, https://github.com/sccn/xdf/wiki/Specifications).

- The EMG stream: the one stream of type ``EMG`` (case-insensitive), or the one named
  with ``stream=``. Its samples become /emg/data in µV (the channels' ``unit``:
  microvolts, millivolts or volts; a stream that states none is taken as µV and the
  config says so). Channel names, muscles and sides come from the XDF channel
  description (emgmap's own outlets write ``muscle`` and ``side``), else from a
  montage or ``NAME=muscle:side`` assignments, as for any import.
- Time: pyxdf applies each stream's ClockOffset chunks (``synchronize_clocks``), so
  every stream is on the recording computer's clock; /emg/timestamps is the EMG
  stream's time stamps minus its first one. pyxdf's dejittering is off: it would
  smooth over short losses. Lost samples are read from the time stamps: an interval
  longer than 1.5 sample periods at the nominal rate holds ``round(interval * fs) - 1``
  lost samples; they become a jump in /emg/sample_index and a ``gap`` event.
- Markers: every string stream. emgmap's own marker strings ``<kind>: <label>``
  (:class:`emgmap.sinks.lsl.LslPublisher`) come back as structured events
  (:meth:`emgmap.events.Event.from_row`: an MVC trial keeps its muscle and side, a rep
  its exercise, side and number); any other string is a ``marker`` with that text.
  LSL markers carry no duration: durations are 0. ``gap`` markers are left out: the
  gaps come from the EMG stream's own time stamps (one ``gap`` event per jump).
- Other numeric streams go to /aux, row for row with /emg: each channel linearly
  interpolated at the EMG samples' times (after the clock offsets), NaN more than half
  a sample period outside the stream's span; named ``<stream>: <channel label>`` with the stream's units.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from .. import tomlio
from ..events import Event, EventKind
from ..montage import MUSCLES, Channel, Montage
from ..types import Side
from .format import RecordingError
from .importers import ImportResult, build_montage
from .writer import RecordingWriter

UNIT_TO_UV = {"microvolts": 1.0, "microvolt": 1.0, "uv": 1.0, "µv": 1.0, "millivolts": 1e3, "millivolt": 1e3,
              "mv": 1e3, "volts": 1e6, "volt": 1e6, "v": 1e6}
GAP_PERIODS = 1.5      # an interval longer than this many sample periods holds lost samples
_KINDS = {k.value for k in EventKind}


def _first(d: dict, key: str, default: str = "") -> str:
    v = d.get(key) if isinstance(d, dict) else None
    if isinstance(v, list):
        v = v[0] if v else None
    return default if v is None else str(v)


def _channels(stream: dict) -> list[dict[str, str]]:
    """The stream's desc/channels/channel elements as flat dicts (empty when absent)."""
    desc = stream["info"].get("desc")
    try:
        chans = desc[0]["channels"][0]["channel"]
    except (TypeError, KeyError, IndexError):
        return []
    return [{k: _first(c, k) for k in ("label", "unit", "type", "muscle", "side", "placement")} for c in chans]


def _name(s: dict) -> str:
    return _first(s["info"], "name")


def _type(s: dict) -> str:
    return _first(s["info"], "type")


def _is_string(s: dict) -> bool:
    return _first(s["info"], "channel_format") == "string"


def pick_emg(streams: list[dict], name: str | None, src: Path) -> dict:
    listing = ", ".join(f"{_name(s)!r} ({_type(s) or 'no type'})" for s in streams) or "none"
    if name is not None:
        found = [s for s in streams if _name(s) == name]
        if not found:
            raise RecordingError(f"{src} has no stream named {name!r}; its streams: {listing}")
    else:
        found = [s for s in streams if _type(s).lower() == "emg" and not _is_string(s)]
        if not found:
            raise RecordingError(f"{src} has no stream of type EMG; its streams: {listing}. "
                                 "Choose one with --stream NAME")
        if len(found) > 1:
            raise RecordingError(f"{src} has {len(found)} EMG streams ({', '.join(repr(_name(s)) for s in found)}); "
                                 "choose one with --stream NAME")
    s = found[0]
    if _is_string(s):
        raise RecordingError(f"stream {_name(s)!r} in {src} holds text, not samples; choose a numeric stream")
    if float(_first(s["info"], "nominal_srate", "0")) <= 0:
        raise RecordingError(f"stream {_name(s)!r} in {src} has no regular sampling rate; emgmap records "
                             "regularly sampled EMG")
    if len(s["time_stamps"]) == 0:
        raise RecordingError(f"stream {_name(s)!r} in {src} holds no samples; there is nothing to import")
    return s


def sample_index(stamps: np.ndarray, fs: float) -> np.ndarray:
    """Device-style sample indices from time stamps: each interval longer than
    ``GAP_PERIODS`` periods adds ``round(interval * fs) - 1`` lost samples."""
    d = np.diff(stamps) * fs
    lost = np.where(d > GAP_PERIODS, np.rint(d) - 1, 0).astype(np.int64)
    return np.arange(stamps.size, dtype=np.int64) + np.concatenate([[0], np.cumsum(lost)])


def stream_montage(chans: list[dict[str, str]], n: int, montage: Montage | None,
                   assignments: Sequence[str]) -> Montage:
    names = [c["label"] or f"ch{i + 1}" for i, c in enumerate(chans)] if len(chans) == n else \
        [f"ch{i + 1}" for i in range(n)]
    if montage is not None or assignments or len(chans) != n:
        return build_montage(names, montage, assignments)
    if all(c["muscle"] in MUSCLES and c["side"] in {s.value for s in Side} for c in chans):
        return Montage(tuple(Channel(name, c["muscle"], Side(c["side"]), c["placement"])
                             for c, name in zip(chans, names)))
    return build_montage(names, None, assignments)


def marker_event(text: str, onset_s: float) -> Event:
    """An emgmap marker string ``<kind>: <label>`` as its structured event; anything else
    as a ``marker`` with the text."""
    kind, sep, label = text.partition(": ")
    if sep and kind in _KINDS:
        return Event.from_row(onset_s, 0.0, kind, label, "")
    return Event.marker(text, onset_s)


def import_xdf(src: str | os.PathLike, out: str | os.PathLike, *, stream: str | None = None,
               montage: Montage | None = None, channels: Sequence[str] = (), subject_id: str = "", notes: str = "",
               power_line_hz: float = 50.0) -> ImportResult:
    """Import the EMG stream of the XDF file ``src`` (with its markers and the other
    numeric streams) into a new recording at ``out``."""
    try:
        import pyxdf
    except ImportError:
        raise RecordingError("XDF import needs pyxdf; install it with: pip install 'emgmap[xdf]'") from None
    src = Path(src)
    if not src.is_file():
        raise RecordingError(f"{src} does not exist; check the path")
    try:
        streams, _ = pyxdf.load_xdf(str(src), synchronize_clocks=True, dejitter_timestamps=False)
    except Exception as e:
        raise RecordingError(f"{src} cannot be read as XDF ({e}); give a file LabRecorder or another XDF "
                             "writer made") from None
    emg = pick_emg(streams, stream, src)
    fs = float(_first(emg["info"], "nominal_srate"))
    stamps = np.asarray(emg["time_stamps"], dtype=np.float64)
    x = np.asarray(emg["time_series"], dtype=np.float64)
    chans = _channels(emg)
    units = [c["unit"].lower() for c in chans] if len(chans) == x.shape[1] else [""] * x.shape[1]
    unknown = [u for u in units if u and u not in UNIT_TO_UV]
    if unknown:
        raise RecordingError(f"stream {_name(emg)!r} in {src} gives its unit as {unknown[0]!r}; emgmap reads "
                             f"{', '.join(sorted(UNIT_TO_UV))}")
    data = x * np.array([UNIT_TO_UV.get(u, 1.0) for u in units])
    mont = stream_montage(chans, x.shape[1], montage, channels)
    idx = sample_index(stamps, fs)
    t0 = stamps[0]
    t = stamps - t0
    events = [marker_event(str(v[0]), float(ts - t0)) for s in streams if _is_string(s)
              for v, ts in zip(s["time_series"], s["time_stamps"])]
    # our outlets also announce the session's gaps as markers: the EMG stream's own
    # stamps say the same losses, and they are what /emg/sample_index holds
    events = [e for e in events if e.kind is not EventKind.GAP]
    gap_at = np.flatnonzero(np.diff(idx) != 1)
    events += [Event.gap(f"{int(idx[j + 1] - idx[j] - 1)} samples lost", float(t[j] + 1 / fs),
                         float((idx[j + 1] - idx[j] - 1) / fs)) for j in gap_at]
    events.sort(key=lambda e: e.onset_s)
    aux_names, aux_cols = [], []
    for s in streams:
        if s is emg or _is_string(s) or len(s["time_stamps"]) == 0:
            continue
        sc = _channels(s)
        ys = np.asarray(s["time_series"], dtype=np.float64)
        ts = np.asarray(s["time_stamps"], dtype=np.float64)
        order = np.argsort(ts, kind="stable")
        # half a sample of the stream beyond its ends still counts as inside: two streams
        # stamped alike get slightly different clock offsets (each stream's own measurements)
        rate = float(_first(s["info"], "nominal_srate", "0"))
        slack = 0.5 / rate if rate > 0 else 0.0
        outside = (stamps < ts[order[0]] - slack) | (stamps > ts[order[-1]] + slack)
        for k in range(ys.shape[1]):
            label = sc[k]["label"] if len(sc) == ys.shape[1] and sc[k]["label"] else f"ch{k + 1}"
            unit = sc[k]["unit"] if len(sc) == ys.shape[1] else ""
            aux_names.append((f"{_name(s)}: {label}", unit))
            aux_cols.append(np.where(outside, np.nan, np.interp(stamps, ts[order], ys[order, k])))
    device_model = _acquisition(emg) or f"LSL stream {_name(emg)!r} (XDF file)"
    settings = {"source": src.name, "format": "XDF", "stream": _name(emg), "stream_type": _type(emg),
                "fs": fs, "unit": "uV" if all(units) else "uV (assumed: the stream states no unit)",
                "clock": "pyxdf synchronize_clocks (ClockOffset chunks); no dejittering",
                "gap_rule": f"interval > {GAP_PERIODS} sample periods: round(interval * fs) - 1 samples lost",
                "marker_streams": [_name(s) for s in streams if _is_string(s)],
                "aux_streams": sorted({_name(s) for s in streams if s is not emg and not _is_string(s)})}
    writer = RecordingWriter(out, fs=fs, montage=mont, device=f"import:{src.name}", device_model=device_model,
                             power_line_hz=power_line_hz, subject_id=subject_id, notes=notes,
                             config=tomlio.dumps({"import": settings, "montage": mont.to_dict()}),
                             aux=aux_names, swmr=False, placement_scheme="n/a")
    try:
        writer.append(data, t, idx, np.column_stack(aux_cols) if aux_cols else None)
        writer.add_events(events)
        writer.close()
    except Exception:
        writer.discard()  # nothing half-written is left behind
        raise
    return ImportResult(writer.path, "xdf", data.shape[0], fs, list(mont.names), [a[0] for a in aux_names],
                        len(gap_at), writer.renamed)


def _acquisition(s: dict) -> str:
    desc = s["info"].get("desc")
    try:
        return _first(desc[0]["acquisition"][0], "manufacturer")
    except (TypeError, KeyError, IndexError):
        return ""
