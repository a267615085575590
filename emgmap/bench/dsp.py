"""DSP pipeline speed: numba Pipeline vs the scipy reference and BrainFlow's DataFilter band-pass.

All three run in this process on the same simulated 16-channel 2000 Hz data, block
by block, interleaved so that load from other processes hits them alike:
- ``emgmap``: :class:`emgmap.dsp.Pipeline` (default cascade + 100 ms trailing RMS);
- ``scipy``: ``sosfilt`` with ``zi`` carried per block + numpy cumulative-sum RMS
  (:class:`emgmap.dsp.scipy_peer.ScipyStreaming`), the same output;
- ``brainflow``: ``DataFilter.perform_bandpass`` per channel per block (Butterworth
  order 4, 20-450 Hz; stateless, no envelope: less work than ours).
Then the numba start-up cost: importing the kernels and running ``warm_up()`` in a
fresh interpreter with a warm on-disk cache, and how much of it is numba's own first
use rather than loading our kernels.
"""
from __future__ import annotations

import subprocess
import sys
import time

import numpy as np

TARGETS = ("targets: >= 5x scipy at 10-sample blocks, >= 2x and <= 5 ns per sample per channel at 200; "
           "< 10 us per 10-sample block; warm start < 0.5 s")


def add_arguments(p) -> None:
    p.add_argument("--channels", type=int, default=16)
    p.add_argument("--fs", type=float, default=2000.0)
    p.add_argument("--blocks", default="10,50,200", help="block sizes in samples (default 10,50,200)")
    p.add_argument("--seconds", type=float, default=5.0, help="signal length per repeat (default 5)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--startup-runs", type=int, default=3, help="fresh interpreters timed for start-up (default 3)")


def _time_blocks(process, x: np.ndarray, n: int) -> np.ndarray:
    """Seconds per block of ``n`` samples over all of ``x``."""
    starts = range(0, x.shape[0] - n + 1, n)
    out = np.empty(len(starts))
    clock = time.perf_counter
    for j, i in enumerate(starts):
        b = x[i:i + n]
        t = clock()
        process(b)
        out[j] = clock() - t
    return out


def _compile_time(repeats: int = 3) -> tuple[float, float, float, float]:
    """Medians over fresh interpreters (warm on-disk cache) of: importing emgmap.dsp.kernels,
    ``warm_up()``; and, in other fresh interpreters, numba's own first use (the first call
    of the small ``tkeo_block``, which any first cached function pays) then ``warm_up()``
    after it (the kernels' own loading)."""
    start = ("import time; import numpy as np; t = time.perf_counter(); from emgmap.dsp import kernels; "
             "t1 = time.perf_counter(); ")
    cold = start + "kernels.warm_up(); t2 = time.perf_counter(); print(t1 - t, t2 - t1)"
    split = start + ("kernels.tkeo_block(np.zeros((3, 1)), np.zeros((2, 1)), np.empty((3, 1))); "
                     "t2 = time.perf_counter(); kernels.warm_up(); print(t2 - t1, time.perf_counter() - t2)")
    subprocess.run([sys.executable, "-c", cold], check=True, capture_output=True)  # fills the cache

    def medians(code: str) -> tuple[float, float]:
        runs = [tuple(map(float, subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                                text=True).stdout.split())) for _ in range(repeats)]
        return float(np.median([r[0] for r in runs])), float(np.median([r[1] for r in runs]))
    return medians(cold) + medians(split)


def run(args) -> int:
    from ..dsp import Pipeline, PipelineConfig
    from ..dsp.kernels import warm_up
    from ..dsp.scipy_peer import ScipyStreaming
    from ..recordings.brainflow_csv import data_filter
    from ..sim import SimConfig, Simulator
    bf = data_filter()
    DataFilter, FilterTypes = bf.DataFilter, bf.FilterTypes

    fs, C = float(args.fs), int(args.channels)
    sim = Simulator(SimConfig(fs=fs, channels=C, seed=1))
    n_frames = int(np.ceil(args.seconds * fs / sim.frame_len))
    x = np.ascontiguousarray(np.concatenate([sim.next_frame()[1] for _ in range(n_frames)]))
    cfg = PipelineConfig()
    lp = min(cfg.lp_hz, 0.45 * fs)
    warm_up()
    print(f"DSP per block, {C} ch @ {fs:g} Hz, {args.seconds:g} s x {args.repeats} repeats, "
          f"default cascade ({cfg.hp_hz:g} Hz HP order {cfg.hp_order}, {lp:g} Hz LP order {cfg.lp_order}) + 100 ms RMS")
    print(f"{'block':>6} {'emgmap us':>10} {'scipy us':>10} {'brainflow us':>13} {'scipy/emgmap':>13} "
          f"{'brainflow/emgmap':>17} {'emgmap ns/sample/ch':>20}")
    ok = True
    for n in [int(b) for b in args.blocks.split(",")]:
        times = {"emgmap": [], "scipy": [], "brainflow": []}
        for _ in range(args.repeats):
            ours = Pipeline(fs, C, cfg)
            ref = ScipyStreaming(fs, C, cfg)

            def brainflow(b):
                for c in range(C):
                    col = np.ascontiguousarray(b[:, c])
                    DataFilter.perform_bandpass(col, int(fs), cfg.hp_hz, lp, 4, FilterTypes.BUTTERWORTH.value, 0.0)
            times["emgmap"].append(_time_blocks(ours.process, x, n))
            times["scipy"].append(_time_blocks(ref.process, x, n))
            times["brainflow"].append(_time_blocks(brainflow, x, n))
        med = {k: float(np.median(np.concatenate(v))) * 1e6 for k, v in times.items()}
        r_sc, r_bf = med["scipy"] / med["emgmap"], med["brainflow"] / med["emgmap"]
        print(f"{n:>6} {med['emgmap']:>10.2f} {med['scipy']:>10.2f} {med['brainflow']:>13.2f} {r_sc:>12.1f}x "
              f"{r_bf:>16.1f}x {med['emgmap'] * 1e3 / (n * C):>20.1f}")
        if n == 10:
            ok &= r_sc >= 5 and med["emgmap"] < 10
        if n == 200:
            ok &= r_sc >= 2 and med["emgmap"] * 1e3 / (n * C) <= 5
    imp, warm, numba_first, own = _compile_time(max(1, args.startup_runs))
    print(f"start-up in a fresh interpreter, warm numba cache: import kernels {imp * 1e3:.0f} ms, "
          f"warm_up() {warm * 1e3:.0f} ms (medians of {max(1, args.startup_runs)}); measured apart, numba's own "
          f"first use {numba_first * 1e3:.0f} ms (the first call of a small cached kernel) and warm_up() "
          f"after it {own * 1e3:.0f} ms (loading the kernels)")
    ok &= warm < 0.5
    print(TARGETS + (": met" if ok else ": NOT met"))
    return 0
