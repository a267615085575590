"""A preallocated ring of samples with an absolute sample counter.

One writer (the acquisition thread) appends; any number of readers take
either ``latest(n)`` copies (the screen) or read losslessly through a
:class:`Cursor` (the recorder), which counts the samples it lost when it
fell a whole ring behind instead of hiding them.

Indices are absolute: sample ``k`` is the k-th sample ever written. Several
rings written in a fixed order by one thread stay aligned: any index below
the last-written ring's ``total`` is present in all of them.
"""
from __future__ import annotations

import threading

import numpy as np


class RingBuffer:
    """Ring of ``capacity`` rows; ``width=None`` makes a 1-D ring (timestamps)."""

    def __init__(self, capacity: int, width: int | None = None, dtype=np.float64):
        if capacity < 1:
            raise ValueError("ring capacity must be at least 1")
        shape = (capacity,) if width is None else (capacity, width)
        self._buf = np.zeros(shape, dtype=dtype)
        self._capacity = capacity
        self._total = 0
        self._floor = 0   # rows below this were lost before a grow(), never held again
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def total(self) -> int:
        """Samples written since creation (the absolute index of the next one)."""
        return self._total

    @property
    def oldest(self) -> int:
        """Absolute index of the oldest sample still held."""
        return max(self._floor, self._total - self._capacity)

    def write(self, x: np.ndarray) -> None:
        x = np.asarray(x)
        n = x.shape[0]
        if n == 0:
            return
        if x.shape[1:] != self._buf.shape[1:]:
            raise ValueError(f"ring holds rows of shape {self._buf.shape[1:]}, got {x.shape[1:]}")
        with self._lock:   # the capacity may grow (grow()), so it is read under the lock
            cap = self._capacity
            if n > cap:  # only the newest `cap` rows can be kept
                x = x[n - cap:]
            start = (self._total + n - x.shape[0]) % cap
            k = min(x.shape[0], cap - start)
            self._buf[start:start + k] = x[:k]
            self._buf[:x.shape[0] - k] = x[k:]
            self._total += n

    def _copy(self, start: int, stop: int) -> np.ndarray:
        """Rows [start, stop) by absolute index; caller holds the lock and checked bounds."""
        cap = self._capacity
        a, b = start % cap, stop % cap
        if stop - start == 0:
            return self._buf[:0].copy()
        if a < b:
            return self._buf[a:b].copy()
        return np.concatenate((self._buf[a:], self._buf[:b]))

    def latest(self, n: int) -> np.ndarray:
        """A copy of the newest ``min(n, available)`` rows, oldest first."""
        with self._lock:
            stop = self._total
            start = max(self.oldest, stop - max(0, n))
            return self._copy(start, stop)

    def read_range(self, start: int, stop: int) -> np.ndarray:
        """A copy of rows [start, stop); raises IndexError if any are gone or not yet written."""
        with self._lock:
            if start < self.oldest or stop > self._total or start > stop:
                raise IndexError(
                    f"rows [{start}, {stop}) not held (ring holds [{self.oldest}, {self._total}))"
                )
            return self._copy(start, stop)

    def grow(self, capacity: int) -> None:
        """Hold at least ``capacity`` rows from now on, keeping every row held (never shrinks)."""
        with self._lock:
            if capacity <= self._capacity:
                return
            oldest, total = self.oldest, self._total
            held = self._copy(oldest, total)
            buf = np.zeros((capacity,) + self._buf.shape[1:], dtype=self._buf.dtype)
            pos = np.arange(oldest, total) % capacity
            buf[pos] = held
            self._buf, self._capacity, self._floor = buf, capacity, oldest

    def cursor(self, start: int | None = None) -> "Cursor":
        """A lossless reader starting at absolute index ``start`` (default: now)."""
        return Cursor(self, self._total if start is None else start)


class Cursor:
    """Reads every row once, in order. If the writer laps it, the lost rows are
    skipped and added to :attr:`overruns`, never silently."""

    def __init__(self, ring: RingBuffer, start: int):
        self._ring = ring
        self.position = start
        self.overruns = 0

    @property
    def pending(self) -> int:
        return self._ring.total - self.position

    def read(self, max_rows: int | None = None) -> tuple[np.ndarray, int]:
        """Return ``(rows, first_index)`` of the rows written since the last read."""
        ring = self._ring
        with ring._lock:
            oldest = ring.oldest
            if self.position < oldest:
                self.overruns += oldest - self.position
                self.position = oldest
            stop = ring.total
            if max_rows is not None:
                stop = min(stop, self.position + max_rows)
            first = self.position
            rows = ring._copy(first, stop)
            self.position = stop
        return rows, first
