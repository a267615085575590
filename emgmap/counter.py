"""Packet counters of boards, and unwrapping a wrapping counter into absolute sample indices.

One rule per board (:data:`COUNTERS`), used by the live drivers (:class:`CounterUnwrapper`)
and by the importers of recorded files (emgmap.recordings.openbci.unwrap_counter), so that a
board's counter means the same live and offline. The rules come from BrainFlow's board
drivers (cyton.cpp, cyton_daisy.cpp, ganglion.cpp, ganglion_native.cpp) and the OpenBCI
firmware:

- Cyton: the packet's sample number, 0..255, +1 per sample;
- Cyton+Daisy: a sample joins two packets and carries one packet's number: +2 per sample;
- Ganglion: one BLE packet per two samples, both carrying its id, cycling through 100
  values (1..100 / 101..200 in firmware 2, 0..99 / 100..199 in firmware 3); firmware 2's
  uncompressed packet 0 holds one sample;
- BrainFlow's synthetic board: 0..255, +1 per sample.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass

WRAP_SLACK = 0.05     # of a wrap: how early a sample may arrive, against the least latency, and still be a wrap later
LATENCY_LEAK = 1e-3   # s/s the least latency may rise (device clocks run within a few hundred ppm of the host's)


class Board(enum.StrEnum):
    """The OpenBCI boards (and BrainFlow's synthetic one) whose counters emgmap knows."""
    CYTON = "Cyton"
    CYTON_DAISY = "Cyton+Daisy"
    GANGLION = "Ganglion"
    SYNTHETIC = "Synthetic"


@dataclass(frozen=True)
class CounterRule:
    """A wrapping packet counter: ``modulus`` values, ``step`` per packet, ``per_packet`` rows
    (samples) per counter value."""
    modulus: int
    step: int = 1
    per_packet: int = 1

    @property
    def period(self) -> int:
        """Samples per full turn of the counter."""
        return self.modulus // self.step * self.per_packet


COUNTERS: dict[Board, CounterRule] = {
    Board.CYTON: CounterRule(256),
    Board.CYTON_DAISY: CounterRule(256, step=2),
    Board.GANGLION: CounterRule(100, per_packet=2),
    Board.SYNTHETIC: CounterRule(256),
}
#: BrainFlow board ids (brainflow.BoardIds) whose rows follow one of these boards: CYTON_BOARD,
#: CYTON_WIFI_BOARD, CYTON_DAISY_BOARD, CYTON_DAISY_WIFI_BOARD, GANGLION_BOARD (BLED112 dongle),
#: GANGLION_NATIVE_BOARD (the computer's Bluetooth), SYNTHETIC_BOARD
BRAINFLOW_BOARDS: dict[int, Board] = {0: Board.CYTON, 5: Board.CYTON, 2: Board.CYTON_DAISY, 6: Board.CYTON_DAISY,
                                      1: Board.GANGLION, 46: Board.GANGLION, -1: Board.SYNTHETIC}


class CounterUnwrapper:
    """Turns a counter that advances by ``step`` per sample and wraps at
    ``modulus`` into an absolute sample index, so that lost packets become gaps.

    The counter alone cannot tell a loss of ``k`` samples from one of
    ``k + modulus / step``; when host times are given (and ``fs``), whole
    wraps are added when the host clock says so, so a long dropout (a radio
    fade) still gives the right gap. Host times are parse times: late by the
    delivery latency, never early. The least latency ``t - index / fs`` seen
    (a lower envelope that may rise by :data:`LATENCY_LEAK` s/s, so that device
    clock drift never accumulates) is the clock offset, as in
    :func:`emgmap.recordings.openbci.unwrap_counter` and the device-rate check.
    A wrap is added only when the sample, placed one wrap later, would still
    arrive no earlier than that offset allows, less 1/20 of a wrap: a sender or
    reader that stalls for less than 19/20 of a wrap and then delivers its
    backlog is never a false gap, and a real loss is found unless its first
    sample arrives more than 19/20 of a wrap late. (Judging by the time since
    the previous sample instead misreads a stall: the previous sample may have
    been on time and the stalled one late.) At a Cyton's 250 Hz and a
    Cyton+Daisy's 125 Hz a wrap is 1.02 s; a device silent for 1 s counts as
    lost anyway.

    Parameters
    ----------
    modulus : the counter wraps to 0 at this value (256 for a Cyton, 65536 for
        the emgmap serial protocol); None: the stream has no counter and
        samples are consecutive.
    step : counter increment per packet (1; 2 for a Cyton+Daisy, whose
        samples are packet pairs).
    per_packet : samples per counter value (2 for a Ganglion: both samples of a BLE
        packet carry its id). A counter repeated more often than that is a duplicate.
        The first samples after the start, when fewer than a packet, are that packet's
        last ones (as :func:`emgmap.recordings.openbci.unwrap_counter` counts them).
    fs : sampling rate, Hz, to use host times.
    reject_after_s : when given (with ``fs`` and host times), a counter that jumps further ahead
        than the host clock allows is a corrupted counter, not lost samples: a garbled ascii
        counter (``1234`` read as ``9234``) would otherwise count as thousands of lost samples,
        and the one after it as a whole wrap (65,535). The clock allows the time from the
        earliest moment the last accepted sample can have been sent (its ``since``: the read
        before the one that delivered it, as each read drains what waited) to this sample's
        ``t``, plus this slack. Such a sample is refused (``None``), counted in :attr:`rejected`,
        and the counter stays on the last good value. When two refused counters in a row follow
        each other the stream really moved, and the jump is believed: forward as a gap (a source
        that bursts a backlog); backward, or before any two accepted counters followed each
        other (the very first counter was garbled), by re-basing the counter on the host clock,
        as after :meth:`resume` (the accepted counter was the odd one).
    """

    def __init__(self, modulus: int | None, step: int = 1, fs: float | None = None,
                 reject_after_s: float | None = None, per_packet: int = 1):
        if modulus is not None and modulus % step:
            raise ValueError(f"modulus {modulus} is not a multiple of step {step}")
        self.modulus, self.step, self.fs, self.per_packet = modulus, step, fs, per_packet
        self._pos: int | None = None      # the last sample's place in its packet (None: not known)
        self.reject_after_s = reject_after_s
        self.rejected = 0
        self._last: int | None = None   # last raw counter value
        self._index: int | None = None  # absolute index of the last sample
        self._t: float | None = None     # host time of the last sample
        self._refused: int | None = None  # the last refused counter, when the previous sample was refused
        self._since: float | None = None  # earliest send time of the last sample
        self._established = False         # two accepted counters have followed each other
        self._offset: float | None = None  # the least latency t - index / fs (leaky), and when it was taken
        self._offset_t = 0.0

    @classmethod
    def for_rule(cls, rule: CounterRule | None, fs: float | None = None,
                 reject_after_s: float | None = None) -> "CounterUnwrapper":
        """The unwrapper of a board's counter (:data:`COUNTERS`); None: no counter."""
        if rule is None:
            return cls(None, fs=fs, reject_after_s=reject_after_s)
        return cls(rule.modulus, rule.step, fs, reject_after_s, rule.per_packet)

    def resume(self) -> None:
        """Forget the counter (the device reset or was reconnected): the next sample's
        index follows from the host time elapsed from the last one to the earliest moment
        the next can have been sent (its ``since``; without one, its arrival)."""
        self._last = None
        self._pos = None
        self._established = False
        self._offset = None

    def __call__(self, counter: int | None, t: float | None = None, since: float | None = None) -> int | None:
        """The absolute index of the sample carrying ``counter`` (seen at host time ``t``, sent
        no earlier than ``since``, default ``t``), or None for a repeat of the previous counter
        value (a duplicate, not a sample) or a counter the host clock rules out (:attr:`rejected`)."""
        pos = 0
        if self._index is None:  # the first sample: its own count (0 without a counter)
            index = 0 if counter is None or self.modulus is None else \
                (int(counter) % self.modulus) // self.step * self.per_packet
            pos = None
        elif self._last is None or counter is None or self.modulus is None:
            d = 1
            if self._last is None and t is not None and self._t is not None and self.fs:
                # after resume(): by the clock, from the earliest moment this sample can have been
                # sent (from its arrival, a reader's stall would count as lost samples)
                d = max(1, round(((t if since is None else since) - self._t) * self.fs))
            index = self._index + d
            pos = None
        else:
            counter = int(counter) % self.modulus
            packets = self.modulus // self.step
            period = packets * self.per_packet
            dp = ((counter - self._last) % self.modulus) // self.step  # packets forward, 0..packets-1
            if dp == 0:   # the packet's next sample, or a duplicate
                at = 0 if self._pos is None else self._pos
                if at + 1 >= self.per_packet:
                    return None
                self._pos = at + 1
                self._index += 1
                self._t = t
                self._track_latency(t)
                return self._index
            # from the last sample's place in its packet (unknown: its last place) to the new
            # packet's first sample
            d = dp * self.per_packet - (self.per_packet - 1 if self._pos is None else self._pos)
            if self._contradicted(d, t):
                agree = self._refused is not None and (counter - self._refused) % self.modulus == self.step
                if not agree:
                    self._refused = counter
                    self.rejected += 1
                    return None
                # two in a row agree: the stream really moved. Forward, a gap (the source sent a
                # backlog in a burst); backward, or when no two accepted counters ever followed
                # each other (the first one was the odd one), by the clock
                if dp > packets // 2 or not self._established:
                    self._last = None
                    return self(counter, t, since)
            if t is not None and self._offset is not None and self.fs:
                # whole wraps the host clock says were missed: how much later than the least latency
                # this sample arrives, at the counter's index (a stall's backlog is late, never early)
                late = t - self._leaked_offset(t) - (self._index + d) / self.fs
                d += period * max(0, math.floor(late * self.fs / period + WRAP_SLACK))
            index = self._index + d
        self._refused = None
        self._pos = pos
        if counter is not None and self.modulus is not None:
            if self._last is not None and self._last >= 0 and (int(counter) - self._last) % self.modulus == self.step:
                self._established = True
            self._last = int(counter) % self.modulus
        else:
            self._last = -1  # no counter: anything but None, so resume() is still visible
        self._index, self._t = index, t
        self._since = t if since is None else since
        self._track_latency(t)
        return index

    def _leaked_offset(self, t: float) -> float:
        return self._offset + LATENCY_LEAK * max(0.0, t - self._offset_t)

    def _track_latency(self, t: float | None) -> None:
        if t is None or not self.fs:
            return
        latency = t - self._index / self.fs
        self._offset = latency if self._offset is None else min(self._leaked_offset(t), latency)
        self._offset_t = t

    def _contradicted(self, d: int, t: float | None) -> bool:
        """Does the host clock rule out a jump of ``d`` samples since the last sample?"""
        if self.reject_after_s is None or t is None or self._since is None or not self.fs or d == 1:
            return False
        return d - 1 > (t - self._since + self.reject_after_s) * self.fs
