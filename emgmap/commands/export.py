"""``emgmap export``: a recording -> CSV files or BDF+, with BIDS-style sidecars."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("export", help="export a recording to CSV or BDF+ (with BIDS-style channels.tsv, emg.json)")
    p.add_argument("file", metavar="FILE.h5")
    p.add_argument("--to", required=True, choices=("csv", "bdf"), help="csv: raw, filtered, envelope, events; "
                   "bdf: BDF+ with annotations (needs pyedflib: pip install 'emgmap[bdf]')")
    p.add_argument("-o", "--output", metavar="PREFIX", help="output prefix (default: FILE without .h5)")
    p.add_argument("--force", action="store_true", help="replace existing output files (never the recording)")
    p.add_argument("--confirm-subject", action="store_true",
                   help="export a subject field that looks like a name or birth date as it is")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..recordings.export import export
    for path in export(args.file, args.to, args.output, force=args.force, confirm_subject=args.confirm_subject):
        print(f"wrote {path}")
    return 0
