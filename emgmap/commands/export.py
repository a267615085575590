"""``emgmap export``: a recording -> CSV, BDF+, a BIDS-EMG dataset or NWB (docs/recording-format.md)."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("export", help="export a recording to CSV, BDF+, BIDS-EMG or NWB",
                       description="Export a recording for other tools. csv: raw, filtered, envelope and events "
                                   "CSV files; bdf: BDF+ with annotations (pip install 'emgmap[bdf]'); bids: a "
                                   "BIDS-EMG dataset through mne-bids (pip install 'emgmap[bids]'); nwb: an NWB "
                                   "file through pynwb (pip install 'emgmap[nwb]'). An export never replaces an existing file "
                                   "unless --force, never the recording, and appears complete or not at all "
                                   "(docs/outputs.md).")
    p.add_argument("file", metavar="FILE.h5")
    p.add_argument("--to", required=True, choices=("csv", "bdf", "bids", "nwb"))
    p.add_argument("-o", "--output", metavar="PATH", help="csv, bdf: output prefix (default: FILE without .h5); "
                   "nwb: the .nwb file (default FILE.nwb); bids: the dataset folder (default FILE_bids)")
    p.add_argument("--signal", choices=("raw", "filtered"), default="raw",
                   help="bdf: the raw samples (default) or the signal through the recording's own filters")
    p.add_argument("--subject", help="bids: subject label (default: the recording's pseudonym)")
    p.add_argument("--session", help="bids: session label (default: the recording date, YYYYMMDD)")
    p.add_argument("--task", help="bids: task label (default: the protocol, else the exercises, else 'free')")
    p.add_argument("--force", action="store_true", help="replace existing export files (never the recording)")
    p.add_argument("--confirm-subject", action="store_true",
                   help="export a subject field that looks like a name or birth date as it is")
    p.set_defaults(func=run)


def run(args) -> int:
    import logging

    from ..privacy import personal_data
    from ..progress import bar
    from ..recordings import open_recording
    from ..recordings.export import export
    from ..types import ConfigError
    with open_recording(args.file) as rec:  # the real-name guard (docs/outputs.md)
        subject = str(rec.attrs.get("subject_id", ""))
    what = personal_data(subject)
    if what and not args.confirm_subject:
        raise ConfigError(f"the subject of {args.file} ({subject!r}) looks like {what}, which would land in the "
                          "export's patient fields; add --confirm-subject to export it as it is")
    if what:
        logging.getLogger(__name__).warning("the subject %r looks like %s and is exported as it is "
                                            "(--confirm-subject)", subject, what)
    with bar(f"exporting {args.file} to {args.to.upper()}") as progress:   # export checks every output first
        written = export(args.file, args.to, args.output, signal=args.signal, subject=args.subject,
                         session=args.session, task=args.task, force=args.force, progress=progress)
    for path in written:
        print(f"wrote {path}")
    return 0
