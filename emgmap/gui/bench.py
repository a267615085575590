"""GUI frame rate, CPU per frame and sample-to-screen latency (offscreen window).

The real :class:`~emgmap.gui.window.MainWindow` on the simulator (16 channels at
2000 Hz, 10 s trace window by default; samples released in real time in ~2 ms
blocks like a board's packets, see :class:`FineBlocks`) runs for ``--seconds`` after a warm-up
that fills the trace window; then the same with pyqtgraph's own peak
downsampling over the full window (the peer); at each ``--size`` (default a
1366x768 laptop and 1920x1080). Reported per method and size:

- fps: trace paints per second (the window's timer runs at 60 Hz);
- GUI CPU ms per frame: CPU time of the GUI thread / frames;
- process CPU: all threads (the simulator and acquisition included), % of one core;
- latency p50/p99: a sample's host arrival time -> the end of the paint that drew it.
Targets (issues 7 and 13): >= 60 fps, p99 < 40 ms, GUI under 50 % of one core, at every size.
"""
from __future__ import annotations

import os
import time

import numpy as np

from ..drivers import Driver, open_driver
from ..types import SampleBlock


class FineBlocks(Driver):
    """The simulator's stream released in real time in blocks of about ``block_s``,
    as a board that sends small packets does (the simulator itself makes 50 ms
    frames, which would cap any display at 20 new frames a second)."""

    def __init__(self, spec: str, block_s: float = 0.002):
        self.inner = open_driver(spec + ("&" if "?" in spec else ":?") + "fast=1")
        self.spec, self.montage, self.paced = self.inner.spec, self.inner.montage, True
        self.block_s = block_s
        self._held = np.zeros((0, self.spec.n_channels))
        self._sent = 0

    def start(self) -> None:
        self.inner.start()
        self._t0 = time.monotonic()

    def read(self) -> SampleBlock | None:
        fs = self.spec.fs
        due = int((time.monotonic() - self._t0) * fs)
        if due <= self._sent:
            time.sleep(self.block_s)
            return None
        while self._sent + self._held.shape[0] < due:
            self._held = np.concatenate((self._held, self.inner.read().data))
        n = due - self._sent
        data, self._held = self._held[:n], self._held[n:]
        block = SampleBlock(data, self._t0 + (self._sent + np.arange(n)) / fs, self._sent)
        self._sent = due
        return block

    def stop(self) -> None:
        self.inner.stop()


def add_arguments(p) -> None:
    p.add_argument("--seconds", type=float, default=10.0, help="measured time per method (default 10)")
    p.add_argument("--channels", type=int, default=16, help="simulated channels (default 16)")
    p.add_argument("--fs", type=float, default=2000.0, help="sampling rate, Hz (default 2000)")
    p.add_argument("--window", type=float, default=10.0, help="trace window, s (default 10)")
    p.add_argument("--warmup", type=float, help="seconds before measuring (default: the trace window)")
    p.add_argument("--no-peer", action="store_true", help="skip the pyqtgraph-downsampling peer")
    p.add_argument("--size", type=_size, nargs="+", default=[(1366, 768), (1920, 1080)], metavar="WxH",
                   help="window sizes in pixels, each measured (default: a laptop's 1366x768 and 1920x1080)")


def _size(text: str) -> tuple[int, int]:
    import argparse
    w, _, h = text.lower().partition("x")
    if not (w.isdigit() and h.isdigit() and int(w) >= 640 and int(h) >= 480):
        raise argparse.ArgumentTypeError(f"a window size is WIDTHxHEIGHT of at least 640x480, e.g. 1366x768; "
                                         f"got {text!r}")
    return int(w), int(h)


def _measure(method: str, size: tuple[int, int], args, app) -> dict:
    from PyQt6.QtCore import QEventLoop, QTimer

    from .settings import GuiSettings
    from .window import MainWindow

    def spin(seconds: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    spec = f"sim:?channels={args.channels}&fs={args.fs:g}"
    w = MainWindow(None, trace_method=method, settings=GuiSettings(window_s=args.window))
    w.connect_device(spec, driver=FineBlocks(spec))
    w.resize(*size)
    w.show()
    spin(args.window if args.warmup is None else args.warmup)
    paints: list[float] = []
    w.traces.painted.append(lambda i: paints.append(time.monotonic()))
    w.latency.clear()
    wall0, cpu0, gui0 = time.monotonic(), time.process_time(), time.thread_time()
    spin(args.seconds)
    wall, cpu, gui = time.monotonic() - wall0, time.process_time() - cpu0, time.thread_time() - gui0
    lat = np.array([v for _, v in w.latency.samples]) * 1000.0
    st = w.session.status
    w.close()
    frames = len(paints)
    return {"method": method, "size": f"{size[0]}x{size[1]}", "fps": frames / wall, "gui_ms": gui / max(frames, 1) * 1000.0,
            "gui_pct": gui / wall * 100.0, "proc_pct": cpu / wall * 100.0,
            "p50": float(np.percentile(lat, 50)) if lat.size else float("nan"),
            "p99": float(np.percentile(lat, 99)) if lat.size else float("nan"),
            "rate": st.measured_rate, "dropped": st.dropped_samples}


def run(args) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6.QtWidgets import QApplication

    from ..dsp import start_warm_up
    app = QApplication.instance() or QApplication(["emgmap-bench"])
    start_warm_up().join()   # the numba kernels compiled (a cold cache takes seconds) before any window
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    sizes = ", ".join(f"{w}x{h}" for w, h in args.size)
    print(f"GUI benchmark: {args.channels} ch at {args.fs:g} Hz, {args.window:g} s window, "
          f"{args.seconds:g} s per method and size, windows {sizes}, Qt platform {app.platformName()}, "
          f"{os.cpu_count()} CPUs, load average {load}")
    results = []
    for size in args.size:
        results.append(_measure("minmax", size, args, app))
        if not args.no_peer:
            results.append(_measure("pyqtgraph", size, args, app))
    print(f"{'method':<11}{'size':>10}{'fps':>7}{'GUI ms/frame':>14}{'GUI % core':>12}{'process %':>11}"
          f"{'lat p50 ms':>12}{'lat p99 ms':>12}{'rate Hz':>10}{'dropped':>9}")
    for r in results:
        print(f"{r['method']:<11}{r['size']:>10}{r['fps']:>7.1f}{r['gui_ms']:>14.2f}{r['gui_pct']:>12.1f}"
              f"{r['proc_pct']:>11.1f}{r['p50']:>12.1f}{r['p99']:>12.1f}{r['rate']:>10.1f}{r['dropped']:>9}")
    ours = [r for r in results if r["method"] == "minmax"]
    for a in ours:
        b = next((r for r in results if r["method"] == "pyqtgraph" and r["size"] == a["size"]), None)
        if b is not None:
            print(f"{a['size']}: minmax vs pyqtgraph peak downsampling: {a['fps'] / max(b['fps'], 1e-9):.2f}x fps, "
                  f"{b['gui_ms'] / max(a['gui_ms'], 1e-9):.2f}x less GUI CPU per frame")
    met = [r["fps"] >= 60 and r["p99"] < 40 and r["gui_pct"] < 50 for r in ours]
    print("targets (>= 60 fps, p99 < 40 ms, GUI < 50 % of one core, at every size):",
          "met" if all(met) else "NOT met at " + ", ".join(r["size"] for r, ok in zip(ours, met) if not ok))
    return 0
