"""Analysis throughput: per-file analysis against one sosfiltfilt pass, and -j 2 against -j 1.

In one run, on one simulated clamshell session (416 s, 8 channels, 2 kHz, made with
``emgmap session --device sim --protocol clamshell --fast`` unless ``--file`` gives one):

- ``per file``: the study's per-file analysis (:func:`emgmap.app.study.analyze_path`:
  read, filter, envelope, sets, reps, indices, rows), in this process, warm;
- ``sosfiltfilt``: one ``scipy.signal.sosfiltfilt`` pass of the recording's own filter
  cascade over the same samples (already in memory): the cost of just filtering it once;
- the study runner on a folder of 8 copies of the file with ``-j 1`` (in this process)
  and ``-j 2`` (two worker processes), no cache.
Medians of ``--repeats``.
"""
from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = "targets: per file <= 3x one sosfiltfilt pass; -j 2 >= 1.7x faster than -j 1 on 8 files"


def add_arguments(p) -> None:
    p.add_argument("--file", help="an emgmap recording to use (default: simulate a clamshell session)")
    p.add_argument("--repeats", type=int, default=5, help="timed runs of the per-file analysis (default 5)")
    p.add_argument("--folder-repeats", type=int, default=1, help="timed runs of each folder analysis (default 1)")
    p.add_argument("--files", type=int, default=8, help="files in the folder for -j 1 / -j 2 (default 8)")


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(max(1, repeats)):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run(args) -> int:
    import numpy as np
    from scipy import signal

    from ..app.study import analyze_path, run_study
    from ..dsp import PipelineConfig
    from ..dsp.config import design
    from ..recordings import open_recording

    with tempfile.TemporaryDirectory(prefix="emgmap-bench-analyze-") as tmp:
        tmp = Path(tmp)
        if args.file:
            path = Path(args.file)
        else:
            path = tmp / "clamshell.h5"
            print("simulating a clamshell session (416 s, 8 channels, 2 kHz) ...", flush=True)
            subprocess.run([sys.executable, "-m", "emgmap", "session", "--device", "sim", "--protocol", "clamshell",
                            "--fast", "--subject", "bench", "-o", str(path)], check=True, stdout=subprocess.DEVNULL)
        with open_recording(path) as rec:
            cfg = rec.config.get("pipeline")
            sos = design(PipelineConfig(**cfg) if cfg else PipelineConfig(), rec.fs).sos
            x = rec.data().astype(np.float64)
            fs, C = rec.fs, rec.n_channels
        analyze_path(str(path), {})  # warm: numba cache, imports
        per_file = _median_time(lambda: analyze_path(str(path), {}), args.repeats)
        filt = _median_time(lambda: signal.sosfiltfilt(sos, x, axis=0), args.repeats)
        folder = tmp / "folder"
        folder.mkdir()
        for k in range(args.files):
            shutil.copyfile(path, folder / f"copy{k}.h5")
        runs = {}
        for jobs in (1, 2):
            def study(jobs=jobs):
                res = run_study([folder], jobs=jobs)
                assert len(res.errors) == 0, res.errors
            runs[jobs] = _median_time(study, args.folder_repeats)
    ratio = per_file / filt
    speedup = runs[1] / runs[2]
    print(f"{path.name if args.file else 'simulated clamshell session'}: {x.shape[0] / fs:.0f} s, {C} channels, "
          f"{fs:g} Hz (medians of {args.repeats}; folders: medians of {args.folder_repeats})")
    print(f"{'per-file analysis':<34} {per_file * 1e3:>9.0f} ms")
    print(f"{'one sosfiltfilt pass (same data)':<34} {filt * 1e3:>9.0f} ms")
    print(f"{'analysis / sosfiltfilt':<34} {ratio:>9.2f}x")
    print(f"{f'{args.files} files, -j 1':<34} {runs[1]:>9.2f} s")
    print(f"{f'{args.files} files, -j 2':<34} {runs[2]:>9.2f} s")
    print(f"{'-j 2 speed-up over -j 1':<34} {speedup:>9.2f}x")
    ok = ratio <= 3 and speedup >= 1.7
    print(TARGETS + (": met" if ok else ": NOT met"))
    return 0
