"""``emgmap stream``: stream a device, print its status, optionally publish it over LSL."""
from __future__ import annotations

import sys

from .. import validate
from .lsloption import add_lsl_arguments, lsl_name


def register(sub) -> None:
    p = sub.add_parser("stream", help="stream a device (and publish it over LSL with --lsl)",
                       description="Stream from a device, printing its status each second, until --seconds or "
                                   "Ctrl-C. With --lsl, publish raw EMG and events as LSL streams for "
                                   "LabRecorder and other lab software.")
    p.add_argument("--device", default="sim", help="device spec (default: sim)")
    p.add_argument("--montage", help="montage TOML (default: the device's own)")
    p.add_argument("--seconds", type=validate.seconds, default=None, help="stop after this long (default: until Ctrl-C)")
    add_lsl_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..montage import Montage
    from ..app.live import LiveSession
    from ..session import State
    live = LiveSession()
    session = live.connect(args.device, Montage.load(args.montage) if args.montage else None, start=False)
    name = lsl_name(args)
    if name:
        live.publish(True, name)
    live.start()
    last = -1
    try:
        while True:
            st = session.status
            if st.state in (State.ERROR, State.LOST):
                print(f"\n{st.state.value}: {st.message}", file=sys.stderr)
                return 1
            if args.seconds is not None and st.elapsed_s >= args.seconds:
                break
            if int(st.elapsed_s) != last:
                last = int(st.elapsed_s)
                pushed = f", {live.publisher.pushed} pushed to LSL" if live.publisher else ""
                print(f"{st.elapsed_s:6.0f} s  {st.state.value}  {st.measured_rate:7.1f} Hz  "
                      f"{st.samples} samples  {st.dropped_samples} dropped{pushed}", flush=True)
            live.wait_until(lambda s: int(s.status.elapsed_s) != last, timeout=1.0)
    finally:
        live.close()
    return 0
