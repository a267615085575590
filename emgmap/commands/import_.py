"""``emgmap import``: other tools' sEMG files -> an emgmap recording."""
from __future__ import annotations

from .. import validate


def register(sub) -> None:
    p = sub.add_parser("import", help="convert an OpenBCI GUI or delimited text file to an emgmap recording",
                       description="Convert an OpenBCI GUI 'OpenBCI-RAW' .txt file or a delimited text file "
                                   "(header lines skipped) to an emgmap HDF5 recording. Non-EMG columns go to "
                                   "/aux. Nothing is written when the input has a bad line.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", required=True, metavar="OUT.h5", help="recording to write (never overwritten)")
    p.add_argument("--fs", type=validate.arg(0, 1e6, lo_open=True), help="sampling rate in Hz (default: from the file's header)")
    p.add_argument("--unit", choices=("uV", "mV", "V", "counts"), help="unit of the EMG columns "
                   "(default: from the header; OpenBCI files are in uV)")
    p.add_argument("--scale", type=validate.arg(), help="multiply by this (for counts: µV per count)")
    p.add_argument("--offset", type=validate.arg(), help="zero level subtracted first (counts: default mid-scale "
                   "when the header gives the resolution)")
    p.add_argument("--columns", help="EMG columns: names or 1-based numbers and ranges, e.g. '2-5' or 'RF,BF' "
                   "(default: the voltage columns, or the EXG channels)")
    p.add_argument("--board", help="BrainFlow board of a BrainFlow CSV file, by name or id (default: guessed from "
                   "its columns and timestamps)")
    p.add_argument("--montage", help="montage TOML giving the muscles and sides of the EMG columns, in order "
                   "(docs/recording-format.md#montage-files; `emgmap montage template` writes one)")
    p.add_argument("--channel", action="append", default=[], metavar="NAME=muscle:side",
                   help="muscle and side of one EMG column (name or 1-based number); repeat per column")
    p.add_argument("--subject", default="", help="subject pseudonym (never a name)")
    p.add_argument("--confirm-subject", action="store_true",
                   help="store a --subject that looks like a name or birth date as it is (it travels in exports)")
    p.add_argument("--mains", type=validate.arg(0, 1000, lo_open=True), default=50.0,
                   help="power-line frequency, Hz (default 50)")
    p.add_argument("--stream", metavar="NAME", help="XDF: the EMG stream to import (default: the one of type EMG)")
    p.set_defaults(func=run)


def run(args) -> int:
    import logging

    from ..montage import Montage
    from ..outputs import check_output
    from ..privacy import check_subject
    from ..progress import bar
    from ..recordings.importers import import_file
    log = logging.getLogger(__name__)
    check_output(args.output, what="-o/--output", inputs=[args.file], rename=True)
    check_subject(args.subject, confirmed=args.confirm_subject)
    montage = Montage.load(args.montage) if args.montage else None
    if args.file.lower().endswith((".xdf", ".xdfz")):   # XDF (LabRecorder): recordings/xdf.py
        from ..recordings.xdf import import_xdf
        r = import_xdf(args.file, args.output, stream=args.stream, montage=montage, channels=args.channel,
                       subject_id=args.subject, power_line_hz=args.mains)
    else:
        with bar(f"reading {args.file}", "B", unit_scale=True) as progress:
            r = import_file(args.file, args.output, fs=args.fs, unit=args.unit, scale=args.scale,
                            offset=args.offset, columns=args.columns, montage=montage, channels=args.channel,
                            board=args.board, subject_id=args.subject, power_line_hz=args.mains, progress=progress)
    if r.renamed:
        log.warning("%s exists; wrote %s instead", args.output, r.path)
    if r.left_out:
        log.warning("%s", r.left_out)
    if r.nonfinite:
        log.warning("%d EMG values in %s are not finite numbers (NaN, inf, or beyond ±3.4e38) and are stored as "
                    "NaN/inf; analyses skip them, check the source file", r.nonfinite, args.file)
    seconds = r.duration_s or r.n_samples / r.fs
    print(f"imported {r.n_samples} samples ({seconds:.3f} s at {r.fs:g} Hz) of "
          f"{', '.join(r.channels)} from {args.file} ({r.kind}) to {r.path}"
          + (f"; aux: {', '.join(r.aux)}" if r.aux else "")
          + (f"; {r.gaps} gaps, {r.missing} samples lost" if r.gaps else "; no gaps"))
    for note in r.notes:
        print(f"note: {note}")
    if r.unassigned:
        print(f"note: {len(r.unassigned)} channels unassigned ({', '.join(r.unassigned)}); give them muscles with "
              f"`emgmap montage assign {r.path} --channel 'NAME=muscle:side'` or `--montage m.toml` "
              "(`emgmap montage template` writes one)")
    return 0

