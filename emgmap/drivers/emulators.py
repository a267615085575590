"""Emulated boards on pseudo-terminals, speaking the real wire protocols.

- :class:`CytonEmulator`: the OpenBCI Cyton serial protocol, as BrainFlow's own
  Cyton driver expects it (reference/boards-and-libraries.md): ``v`` -> banner
  ending ``$$$``, ``d`` -> defaults reply, ``b``/``s`` start/stop 33-byte packets
  at 250 Hz carrying the simulator's signal as ADS1299 counts.
- :class:`SerialEmulator`: the emgmap serial protocol v1 (binary or ascii), with
  a banner on reset (when a host opens the port, as an Arduino resets on DTR)
  and optional faults: dropped frames, corrupted frames, garbage bytes.

Both pace themselves on a clock, run on a thread, and can be unplugged
(:meth:`PtyEmulator.unplug`: the pty closes), replugged (a new pty; keep a
``link`` to find it) or paused (the board falls silent, the port stays).
"""
from __future__ import annotations

import threading

import numpy as np

from ..clock import SYSTEM_CLOCK, Clock
from ..sim import SimConfig, Simulator
from .pty_port import PtyPort
from .serial_protocol import Banner, encode_frame, encode_line

# ADS1299 at gain 24: µV per count = 4.5 V / 24 / (2^23 - 1) * 1e6 (reference, OpenBCI docs)
CYTON_UV_PER_COUNT = 4.5 / 24 / (2 ** 23 - 1) * 1e6
CYTON_FS = 250.0
CYTON_BANNER = (b"OpenBCI V3 8-16 channel\nOn Board ADS1299 Device ID: 0x3E\n"
                b"LIS3DH Device ID: 0x33\nFirmware: v3.1.2 (emgmap emulator)\n$$$")
CYTON_DEFAULTS_REPLY = b"updating channel settings to default$$$"


def cyton_packet(sample_number: int, counts: np.ndarray) -> bytes:
    """``A0 | sample number | 8 x 24-bit signed BE | 6 aux bytes (accel, zero) | C0``."""
    c = np.asarray(counts, dtype=np.int64) & 0xFFFFFF
    be = np.stack([(c >> 16) & 0xFF, (c >> 8) & 0xFF, c & 0xFF], axis=1).astype(np.uint8).tobytes()
    return bytes([0xA0, sample_number & 0xFF]) + be + bytes(6) + b"\xc0"


def uv_to_cyton_counts(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(np.asarray(x) / CYTON_UV_PER_COUNT), -(2 ** 23), 2 ** 23 - 1).astype(np.int64)


class SampleSource:
    """The simulator's samples one by one in order, however many are asked for."""

    def __init__(self, config: SimConfig):
        self.sim = Simulator(config)
        self._buf = np.empty((0, config.channels))
        self.next_index = 0  # absolute simulator index of the next sample handed out

    def take(self, n: int) -> np.ndarray:
        while self._buf.shape[0] < n:
            _, x = self.sim.next_frame()
            self._buf = np.concatenate([self._buf, x])
        out, self._buf = self._buf[:n], self._buf[n:]
        self.next_index += n
        return out


class PtyEmulator:
    """A board behind a :class:`PtyPort`, run on a thread (:meth:`start`/:meth:`stop`)."""

    fs: float

    def __init__(self, *, link: str | None = None, clock: Clock = SYSTEM_CLOCK, seed: int = 0,
                 drop_rate: float = 0.0):
        self.port = PtyPort(link)
        self.clock = clock
        self.drop_rate = drop_rate
        self._rng = np.random.default_rng([seed, 7])
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.paused = False
        self.streaming = False
        self._t_start = 0.0
        self._sent = 0        # samples due since streaming started (sent or dropped)
        self.dropped = 0      # samples the emulator dropped on purpose
        self.origin = 0       # the simulator sample that the current stream's sample 0 carries

    @property
    def path(self) -> str:
        """What a host opens: the link when there is one, else the current pty."""
        return self.port.link or self.port.path

    # -- control (any thread) -------------------------------------------------------
    def start(self) -> "PtyEmulator":
        self._thread = threading.Thread(target=self.run, name="emgmap-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            self.port.close()

    def unplug(self) -> None:
        with self._lock:
            self.port.unplug()
            self.streaming = False

    def plug(self) -> None:
        with self._lock:
            self.port.plug()

    def pause(self, paused: bool = True) -> None:
        """Fall silent (True) or speak again (False), keeping the port open."""
        with self._lock:
            self.paused = paused

    # -- the board -----------------------------------------------------------------
    def run(self) -> None:
        host = False
        while not self._stop.is_set():
            with self._lock:
                now_open = self.port.host_open()
                if now_open != host:
                    host = now_open
                    self.on_host(host)
                if host:
                    data = self.port.read(0.0)
                    if data:
                        self.on_bytes(data)
                    self.tick()
                    if self.streaming and not self.paused:
                        self._pump()
            # wait outside the lock so unplug()/pause() never wait for a whole period
            self._stop.wait(0.004 if host else 0.02)

    def begin_stream(self) -> None:
        """Stream from sample number 0; the simulated body runs on (it does not restart with the
        board), so sample ``k`` now carries simulator sample ``origin + k``."""
        self.streaming = True
        self._t_start = self.clock.now()
        self._sent = 0
        self.origin = self.source.next_index

    def _pump(self) -> None:
        due = int((self.clock.now() - self._t_start) * self.fs) - self._sent
        if due <= 0:
            return
        due = min(due, int(self.fs))  # after a stall, at most 1 s at once
        x = self.source.take(due)
        keep = self._rng.random(due) >= self.drop_rate if self.drop_rate else np.ones(due, bool)
        self.dropped += int((~keep).sum())
        out = self.encode(self._sent, x, keep)
        self._sent += due
        if out:
            self.port.write(out)

    def on_host(self, connected: bool) -> None:
        """A host opened (True) or closed (False) the port."""

    def on_bytes(self, data: bytes) -> None:
        """Bytes the host sent."""

    def tick(self) -> None:
        """Called every loop while a host has the port open."""

    def encode(self, first: int, x: np.ndarray, keep: np.ndarray) -> bytes:
        """The wire bytes of samples ``first ..`` (counted from the stream start) where ``keep``."""
        raise NotImplementedError


class CytonEmulator(PtyEmulator):
    """An OpenBCI Cyton (8 channels, 250 Hz, gain 24) on a pty, or with ``daisy``
    a Cyton+Daisy (16 channels at 125 Hz).

    Sample numbers count from 0 at each ``b``; the simulator's signal runs on
    (a body does not restart), so sample ``k`` carries simulator sample
    ``origin + k`` (:meth:`PtyEmulator.begin_stream`; 0 after the first ``b``).
    Dropped packets (``drop_rate``) still advance the sample number, as a lost
    radio packet does. A Daisy sample ``k`` goes out
    as two packets: number ``2k`` with channels 9-16, then ``2k + 1`` with
    channels 1-8 (mod 256): the pairing BrainFlow 5.23's cyton_daisy driver
    joins (it emits on the odd packet and reports the even number).
    """

    def __init__(self, *, scenario: str = "healthy", seed: int = 0, daisy: bool = False, **kw):
        super().__init__(seed=seed, **kw)
        self.daisy = daisy
        self.fs = CYTON_FS / 2 if daisy else CYTON_FS
        self.source = SampleSource(SimConfig(fs=self.fs, channels=16 if daisy else 8, scenario=scenario,
                                             seed=seed))
        self._cmd = b""

    def on_host(self, connected: bool) -> None:
        self.streaming = False
        self._cmd = b""

    def on_bytes(self, data: bytes) -> None:
        for ch in data:
            c = bytes([ch])
            if self._cmd:  # inside a channel setting `x CH PWR GAIN INPUT BIAS SRB2 SRB1 X`
                self._cmd += c
                if c == b"X" or len(self._cmd) >= 9:
                    self.port.write(b"Success: Channel set for " + self._cmd[1:2] + b"$$$")
                    self._cmd = b""
            elif c == b"x":
                self._cmd = c
            elif c == b"v":
                self.streaming = False
                self.port.write(CYTON_BANNER)
            elif c == b"d":
                self.port.write(CYTON_DEFAULTS_REPLY)
            elif c == b"b":
                self.begin_stream()
            elif c == b"s":
                self.streaming = False

    def encode(self, first: int, x: np.ndarray, keep: np.ndarray) -> bytes:
        counts = uv_to_cyton_counts(x)
        if not self.daisy:
            return b"".join(cyton_packet(first + k, counts[k]) for k in np.flatnonzero(keep))
        return b"".join(cyton_packet(2 * (first + k), counts[k, 8:]) + cyton_packet(2 * (first + k) + 1,
                                                                                       counts[k, :8])
                        for k in np.flatnonzero(keep))


class SerialEmulator(PtyEmulator):
    """An Arduino-class board speaking emgmap serial protocol v1.

    It resets whenever a host opens the port (as an Uno does on DTR): after
    ``boot_s`` (the bootloader; pyserial also flushes its input while opening,
    so nothing may come before), the banner line, then samples from seq 0. Faults: ``drop_rate`` (frames never sent,
    seq still advances: a gap), ``corrupt_rate`` (one bit flipped in a frame:
    a CRC error), ``garbage_rate`` (random bytes before a frame: a resync).
    """

    def __init__(self, *, fs: float = 1000.0, channels: int = 4, format: str = "binary",
                 scale_uv: float = 1.0, scenario: str = "healthy", seed: int = 0, banner: bool = True,
                 counter: bool = False, corrupt_rate: float = 0.0, garbage_rate: float = 0.0,
                 boot_s: float = 0.1, **kw):
        super().__init__(seed=seed, **kw)
        self.fs, self.channels, self.format, self.scale_uv = fs, channels, format, scale_uv
        self.banner, self.counter = banner, counter
        self.corrupt_rate, self.garbage_rate = corrupt_rate, garbage_rate
        self.source = SampleSource(SimConfig(fs=fs, channels=channels, scenario=scenario, seed=seed))
        self.resets = 0
        self.boot_s = boot_s
        self._boot_end: float | None = None

    def banner_line(self) -> bytes:
        return Banner(self.fs, self.channels, self.scale_uv, self.format).line()

    def on_host(self, connected: bool) -> None:
        self.streaming = False
        self._boot_end = self.clock.now() + self.boot_s if connected else None

    def tick(self) -> None:
        if self._boot_end is not None and self.clock.now() >= self._boot_end:
            self._boot_end = None  # booted: banner, then stream from seq 0
            self.resets += 1
            if self.banner:
                self.port.write(self.banner_line())
            self.begin_stream()

    def counts(self, x: np.ndarray) -> np.ndarray:
        return np.clip(np.rint(x / self.scale_uv), -32768, 32767).astype(np.int64)

    def encode(self, first: int, x: np.ndarray, keep: np.ndarray) -> bytes:
        counts = self.counts(x)
        rng, parts = self._rng, []
        for k in np.flatnonzero(keep):
            if self.garbage_rate and rng.random() < self.garbage_rate:
                parts.append(rng.integers(0, 256, int(rng.integers(1, 40)), dtype=np.uint8).tobytes())
            if self.format == "binary":
                frame = bytearray(encode_frame(first + k, counts[k]))
                if self.corrupt_rate and rng.random() < self.corrupt_rate:
                    i = int(rng.integers(2, len(frame)))  # after the sync: seq, n, data or CRC
                    frame[i] ^= 1 << int(rng.integers(0, 8))
                parts.append(bytes(frame))
            else:
                parts.append(encode_line(counts[k], first + k if self.counter else None))
        return b"".join(parts)
