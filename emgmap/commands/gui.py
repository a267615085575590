"""``emgmap gui`` (and ``emgmap`` alone): the live dashboard. Qt is imported only in run()."""
from __future__ import annotations

from .. import validate


def register(sub) -> None:
    p = sub.add_parser("gui", help="open the live dashboard (the default command)",
                       description="Open the live dashboard on a device (default: the last one used, "
                                   "else the simulator).")
    add_arguments(p)
    p.set_defaults(func=run)


def add_arguments(p) -> None:
    p.add_argument("file", nargs="?", metavar="FILE.h5", help="a recording to open for review")
    p.add_argument("--device", help="device spec (default: the last one used, else sim)")
    p.add_argument("--protocol", help="exercise protocol whose pairs and zones the gauges use")
    p.add_argument("--quit-after", type=validate.seconds, metavar="S", help="close the window after S seconds (demos, tests)")


def run(args) -> int:
    from ..gui.app import run as run_gui
    return run_gui(args.device, protocol=args.protocol, quit_after=args.quit_after,
                   recording=getattr(args, "file", None))
