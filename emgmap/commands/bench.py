"""``emgmap bench NAME``: performance benchmarks that print ratios against a peer
measured in the same run (never timed tests). Each benchmark is a module with
``add_arguments(parser)`` and ``run(args) -> int``, imported only when it runs, so that
``emgmap --help`` stays light (no numpy, scipy, numba or Qt)."""
from __future__ import annotations

import argparse
import importlib

# name -> (module, summary). The benchmarks live in emgmap.bench, except the GUI's, which
# needs Qt and so lives in emgmap.gui (only the GUI imports Qt).
BENCHMARKS: dict[str, tuple[str, str]] = {
    "dsp": ("emgmap.bench.dsp", "DSP pipeline speed against scipy and BrainFlow, numba start-up"),
    "analyze": ("emgmap.bench.analyze", "analysis throughput: per file against one sosfiltfilt pass, -j 2 against -j 1"),
    "lsl": ("emgmap.bench.lsl", "LSL round trip: sample counts and latency"),
    "record": ("emgmap.bench.record", "recording throughput (unpaced simulator to HDF5)"),
    "import": ("emgmap.bench.import_", "import of a 1-hour OpenBCI GUI file against pandas.read_csv"),
    "gui": ("emgmap.gui.bench", "GUI frame rate, CPU per frame, sample-to-screen latency"),
}


def register(sub) -> None:
    p = sub.add_parser("bench", help="run a performance benchmark",
                       description="Benchmarks print medians and ratios against a peer measured in the same run. "
                                   "`emgmap bench NAME --help` lists a benchmark's options.")
    names = p.add_subparsers(dest="bench", metavar="NAME", required=True)
    for name, (_, summary) in BENCHMARKS.items():
        # every word after NAME goes to the benchmark's own parser (built in run()): this one
        # treats "-" words as values ("+" is a prefix no benchmark uses)
        bp = names.add_parser(name, help=summary, add_help=False, prefix_chars="+")
        bp.add_argument("bench_args", nargs="*")
        bp.set_defaults(func=run)


def run(args) -> int:
    module, summary = BENCHMARKS[args.bench]
    mod = importlib.import_module(module)
    parser = argparse.ArgumentParser(prog=f"emgmap bench {args.bench}", description=summary)
    mod.add_arguments(parser)
    return mod.run(parser.parse_args(args.bench_args))
