"""Export recordings for other tools (``emgmap export``).

- ``csv``: ``<prefix>_raw.csv`` (time_s, sample_index, one µV column per channel,
  then the /aux columns), ``<prefix>_filtered.csv`` (the raw signal through the
  recording's own pipeline settings, when the DSP pipeline is available),
  ``<prefix>_envelope.csv`` (the 100 Hz /envelope) and ``<prefix>_events.csv``.
- ``bdf``: BDF+ (24-bit, continuous) through pyedflib with the events as
  annotations. BDF+C has no way to leave samples out, so samples lost in a gap
  are written as 0 µV and annotated ``gap: N samples missing (zero-filled)``:
  time in the BDF file is sample_index / fs, as in the recording.

Both write BIDS-style ``<prefix>_channels.tsv`` and ``<prefix>_emg.json`` beside
the data (BIDS EMG, BEP 042). Every output is checked before anything is
written, written under a temporary name and renamed only when all of them are
complete (docs/outputs.md): an export is complete or absent, owner-only, and
never replaces a file unless ``force`` (never the recording itself).
"""
from __future__ import annotations

import csv
import datetime as _dt
import json
import logging
import os
from pathlib import Path

import numpy as np

from ..montage import MUSCLES
from ..outputs import OutputError, check_output, check_space, partial_path, publish
from ..privacy import personal_data
from ..progress import progress
from .format import RecordingError
from .reader import Recording

FORMATS = ("csv", "bdf")
BDF_DIGITAL = (-(2 ** 23), 2 ** 23 - 1)


def export_targets(base: Path, to: str) -> dict[str, Path]:
    """The files an export to ``to`` writes for the prefix ``base``."""
    data = ({k: Path(f"{base}_{k}.csv") for k in ("raw", "filtered", "envelope", "events")} if to == "csv"
            else {"bdf": Path(f"{base}.bdf")})
    return {**data, "channels": Path(f"{base}_channels.tsv"), "json": Path(f"{base}_emg.json")}


def export(path: str | os.PathLike, to: str, prefix: str | os.PathLike | None = None, *,
           force: bool = False, confirm_subject: bool = False) -> list[Path]:
    """Export ``path`` as ``to`` (csv or bdf); returns the files written. Nothing is written
    unless every output can be (a path problem is found before any work). A subject that looks
    like a name or birth date (emgmap.privacy) is exported only with ``confirm_subject``, and
    then with a logged warning."""
    if to not in FORMATS:
        raise RecordingError(f"unknown export format {to!r}; valid: {', '.join(FORMATS)}")
    src = Path(path)
    if prefix is not None and not str(prefix).strip():
        raise OutputError("--output is empty; give a prefix such as out/session1")
    base = Path(prefix) if prefix else src.with_suffix("")
    targets = export_targets(base, to)
    for p in targets.values():
        check_output(p, what="--output", inputs=[src], force=force)
    with Recording(src) as rec:
        subject = str(rec.attrs.get("subject_id", ""))
        what = personal_data(subject)
        if what and not confirm_subject:
            raise RecordingError(f"the subject of {src} ({subject!r}) looks like {what}, which would land in the "
                                 "export's patient fields; add --confirm-subject to export it as it is")
        if what:
            logging.getLogger(__name__).warning("the subject %r looks like %s and is exported as it is "
                                                "(--confirm-subject)", subject, what)
        if to == "bdf":
            try:
                import pyedflib  # noqa: F401  (optional extra)
            except ImportError:
                raise RecordingError("BDF export needs pyedflib; install it with pip install 'emgmap[bdf]'") from None
        # text CSV takes ~12 bytes a value, BDF 3
        per_value = 3 * 12 if to == "csv" else 3
        check_space(base.expanduser().absolute().parent, rec.n_samples * (rec.n_channels + 2) * per_value)
        tmp = {k: partial_path(p) for k, p in targets.items()}
        try:
            try:
                written = export_csv(rec, tmp) if to == "csv" else [export_bdf(rec, tmp["bdf"])]
                written += [write_channels_tsv(rec, tmp["channels"]), write_emg_json(rec, tmp["json"])]
            except OSError as e:
                raise RecordingError(f"could not export {src} to {base} ({os.strerror(e.errno or 5)}); nothing "
                                     "was kept, free some space or choose another folder") from None
            out = []
            for k, t in tmp.items():  # all complete: only now do they get their names
                if t in written:
                    try:
                        out.append(publish(t, targets[k], force=force))
                    except FileExistsError:
                        raise OutputError(f"{targets[k]} appeared during the export; choose another "
                                          "--output prefix") from None
            return out
        finally:
            for t in tmp.values():
                t.unlink(missing_ok=True)


# --- CSV ------------------------------------------------------------------------------------------------
def _write_csv(path: Path, header: list[str], columns: list[np.ndarray], fmts: list[str]) -> Path:
    n = len(columns[0]) if columns else 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        fh.write(",".join(header) + "\n")
        if n:
            block = 100_000
            for a in progress(range(0, n, block), desc="export", unit="block"):
                parts = np.column_stack([c[a:a + block].astype(float) for c in columns])
                np.savetxt(fh, parts, fmt=fmts, delimiter=",")
    return path


def filtered(rec: Recording) -> np.ndarray | None:
    """The raw signal through the pipeline settings stored in /config, or None without a DSP."""
    try:
        from ..dsp import Pipeline, PipelineConfig
    except ImportError:
        return None
    cfg = rec.config.get("pipeline", {})
    p = Pipeline(fs=rec.fs, n_channels=rec.n_channels, config=PipelineConfig(**cfg))
    return p.process(rec.data().astype(np.float64)).filtered


def export_csv(rec: Recording, paths: dict[str, Path]) -> list[Path]:
    """Write the CSV files to ``paths`` (keys raw, filtered, envelope, events); returns those written."""
    names = rec.channel_names
    t, idx, x = rec.timestamps(), rec.sample_index(), rec.data()
    aux = rec.aux()
    out = [_write_csv(paths["raw"], ["time_s", "sample_index", *[f"{n}_uV" for n in names],
                                     *[f"{n}_{u}" if u else n for n, u in zip(rec.aux_names, rec.aux_units)]],
                      [t, idx, *x.T, *aux.T], ["%.6f", "%d"] + ["%.3f"] * len(names) + ["%.15g"] * aux.shape[1])]
    y = filtered(rec)
    if y is not None:
        out.append(_write_csv(paths["filtered"], ["time_s", "sample_index", *[f"{n}_uV" for n in names]],
                              [t, idx, *y.T], ["%.6f", "%d"] + ["%.4f"] * len(names)))
    env, env_t = rec.envelope()
    if env.shape[0]:
        out.append(_write_csv(paths["envelope"], ["time_s", *[f"{n}_uV" for n in names]], [env_t, *env.T],
                              ["%.6f"] + ["%.4f"] * len(names)))
    with open(paths["events"], "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["onset_s", "duration_s", "kind", "label", "channel"])
        for e in rec.events:
            w.writerow([f"{e.onset_s:.6f}", f"{e.duration_s:.6f}", e.kind, e.label, e.channel])
    out.append(paths["events"])
    return out


# --- BDF+ -------------------------------------------------------------------------------------------------
def _on_index_grid(rec: Recording) -> tuple[np.ndarray, np.ndarray]:
    """(samples on a gap-free grid from the first sample index, zero-filled where lost; filled mask)."""
    idx = rec.sample_index()
    x = rec.data().astype(np.float64)
    n = int(idx[-1] - idx[0] + 1) if idx.size else 0
    grid = np.zeros((n, x.shape[1]))
    grid[idx - idx[0]] = x
    filled = np.ones(n, dtype=bool)
    filled[idx - idx[0]] = False
    return grid, filled


def export_bdf(rec: Recording, path: Path) -> Path:
    import pyedflib
    if rec.n_samples == 0:
        raise RecordingError(f"{rec.path} holds no samples; there is nothing to export")
    fs = rec.fs
    if abs(fs - round(fs)) > 1e-9:
        raise RecordingError(f"BDF needs a whole number of samples per second; {rec.path} runs at {fs:g} Hz")
    grid, _ = _on_index_grid(rec)
    t0 = float(rec.timestamps(0, 1)[0])
    headers = []
    for i, ch in enumerate(rec.montage.channels):
        peak = float(np.ceil(max(1.0, np.abs(grid[:, i]).max())))
        headers.append({"label": ch.name[:16], "dimension": "uV", "sample_frequency": int(round(fs)),
                        "physical_min": -peak, "physical_max": peak,
                        "digital_min": BDF_DIGITAL[0], "digital_max": BDF_DIGITAL[1],
                        "transducer": f"sEMG {ch.muscle} {ch.side.value}"[:80],
                        "prefilter": f"HP:{rec.low_cutoff_hz[i]:g}Hz LP:{rec.high_cutoff_hz[i]:g}Hz"[:80]})
    # events on the BDF time line, (sample_index - first) / fs; gap events are replaced by one
    # annotation per hole in the sample index, which is what the zero-filled samples are
    idx = rec.sample_index()
    annotations = [(max(0.0, e.onset_s - t0), e.duration_s if e.duration_s > 0 else -1,
                    f"{e.kind}: {e.label}" + (f" [{e.channel}]" if e.channel else ""))
                   for e in rec.events if e.kind != "gap"]
    for j in np.flatnonzero(np.diff(idx) != 1):
        missing = int(idx[j + 1] - idx[j] - 1)
        annotations.append((float(idx[j] + 1 - idx[0]) / fs, missing / fs,
                            f"gap: {missing} samples missing (zero-filled)"))
    annotations.sort()
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


# --- BIDS-style sidecars ----------------------------------------------------------------------------------
def write_channels_tsv(rec: Recording, path: Path) -> Path:
    fs = rec.fs
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["name", "type", "units", "description", "sampling_frequency", "low_cutoff", "high_cutoff",
                    "target_muscle", "placement_description", "status"])
        for i, ch in enumerate(rec.montage.channels):
            w.writerow([ch.name, "EMG", "uV", f"{MUSCLES[ch.muscle].name}, {ch.side.value}", f"{fs:g}",
                        f"{rec.low_cutoff_hz[i]:g}", f"{rec.high_cutoff_hz[i]:g}",
                        f"{ch.side.value} {MUSCLES[ch.muscle].name}", ch.placement or "n/a", "good"])
        for name, unit in zip(rec.aux_names, rec.aux_units):
            w.writerow([name, "MISC", unit or "n/a", "auxiliary column of the source file", f"{fs:g}",
                        "n/a", "n/a", "n/a", "n/a", "good"])
    return path


def write_emg_json(rec: Recording, path: Path) -> Path:
    a = rec.attrs
    gaps = rec.gaps()
    doc = {
        "SamplingFrequency": rec.fs,
        "PowerLineFrequency": a.get("power_line_hz", "n/a"),
        "EMGChannelCount": rec.n_channels,
        "MiscChannelCount": len(rec.aux_names),
        "RecordingDuration": rec.duration_s,
        "RecordingType": "discontinuous" if gaps else "continuous",
        "EMGPlacementScheme": a.get("placement_scheme", "n/a"),
        "EMGReference": "n/a",
        "ManufacturersModelName": a.get("device_model", "n/a"),
        "SoftwareVersions": f"emgmap {a.get('software_version', '?')}",
        "SoftwareFilters": "n/a",
        "SubjectPseudonym": a.get("subject_id", ""),
        "MissingSamples": int(sum(g.missing for g in gaps)),
        "SourceDevice": rec.device,
        "EmgmapConfig": rec.config,
    }
    path.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
    return path
