"""The ``--lsl`` option shared by the commands that run a session (stream, record, session)."""
from __future__ import annotations

import sys


def add_lsl_arguments(p) -> None:
    p.add_argument("--lsl", action="store_true",
                   help="publish raw EMG, envelope, indices and events as LSL streams (needs emgmap[lsl])")
    p.add_argument("--lsl-name", default="emgmap", help="LSL stream name (default: emgmap)")


def lsl_name(args) -> str:
    """The LSL stream name when ``--lsl`` was given (said on stderr), else ''."""
    if not getattr(args, "lsl", False):
        return ""
    n = args.lsl_name
    print(f"publishing LSL streams {n!r} (EMG), '{n} envelope', '{n} indices' and '{n} markers'", file=sys.stderr)
    return n
