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
formats never collide. Outputs go through :mod:`emgmap.outputs` (docs/outputs.md):
checked before any work, never the recording, never over an existing file unless
``force``, written under temporary names and renamed when all are complete (a
failed export leaves none of its files behind), owner-only.
"""
from __future__ import annotations

import csv
import datetime as _dt
import importlib
import json
import os
from pathlib import Path

import numpy as np

from ..outputs import atomic_outputs, check_output, check_space
from ..progress import Progress
from .format import RecordingError
from .reader import Recording
from .writer import _reason
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


def targets(rec: Recording, to: str, output: str | os.PathLike | None) -> list[Path]:
    """The files an export of ``rec`` as ``to`` (csv, bdf, nwb) writes, data first."""
    src = rec.path
    if to == "nwb":
        target = Path(output) if output else src.with_suffix(".nwb")
        return [target if target.suffix == ".nwb" else target.with_name(target.name + ".nwb")]
    base = Path(output) if output else src.with_suffix("")
    if to == "csv":
        kinds = ["raw", "filtered"] + (["envelope"] if rec.envelope()[0].shape[0] else []) + ["events"]
        data = [Path(f"{base}_{k}.csv") for k in kinds]
    else:
        data = [Path(f"{base}.bdf")]
    return data + [Path(f"{base}_{to}_channels.tsv"), Path(f"{base}_{to}_emg.json")]


def size_estimate(rec: Recording, to: str) -> int:
    """About how many bytes an export of ``rec`` as ``to`` takes (for the free-space check):
    CSV about 10 characters per value, raw and filtered; BDF 3 bytes per sample on the
    gap-free grid; NWB float32 samples and float64 timestamps; BIDS a BDF copy."""
    n, c = rec.n_samples, rec.n_channels + len(rec.aux_names)
    if to == "csv":
        return n * (2 * 10 * c + 40)
    if to == "nwb":
        return n * (4 * c + 8)
    idx = rec.sample_index(0, 1), rec.sample_index(n - 1, n)
    return int(idx[1][0] - idx[0][0] + 1) * 3 * rec.n_channels


def export(path: str | os.PathLike, to: str, output: str | os.PathLike | None = None, *, signal: str = "raw",
           subject: str | None = None, session: str | None = None, task: str | None = None, force: bool = False,
           progress: Progress | None = None) -> list[Path]:
    """Export ``path`` as ``to``; returns the files written.

    ``output``: the prefix (csv, bdf; default FILE without .h5), the file (nwb; default
    FILE.nwb) or the BIDS root folder (bids; default FILE_bids). ``signal`` (bdf):
    ``raw`` or ``filtered``. ``subject``, ``session``, ``task`` (bids) override the
    labels taken from the recording. ``force``: replace existing files (never the
    recording). ``progress(done, total)`` is called as the work goes on.

    The guarantees of docs/outputs.md: every output is checked before any work (folder,
    existing file, the recording itself, free space); all files are written under
    temporary names, owner-only, and get their names only when all are complete.
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
    progress = progress or (lambda done, total: None)
    with Recording(src) as rec:
        if rec.n_samples == 0:
            raise RecordingError(f"{src} holds no samples; there is nothing to export")
        if to == "bids":
            from .bids import export_bids
            return export_bids(rec, Path(output) if output else src.with_name(f"{src.stem}_bids"),
                               subject=subject, session=session, task=task, force=force, progress=progress)
        files = targets(rec, to, output)
        for f in files:   # all of them before any work: a bad sidecar name must not cost the export
            check_output(f, what="--output", inputs=[src], force=force)
        check_space(files[0].expanduser().absolute().parent, size_estimate(rec, to), "--output")
        with atomic_outputs(files, force=force) as tmps:
            try:
                if to == "csv":
                    export_csv(rec, dict(zip([f.stem.rsplit("_", 1)[1] for f in files[:-2]], tmps)), progress)
                elif to == "bdf":
                    write_bdf(rec, tmps[0], signal, progress=progress)
                else:
                    from .nwb import export_nwb
                    export_nwb(rec, tmps[0], progress=progress)
                band = band_for(rec, signal)
                if to != "nwb":
                    write_channels_tsv(rec, tmps[-2], band)
                    write_emg_json(rec, tmps[-1], band)
            except OSError as e:
                raise RecordingError(f"could not write the {to.upper()} export {files[0]} ({_reason(e)}); "
                                     "nothing was kept, free some space or choose another folder") from None
        return files


# --- CSV ------------------------------------------------------------------------------------------------
CSV_BLOCK = 100_000   # rows formatted at a time


def _write_csv(path: Path, header: list[str], columns: list[np.ndarray], fmts: list[str],
               progress: Progress, done: int = 0, total: int = 0) -> Path:
    """Write the CSV table to ``path`` (an empty temporary file); ``progress(done + rows, total)``."""
    n = len(columns[0]) if columns else 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        fh.write(",".join(header) + "\n")
        for a in range(0, n, CSV_BLOCK):
            parts = np.column_stack([c[a:a + CSV_BLOCK].astype(float) for c in columns])
            np.savetxt(fh, parts, fmt=fmts, delimiter=",")
            progress(done + min(n, a + CSV_BLOCK), total)
    return path


def filtered(rec: Recording) -> np.ndarray:
    """The raw signal through the pipeline settings stored in /config (the defaults of
    docs/dsp.md for imports), as the live session filtered it: received samples in order."""
    from ..dsp import Pipeline, PipelineConfig
    cfg = rec.config.get("pipeline", {})
    p = Pipeline(fs=rec.fs, n_channels=rec.n_channels, config=PipelineConfig(**cfg))
    return p.process(rec.data().astype(np.float64)).filtered


def export_csv(rec: Recording, paths: dict[str, Path], progress: Progress) -> None:
    """The raw, filtered, envelope (when recorded) and events tables into ``paths``
    (role -> file); ``progress`` counts rows of the raw and filtered tables."""
    names = rec.channel_names
    t, idx, x = rec.timestamps(), rec.sample_index(), rec.data()
    aux = rec.aux()
    n = len(t)
    _write_csv(paths["raw"], ["time_s", "sample_index", *[f"{n}_uV" for n in names],
                              *[f"{n}_{u}" if u else n for n, u in zip(rec.aux_names, rec.aux_units)]],
               [t, idx, *x.T, *aux.T], ["%.6f", "%d"] + ["%.3f"] * len(names) + ["%.15g"] * aux.shape[1],
               progress, 0, 2 * n)
    y = filtered(rec)
    _write_csv(paths["filtered"], ["time_s", "sample_index", *[f"{n}_uV" for n in names]],
               [t, idx, *y.T], ["%.6f", "%d"] + ["%.4f"] * len(names), progress, n, 2 * n)
    env, env_t = rec.envelope()
    if "envelope" in paths:
        _write_csv(paths["envelope"], ["time_s", *[f"{n}_uV" for n in names]], [env_t, *env.T],
                   ["%.6f"] + ["%.4f"] * len(names), lambda done, total: None)
    with open(paths["events"], "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["onset_s", "duration_s", "kind", "label", "channel"])
        for e in rec.events:
            w.writerow([f"{e.onset_s:.6f}", f"{e.duration_s:.6f}", e.kind, e.label, e.channel])


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


def write_bdf(rec: Recording, path: Path, signal: str = "raw", *, emg_prefix: bool = True,
              progress: Progress | None = None) -> Path:
    """Write ``rec`` as BDF+ to ``path`` (a new temporary file, replaced): the raw or the
    filtered signal, with its true band in each channel's prefilter field; labels ``EMG <name>``
    (``emg_prefix``) or the plain names (in a BIDS dataset, channels.tsv gives the type).
    ``progress(channels written, channels)``. A failed write (a full disk) is an OSError.
    The file is read back (its header against its size) before it counts as written."""
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
        if progress is not None:
            progress(rec.n_channels, rec.n_channels)
        for onset, duration, text in annotations:
            w.writeAnnotation(onset, duration, text)
    finally:
        w.close()
    # edflib checks that the file holds as many data records as its header says: an OSError
    # when the last buffered write failed (pyedflib does not report it)
    pyedflib.EdfReader(str(path)).close()
    return path


def _edf_text(v) -> str:
    """EDF header fields are ASCII with no spaces (EDF+ spec, 2.1.3.3): spaces become '_'."""
    return str(v).encode("ascii", "replace").decode("ascii").replace(" ", "_")


# --- sidecars beside CSV and BDF ---------------------------------------------------------------------------
def write_channels_tsv(rec: Recording, path: Path, band: Band) -> Path:
    """BIDS-EMG ``channels.tsv`` columns for the EMG channels (in ``band``), then the
    /aux columns as MISC."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
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
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, indent=2, default=str) + "\n")
    return path
