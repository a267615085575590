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
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from .. import __version__
from ..outputs import OWNER_ONLY, OutputError, check_space, probe, publish, staging_folder
from ..progress import Progress
from ..types import EmgmapError
from .export import bdf_annotations, size_estimate, write_bdf
from .format import RecordingError
from .reader import Recording
from .writer import _reason
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


def _check_root(root: Path, bp, rec: Recording, force: bool) -> None:
    """Everything that would make the export fail, before any work (docs/outputs.md)."""
    if root.exists() and not root.is_dir():
        raise OutputError(f"--output {root} is a file; a BIDS dataset is a folder, give a folder name")
    folder = root if root.is_dir() else root.parent
    if not folder.is_dir():
        raise OutputError(f"folder {folder} does not exist; create it or give --output in another folder")
    if Path(bp.fpath).exists() and not force:
        raise RecordingError(f"{bp.fpath} exists; give another --output folder, --session or --task, or add "
                             "--force to replace it")
    probe(folder)
    check_space(folder, size_estimate(rec, "bids"))


def _shared_files(root: Path, subject: str) -> list[Path]:
    """The files of an existing dataset that mne-bids updates in place: the top-level ones
    (participants.tsv/json, README, dataset_description.json) and the subject's scans.tsv."""
    if not root.is_dir():
        return []
    files = [p for p in root.iterdir() if p.is_file()]
    subject_dir = root / f"sub-{subject}"
    return files + (sorted(subject_dir.rglob("*_scans.tsv")) if subject_dir.is_dir() else [])


def export_bids(rec: Recording, root: Path, *, subject: str | None = None, session: str | None = None,
                task: str | None = None, force: bool = False, progress: Progress | None = None) -> list[Path]:
    """Write ``rec`` into the BIDS dataset at ``root`` (created if missing; other subjects
    and sessions already there are kept). Returns the files this export created or changed.

    mne-bids writes into a hidden staging copy of the dataset's shared files inside
    ``root``; only when everything is written do the new files get their names and the
    updated shared files (participants.tsv, scans.tsv) replace the old ones, so a failed
    export leaves the dataset as it was (no participants row for a subject with no data).
    ``force`` replaces this recording's files (same subject, session and task).
    """
    import mne_bids
    progress = progress or (lambda done, total: None)
    root = Path(root).expanduser()
    bp = bids_path_for(rec, root, subject, session, task)
    _check_root(root, bp, rec, force)
    with staging_folder(root, ".emgmap-partial-") as stage:
        return _export_staged(rec, root, stage, bp, force, progress)


def _export_staged(rec: Recording, root: Path, stage: Path, bp, force: bool, progress: Progress) -> list[Path]:
    try:
        shared = {}
        for p in _shared_files(root, bp.subject):
            copy = stage / p.relative_to(root)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, copy)
            shared[copy] = p
        _write(rec, bp.copy().update(root=stage), force, progress)
        written = _publish(stage, root, shared, force)
        progress(4, 4)
        return written
    except Exception as e:
        if isinstance(e, EmgmapError):
            raise
        raise RecordingError(f"could not write the BIDS dataset in {root} ({_reason(e)}); nothing of this export "
                             "was kept") from None


def _write(rec: Recording, bp, force: bool, progress: Progress) -> None:
    """Write ``rec`` as ``bp`` (in the staging root) through mne-bids, then emgmap's sidecars.
    ``force``: replace this recording's row in the copied scans.tsv."""
    import mne
    import mne_bids
    root = Path(bp.root)
    had_description = (root / "dataset_description.json").exists()
    with tempfile.TemporaryDirectory(dir=root) as tmp:
        src = write_bdf(rec, Path(tmp) / "emgmap.bdf", "raw", emg_prefix=False)
        progress(1, 4)
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
                                    overwrite=force, verbose="error")
        progress(2, 4)
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
    progress(3, 4)


def _publish(stage: Path, root: Path, shared: dict[Path, Path], force: bool) -> list[Path]:
    """Move the staged dataset into ``root``: new files first (owner-only, never over an
    existing file unless ``force``; a failure takes back the ones already moved), then the
    updated shared files replace theirs. Returns the files created or changed."""
    new = sorted(p for p in stage.rglob("*") if p.is_file() and p not in shared)
    moved: list[Path] = []
    made: list[Path] = []
    try:
        for p in new:
            dest = root / p.relative_to(stage)
            for d in reversed(dest.relative_to(root).parents[:-1]):
                if not (root / d).exists():
                    (root / d).mkdir(mode=0o700)
                    made.append(root / d)
            p.chmod(OWNER_ONLY)
            moved.append(publish(p, dest, force=force))
    except BaseException as e:
        for q in moved:
            q.unlink(missing_ok=True)
        for d in reversed(made):
            d.rmdir()
        if isinstance(e, FileExistsError):
            raise OutputError(f"{e.filename} exists; give another --output folder, --session or --task, or add "
                              "--force to replace it") from None
        raise
    changed = [dest for copy, dest in shared.items() if copy.read_bytes() != dest.read_bytes()]
    for copy, dest in shared.items():
        if dest in changed:
            os.replace(copy, dest)
    return sorted(moved + changed)


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

