"""A stream's aligned rings, and the one way to read them.

The acquisition thread writes each block to the rings in a fixed order
(``t``, ``sample_index``, ``raw``, ``filtered``, ``envelope``): any absolute
index below ``envelope.total`` is in every ring. Consumers never read the
rings one by one: they take an aligned :class:`Frame` of ``[a, b)`` with
:meth:`Rings.frame`, or every frame once, in order, through a lossless
:class:`FrameCursor` that counts (never hides) what it lost when the writer
lapped it. Index rows (one every 10 ms of signal) have their own
:class:`IndexRowCursor`. :meth:`Rings.grow` lengthens the history of every
ring in place, so a consumer that needs more memory (a guided session's longest
set) asks for it instead of reconnecting the device.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ringbuffer import RingBuffer

FIELDS = ("t", "sample_index", "raw", "aux", "filtered", "envelope")


@dataclass(frozen=True)
class Frame:
    """Samples ``[first, first + n)`` of every ring: session seconds, device sample index,
    raw µV (n, C), auxiliary columns (n, A) (A = 0 without any), filtered and envelope µV."""
    first: int
    t: np.ndarray
    sample_index: np.ndarray
    raw: np.ndarray
    aux: np.ndarray
    filtered: np.ndarray
    envelope: np.ndarray

    @property
    def n(self) -> int:
        return self.t.shape[0]

    @property
    def stop(self) -> int:
        return self.first + self.n


@dataclass(frozen=True)
class IndexRows:
    """Live index rows ``[first, first + n)``: values (n, K) (columns ``index_columns``:
    ``t``, ``sample``, then the indices) and their normalisation codes (n, K) int8."""
    first: int
    values: np.ndarray
    norms: np.ndarray

    @property
    def n(self) -> int:
        return self.values.shape[0]


class Rings:
    """The aligned rings of one stream; see the module docstring.

    ``index_rows`` and ``index_norms`` run at their own rate and are written after
    ``envelope``, norms first; they are not part of :attr:`total`.
    """

    def __init__(self, capacity: int, n_channels: int, index_columns: tuple[str, ...] = (),
                 index_capacity: int = 1, n_aux: int = 0):
        self.t = RingBuffer(capacity)
        self.sample_index = RingBuffer(capacity, dtype=np.int64)
        self.raw = RingBuffer(capacity, n_channels)
        self.aux = RingBuffer(capacity, n_aux)
        self.filtered = RingBuffer(capacity, n_channels)
        self.envelope = RingBuffer(capacity, n_channels)
        self.index_columns = tuple(index_columns)
        width = max(1, len(index_columns))
        self.index_norms = RingBuffer(index_capacity, width, dtype=np.int8)
        self.index_rows = RingBuffer(index_capacity, width)

    @property
    def capacity(self) -> int:
        return self.envelope.capacity

    @property
    def total(self) -> int:
        """Samples present in every ring (the last-written ring's counter)."""
        return self.envelope.total

    @property
    def oldest(self) -> int:
        """The oldest absolute index still held by every ring."""
        return max(getattr(self, f).oldest for f in FIELDS)

    def _rings(self):
        return tuple(getattr(self, f) for f in FIELDS)

    # -- writing (the acquisition thread only) ---------------------------------------------
    def write(self, t: np.ndarray, sample_index: np.ndarray, raw: np.ndarray, aux: np.ndarray,
              filtered: np.ndarray, envelope: np.ndarray) -> None:
        for ring, x in zip(self._rings(), (t, sample_index, raw, aux, filtered, envelope)):
            ring.write(x)  # envelope last: what it holds, every ring holds

    def write_index_rows(self, values: np.ndarray, norms: np.ndarray) -> None:
        self.index_norms.write(norms)
        self.index_rows.write(values)

    def grow(self, capacity: int, index_capacity: int | None = None) -> None:
        """Hold at least ``capacity`` samples (and ``index_capacity`` index rows) from now on;
        what is held stays. Never shrinks."""
        for ring in self._rings():
            ring.grow(capacity)
        if index_capacity is not None:
            self.index_norms.grow(index_capacity)
            self.index_rows.grow(index_capacity)

    # -- reading ----------------------------------------------------------------------------
    def frame(self, a: int, b: int) -> Frame:
        """An aligned copy of samples ``[a, b)``; IndexError when any of them is gone or
        not yet written."""
        if b > self.total:
            raise IndexError(f"samples [{a}, {b}) not written yet (written: {self.total})")
        return Frame(a, *(ring.read_range(a, b) for ring in self._rings()))

    def cursor(self, start: int | None = None) -> "FrameCursor":
        """A lossless reader of every sample from ``start`` (default: now) on."""
        return FrameCursor(self, self.total if start is None else start)

    def index_cursor(self, start: int | None = None) -> "IndexRowCursor":
        return IndexRowCursor(self, self.index_rows.total if start is None else start)

    def span(self, start_s: float, end_s: float) -> tuple[int, int]:
        """Absolute indices ``[a, b)`` of the held samples with ``start_s <= t < end_s``."""
        for _ in range(3):   # the writer may move the oldest sample while we read the time line
            total, oldest = self.total, self.oldest
            try:
                t = self.t.read_range(oldest, total)
                break
            except IndexError:
                continue
        else:
            raise IndexError("the rings are written too fast to read their time line")
        return (oldest + int(np.searchsorted(t, start_s, "left")),
                oldest + int(np.searchsorted(t, end_s, "left")))


class FrameCursor:
    """Reads every aligned frame once, in order. If the writer laps it, the lost samples
    are skipped and added to :attr:`overruns`, never silently."""

    def __init__(self, rings: Rings, start: int):
        self._rings = rings
        self.position = start
        self.overruns = 0

    @property
    def pending(self) -> int:
        return self._rings.total - self.position

    def read(self, max_rows: int | None = None, stop: int | None = None) -> tuple[Frame, int]:
        """``(frame, lost)``: the samples written since the last read (at most ``max_rows``,
        none at or past ``stop``), and how many were lost before them in this read."""
        rings = self._rings
        lost = 0
        while True:
            end = rings.total if stop is None else min(rings.total, stop)
            if max_rows is not None:
                end = min(end, self.position + max_rows)
            start = self.position
            oldest = rings.oldest
            if start < oldest:
                lost += oldest - start
                start = self.position = oldest
            end = max(end, start)
            try:
                frame = rings.frame(start, end)
            except IndexError:   # lapped between the checks and the copies: try again
                continue
            self.position = end
            self.overruns += lost
            return frame, lost


class IndexRowCursor:
    """Reads every live index row once, in order, values and norms together."""

    def __init__(self, rings: Rings, start: int):
        self._rings = rings
        self.position = start
        self.overruns = 0

    def read(self) -> IndexRows:
        rings = self._rings
        while True:
            end = rings.index_rows.total
            start = max(self.position, rings.index_rows.oldest, rings.index_norms.oldest)
            try:
                values = rings.index_rows.read_range(start, end)
                norms = rings.index_norms.read_range(start, end)
            except IndexError:   # lapped between the checks and the copies: try again
                continue
            self.overruns += start - self.position
            self.position = end
            return IndexRows(start, values, norms)
