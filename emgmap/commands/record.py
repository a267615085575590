"""``emgmap record``: headless recording of a device to an HDF5 file."""
from __future__ import annotations

import logging
import sys
from urllib.parse import parse_qsl

from .. import validate
from ..drivers import open_driver
from ..montage import Montage
from ..session import Session, State
from .lsloption import add_lsl_arguments, lsl_publisher
from ..types import DeviceSpecError

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


def fast_spec(spec: str) -> str:
    """``spec`` with ``fast=1`` added (the simulator and the replay driver understand it)."""
    kind = spec.partition(":")[0].lower()
    if kind not in ("sim", "replay"):
        raise DeviceSpecError(f"--fast needs a sim or replay device, not {spec!r}; drop --fast for a real board")
    given = dict(parse_qsl(spec.partition("?")[2])).get("fast")
    if given is not None:  # the spec says it already: --fast agrees, or contradicts
        if given.lower() in ("1", "true", "yes", "on"):
            return spec
        raise DeviceSpecError(f"--fast contradicts fast={given} in the device {spec!r}; give one of them")
    if kind == "sim" and ":" not in spec:
        spec = "sim:"
    return spec + ("&" if "?" in spec else "?") + "fast=1"


def record(device: str, duration: float, output: str, *, fast: bool = False, montage: Montage | None = None,
           subject: str = "", notes: str = "", compress: bool = False, progress=None, lsl=None):
    """Record ``duration`` seconds of samples; returns (session, final recorder status).

    ``progress(fraction, recorder_status)`` is called on every block. The command stops
    early when the recording fails (the Recorder itself never stops a session).
    ``lsl``: parsed arguments with ``--lsl``/``--lsl-name`` to publish the session over LSL.
    """
    from ..clock import SYSTEM_CLOCK, ManualClock
    from ..recordings.recorder import Recorder
    spec = fast_spec(device) if fast else device
    clock = ManualClock() if fast else SYSTEM_CLOCK  # unpaced: session time follows the samples
    driver = open_driver(spec, clock=clock)
    session = Session(driver, montage, ring_seconds=max(10.0, min(duration, 60.0)), clock=clock)
    n_target = max(1, int(round(duration * session.fs)))
    recorder = Recorder(session, output, subject_id=subject, notes=notes, compress=compress, max_samples=n_target)
    if recorder.status.message:
        print(f"emgmap: {recorder.status.message}", file=sys.stderr)
    publisher = lsl_publisher(session, lsl)
    recorder.start()
    if publisher:
        publisher.start()
    session.start()
    try:
        def done(s: Session) -> bool:
            st, rst = s.status, recorder.status
            if progress is not None:
                progress(min(1.0, st.samples / n_target), rst)
            # the samples asked for, a failed recording, or a device far slower than it claims
            return (st.samples >= n_target or rst.state == "failed"
                    or (driver.paced and st.elapsed_s >= duration + 5.0))
        session.wait_until(done, timeout=None if fast else duration + 60.0)
    finally:
        session.stop()
        status = recorder.stop()
        if publisher:
            publisher.stop()
    return session, status


def run(args) -> int:
    from ..outputs import check_output
    from ..privacy import check_subject
    check_output(args.output, what="-o/--output", rename=True)  # before the device opens
    check_subject(args.subject, confirmed=args.confirm_subject)
    montage = Montage.load(args.montage) if args.montage else None
    shown = [-1]

    def bar(fraction: float, rst) -> None:
        pct = int(100 * fraction)
        if pct != shown[0]:
            shown[0] = pct
            print(f"\rrecording [{'#' * (pct // 4):<25}] {pct:3d} %  {rst.seconds:7.1f} s  "
                  f"{rst.file_bytes / 1e6:7.1f} MB", end="", file=sys.stderr, flush=True)

    tty = sys.stderr.isatty()
    session, status = record(args.device, args.duration, args.output, fast=args.fast, montage=montage,
                             subject=args.subject, notes=args.notes, compress=args.compress,
                             progress=bar if tty else None, lsl=args)
    if tty:
        print(file=sys.stderr)
    st = session.status
    print(f"recorded {status.seconds:.1f} s ({status.samples} samples, {session.fs:g} Hz, "
          f"{session.spec.n_channels} channels) to {status.path}, {status.file_bytes / 1e6:.1f} MB")
    if st.dropped_samples:
        log.warning("the device lost %d samples in %d gaps (recorded as gap events)", st.dropped_samples, st.gaps)
    if status.overruns:
        log.warning("%d samples were not recorded because the recorder fell behind", status.overruns)
    if status.state == "failed":
        print(f"emgmap: {status.message}", file=sys.stderr)
        return 2
    if st.state in (State.ERROR, State.LOST):
        print(f"emgmap: {st.message}", file=sys.stderr)
        return 1
    return 0
