"""``emgmap repair``: a clean copy of a recording whose recorder was interrupted."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("repair", help="write a clean, finalised copy of an interrupted recording",
                       description="A recording whose recorder was killed opens in emgmap (and in h5py with "
                                   "swmr=True) but not in tools that open it plainly. This writes a finalised "
                                   "copy holding everything up to the last flush; the original is not touched.")
    p.add_argument("file", metavar="FILE.h5")
    p.add_argument("-o", "--output", metavar="OUT.h5", help="default: FILE-repaired.h5 (never overwritten)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..progress import bar
    from ..recordings.repair import repair
    with bar(f"repairing {args.file}", "B", unit_scale=True) as progress:
        out, n, seconds = repair(args.file, args.output, progress=progress)
    print(f"wrote {out}: {n} samples ({seconds:.3f} s), finalised")
    return 0
