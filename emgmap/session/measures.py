"""Live measures of a stream: index rows, calibration and onsets, from the envelope.

Fed on the acquisition thread after each block is in the rings: the trailing
means of the envelope become index rows (docs/dsp.md §8) labelled with the
normalisation the calibration allows, the calibration learns its quiet level
and peak, and once a rest baseline is captured the onset detector runs
(docs/dsp.md §7). Captures (rest, MVC) may come from any thread.
"""
from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np

from ..dsp.calibration import Calibration, CalibrationSnapshot
from ..dsp.indices import IndexTracker, LiveIndices
from ..dsp.onset import OnsetConfig, OnsetDetector, OnsetEvent
from ..montage import Montage
from ..rings import Rings


class LiveMeasures:
    """Index rows, calibration and onsets of one stream.

    ``index_window_s``: the trailing window of the live indices (mean of the envelope),
    0.5 s: the same 500 ms as the MVC reference, so 100 %MVC means "as high as the best
    half second of the MVC trial".
    """

    def __init__(self, montage: Montage, fs: float, *, index_window_s: float = 0.5):
        self.montage = montage
        self.fs = fs
        self.calibration = Calibration(montage.names)
        self._tracker = IndexTracker(montage, fs, index_window_s)
        self.index_columns: tuple[str, ...] = ("t",) + self._tracker.columns
        self._latest: LiveIndices | None = None
        self._detector: OnsetDetector | None = None
        self._next_detector: OnsetDetector | None = None
        self._onsets: list[OnsetEvent] = []
        self._lock = threading.Lock()

    @property
    def rate_hz(self) -> float:
        """Index rows per second of signal (fs / step; 100 at 2 kHz)."""
        return self.fs / self._tracker.step

    def rows_for(self, seconds: float) -> int:
        """Index rows in ``seconds`` of signal (a ring capacity)."""
        return max(1, int(seconds * self.rate_hz) + 1)

    @property
    def latest(self) -> LiveIndices | None:
        return self._latest

    # -- on the acquisition thread -----------------------------------------------------------
    def process(self, t: np.ndarray, envelope: np.ndarray, rings: Rings) -> None:
        """The block whose session times are ``t`` and envelope ``envelope`` was just written
        to ``rings`` (its first sample is ``rings.total - len(t)``)."""
        base = rings.total - t.shape[0]
        self._indices(t, envelope, base, rings)
        self._detect_onsets(envelope, base, rings)

    def _indices(self, t: np.ndarray, envelope: np.ndarray, base: int, rings: Rings) -> None:
        tracker = self._tracker
        samples, means = tracker.means(envelope)
        self.calibration.observe_peak(tracker.peak_uv)
        if not len(samples):
            return
        self.calibration.observe_floor(means[samples >= tracker.window - 1])  # full windows only
        cal = self.calibration.snapshot()
        vals, codes = tracker.layout.rows(samples, means, cal)
        tr = t[samples - base][:, None]
        rows = np.hstack((tr, vals))
        codes = np.concatenate(([0], codes)).astype(np.int8)
        rings.write_index_rows(rows, np.broadcast_to(codes, rows.shape))
        self._latest = tracker.layout.describe(vals[-1], codes[1:], float(tr[-1, 0]), means[-1], cal)

    def _detect_onsets(self, envelope: np.ndarray, base: int, rings: Rings) -> None:
        with self._lock:
            if self._next_detector is not None:
                self._detector, self._next_detector = self._next_detector, None
                self._detector.samples = base
        det = self._detector
        if det is None:
            return
        found = det.process(envelope)
        if not found:
            return
        oldest = rings.t.oldest
        names = self.montage.names
        timed = []
        for e in found:
            k = max(e.sample, oldest)  # an offset moved back by the window may predate the ring
            t = float(rings.t.read_range(k, k + 1)[0]) - (k - e.sample) / self.fs
            timed.append(replace(e, t=t, name=names[e.channel]))
        with self._lock:
            self._onsets.extend(timed)

    # -- captures (any thread) ----------------------------------------------------------------
    def capture_rest(self, envelope: np.ndarray, window_s: float) -> CalibrationSnapshot:
        """Every channel's rest baseline from ``envelope`` (n, C) µV of a rest span; onset
        detection starts from the next block with this baseline."""
        self.calibration.set_rest(envelope)
        snap = self.calibration.snapshot()
        det = OnsetDetector(self.fs, snap.rest_mean_uv, snap.rest_sd_uv, OnsetConfig(window_s=window_s))
        with self._lock:
            self._next_detector = det
        return snap

    def capture_mvc(self, envelope: np.ndarray, channels=None) -> np.ndarray:
        """An MVC trial: the best 500 ms mean of ``envelope`` per channel (best of the last 3
        trials); returns this trial's best-500 ms means (C,) µV."""
        return self.calibration.add_mvc_trial(envelope, self.fs, channels)

    def onsets(self, since: int = 0) -> list[OnsetEvent]:
        with self._lock:
            return self._onsets[since:]
