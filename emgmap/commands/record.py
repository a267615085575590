"""``emgmap record``: headless recording of a device to an HDF5 file."""
from __future__ import annotations

import logging
import sys

from .. import validate
from .lsloption import add_lsl_arguments, lsl_name

log = logging.getLogger(__name__)


def register(sub) -> None:
    p = sub.add_parser("record", help="record a device to an HDF5 file (no GUI)",
                       description="Stream from a device and record it to an emgmap HDF5 file "
                                   "(docs/recording-format.md). An existing file is never overwritten.")
    p.add_argument("--device", default="sim", help="device spec (default: sim)")
    p.add_argument("--duration", type=validate.seconds, required=True, metavar="S", help="seconds to record")
    p.add_argument("-o", "--output", required=True, metavar="FILE.h5", help="the recording to write")
    p.add_argument("--fast", action="store_true",
                   help="run the simulator (or a replay) unpaced, as fast as the machine allows")
    p.add_argument("--montage", help="montage TOML (default: the device's own)")
    p.add_argument("--subject", default="", help="subject pseudonym (never a name)")
    p.add_argument("--confirm-subject", action="store_true",
                   help="store a --subject that looks like a name or birth date as it is (it travels in exports)")
    p.add_argument("--notes", default="", help="free text stored with the recording")
    p.add_argument("--compress", action="store_true", help="gzip 1 + shuffle (float sEMG shrinks only ~1.2x)")
    add_lsl_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..app.recording import record
    from ..montage import Montage
    from ..outputs import check_output
    from ..privacy import check_subject
    from ..progress import bar
    from ..session import State
    from ..sinks.recorder import RecorderState
    check_output(args.output, what="-o/--output", rename=True)  # before the device opens
    check_subject(args.subject, confirmed=args.confirm_subject)
    montage = Montage.load(args.montage) if args.montage else None
    with bar("recording", "s") as progress:
        def show(fraction: float, rst) -> None:
            progress(round(fraction * args.duration, 1), args.duration)
            progress.note(f"{rst.file_bytes / 1e6:.1f} MB")

        r = record(args.device, args.duration, args.output, fast=args.fast, montage=montage, subject=args.subject,
                   notes=args.notes, compress=args.compress, progress=show if progress.on else None,
                   lsl_name=lsl_name(args))
    st, rec = r.status, r.recording
    if rec.message and rec.state != RecorderState.FAILED:   # e.g. it picked a new name rather than overwrite
        print(f"emgmap: {rec.message}", file=sys.stderr)
    print(f"recorded {rec.seconds:.1f} s ({rec.samples} samples, {r.fs:g} Hz, {r.n_channels} channels) "
          f"to {rec.path}, {rec.file_bytes / 1e6:.1f} MB")
    if st.dropped_samples:
        log.warning("the device lost %d samples in %d gaps (recorded as gap events)", st.dropped_samples, st.gaps)
    if rec.overruns:
        log.warning("%d samples were not recorded because the recorder fell behind", rec.overruns)
    if rec.state == RecorderState.FAILED:
        print(f"emgmap: {rec.message}", file=sys.stderr)
        return 2
    if st.state in (State.ERROR, State.LOST):
        print(f"emgmap: {st.message}", file=sys.stderr)
        return 1
    return 0
