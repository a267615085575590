"""Export recordings for other tools (``emgmap export``).

- ``csv``: ``<prefix>_raw.csv`` (time_s, sample_index, one µV column per channel,
  then the /aux columns), ``<prefix>_filtered.csv`` (the raw signal through the
  recording's own pipeline settings), ``<prefix>_envelope.csv`` (the 100 Hz
  /envelope) and ``<prefix>_events.csv``; sidecars ``<prefix>_csv_channels.tsv`` and
  ``<prefix>_csv_emg.json`` describe the raw data.
- ``bdf``: ``<prefix>.bdf``, BDF+ (24-bit, continuous) through pyedflib with the
  events as annotations, the raw signal (``signal="raw"``, the prefilter field says
  the device band) or the filtered one (``signal="filtered"``, the prefilter field
  says emgmap's band). Channels are labelled ``EMG <name>`` so that readers that
  infer types from labels (MNE ``infer_types=True``) see EMG. BDF+C has no way to
  leave samples out, so samples lost in a gap are written as 0 µV and annotated
  ``gap: N samples missing (zero-filled)``: time in the BDF file is
  sample_index / fs, as in the recording. Sidecars ``<prefix>_bdf_channels.tsv``,
  ``<prefix>_bdf_emg.json``.
- ``bids``: a BIDS-EMG dataset through mne-bids (:mod:`.bids`).
- ``nwb``: an NWB file through pynwb (:mod:`.nwb`).

Each format names its own sidecars, so exports of one recording in several
formats never collide. Outputs are never overwritten, and a failed export
leaves none of its files behind.
"""
from __future__ import annotations

import csv
import datetime as _dt
import importlib
import json
import os
from pathlib import Path

import numpy as np

from .format import RecordingError
from .reader import Recording
from .sidecars import CHANNEL_COLUMNS, SIGNALS, Band, annotation_text, band_for, channel_rows, emg_json, \
    structured_events

FORMATS = ("csv", "bdf", "bids", "nwb")
BDF_DIGITAL = (-(2 ** 23), 2 ** 23 - 1)
BDF_LABEL = 16               # characters in an EDF/BDF signal label
EMG_PREFIX = "EMG "          # MNE's infer_types: "<TYPE> <name>" (mne/io/edf/edf.py, CH_TYPE_MAPPING)
#: the optional libraries of each format: (import names, package names, extra)
NEEDS = {"bdf": (("pyedflib",), "pyedflib", "bdf"),
         "bids": (("pyedflib", "mne", "mne_bids"), "mne, mne-bids and pyedflib", "bids"),
         "nwb": (("pynwb",), "pynwb", "nwb")}


def require(fmt: str) -> None:
    """Raise one sentence saying what to install when ``fmt``'s libraries are missing."""
    modules, packages, extra = NEEDS[fmt]
    for m in modules:
        try:
            importlib.import_module(m)
        except ImportError:
            raise RecordingError(f"{fmt.upper()} export needs {packages}; install them with: "
                                 f"pip install 'emgmap[{extra}]'") from None


def _new(path: Path) -> Path:
    if path.exists():
        raise RecordingError(f"{path} exists; give another --output (exports never overwrite)")
    return path


def export(path: str | os.PathLike, to: str, output: str | os.PathLike | None = None, *, signal: str = "raw",
           subject: str | None = None, session: str | None = None, task: str | None = None) -> list[Path]:
    """Export ``path`` as ``to``; returns the files written.

    ``output``: the prefix (csv, bdf; default FILE without .h5), the file (nwb; default
    FILE.nwb) or the BIDS root folder (bids; default FILE_bids). ``signal`` (bdf):
    ``raw`` or ``filtered``. ``subject``, ``session``, ``task`` (bids) override the
    labels taken from the recording.
    """
    if to not in FORMATS:
        raise RecordingError(f"unknown export format {to!r}; valid: {', '.join(FORMATS)}")
    if signal not in SIGNALS:
        raise RecordingError(f"unknown signal {signal!r}; valid: {', '.join(SIGNALS)}")
    if signal != "raw" and to != "bdf":
        raise RecordingError(f"--signal {signal} applies to --to bdf only; {to} exports carry the raw signal"
                             + (" and the filtered one" if to == "csv" else "")
                             + (" and the envelope" if to == "nwb" else ""))
    if to in NEEDS:
        require(to)
    src = Path(path)
    with Recording(src) as rec:
        if rec.n_samples == 0:
            raise RecordingError(f"{src} holds no samples; there is nothing to export")
        if to == "bids":
            from .bids import export_bids
            return export_bids(rec, Path(output) if output else src.with_name(f"{src.stem}_bids"),
                               subject=subject, session=session, task=task)
        if to == "nwb":
            from .nwb import export_nwb
            target = Path(output) if output else src.with_suffix(".nwb")
            return [export_nwb(rec, _new(target if target.suffix == ".nwb" else target.with_name(target.name + ".nwb")))]
        base = Path(output) if output else src.with_suffix("")
        if to == "csv":
            data = {k: _new(Path(f"{base}_{k}.csv")) for k in ("raw", "filtered", "envelope", "events")}
        else:
            data = {"bdf": _new(Path(f"{base}.bdf"))}
        sidecars = {"channels": _new(Path(f"{base}_{to}_channels.tsv")), "json": _new(Path(f"{base}_{to}_emg.json"))}
        band = band_for(rec, signal)
        written: list[Path] = []
        try:
            if to == "csv":
                written += export_csv(rec, data)
            else:
                written.append(write_bdf(rec, data["bdf"], signal))
            written.append(write_channels_tsv(rec, sidecars["channels"], band))
            written.append(write_emg_json(rec, sidecars["json"], band))
        except BaseException:
            for p in list(data.values()) + list(sidecars.values()):
                p.unlink(missing_ok=True)   # a failed export leaves nothing half-written
            raise
        return written


# --- CSV ------------------------------------------------------------------------------------------------
def _write_csv(path: Path, header: list[str], columns: list[np.ndarray], fmts: list[str]) -> Path:
    n = len(columns[0]) if columns else 0
    with open(path, "x", newline="", encoding="utf-8") as fh:
        fh.write(",".join(header) + "\n")
        if n:
            block = 100_000
            for a in range(0, n, block):
                parts = np.column_stack([c[a:a + block].astype(float) for c in columns])
                np.savetxt(fh, parts, fmt=fmts, delimiter=",")
    return path


def filtered(rec: Recording) -> np.ndarray:
    """The raw signal through the pipeline settings stored in /config (the defaults of
    docs/dsp.md for imports), as the live session filtered it: received samples in order."""
    from ..dsp import Pipeline, PipelineConfig
    cfg = rec.config.get("pipeline", {})
    p = Pipeline(fs=rec.fs, n_channels=rec.n_channels, config=PipelineConfig(**cfg))
    return p.process(rec.data().astype(np.float64)).filtered


def export_csv(rec: Recording, paths: dict[str, Path]) -> list[Path]:
    names = rec.channel_names
    t, idx, x = rec.timestamps(), rec.sample_index(), rec.data()
    aux = rec.aux()
    out = [_write_csv(paths["raw"], ["time_s", "sample_index", *[f"{n}_uV" for n in names],
                                     *[f"{n}_{u}" if u else n for n, u in zip(rec.aux_names, rec.aux_units)]],
                      [t, idx, *x.T, *aux.T], ["%.6f", "%d"] + ["%.3f"] * len(names) + ["%.15g"] * aux.shape[1])]
    y = filtered(rec)
    out.append(_write_csv(paths["filtered"], ["time_s", "sample_index", *[f"{n}_uV" for n in names]],
                          [t, idx, *y.T], ["%.6f", "%d"] + ["%.4f"] * len(names)))
    env, env_t = rec.envelope()
    if env.shape[0]:
        out.append(_write_csv(paths["envelope"], ["time_s", *[f"{n}_uV" for n in names]], [env_t, *env.T],
                              ["%.6f"] + ["%.4f"] * len(names)))
    with open(paths["events"], "x", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["onset_s", "duration_s", "kind", "label", "channel"])
        for e in rec.events:
            w.writerow([f"{e.onset_s:.6f}", f"{e.duration_s:.6f}", e.kind, e.label, e.channel])
    out.append(paths["events"])
    return out


# --- BDF+ -------------------------------------------------------------------------------------------------
def on_index_grid(rec: Recording, x: np.ndarray) -> np.ndarray:
    """Rows of ``x`` (one per recorded sample) on a gap-free grid from the first sample
    index: zeros where samples were lost."""
    idx = rec.sample_index()
    n = int(idx[-1] - idx[0] + 1)
    grid = np.zeros((n, x.shape[1]))
    grid[idx - idx[0]] = x
    return grid


def bdf_labels(names: list[str] | tuple[str, ...], emg_prefix: bool = True) -> list[str]:
    """``EMG <name>`` (or the name) in the 16 characters of a BDF label, unique. MNE's
    ``infer_types`` takes the word before the first space as the channel type when it is
    a known type (mne/io/edf/edf.py: ``parts[0].upper() in CH_TYPE_MAPPING``, e.g. EEG,
    EMG, ECG) and joins the rest back with spaces as the name, so "EMG L Glute Med" is
    the EMG channel "L Glute Med"."""
    prefix = EMG_PREFIX if emg_prefix else ""
    room = BDF_LABEL - len(prefix)
    labels: list[str] = []
    for name in names:
        label = prefix + name[:room]
        k = 1
        while label in labels:   # a long name cut to a name already taken
            tag = f"~{k}"
            label = prefix + name[:room - len(tag)] + tag
            k += 1
        labels.append(label)
    return labels


def bdf_annotations(rec: Recording) -> list[tuple[float, float, str]]:
    """(onset, duration or -1, text) on the BDF time line, (sample_index - first) / fs: the
    events (text ``<kind>: <label> [channel]``) and one ``gap`` annotation per hole in the
    sample index, which is what the zero-filled samples are (the recording's own gap
    events would say it twice)."""
    t0 = float(rec.timestamps(0, 1)[0])
    fs = rec.fs
    out = [(max(0.0, e.onset_s - t0), e.duration_s if e.duration_s > 0 else -1, annotation_text(e))
           for e in structured_events(rec) if e.kind.value != "gap"]
    idx = rec.sample_index()
    for j in np.flatnonzero(np.diff(idx) != 1):
        missing = int(idx[j + 1] - idx[j] - 1)
        out.append((float(idx[j] + 1 - idx[0]) / fs, missing / fs, f"gap: {missing} samples missing (zero-filled)"))
    return sorted(out)


def write_bdf(rec: Recording, path: Path, signal: str = "raw", *, emg_prefix: bool = True) -> Path:
    """Write ``rec`` as BDF+ to ``path`` (which must not exist): the raw or the filtered
    signal, with its true band in each channel's prefilter field; labels ``EMG <name>``
    (``emg_prefix``) or the plain names (in a BIDS dataset, channels.tsv gives the type)."""
    import pyedflib
    fs = rec.fs
    if abs(fs - round(fs)) > 1e-9:
        raise RecordingError(f"BDF needs a whole number of samples per second; {rec.path} runs at {fs:g} Hz")
    band: Band = band_for(rec, signal)
    grid = on_index_grid(rec, rec.data().astype(np.float64) if signal == "raw" else filtered(rec))
    headers = []
    for i, (ch, label) in enumerate(zip(rec.montage.channels, bdf_labels(rec.channel_names, emg_prefix))):
        peak = float(np.ceil(max(1.0, np.abs(grid[:, i]).max())))
        headers.append({"label": label, "dimension": "uV", "sample_frequency": int(round(fs)),
                        "physical_min": -peak, "physical_max": peak,
                        "digital_min": BDF_DIGITAL[0], "digital_max": BDF_DIGITAL[1],
                        "transducer": f"sEMG {ch.muscle or 'unassigned'} {ch.side.value}"[:80],
                        "prefilter": band.prefilter})
    annotations = bdf_annotations(rec)
    records = max(1, -(-grid.shape[0] // int(round(fs))))
    if path.exists():
        raise RecordingError(f"{path} exists; give another --output (exports never overwrite)")
    w = pyedflib.EdfWriter(str(path), rec.n_channels, file_type=pyedflib.FILETYPE_BDFPLUS)
    try:
        # each 1 s data record stores a few annotations per annotation signal: reserve enough
        w.set_number_of_annotation_signals(min(64, max(1, -(-2 * len(annotations) // records))))
        w.setSignalHeaders(headers)
        w.setPatientCode(_edf_text(rec.attrs.get("subject_id", "")) or "X")
        w.setEquipment(_edf_text(rec.attrs.get("device_model", ""))[:80])
        created = str(rec.attrs.get("created_utc", ""))
        try:
            w.setStartdatetime(_dt.datetime.fromisoformat(created).replace(tzinfo=None))
        except ValueError:
            pass
        w.writeSamples([np.ascontiguousarray(grid[:, i]) for i in range(rec.n_channels)])
        for onset, duration, text in annotations:
            w.writeAnnotation(onset, duration, text)
    except Exception as e:
        w.close()
        path.unlink(missing_ok=True)
        raise RecordingError(f"could not write {path} ({e}); nothing was kept") from None
    w.close()
    return path


def _edf_text(v) -> str:
    """EDF header fields are ASCII with no spaces (EDF+ spec, 2.1.3.3): spaces become '_'."""
    return str(v).encode("ascii", "replace").decode("ascii").replace(" ", "_")


# --- sidecars beside CSV and BDF ---------------------------------------------------------------------------
def write_channels_tsv(rec: Recording, path: Path, band: Band) -> Path:
    """BIDS-EMG ``channels.tsv`` columns for the EMG channels (in ``band``), then the
    /aux columns as MISC."""
    with open(path, "x", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, CHANNEL_COLUMNS, delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(channel_rows(rec, band))
        for name, unit in zip(rec.aux_names, rec.aux_units):
            row = dict.fromkeys(CHANNEL_COLUMNS, "n/a")
            row.update(name=name, type="MISC", units=unit or "n/a", description="auxiliary column of the source file",
                       sampling_frequency=f"{rec.fs:g}", status="good")
            w.writerow(row)
    return path


def write_emg_json(rec: Recording, path: Path, band: Band) -> Path:
    doc = emg_json(rec, band)
    doc.update({"MiscChannelCount": len(rec.aux_names), "SubjectPseudonym": rec.attrs.get("subject_id", ""),
                "MissingSamples": int(sum(g.missing for g in rec.gaps())), "SourceDevice": rec.device,
                "EmgmapConfig": rec.config})
    with open(path, "x", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, indent=2, default=str) + "\n")
    return path
