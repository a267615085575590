"""``serial:PORT?fs=&channels=&format=binary|ascii&scale_uv=&baud=&counter=``:
Arduino-class boards speaking emgmap serial protocol v1 (docs/serial-protocol.md).

Opening probes the port for up to :data:`PROBE_S` seconds (an Arduino Uno
resets when the port opens and sends its banner after its bootloader): the
banner gives fs, channels, scale_uv and format; URL parameters override it;
channels and format are also recognised from the frames themselves. What is
wrong (no such port, busy, silent, garbage at this baud, channel mismatch)
ends in one sentence naming the port and what to try.

Indices come from the frame counter (``seq``, or the ascii counter with
``counter=1``), unwrapped mod 65536; a counter jump that the host clock rules
out (a garbled ascii counter, a board restarting without its banner) is counted
in ``bad_counters`` and its sample refused, not turned into a gap of thousands of
samples. Timestamps (on the session clock) are the sample index / fs plus a
smoothed offset to the host clock: strictly increasing, evenly spaced within a
run of samples, and following the board's clock drift; how many frames one read
happens to return (which varies with load) does not move them. A board that falls
silent for more than 1 s or disappears raises DeviceLost, and ``start()`` after
``stop()`` reopens the port (the session's reconnect).
"""
from __future__ import annotations

import collections
from collections import Counter

import numpy as np

from ..clock import SYSTEM_CLOCK, Clock
from ..counter import CounterUnwrapper
from ..montage import guess_montage
from ..types import DeviceError, DeviceLost, Remedy, SampleBlock, StreamSpec
from .base import Driver
from .serial_protocol import (FORMATS, MAX_CHANNELS, SEQ_MODULUS, AsciiParser, Banner, BinaryParser, Frame,
                              make_parser)
from .spec import DeviceSpec

PARAMS = ("fs", "channels", "format", "scale_uv", "baud", "counter")
PROBE_S = 2.5        # an Uno's bootloader waits ~1.6 s after the reset on open
PROBE_FRAMES = 5     # frames that settle the format and the channel count
SILENCE_S = 1.0      # no valid frame for this long: the device is lost
READ_TIMEOUT_S = 0.05
COUNTER_SLACK_S = 0.1  # host-clock slack before a counter jump is ruled out (USB delivers in bursts)
#: how fast the timestamp offset follows the host clock, per read: quickly towards lower latency
#: (the offset sits at the fastest delivery seen), slowly upwards (drift, a slower board clock)
OFFSET_DOWN, OFFSET_UP = 0.5, 0.02


def _serial():
    import serial
    return serial


def open_port(port: str, baud: int, what: str):
    """pyserial port opened exclusively; DeviceError in one sentence when it cannot be."""
    serial = _serial()
    try:
        return serial.Serial(port, baud, timeout=READ_TIMEOUT_S, exclusive=True)
    except serial.SerialException as e:
        errno = getattr(e, "errno", None)
        text = str(e)
        if errno == 2 or "No such file" in text:
            raise DeviceError(f"{what}: no such port {port}", Remedy.LIST_DEVICES) from None
        if errno == 13 or "Permission denied" in text:
            raise DeviceError(f"{what}: no permission to open {port}; on Linux add yourself to the dialout group "
                              "(`sudo usermod -aG dialout $USER`, then log in again)") from None
        if "exclusively lock" in text or errno == 16:
            raise DeviceError(f"{what}: {port} is busy (another program has it open); close that program "
                              "(serial monitor, another emgmap)") from None
        raise DeviceError(f"{what}: cannot open {port} ({text}); check that it is a serial port") from None


class SerialDriver(Driver):
    reconnectable = True

    def __init__(self, spec: DeviceSpec, clock: Clock = SYSTEM_CLOCK):
        self.clock = clock
        if not spec.target:
            raise spec._err("give the port, e.g. serial:/dev/ttyACM0?fs=1000&channels=4")
        self.port = spec.target
        self.what = f"device {spec.text!r}"
        fs = spec.take_float("fs", None, 1, 100_000)
        channels = spec.take_int("channels", None, 1, MAX_CHANNELS)
        fmt = spec.take_str("format", None, FORMATS)
        scale = spec.take_float("scale_uv", None, 1e-9, 1e9)
        self.baud = spec.take_int("baud", 115200, 50, 10_000_000)
        self.counter = spec.take_bool("counter", False)
        spec.finish(PARAMS)
        self._ser = open_port(self.port, self.baud, self.what)
        try:
            banner, fmt, channels = self._probe(fmt, channels)
            fs = fs or banner.fs
            if fs is None:
                raise DeviceError(f"{self.what}: {self.port} sent no banner with its sample rate; add fs=<Hz> to "
                                  "the device spec")
        except BaseException:
            self._ser.close()
            raise
        self.fs, self.channels, self.format = fs, channels, fmt
        self.scale_uv = scale or banner.scale_uv or 1.0
        self.montage = guess_montage(channels)
        names = self.montage.names if self.montage else tuple(f"ch{i + 1}" for i in range(channels))
        self.spec = StreamSpec(fs=fs, channel_names=names, device=spec.text,
                               device_model=f"emgmap serial board ({fmt})",
                               range_uv=32767 * self.scale_uv if fmt == "binary" else float("inf"))
        has_counter = fmt == "binary" or self.counter
        self._unwrap = CounterUnwrapper(SEQ_MODULUS if has_counter else None, 1, fs,
                                        reject_after_s=COUNTER_SLACK_S)
        self._offset: float | None = None   # timestamp = index / fs + offset (host clock)
        self._prev_read: float | None = None  # host time of the previous read
        self._last_ts = -np.inf
        self._parser = make_parser(fmt, channels, self.counter)
        self._pending: collections.deque[SampleBlock] = collections.deque()
        self._counts = {"resyncs": 0, "crc_errors": 0, "garbage_bytes": 0, "bad_lines": 0,
                        "wrong_channels": 0, "duplicates": 0, "resets": 0, "bad_counters": 0}
        self._last_frame = 0.0
        self._started = False
        self._streaming = False  # a frame arrived since start()

    # -- probing -------------------------------------------------------------------
    def _probe(self, fmt: str | None, channels: int | None) -> tuple[Banner, str, int]:
        """Read until a few frames arrive; both parsers run, the format given wins, else the one
        that found frames (binary frames carry a CRC, so binary is trusted first)."""
        parsers = {"binary": BinaryParser(), "ascii": AsciiParser(None, self.counter)}
        got: dict[str, list[Frame]] = {"binary": [], "ascii": []}
        banner = Banner()
        n_bytes = 0
        t0 = self.clock.now()
        while self.clock.now() - t0 < PROBE_S:
            data = self._read_raw(self._ser, lost=False)
            n_bytes += len(data)
            for name, p in parsers.items():
                for item in p.feed(data):
                    if isinstance(item, Banner):
                        banner = item
                    else:
                        got[name].append(item)
            fmt_now = fmt or banner.format or next((f for f in FORMATS if len(got[f]) >= PROBE_FRAMES), None)
            if fmt_now and len(got[fmt_now]) >= PROBE_FRAMES:
                break
        # recognised only from several frames: a few digits between newlines in a binary
        # stream (or in noise) must not pass for ascii
        fmt = fmt or banner.format or next((f for f in FORMATS if len(got[f]) >= PROBE_FRAMES), None)
        if n_bytes == 0:
            raise DeviceError(f"{self.what}: {self.port} sent nothing in {PROBE_S:g} s; check that it is the board, "
                              "that it is powered and that its sketch is running", Remedy.LIST_DEVICES)
        if fmt is None or not got[fmt]:
            raise DeviceError(f"{self.what}: {self.port} sends {n_bytes} bytes but no valid emgmap frames at "
                              f"{self.baud} baud; check the baud rate (baud=...) and format=binary|ascii")
        seen = Counter(f.values.size for f in got[fmt]).most_common(1)[0][0]
        channels = channels or banner.channels or seen
        if seen != channels:
            raise DeviceError(f"{self.what}: {self.port} sends {seen} channels, not {channels}; set channels={seen} "
                              "or fix the board's sketch")
        return banner, fmt, channels

    # -- I/O -----------------------------------------------------------------------
    def _read_raw(self, ser, lost: bool = True) -> bytes:
        try:
            return ser.read(max(1, ser.in_waiting))
        except (OSError, _serial().SerialException) as e:
            if lost:
                raise DeviceLost(f"{self.port} disappeared ({e.__class__.__name__}); check the cable") from None
            raise DeviceError(f"{self.what}: reading {self.port} failed ({e}); check the cable") from None

    @property
    def counters(self) -> dict[str, int]:
        c = dict(self._counts)
        for k, v in self._parser.counters.items():
            if k in c:
                c[k] += v
        shown = ("resyncs", "crc_errors") if self.format == "binary" else ("bad_lines",)
        # the host clock saw what the counter said was lost: counted with the lines that carried it
        if self.format == "ascii":
            c["bad_lines"] += c.pop("bad_counters")
        return {k: v for k, v in c.items() if k in shown or v}

    def start(self) -> None:
        if self._ser is None:
            self._ser = open_port(self.port, self.baud, self.what)
        else:  # still open from the probe: start from fresh data, not the backlog since then
            self._ser.reset_input_buffer()
        self._parser = make_parser(self.format, self.channels, self.counter)
        if self._started:
            self._unwrap.resume()
        self._started, self._streaming = True, False
        self._last_frame = self._prev_read = self.clock.now()

    def stop(self) -> None:
        ser, self._ser = self._ser, None
        if ser is not None:
            for k, v in self._parser.counters.items():  # keep the totals across reconnects
                if k in self._counts:
                    self._counts[k] += v
            self._parser.counters = dict.fromkeys(self._parser.counters, 0)  # folded in: count them once
            try:
                ser.close()
            except Exception:  # a vanished port may fail to close; it is closed either way
                pass

    def read(self) -> SampleBlock | None:
        if self._pending:
            return self._pending.popleft()
        if self._ser is None:
            raise RuntimeError("read() before start()")
        data = self._read_raw(self._ser)
        now = self.clock.now()
        frames = []
        for item in self._parser.feed(data) if data else ():
            if isinstance(item, Banner):  # the board reset: its counter restarts
                self._counts["resets"] += 1
                self._unwrap.resume()
            elif item.values.size != self.channels:
                self._counts["wrong_channels"] += 1
            else:
                frames.append(item)
        if not frames:
            self._prev_read = now
            # until the first frame after (re)opening, allow for the board's reset and bootloader
            if now - self._last_frame > (SILENCE_S if self._streaming else PROBE_S):
                raise DeviceLost(f"{self.port} sent no valid frame for {SILENCE_S:g} s; check the board's power "
                                 "and cable")
            return None
        self._last_frame, self._streaming = now, True
        self._blocks(frames, now)
        self._prev_read = now
        return self._pending.popleft() if self._pending else None

    def _blocks(self, frames: list[Frame], now: float) -> None:
        n = len(frames)
        rejected = self._unwrap.rejected
        # each frame of this read was sent after the previous read (which drained the port) and by now
        idx = [self._unwrap(f.seq, now, self._prev_read) for f in frames]
        keep = [k for k, i in enumerate(idx) if i is not None]
        bad = self._unwrap.rejected - rejected
        self._counts["bad_counters"] += bad
        self._counts["duplicates"] += n - len(keep) - bad
        if not keep:
            return
        idx = np.array([idx[k] for k in keep], dtype=np.int64)
        ts = self._timestamps(idx, now)
        x = np.array([frames[k].values for k in keep], dtype=np.float64) * self.scale_uv
        cuts = np.flatnonzero(np.diff(idx) != 1) + 1
        for a, b in zip(np.r_[0, cuts], np.r_[cuts, idx.size]):
            if b > a:
                self._pending.append(SampleBlock(x[a:b], ts[a:b], int(idx[a])))


    def _timestamps(self, idx: np.ndarray, now: float) -> np.ndarray:
        """index / fs + offset; the offset follows ``now - newest index / fs`` (the newest sample
        arrived by now), quickly downwards and slowly upwards, and never lets time go back."""
        seen = now - idx[-1] / self.fs
        if self._offset is None:
            self._offset = seen
        else:
            self._offset += (seen - self._offset) * (OFFSET_DOWN if seen < self._offset else OFFSET_UP)
        ts = idx / self.fs + self._offset
        if ts[0] <= self._last_ts:  # the offset fell faster than a sample period: keep order, shift on
            shift = self._last_ts - ts[0] + 0.5 / self.fs
            ts += shift
            self._offset += shift
        self._last_ts = float(ts[-1])
        return ts


def open_serial(spec: DeviceSpec, clock: Clock) -> SerialDriver:
    return SerialDriver(spec, clock)
