"""``emgmap export --to bids``: a recording as a BIDS-EMG dataset (BIDS 1.11,
"Electromyography", BEP 042) written through mne-bids.

What mne-bids (0.20, EMG datatype supported natively) writes, unchanged: the folder
layout and file names ``sub-<label>/[ses-<label>/]emg/sub-<label>[_ses-<label>]_task-<label>_emg.bdf``,
the BDF copy, ``scans.tsv`` (acq_time), ``participants.tsv/json``, ``README``, and
``events.tsv``/``events.json`` from the annotations we hand it (our structured event
fields travel as annotation extras and become columns, described in events.json).

What emgmap then writes over mne-bids' versions (mne-bids cannot know them):
``*_emg.json`` (TaskName as a sentence, EMGPlacementScheme "Other" with SENIAM named in
EMGPlacementSchemeDescription (mne-bids leaves a "TODO" there), Manufacturer "n/a"
(mne-bids guesses "Biosemi" from the .bdf extension), SoftwareFilters/HardwareFilters,
RecordingDuration, SubjectArtefactDescription for gaps), ``*_channels.tsv`` (every
column BIDS-EMG defines: target_muscle, placement_scheme, placement_description, ...)
and ``dataset_description.json`` (name, GeneratedBy emgmap) when this export created it.

Labels: subject = the recording's pseudonym (letters and digits only), session = the
recording date (YYYYMMDD), task = the guided protocol's name, else the exercises of
its sets, else ``free``. The BDF inside the dataset labels its channels with their
plain names: in BIDS the channel type lives in channels.tsv (type EMG), and the names
there must be the names in the data file.
"""
from __future__ import annotations

import csv
import json
import tempfile
import warnings
from pathlib import Path

from .. import __version__
from .export import bdf_annotations, write_bdf
from .format import RecordingError
from .reader import Recording
from .sidecars import CHANNEL_COLUMNS, EVENT_COLUMNS, annotation_text, bids_label, channel_rows, emg_json, \
    event_fields, raw_band, recording_date, structured_events, task_name

BIDS_VERSION = "1.11.1"   # EMG (BEP 042) is in BIDS from 1.11


def bids_path_for(rec: Recording, root: Path, subject: str | None = None, session: str | None = None,
                  task: str | None = None):
    """The mne_bids.BIDSPath of ``rec``'s EMG file under ``root``."""
    from mne_bids import BIDSPath
    sub = bids_label(subject if subject is not None else str(rec.attrs.get("subject_id", "")))
    if not sub:
        raise RecordingError(f"{rec.path} has no subject pseudonym; give --subject LABEL (letters and digits)")
    if session is None:
        date = recording_date(rec)
        session = date.strftime("%Y%m%d") if date else ""
    ses = bids_label(session) or None
    tlabel = bids_label(task if task is not None else task_name(rec))
    if not tlabel:
        raise RecordingError(f"task {task!r} has no letters or digits; give --task LABEL")
    return BIDSPath(subject=sub, session=ses, task=tlabel, datatype="emg", suffix="emg", extension=".bdf",
                    root=root)


def _annotations(rec: Recording, raw):
    """The events as MNE annotations, their structured fields as extras (-> events.tsv columns)."""
    import mne
    events = [e for e in structured_events(rec) if e.kind.value != "gap"]
    t0 = float(rec.timestamps(0, 1)[0])
    rows = [(max(0.0, e.onset_s - t0), e.duration_s, annotation_text(e), event_fields(e)) for e in events]
    gaps = [(on, du, text, {"kind": "gap", **{k: "n/a" for k in EVENT_COLUMNS if k != "kind"}, "label": text})
            for on, du, text in bdf_annotations(rec) if text.startswith("gap: ")]
    rows = sorted(rows + gaps, key=lambda r: r[0])
    return mne.Annotations([r[0] for r in rows], [max(0.0, r[1]) for r in rows], [r[2] for r in rows],
                           orig_time=raw.annotations.orig_time, extras=[r[3] for r in rows])


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def export_bids(rec: Recording, root: Path, *, subject: str | None = None, session: str | None = None,
                task: str | None = None) -> list[Path]:
    """Write ``rec`` into the BIDS dataset at ``root`` (created if missing; other subjects
    and sessions already there are kept). Returns the files this export created or changed."""
    import mne
    import mne_bids
    bp = bids_path_for(rec, root, subject, session, task)
    if bp.fpath.exists():
        raise RecordingError(f"{bp.fpath} exists; give another --output folder, --session or --task "
                             "(exports never overwrite)")
    before = _files(root)
    had_description = (root / "dataset_description.json").exists()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            src = write_bdf(rec, Path(tmp) / "emgmap.bdf", "raw", emg_prefix=False)
            raw = mne.io.read_raw_bdf(src, preload=False, verbose="error")
            raw.set_channel_types(dict.fromkeys(raw.ch_names, "emg"), verbose="error")
            power = rec.attrs.get("power_line_hz")
            raw.info["line_freq"] = float(power) if power else None
            raw.set_annotations(_annotations(rec, raw))
            with warnings.catch_warnings():
                # "no electrode location info": emgmap has none (sites are described in channels.tsv)
                warnings.simplefilter("ignore", RuntimeWarning)
                # our dataset_description says BIDS 1.11 (EMG); mne-bids 0.20 knows 1.9 and says so
                warnings.filterwarnings("ignore", "Conflicting BIDSVersion", UserWarning)
                mne_bids.write_raw_bids(raw, bp, emg_placement="Other", extra_columns_descriptions=EVENT_COLUMNS,
                                        overwrite=False, verbose="error")
        _write_sidecars(rec, bp)
        if not had_description:
            mne_bids.make_dataset_description(
                path=root, name="emgmap surface-EMG recordings", dataset_type="raw", overwrite=True,
                generated_by=[{"Name": "emgmap", "Version": __version__,
                               "Description": "emgmap export --to bids"}], verbose="error")
            # mne-bids 0.20 writes BIDSVersion 1.9.0; EMG entered the specification in 1.11
            desc = root / "dataset_description.json"
            doc = json.loads(desc.read_text(encoding="utf-8"))
            doc["BIDSVersion"] = BIDS_VERSION
            desc.write_text(json.dumps(doc, indent=4, ensure_ascii=False) + "\n", encoding="utf-8")
    except BaseException as e:
        for p in _files(root) - before:     # what this export created; files it appended to stay
            p.unlink(missing_ok=True)
        if isinstance(e, (RecordingError, KeyboardInterrupt)):
            raise
        raise RecordingError(f"could not write the BIDS dataset in {root} ({e}); nothing of this export was kept") \
            from None
    after = _files(root)
    return sorted((after - before) | ({root / "participants.tsv"} & after))


def _write_sidecars(rec: Recording, bp) -> None:
    band = raw_band(rec)
    doc = emg_json(rec, band)
    side = bp.copy().update(suffix="emg", extension=".json")
    current = json.loads(Path(side.fpath).read_text(encoding="utf-8"))
    current.update(doc)
    current["TaskName"] = doc["TaskName"] if bp.task == bids_label(doc["TaskName"]) else bp.task
    current["TriggerChannelCount"] = 0
    for other in ("EEGChannelCount", "EOGChannelCount", "ECGChannelCount"):   # mne-bids' EEG-style counts
        current.pop(other, None)
    Path(side.fpath).write_text(json.dumps(current, indent=4, ensure_ascii=False) + "\n", encoding="utf-8")
    channels = Path(bp.copy().update(suffix="channels", extension=".tsv").fpath)
    names = _read_tsv(channels)["name"]
    rows = channel_rows(rec, band)
    for row, name in zip(rows, names):   # the names in the data file (BDF labels are at most 16 characters)
        row["name"] = name
    with open(channels, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, CHANNEL_COLUMNS, delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _read_tsv(path: Path) -> dict[str, list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return {k: [r[k] for r in rows] for k in (rows[0] if rows else {})}

