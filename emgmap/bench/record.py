"""Recording throughput: a simulated session with the pipeline on, recorded to HDF5 unpaced.

Goal: 10 minutes of 16 channels at 2000 Hz in under 6 s (100x real time). Peers measured
in the same run: the simulator alone, and the session (simulator + pipeline + rings)
without a recorder, so the recorder's own cost shows as the difference.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

GOAL_X = 100.0


def add_arguments(p) -> None:
    p.add_argument("--seconds", type=float, default=600.0, help="session length (default 600)")
    p.add_argument("--channels", type=int, default=16)
    p.add_argument("--fs", type=float, default=2000.0)
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement (median reported)")
    p.add_argument("--dir", help="folder for the recordings (default: a temporary folder)")


def _sim_only(spec_cfg, seconds: float) -> float:
    from ..sim import Simulator
    sim = Simulator(spec_cfg)
    n = int(round(seconds * spec_cfg.fs / sim.frame_len))
    t = time.perf_counter()
    per = max(1, int(round(0.5 * spec_cfg.fs / sim.frame_len)))  # the fast driver's 0.5 s reads
    while n > 0:
        sim.next_frames(min(per, n))
        n -= per
    return time.perf_counter() - t


def _session_only(spec: str, seconds: float) -> float:
    from ..clock import ManualClock
    from ..drivers import open_driver
    from ..session import Session
    clock = ManualClock()
    s = Session(open_driver(spec, clock=clock), ring_seconds=min(seconds, 60.0), clock=clock)
    n = int(round(seconds * s.fs))
    t = time.perf_counter()
    s.start()
    s.wait_until(lambda x: x.status.samples >= n, timeout=None)
    s.stop()
    return time.perf_counter() - t


def run(args) -> int:
    from ..app.recording import record
    from ..drivers.sim import sim_config
    from ..drivers.spec import parse_spec
    from ..dsp import start_warm_up
    spec = f"sim:?channels={args.channels}&fs={args.fs:g}&seed=1&fast=1"
    cfg, _ = sim_config(parse_spec(spec, ("sim",)))
    start_warm_up().join()  # compile the numba kernels before timing
    folder = Path(args.dir or tempfile.mkdtemp(prefix="emgmap-bench-"))
    rec_t, sim_t, ses_t, size = [], [], [], 0
    for k in range(args.repeat):
        sim_t.append(_sim_only(cfg, args.seconds))
        ses_t.append(_session_only(spec, args.seconds))
        out = folder / f"bench-{k}.h5"
        t = time.perf_counter()
        status = record(spec, args.seconds, str(out), fast=False).recording
        rec_t.append(time.perf_counter() - t)
        size = status.file_bytes
        if status.state != "stopped":
            print(f"recording failed: {status.message}")
            return 1
        out.unlink()
    r, s, q = statistics.median(rec_t), statistics.median(sim_t), statistics.median(ses_t)
    print(f"record: {args.seconds:g} s of {args.channels} ch @ {args.fs:g} Hz, pipeline on, "
          f"{size / 1e6:.1f} MB per file, median of {args.repeat}")
    print(f"  simulator alone        {s:6.2f} s   {args.seconds / s:7.1f}x real time")
    print(f"  session (sim+dsp+rings){q:6.2f} s   {args.seconds / q:7.1f}x real time")
    print(f"  record to HDF5         {r:6.2f} s   {args.seconds / r:7.1f}x real time   "
          f"(recorder adds {r - q:+.2f} s, {r / q:.2f}x the session)")
    ok = args.seconds / r >= GOAL_X
    print(f"goal >= {GOAL_X:g}x real time: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1
