"""``emgmap export --to nwb``: a recording as an NWB file, written through pynwb.

Layout (NWB 2.x core types only, so any NWB reader opens it):

- ``/general/subject``: ``subject_id`` = the recording's pseudonym; nothing else about
  the person (no name, no birth date).
- ``/general/devices/<model>`` and one electrode group per muscle/side; the
  ``electrodes`` table has one row per channel (``location`` = side and muscle) with
  the columns ``channel``, ``muscle``, ``side``, ``placement``, ``mvc_uv``, ``rest_rms_uv``.
- ``/acquisition/EMG``: ElectricalSeries, float32 samples in µV as recorded
  (``conversion`` = 1e-6 to volts, NWB's unit for ElectricalSeries), explicit
  ``timestamps`` (the recording's session seconds, so gaps stay gaps),
  ``filtering`` = the device band (raw data: nothing applied by emgmap).
- ``/acquisition/<aux name>``: TimeSeries per /aux column (imports), same timestamps.
- ``/processing/emg/envelope``: TimeSeries of the 100 Hz /envelope in µV
  (``conversion`` 1e-6, unit V), its description naming the filters and window.
- ``/intervals/sets``, ``reps``, ``mvc_trials``, ``rest``: TimeIntervals with the
  events' structured fields (exercise, side, rep, muscle, channel); other events
  (markers, cues, gait) in ``/intervals/events`` (kind, label, channel); samples lost
  by the device in ``/intervals/invalid_times`` (reason ``N samples lost``).
"""
from __future__ import annotations

import datetime as _dt
import io
import os
from pathlib import Path

import h5py
import numpy as np

from .. import __version__
from ..events import EventKind
from ..montage import MUSCLES
from ..progress import Progress
from .reader import Recording
from .sidecars import filtered_band, placement, raw_band, recording_date, structured_events, task_name
from .writer import _reason

UV = 1e-6   # µV -> V


def _describe(band) -> str:
    if band.low_hz == 0 and band.high_hz is None:
        return "none: raw samples as the device delivered them (DC offset included); device band not stated"
    high = "no low-pass stated" if band.high_hz is None else f"low-pass {band.high_hz:g} Hz"
    return f"device band: high-pass {band.low_hz:g} Hz, {high}; nothing applied by emgmap"


def export_nwb(rec: Recording, path: Path, progress: Progress | None = None) -> Path:
    """Write ``rec`` to the NWB file ``path`` (a new temporary file, replaced: emgmap.outputs
    gives it its name when complete). ``progress(steps done, steps)``: built, written."""
    from hdmf.backends.hdf5 import H5DataIO
    from pynwb import NWBHDF5IO, NWBFile, TimeSeries
    from pynwb.ecephys import ElectricalSeries
    from pynwb.epoch import TimeIntervals
    from pynwb.file import Subject

    a = rec.attrs
    start = recording_date(rec) or _dt.datetime.fromtimestamp(0, _dt.timezone.utc)
    scheme, scheme_text = placement(rec)
    nwb = NWBFile(
        session_description=f"surface EMG, task {task_name(rec)} (emgmap recording {rec.path.name})",
        identifier=f"emgmap:{a.get('subject_id', '')}:{a.get('created_utc', '')}:{rec.path.name}",
        session_start_time=start, experiment_description=f"electrode placement: {scheme_text}",
        source_script=f"emgmap {__version__} export --to nwb", source_script_file_name="emgmap",
        notes=str(a.get("notes", "")) or None)
    if a.get("subject_id"):
        nwb.subject = Subject(subject_id=str(a["subject_id"]), description="pseudonym (emgmap subject_id)")
    device = nwb.create_device(name=str(a.get("device_model", "")) or "EMG amplifier",
                               description=f"emgmap device spec: {rec.device}")
    for col, text in (("channel", "emgmap channel name"), ("muscle", "emgmap muscle key"),
                      ("side", "left, right or midline"), ("placement", "electrode site (SENIAM where it exists)"),
                      ("mvc_uv", "MVC reference of the channel, µV (NaN: not calibrated)"),
                      ("rest_rms_uv", "rest level of the channel, µV (NaN: not calibrated)")):
        nwb.add_electrode_column(name=col, description=text)
    groups = {}
    for i, ch in enumerate(rec.montage.channels):
        m = MUSCLES.get(ch.muscle)
        where = f"{ch.side.value} {m.name}" if m else f"{ch.side.value}, muscle not assigned"
        if where not in groups:
            groups[where] = nwb.create_electrode_group(name=f"{ch.muscle or 'unassigned'}_{ch.side.value}",
                                                       description=f"surface electrodes over the {where}",
                                                       location=where, device=device)
        nwb.add_electrode(group=groups[where], location=where, channel=ch.name, muscle=ch.muscle,
                          side=ch.side.value, placement=ch.placement, mvc_uv=float(rec.mvc_uv[i]),
                          rest_rms_uv=float(rec.rest_rms_uv[i]))
    region = nwb.create_electrode_table_region(list(range(rec.n_channels)), "the recording's channels, in order")
    t = rec.timestamps()
    nwb.add_acquisition(ElectricalSeries(
        name="EMG", data=H5DataIO(rec.data(), chunks=True), electrodes=region, timestamps=t, conversion=UV,
        filtering=_describe(raw_band(rec)), channel_conversion=None,
        description=f"surface EMG, µV as recorded ({rec.n_channels} channels at {rec.fs:g} Hz; "
                    f"device sample index jumps = samples lost, see invalid_times)",
        comments=f"sampling_frequency={rec.fs:g}"))
    aux = rec.aux()
    for j, (name, unit) in enumerate(zip(rec.aux_names, rec.aux_units)):
        nwb.add_acquisition(TimeSeries(name=name.replace("/", "_"), data=aux[:, j], unit=unit or "n/a",
                                       timestamps=nwb.acquisition["EMG"], description="auxiliary column of the source"))
    env, env_t = rec.envelope()
    if env.shape[0]:
        band = filtered_band(rec)
        window = rec.config.get("pipeline", {}).get("window_s", 0.1)
        module = nwb.create_processing_module(name="emg", description="emgmap's live processing")
        module.add(TimeSeries(
            name="envelope", data=env, unit="V", conversion=UV, timestamps=env_t,
            description=f"RMS envelope over {window * 1000:g} ms of the {band.low_hz:g}-{band.high_hz:g} Hz "
                        f"Butterworth band (high-pass order {band.hp_order}, low-pass order {band.lp_order}"
                        + (f", notches at {', '.join(f'{f:g}' for f in band.notch_hz)} Hz" if band.notch_hz else "")
                        + "), as computed live, decimated to 100 Hz; columns = the EMG channels"))
    _add_events(nwb, rec, TimeIntervals)
    if progress is not None:
        progress(1, 2)
    with open(path, "w+b") as fh:
        sink = _Sink(fh)
        try:
            with h5py.File(sink, "w") as f, NWBHDF5IO(file=f, mode="w") as nwb_io:
                nwb_io.write(nwb)
            sink.flush()
            if sink.error is None:
                os.fsync(fh.fileno())   # a disk that allocates late says it is full here
        except OSError as e:
            sink.error = sink.error or e
        except Exception:
            if sink.error is None:
                raise
        if sink.error is not None:
            raise OSError(sink.error.errno, f"could not write {path} ({_reason(sink.error)})")
    if progress is not None:
        progress(2, 2)
    return path


class _Sink(io.RawIOBase):
    """The NWB file as HDF5 sees it (h5py's file-object driver). A failed write (a full disk)
    is remembered, and it and every later write are taken without error: HDF5 must never
    see a failed write, after which closing the file crashes the process (HDF5 1.14, a
    segfault that no handler catches). The caller raises the remembered error and the
    temporary file is removed."""

    def __init__(self, fh):
        self.fh, self.error = fh, None

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, b) -> int:
        if self.error is None:
            try:
                return self.fh.write(b)
            except OSError as e:
                self.error = e
        return len(b)

    def readinto(self, b) -> int:
        return self.fh.readinto(b)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.fh.seek(offset, whence)

    def tell(self) -> int:
        return self.fh.tell()

    def truncate(self, size=None) -> int:
        if self.error is None:
            try:
                return self.fh.truncate(size)
            except OSError as e:
                self.error = e
        return self.tell() if size is None else size

    def flush(self) -> None:
        if self.error is None:
            try:
                self.fh.flush()
            except OSError as e:
                self.error = e


TABLES = {  # kind -> (table name, description, structured columns)
    EventKind.SET: ("sets", "exercise sets", ("exercise", "side")),
    EventKind.REP: ("reps", "repetitions, inside their sets", ("exercise", "side", "rep")),
    EventKind.MVC: ("mvc_trials", "maximum voluntary contraction trials", ("muscle", "side", "channel")),
    EventKind.REST: ("rest", "rest baselines", ()),
}
COLUMN_TEXT = {"exercise": "the exercise (protocol name)",
               "side": "set, rep: the working leg of a unilateral exercise ('' bilateral); mvc: the tested side",
               "rep": "repetition number within its set", "muscle": "the tested muscle (emgmap key)",
               "channel": "the tested channel", "kind": "emgmap event kind", "label": "the event label",
               "text": "the free text of the event"}


def _add_events(nwb, rec: Recording, TimeIntervals) -> None:
    events = structured_events(rec)
    tables = {}
    for e in events:
        if e.kind is EventKind.GAP:
            continue
        name, text, cols = TABLES.get(e.kind, ("events", "other events: markers, cues, gait",
                                               ("kind", "label", "channel")))
        if name not in tables:
            ti = TimeIntervals(name=name, description=text)
            for c in cols:
                ti.add_column(name=c, description=COLUMN_TEXT[c])
            tables[name] = (ti, cols)
        ti, cols = tables[name]
        values = {"exercise": e.exercise, "side": e.side.value if e.side else "", "rep": e.rep, "muscle": e.muscle,
                  "channel": e.channel, "kind": e.kind.value, "label": e.label}
        ti.add_row(start_time=e.onset_s, stop_time=e.end_s, **{c: values[c] for c in cols})
    for ti, _ in tables.values():
        nwb.add_time_intervals(ti)
    t = rec.timestamps()
    idx = rec.sample_index()
    jumps = np.flatnonzero(np.diff(idx) != 1)
    if jumps.size:
        nwb.add_invalid_times_column(name="reason", description="why the span has no samples")
        for j in jumps:
            nwb.add_invalid_time_interval(start_time=float(t[j]), stop_time=float(t[j + 1]),
                                          reason=f"{int(idx[j + 1] - idx[j] - 1)} samples lost by the device")
