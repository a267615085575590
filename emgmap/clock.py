"""Injectable clocks: real time for live use, a manual clock for tests.

Anything that paces itself (the simulator, emulators, the session's rate
meter) takes a clock, so tests never sleep: with :class:`ManualClock`,
``sleep(dt)`` advances time by ``dt`` at once.
"""
from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic time line."""

    def sleep(self, dt: float) -> None:
        """Let ``dt`` seconds pass."""


class MonotonicClock:
    """The host's monotonic clock (``time.monotonic``)."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, dt: float) -> None:
        if dt > 0:
            time.sleep(dt)


class ManualClock:
    """Time that moves only when someone sleeps or calls :meth:`advance`.

    Thread safe; a paced simulator on this clock runs as fast as the CPU
    allows while its timestamps read as if it ran in real time.
    """

    def __init__(self, start: float = 0.0):
        self._t = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._t

    def advance(self, dt: float) -> None:
        with self._lock:
            self._t += max(0.0, dt)

    sleep = advance


SYSTEM_CLOCK = MonotonicClock()
