"""``emgmap bench NAME``: performance benchmarks that print ratios against a peer
measured in the same run (never timed tests). Each benchmark is a module with
``add_arguments(parser)`` and ``run(args) -> int``."""
from __future__ import annotations

import importlib

# name -> module. GUI benchmarks live under emgmap.gui and import Qt inside run(), so that
# building the parser stays headless (tests/test_headless.py).
BENCHMARKS: dict[str, str] = {
    "dsp": "emgmap.bench.dsp",
    "lsl": "emgmap.bench.lsl",
    "record": "emgmap.bench.record",
    "import": "emgmap.bench.import_",
    "gui": "emgmap.gui.bench",
}


def register(sub) -> None:
    p = sub.add_parser("bench", help="run a performance benchmark",
                       description="Benchmarks print medians and ratios against a peer measured in the same run.")
    names = p.add_subparsers(dest="bench", metavar="NAME", required=True)
    for name, module in BENCHMARKS.items():
        mod = importlib.import_module(module)
        bp = names.add_parser(name, help=(mod.__doc__ or "").strip().splitlines()[0])
        mod.add_arguments(bp)
        bp.set_defaults(func=mod.run)
