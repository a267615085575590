"""The ``--lsl`` option shared by the commands that run a session (stream, record, session)."""
from __future__ import annotations


def add_lsl_arguments(p) -> None:
    p.add_argument("--lsl", action="store_true",
                   help="publish raw EMG, envelope, indices and events as LSL streams (needs emgmap[lsl])")
    p.add_argument("--lsl-name", default="emgmap", help="LSL stream name (default: emgmap)")


def lsl_publisher(session, args):
    """An :class:`~emgmap.lsl.outlet.LslPublisher` for ``session`` when ``--lsl`` was given
    (not started), else None."""
    if not getattr(args, "lsl", False):
        return None
    from ..lsl.outlet import LslPublisher
    publisher = LslPublisher(session, name=args.lsl_name)
    print(f"publishing LSL streams {args.lsl_name!r} (EMG), '{args.lsl_name} envelope', "
          f"'{args.lsl_name} indices' and '{args.lsl_name} markers'")
    return publisher
