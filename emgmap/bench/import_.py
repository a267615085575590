"""Import speed and memory: a generated OpenBCI GUI file against pandas.read_csv of the same file.

The file is what the BrainFlow-era OpenBCI GUI writes for a Cyton (8 EXG channels,
25 columns ending in the host Timestamp, a marker column and a formatted clock time),
one hour at 250 Hz by default, with a few lost packets. Each measurement runs in a
fresh subprocess: wall time of the call alone (imports excluded), and peak resident
memory of that process, reported whole and as the rise during the call (the peak
after the call minus the peak after the imports). The peak is the kernel's high-water
mark of the process's own memory (``VmHWM`` in /proc/self/status on Linux; elsewhere
``resource.getrusage(RUSAGE_SELF).ru_maxrss``, which on Linux would also count the
bench process's peak, inherited across exec). The peer is ``pandas.read_csv(FILE, skiprows=4, skipinitialspace=True)``:
the same file into a DataFrame, which is where the issue's "2.7 s and 415 MB" came from.
Goal: emgmap's import within 2x pandas' time and 2x its memory.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

GOAL_X = 2.0
HEADER = ["Sample Index"] + [f"EXG Channel {i}" for i in range(8)] + [f"Accel Channel {i}" for i in range(3)] + \
    ["Other"] * 7 + [f"Analog Channel {i}" for i in range(3)] + ["Timestamp", "Marker Channel",
                                                                  "Timestamp (Formatted)"]
LOST = (1000, 250_000, 600_000)     # rows after which 3 packets are lost


def add_arguments(p) -> None:
    p.add_argument("--seconds", type=float, default=3600.0, help="length of the generated file (default 3600)")
    p.add_argument("--fs", type=float, default=250.0, help="sampling rate (default 250, a Cyton)")
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement (median reported)")
    p.add_argument("--dir", help="folder for the files (default: a temporary folder)")


def write_gui_file(path: Path, seconds: float, fs: float, seed: int = 0) -> int:
    """An OpenBCI GUI (BrainFlow era) Cyton file of ``seconds``; returns its number of rows."""
    n = int(round(seconds * fs))
    rng = np.random.default_rng(seed)
    keep = np.ones(n, dtype=bool)
    for k in LOST:
        if k + 3 < n:
            keep[k:k + 3] = False
    rows = np.flatnonzero(keep)
    offsets = rng.uniform(-60000, 60000, 8)
    with open(path, "w", encoding="utf-8") as f:
        f.write("%OpenBCI Raw EXG Data\n%Number of channels = 8\n%Sample Rate = 250 Hz\n"
                "%Board = OpenBCI_GUI$BoardCytonSerial\n" + ", ".join(HEADER) + "\n")
        for start in range(0, rows.size, 50_000):
            r = rows[start:start + 50_000]
            exg = offsets + rng.normal(0, 20, (r.size, 8))
            t = 1_764_514_800.0 + r / fs
            lines = []
            for k, i in enumerate(r):
                clock = f"2025-11-30 15:{int(i / fs) // 60 % 60:02d}:{i / fs % 60:06.3f}"
                lines.append(f"{i % 256}.0, " + ", ".join(f"{v:.6f}" for v in exg[k]) +
                             ", 0.000, 0.000, 0.000, 192.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, "
                             f"{t[k]:.6f}, 0.0, {clock}\n")
            f.write("".join(lines))
    return int(rows.size)


_CHILD = {
    "emgmap": ("from emgmap.recordings.importers import import_file", "r = import_file({src!r}, {out!r})"),
    "pandas": ("import pandas as pd", "r = pd.read_csv({src!r}, skiprows=4, skipinitialspace=True)"),
}
_TEMPLATE = """
import json, resource, time
def peak_kb():
    try:
        with open("/proc/self/status") as f:
            return next(int(ln.split()[1]) for ln in f if ln.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
{imp}
base = peak_kb()
t = time.perf_counter()
{call}
dt = time.perf_counter() - t
peak = peak_kb()
print(json.dumps({{"s": dt, "peak_kb": peak, "rise_kb": peak - base}}))
"""


def measure(which: str, src: Path, out: Path) -> dict:
    imp, call = _CHILD[which]
    code = _TEMPLATE.format(imp=imp, call=call.format(src=str(src), out=str(out)))
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]) + os.pathsep +
               os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"{which} run failed: {r.stderr.strip().splitlines()[-1] if r.stderr else r.returncode}")
    out.unlink(missing_ok=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def run(args) -> int:
    folder = Path(args.dir or tempfile.mkdtemp(prefix="emgmap-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    src = folder / "OpenBCI-RAW-bench.txt"
    rows = write_gui_file(src, args.seconds, args.fs)
    size = src.stat().st_size
    runs: dict[str, list[dict]] = {"emgmap": [], "pandas": []}
    for k in range(args.repeat):
        for which in ("pandas", "emgmap"):
            runs[which].append(measure(which, src, folder / f"bench-{k}.h5"))
    med = {w: {key: statistics.median(r[key] for r in rs) for key in ("s", "peak_kb", "rise_kb")}
           for w, rs in runs.items()}
    e, p = med["emgmap"], med["pandas"]
    print(f"import: OpenBCI GUI file, {args.seconds:g} s x 8 ch @ {args.fs:g} Hz, {rows} rows, {size / 1e6:.0f} MB, "
          f"median of {args.repeat} (each run a fresh process; memory = peak RSS, VmHWM)")
    print(f"{'':28}{'time s':>9}{'peak MB':>10}{'rise MB':>10}")
    print(f"{'pandas.read_csv':<28}{p['s']:>9.2f}{p['peak_kb'] / 1024:>10.0f}{p['rise_kb'] / 1024:>10.0f}")
    print(f"{'emgmap import (to HDF5)':<28}{e['s']:>9.2f}{e['peak_kb'] / 1024:>10.0f}{e['rise_kb'] / 1024:>10.0f}")
    rt, rm, rr = e["s"] / p["s"], e["peak_kb"] / p["peak_kb"], e["rise_kb"] / max(p["rise_kb"], 1)
    print(f"{'emgmap / pandas':<28}{rt:>8.2f}x{rm:>9.2f}x{rr:>9.2f}x")
    ok = rt <= GOAL_X and rm <= GOAL_X
    print(f"goal <= {GOAL_X:g}x pandas' time and peak memory: {'met' if ok else 'NOT met'}")
    src.unlink()
    return 0 if ok else 1
