"""Unwrapping a device's wrapping sample counter into absolute sample indices."""
from __future__ import annotations

import math

STALL_SLACK = 0.25  # of a wrap: host-time evidence for an extra wrap needs > 3/4 of one


class CounterUnwrapper:
    """Turns a counter that advances by ``step`` per sample and wraps at
    ``modulus`` into an absolute sample index, so that lost packets become gaps.

    The counter alone cannot tell a loss of ``k`` samples from one of
    ``k + modulus / step``; when host times are given (and ``fs``), whole
    wraps are added when the elapsed host time says so, so a long dropout (a
    radio fade) still gives the right gap. Host times are parse times, and a
    reader that stalls delivers late without losing anything: the elapsed time
    must exceed the counter's jump by more than 3/4 of a wrap before a wrap is
    added (a stall shorter than that is never a false gap; host jitter up to
    1/4 wrap never hides a real one). At a Cyton's 250 Hz a wrap is 1.02 s,
    longer than the 1 s after which a silent device counts as lost anyway.

    Parameters
    ----------
    modulus : the counter wraps to 0 at this value (256 for a Cyton, 65536 for
        the emgmap serial protocol); None: the stream has no counter and
        samples are consecutive.
    step : counter increment per sample (1; 2 for a Cyton+Daisy, whose
        samples are packet pairs).
    fs : sampling rate, Hz, to use host times.
    """

    def __init__(self, modulus: int | None, step: int = 1, fs: float | None = None):
        if modulus is not None and modulus % step:
            raise ValueError(f"modulus {modulus} is not a multiple of step {step}")
        self.modulus, self.step, self.fs = modulus, step, fs
        self._last: int | None = None   # last raw counter value
        self._index: int | None = None  # absolute index of the last sample
        self._t: float | None = None     # host time of the last sample

    def resume(self) -> None:
        """Forget the counter (the device reset or was reconnected): the next sample's
        index follows from the host time elapsed since the last one."""
        self._last = None

    def __call__(self, counter: int | None, t: float | None = None) -> int | None:
        """The absolute index of the sample carrying ``counter`` (seen at host time ``t``),
        or None for a repeat of the previous counter value (a duplicate, not a sample)."""
        if self._index is None:  # the first sample: its own count (0 without a counter)
            index = 0 if counter is None or self.modulus is None else (int(counter) % self.modulus) // self.step
        elif self._last is None or counter is None or self.modulus is None:
            d = 1
            if self._last is None and t is not None and self._t is not None and self.fs:
                d = max(1, round((t - self._t) * self.fs))  # after resume(): by the clock
            index = self._index + d
        else:
            counter = int(counter) % self.modulus
            period = self.modulus // self.step
            d = ((counter - self._last) % self.modulus) // self.step  # samples forward, 0..period-1
            if d == 0:
                return None
            if t is not None and self._t is not None and self.fs:
                # whole wraps the host clock says were missed; a late delivery (a stalled
                # reader, a burst after a hiccup) must exceed 3/4 of a wrap to count
                d += period * max(0, math.floor(((t - self._t) * self.fs - d) / period + STALL_SLACK))
            index = self._index + d
        if counter is not None and self.modulus is not None:
            self._last = int(counter) % self.modulus
        else:
            self._last = -1  # no counter: anything but None, so resume() is still visible
        self._index, self._t = index, t
        return index
