"""emgmap serial wire protocol v1 (DESIGN §3, docs/serial-protocol.md): pure,
incremental parsers (bytes in, frames out) and the matching encoders.

The parsers do no I/O, keep their state across :meth:`feed` calls (a frame
may arrive split over any number of reads) and never raise on input: bytes
that are not a valid frame are discarded, counted, and parsing resumes at the
next candidate. A binary frame is yielded only when its CRC matches, so a
corrupted frame never yields a sample.
"""
from __future__ import annotations

import binascii
import math
import re
import struct
from dataclasses import dataclass

import numpy as np

SYNC = b"\xa5\x5a"
HEADER_LEN = 5            # sync (2) + seq (2) + n (1)
MAX_CHANNELS = 32
SEQ_MODULUS = 1 << 16     # seq (binary) and the ascii counter wrap here
MAX_LINE = 1024           # longer "lines" are garbage (a binary stream read as ascii)
#: ascii values beyond this magnitude are not samples of any ADC (a 32-bit one reaches 2^31): the
#: line is garbled (``1e300``), counted as bad rather than stored as an absurd (or, as float32, infinite) value
ASCII_MAX_ABS = 2.0 ** 31
BANNER_PREFIX = "# emgmap-serial v1"
FORMATS = ("binary", "ascii")


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final xor
    (check value 0x29B1 for b"123456789"; the catalogue of Greg Cook's CRC RevEng)."""
    return binascii.crc_hqx(data, 0xFFFF)


def encode_frame(seq: int, counts) -> bytes:
    """One binary frame: ``A5 5A | seq u16 LE | n u8 | n x i16 LE | crc16 LE``."""
    counts = np.asarray(counts)
    n = counts.shape[0]
    if not 1 <= n <= MAX_CHANNELS:
        raise ValueError(f"a frame carries 1 to {MAX_CHANNELS} channels, got {n}")
    body = struct.pack("<HB", seq % SEQ_MODULUS, n) + counts.astype("<i2").tobytes()
    return SYNC + body + struct.pack("<H", crc16(body))


def encode_line(values, seq: int | None = None) -> bytes:
    """One ascii sample line, comma separated, with the counter first when given."""
    # 12 significant digits: any 32-bit count survives (":g" turned 1000001 into 1e+06)
    parts = ([str(seq % SEQ_MODULUS)] if seq is not None else []) + [f"{v:.12g}" for v in values]
    return (",".join(parts) + "\n").encode()


@dataclass(frozen=True)
class Banner:
    """``# emgmap-serial v1 fs=1000 channels=4 scale_uv=4.88 [format=binary|ascii]``,
    sent by a board on reset. Fields it does not give are None."""
    fs: float | None = None
    channels: int | None = None
    scale_uv: float | None = None
    format: str | None = None

    def line(self) -> bytes:
        fields = [f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                  for k, v in (("fs", self.fs), ("channels", self.channels), ("scale_uv", self.scale_uv),
                               ("format", self.format)) if v is not None]
        return (" ".join([BANNER_PREFIX, *fields]) + "\n").encode()


def parse_banner(line: str) -> Banner | None:
    """The :class:`Banner` in a ``#`` line, or None when the line is another comment
    (or a banner with values out of range: a garbled banner is ignored, not trusted)."""
    if not line.startswith(BANNER_PREFIX):
        return None
    kv = dict(p.split("=", 1) for p in line[len(BANNER_PREFIX):].split() if "=" in p)
    try:
        fs = float(kv["fs"]) if "fs" in kv else None
        channels = int(kv["channels"]) if "channels" in kv else None
        scale = float(kv["scale_uv"]) if "scale_uv" in kv else None
    except ValueError:
        return None
    fmt = kv.get("format")
    if ((fs is not None and not (0 < fs <= 100_000)) or (channels is not None and not 1 <= channels <= MAX_CHANNELS)
            or (scale is not None and not (0 < scale < math.inf)) or (fmt is not None and fmt not in FORMATS)):
        return None
    return Banner(fs, channels, scale, fmt)


@dataclass(frozen=True)
class Frame:
    """One sample: ``seq`` (None when the stream carries no counter) and the raw values
    (int16 counts from binary frames, floats from ascii lines)."""
    seq: int | None
    values: np.ndarray


def _printable_line_end(buf: bytearray, start: int) -> int:
    """Index of the newline ending a printable ascii line starting at ``start``,
    -1 when more bytes are needed, -2 when it is not such a line."""
    end = min(len(buf), start + MAX_LINE)
    for i in range(start, end):
        b = buf[i]
        if b == 0x0A:
            return i
        if not (0x20 <= b < 0x7F or b in (0x09, 0x0D)):
            return -2
    return -1 if end - start < MAX_LINE else -2


class BinaryParser:
    """Incremental parser of binary frames (and ``#`` text lines between them).

    :meth:`feed` returns the :class:`Frame` s and :class:`Banner` s completed by
    the new bytes, in stream order. Counters: ``frames``; ``crc_errors`` (a
    complete frame whose CRC did not match: dropped); ``resyncs`` (times the
    parser lost the frame boundary and found it again); ``garbage_bytes``
    (bytes discarded while hunting for ``A5 5A``). Bytes before the first
    frame or banner are the tail of whatever was cut by opening the port: they
    are skipped without counting.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._hunting = False
        self._synced = False
        self.counters = {"frames": 0, "resyncs": 0, "crc_errors": 0, "garbage_bytes": 0}

    def _discard(self, n: int) -> None:
        del self._buf[:n]
        if self._synced:
            self.counters["garbage_bytes"] += n
            self._hunting = True

    def feed(self, data: bytes) -> list[Frame | Banner]:
        buf = self._buf
        buf += data
        out: list[Frame | Banner] = []
        while buf:
            if buf[0] == 0x23:  # '#': a banner or comment line, if it is printable up to its newline
                end = _printable_line_end(buf, 0)
                if end == -1:
                    break
                if end == -2:
                    self._discard(1)
                    continue
                banner = parse_banner(buf[:end].decode("ascii").rstrip("\r"))
                del buf[:end + 1]
                if banner is not None:
                    out.append(banner)
                    self._synced = True
                continue
            if buf[0] != 0xA5 or (len(buf) > 1 and buf[1] != 0x5A):
                nxt = [i for i in (buf.find(SYNC, 1), buf.find(b"#", 1)) if i != -1]
                # keep a trailing A5: it may be the first half of a sync split across reads
                self._discard(min(nxt) if nxt else len(buf) - (buf[-1] == 0xA5))
                continue
            if len(buf) < HEADER_LEN:
                break
            n = buf[4]
            if not 1 <= n <= MAX_CHANNELS:
                self._discard(1)
                continue
            end = HEADER_LEN + 2 * n
            if len(buf) < end + 2:
                break
            body = bytes(buf[2:end])
            if crc16(body) != buf[end] | (buf[end + 1] << 8):
                self.counters["crc_errors"] += self._synced
                self._discard(1)  # the real frame may start inside this one
                continue
            seq = body[0] | (body[1] << 8)
            out.append(Frame(seq, np.frombuffer(body, dtype="<i2", offset=3).copy()))
            del buf[:end + 2]
            self._synced = True
            self.counters["frames"] += 1
            if self._hunting:
                self.counters["resyncs"] += 1
                self._hunting = False
        return out


_SPLIT = re.compile(r"[,\t ]+")


class AsciiParser:
    """Incremental parser of ascii sample lines.

    A line is ``[counter,] v1, v2, ...`` (separated by commas, tabs or spaces);
    ``#`` lines are comments or the banner. A line that does not parse, has
    non-finite values or values beyond :data:`ASCII_MAX_ABS`, the wrong number of
    values (when ``channels`` is set) or a bad counter (not a whole number in
    0..65535) is dropped and counted in ``bad_lines``; so is a run of more than
    1024 bytes without a newline (``garbage_bytes``). A bad line before the first
    good one (cut by opening the port) is skipped without counting. Nothing in
    the input makes it raise.
    """

    def __init__(self, channels: int | None = None, counter: bool = False):
        self.channels = channels
        self.counter = counter
        self._buf = bytearray()
        self._overlong = False
        self._synced = False
        self.counters = {"frames": 0, "bad_lines": 0, "garbage_bytes": 0}

    def feed(self, data: bytes) -> list[Frame | Banner]:
        buf = self._buf
        buf += data
        out: list[Frame | Banner] = []
        start = 0
        while True:
            nl = buf.find(b"\n", start)
            if nl == -1:
                break
            line = bytes(buf[start:nl])
            start = nl + 1
            if self._overlong:  # the tail of a line already discarded as garbage
                self._overlong = False
                self.counters["garbage_bytes"] += len(line) + 1
                continue
            if len(line) > MAX_LINE:
                self.counters["garbage_bytes"] += len(line) + 1
                self.counters["bad_lines"] += 1
                continue
            item = self._line(line)
            if item is not None:
                out.append(item)
        del buf[:start]
        if len(buf) > MAX_LINE:
            self.counters["garbage_bytes"] += len(buf)
            if not self._overlong:
                self.counters["bad_lines"] += 1
            self._overlong = True
            buf.clear()
        return out

    def _line(self, raw: bytes) -> Frame | Banner | None:
        try:
            text = raw.decode("ascii").strip()
        except UnicodeDecodeError:
            text = None
        if text == "":
            return None
        if text is not None and text.startswith("#"):
            return parse_banner(text)
        frame = self._values(text)
        if frame is None:
            self.counters["bad_lines"] += self._synced
        else:
            self._synced = True
            self.counters["frames"] += 1
        return frame

    def _values(self, text: str | None) -> Frame | None:
        if text is None:
            return None
        try:
            vals = [float(p) for p in _SPLIT.split(text)]
        except ValueError:
            return None
        # finite and plausible before anything else (int(inf) raises, int(nan) too)
        if not all(math.isfinite(v) and abs(v) <= ASCII_MAX_ABS for v in vals):
            return None
        seq = None
        if self.counter:
            if len(vals) < 2 or not (0 <= vals[0] < SEQ_MODULUS and vals[0] == int(vals[0])):
                return None
            seq, vals = int(vals[0]), vals[1:]
        if (self.channels is not None and len(vals) != self.channels) or len(vals) > MAX_CHANNELS:
            return None
        return Frame(seq, np.array(vals))


def make_parser(fmt: str, channels: int | None = None, counter: bool = False) -> BinaryParser | AsciiParser:
    """The parser for ``fmt`` (``binary`` or ``ascii``)."""
    if fmt == "binary":
        return BinaryParser()
    if fmt == "ascii":
        return AsciiParser(channels, counter)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
