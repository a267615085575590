"""A small XDF 1.0 writer for tests, after the public specification
(https://github.com/sccn/xdf/wiki/Specifications): the magic ``XDF:``, then chunks
``[NumLengthBytes][Length][Tag][Content]`` where Length counts the tag and the
content; tags 1 FileHeader (XML), 2 StreamHeader (StreamID + XML), 3 Samples
(StreamID, [NumSampleBytes][NumSamples], then per sample [TimeStampBytes 8][double
stamp][values, little-endian; strings as [NumLengthBytes][Length][bytes]]),
4 ClockOffset (StreamID, double CollectionTime, double OffsetValue), 6 StreamFooter
(StreamID + XML). Values are written as LabRecorder writes them, one time stamp per
sample."""
from __future__ import annotations

import struct

import numpy as np

FORMATS = {"float32": "<f4", "double64": "<f8", "int32": "<i4", "int16": "<i2", "int8": "<i1", "int64": "<i8"}


def _varlen(n: int) -> bytes:
    if n < 256:
        return struct.pack("<BB", 1, n)
    if n < 2 ** 32:
        return struct.pack("<BI", 4, n)
    return struct.pack("<BQ", 8, n)


class XdfWriter:
    def __init__(self, path):
        self._f = open(path, "wb")
        self._f.write(b"XDF:")
        self._chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')
        self._streams: dict[int, dict] = {}

    def _chunk(self, tag: int, content: bytes) -> None:
        self._f.write(_varlen(len(content) + 2) + struct.pack("<H", tag) + content)

    def add_stream(self, stream_id: int, header_xml: str, channel_format: str) -> None:
        """``header_xml``: the stream's info as XML (pylsl ``StreamInfo.as_xml()``)."""
        self._streams[stream_id] = {"format": channel_format, "first": None, "last": None, "count": 0,
                                    "offsets": []}
        self._chunk(2, struct.pack("<I", stream_id) + header_xml.encode("utf-8"))

    def samples(self, stream_id: int, values, stamps) -> None:
        s = self._streams[stream_id]
        stamps = np.asarray(stamps, dtype=np.float64)
        if stamps.size == 0:
            return
        body = bytearray(struct.pack("<I", stream_id) + _varlen(stamps.size))
        for row, t in zip(values, stamps):
            body += b"\x08" + struct.pack("<d", t)
            if s["format"] == "string":
                for v in row:
                    raw = str(v).encode("utf-8")
                    body += _varlen(len(raw)) + raw
            else:
                body += np.asarray(row, dtype=FORMATS[s["format"]]).tobytes()
        self._chunk(3, bytes(body))
        s["first"] = stamps[0] if s["first"] is None else s["first"]
        s["last"] = stamps[-1]
        s["count"] += stamps.size

    def clock_offset(self, stream_id: int, collection_time: float, offset: float) -> None:
        self._streams[stream_id]["offsets"].append((collection_time, offset))
        self._chunk(4, struct.pack("<Idd", stream_id, collection_time, offset))

    def close(self) -> None:
        for sid, s in self._streams.items():
            offsets = "".join(f"<offset><time>{t!r}</time><value>{v!r}</value></offset>" for t, v in s["offsets"])
            xml = (f'<?xml version="1.0"?><info><first_timestamp>{s["first"] or 0!r}</first_timestamp>'
                   f'<last_timestamp>{s["last"] or 0!r}</last_timestamp><sample_count>{s["count"]}</sample_count>'
                   f"<clock_offsets>{offsets}</clock_offsets></info>")
            self._chunk(6, struct.pack("<I", sid) + xml.encode("utf-8"))
        self._f.close()
