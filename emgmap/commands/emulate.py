"""``emgmap emulate cyton|serial``: a board on a pseudo-terminal, for work without hardware.

The first line of stdout is the port to open (the pty, or ``--link``), alone,
flushed; then the emulator runs until interrupted. Lines on stdin control it:
``unplug`` (close the pty and remove the link), ``plug`` (a new pty, the link
follows), ``pause`` / ``resume`` (the board falls silent / speaks again).
"""
from __future__ import annotations

import signal
import sys
import threading

from .. import validate


def register(sub) -> None:
    p = sub.add_parser("emulate", help="emulate a board on a pseudo-terminal (OpenBCI Cyton, emgmap serial)",
                       description=__doc__.split("\n\n", 1)[1])
    kinds = p.add_subparsers(dest="board", metavar="BOARD", required=True)

    def common(bp) -> None:   # scenarios are checked when the simulator starts (`--help` must not load scipy)
        bp.add_argument("--scenario", default="healthy",
                        help="simulator scenario (default healthy; `emgmap devices` lists them)")
        bp.add_argument("--seed", type=validate.arg(0, 2**63 - 1, integer=True), default=0,
                        help="simulator seed (default 0)")
        bp.add_argument("--drop-rate", type=validate.arg(0, 0.99), default=0.0, metavar="P",
                        help="probability that a packet is lost (its counter still advances)")
        bp.add_argument("--link", metavar="PATH", help="keep a symlink at PATH pointing at the current pty")
        bp.set_defaults(func=run)

    cy = kinds.add_parser("cyton", help="OpenBCI Cyton (8 ch, 250 Hz) for brainflow:cyton?port=PTY")
    common(cy)
    cy.add_argument("--daisy", action="store_true",
                    help="Cyton+Daisy (16 ch, 125 Hz) for brainflow:cyton_daisy?port=PTY")
    se = kinds.add_parser("serial", help="emgmap serial protocol v1 board for serial:PTY")
    common(se)
    se.add_argument("--format", choices=("binary", "ascii"), default="binary")
    se.add_argument("--fs", type=validate.arg(1, 100_000), default=1000.0, help="sample rate, Hz (default 1000)")
    se.add_argument("--channels", type=validate.arg(1, 18, integer=True), default=4, help="channels, 1-18 (default 4)")
    se.add_argument("--scale-uv", type=validate.arg(1e-9, 1e9), default=1.0, help="µV per count (default 1)")
    se.add_argument("--counter", action="store_true", help="ascii: send the sample counter first on each line")
    se.add_argument("--no-banner", action="store_true", help="do not send the banner line on reset")
    se.add_argument("--corrupt-rate", type=validate.arg(0, 0.99), default=0.0, metavar="P", help="frames with one bit flipped")
    se.add_argument("--garbage-rate", type=validate.arg(0, 0.99), default=0.0, metavar="P", help="random bytes before a frame")


def make_emulator(args):
    from ..drivers.emulators import CytonEmulator, SerialEmulator
    kw = dict(scenario=args.scenario, seed=args.seed, drop_rate=args.drop_rate, link=args.link)
    if args.board == "cyton":
        return CytonEmulator(daisy=args.daisy, **kw)
    return SerialEmulator(fs=args.fs, channels=args.channels, format=args.format, scale_uv=args.scale_uv,
                          banner=not args.no_banner, counter=args.counter, corrupt_rate=args.corrupt_rate,
                          garbage_rate=args.garbage_rate, **kw)


def run(args) -> int:
    em = make_emulator(args)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    em.start()
    print(em.path, flush=True)
    print(f"emulating {args.board} on {em.port.path}; stdin: unplug | plug | pause | resume", file=sys.stderr)

    def control() -> None:
        actions = {"unplug": em.unplug, "plug": em.plug, "pause": lambda: em.pause(True),
                   "resume": lambda: em.pause(False)}
        for line in sys.stdin:
            cmd = line.strip()
            if cmd in actions:
                actions[cmd]()
                print(f"{cmd}: {em.path if em.port.plugged else '(unplugged)'}", file=sys.stderr, flush=True)
            elif cmd:
                print(f"unknown command {cmd!r}; use unplug, plug, pause or resume", file=sys.stderr)

    threading.Thread(target=control, daemon=True).start()
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        em.stop()
    return 0
