"""Min/max decimation of streaming traces to the screen's pixel width.

pyqtgraph's own peak downsampling re-reduces the whole window every frame
(reference/boards-and-libraries.md: slower than drawing 20 000 points). Here
each bucket of ``k`` samples is reduced once, when it completes, to its
minimum and maximum (the classic "min/max" or envelope decimation of
oscilloscopes: every peak that would light a pixel column survives). Buckets
start at absolute sample indices that are multiples of ``k``, so a bucket's
values never change as the window scrolls: the picture does not shimmer.
"""
from __future__ import annotations

import math

import numpy as np

from ..ringbuffer import RingBuffer


def minmax(x: np.ndarray, k: int) -> np.ndarray:
    """Reduce ``x`` (n, C), n a multiple of ``k``, to (2 n/k, C): min then max of each bucket."""
    n, C = x.shape
    b = x.reshape(n // k, k, C)
    out = np.empty((2 * (n // k), C), dtype=x.dtype)
    out[0::2] = b.min(axis=1)
    out[1::2] = b.max(axis=1)
    return out


class MinMaxTrace:
    """The last ``window_s`` seconds of a ring, min/max-decimated to about ``points`` buckets.

    Each :meth:`update` reads only the samples written since the last one (a
    lossless :class:`~emgmap.ringbuffer.Cursor`), reduces the buckets they
    complete and keeps the still-open bucket as the newest point, so the
    newest sample is always on screen. Cost per frame is proportional to the
    new samples, not to the window.
    """

    def __init__(self, ring: RingBuffer, fs: float, window_s: float, points: int):
        self.ring = ring
        self.fs = float(fs)
        self.window_s = float(window_s)
        self.points = max(16, int(points))
        self.k = max(1, math.ceil(self.window_s * self.fs / self.points))
        self.n_buckets = math.ceil(self.window_s * self.fs / self.k) + 1
        C = ring._buf.shape[1]
        self._data = np.zeros((2 * self.n_buckets, C))  # circular, 2 rows per bucket
        self._filled = 0            # complete buckets held (<= n_buckets)
        self._next_bucket = 0       # absolute index of the next complete bucket to store
        self._open = np.zeros((0, C))  # samples of the still-open bucket
        self._cursor = None
        self.newest_index = -1      # absolute ring index of the newest sample drawn
        self.restarts = 0           # times it started again from the ring (buckets before are gone)

    def _restart(self) -> None:
        """Start from what the ring holds now (first call, or after falling a ring behind)."""
        total = self.ring.total
        want = min(total - self.ring.oldest, int(self.window_s * self.fs) + self.k)
        start = ((total - want) // self.k) * self.k
        start = max(start, self.ring.oldest + (-self.ring.oldest) % self.k)
        self._filled = 0
        self._next_bucket = start // self.k
        self._open = self._open[:0]
        self._cursor = self.ring.cursor(start)
        self.restarts += 1

    def update(self) -> bool:
        """Take in new samples; True when there was anything new."""
        if self._cursor is None or self._cursor.position < self.ring.oldest:
            self._restart()
        rows, first = self._cursor.read()
        if rows.shape[0] == 0:
            return False
        x = np.concatenate((self._open, rows)) if self._open.shape[0] else rows
        n_full = (x.shape[0] // self.k) * self.k
        if n_full:
            red = minmax(x[:n_full], self.k)
            nb = red.shape[0] // 2
            if nb >= self.n_buckets:
                red, skip = red[-2 * self.n_buckets:], nb - self.n_buckets
                self._next_bucket += skip
                nb = self.n_buckets
            pos = (2 * self._next_bucket) % (2 * self.n_buckets)
            end = pos + 2 * nb
            if end <= self._data.shape[0]:
                self._data[pos:end] = red
            else:
                cut = self._data.shape[0] - pos
                self._data[pos:] = red[:cut]
                self._data[:end - self._data.shape[0]] = red[cut:]
            self._next_bucket += nb
            self._filled = min(self.n_buckets, self._filled + nb)
        self._open = x[n_full:].copy()
        self.newest_index = first + rows.shape[0] - 1
        return True

    @property
    def first_bucket(self) -> int:
        """Absolute index of the oldest complete bucket held (``next_bucket`` is one past the newest)."""
        return self._next_bucket - self._filled

    @property
    def next_bucket(self) -> int:
        return self._next_bucket

    def buckets(self, first: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """(min, max), each (stop - first, C), of the complete buckets ``first`` .. ``stop - 1``
        (absolute indices, all held)."""
        idx = 2 * (np.arange(first, stop) % self.n_buckets)
        return self._data[idx], self._data[idx + 1]

    def open_bucket(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(min, max), each (C,), of the still-open bucket ``next_bucket`` (None: empty)."""
        if not self._open.shape[0]:
            return None
        return self._open.min(axis=0), self._open.max(axis=0)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)``: x in seconds relative to the newest sample (<= 0), y (2 m, C), oldest first.
        Both points of a bucket sit at the bucket's start time."""
        nb = self._filled
        first_bucket = self._next_bucket - nb
        pos = (2 * first_bucket) % (2 * self.n_buckets)
        idx = (pos + np.arange(2 * nb)) % (2 * self.n_buckets)
        y = self._data[idx]
        if self._open.shape[0]:
            y = np.concatenate((y, self._open.min(axis=0)[None], self._open.max(axis=0)[None]))
        starts = (first_bucket + np.arange(y.shape[0] // 2)) * self.k
        x = np.repeat((starts - self.newest_index) / self.fs, 2)
        keep = x >= -self.window_s
        return x[keep], y[keep]
