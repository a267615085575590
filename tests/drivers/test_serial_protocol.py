import re
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emgmap.drivers.serial_protocol import (AsciiParser, Banner, BinaryParser, Frame, crc16, encode_frame,
                                            encode_line, parse_banner)

DOC = Path(__file__).resolve().parents[2] / "docs" / "serial-protocol.md"
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def frames_of(items):
    return [(f.seq, tuple(f.values.tolist())) for f in items if isinstance(f, Frame)]


def test_crc_is_ccitt_false():
    assert crc16(b"123456789") == 0x29B1  # the catalogue check value


def test_the_worked_example_in_the_docs_is_a_valid_frame():
    text = DOC.read_text()
    block = re.search(r"### Worked example.*?```\n(.*?)\n", text, re.S).group(1)
    raw = bytes.fromhex(" ".join(t for t in block.split() if re.fullmatch(r"[0-9A-F]{2}", t)))
    assert raw == encode_frame(1, [512, -300, 7, 0])
    assert f"0x{crc16(raw[2:-2]):04X}" in text
    assert frames_of(BinaryParser().feed(raw)) == [(1, (512, -300, 7, 0))]


def test_frames_split_at_every_byte_boundary():
    stream = b"".join(encode_frame(s, [s % 1000, -(s % 1000), 3]) for s in range(65530, 65540))
    p = BinaryParser()
    out = []
    for i in range(len(stream)):
        out += p.feed(stream[i:i + 1])
    assert frames_of(out) == [(s % 65536, (s % 1000, -(s % 1000), 3)) for s in range(65530, 65540)]
    assert p.counters == {"frames": 10, "resyncs": 0, "crc_errors": 0, "garbage_bytes": 0}


def test_garbage_bad_crc_and_banner_are_counted_and_skipped():
    good = [encode_frame(s, [100 + s, -7]) for s in range(5)]
    bad = bytearray(encode_frame(99, [1, 2]))
    bad[6] ^= 0x10
    banner = Banner(1000.0, 2, 4.88).line()
    stream = b"\x00\xff\xa5" + banner + good[0] + b"xyz" + bytes(bad) + good[1] + good[2][:4] + good[3] + good[4]
    p = BinaryParser()
    out = p.feed(stream)
    assert out[0] == Banner(1000.0, 2, 4.88)
    assert [s for s, _ in frames_of(out)] == [0, 1, 3, 4]  # frame 2 was cut short: never a sample
    # the 3 bytes before the banner are what opening the port cut: not counted
    assert p.counters["crc_errors"] >= 1 and p.counters["resyncs"] == 2
    assert p.counters["garbage_bytes"] == 3 + len(bad) + 4


def test_banner_parsing():
    assert parse_banner("# emgmap-serial v1 fs=1000 channels=4 scale_uv=4.88") == Banner(1000.0, 4, 4.88)
    assert parse_banner("# emgmap-serial v1 fs=250 format=ascii") == Banner(250.0, None, None, "ascii")
    assert parse_banner("# hello") is None
    assert parse_banner("# emgmap-serial v1 fs=abc") is None
    assert parse_banner("# emgmap-serial v1 channels=0") is None
    assert parse_banner(Banner(500.0, 8, 0.5, "binary").line().decode().strip()) == Banner(500.0, 8, 0.5, "binary")


def test_ascii_lines_counter_comments_and_bad_lines():
    p = AsciiParser(channels=3, counter=True)
    out = p.feed(b"# comment\r\n5,1,2,3\n6\t4 5\t6\n7,1,2\nx,1,2,3\n65535,1.5,-2,3e2\n0,1,1,1\n")
    assert frames_of(out) == [(5, (1, 2, 3)), (6, (4, 5, 6)), (65535, (1.5, -2, 300)), (0, (1, 1, 1))]
    assert p.counters["bad_lines"] == 2
    # an endless line (a binary stream read as ascii) is dropped, then parsing resumes
    out = p.feed(b"9" * 5000 + b"\n1,2,3,4\n")
    assert frames_of(out) == [(1, (2, 3, 4))] and p.counters["garbage_bytes"] >= 5000


# -- fuzzing ------------------------------------------------------------------------------
@FUZZ
@given(st.lists(st.binary(max_size=64), max_size=20))
def test_random_bytes_never_crash_and_every_frame_has_a_valid_crc(chunks):
    p = BinaryParser()
    stream = b"".join(chunks)
    for c in chunks:
        for f in p.feed(c):
            if isinstance(f, Frame):
                raw = encode_frame(f.seq, f.values)
                assert raw in stream  # it was in the input, whole, with its CRC
    a = AsciiParser(channels=2, counter=True)
    for c in chunks:
        for f in a.feed(c):
            if isinstance(f, Frame):
                assert f.values.shape == (2,) and np.all(np.isfinite(f.values)) and 0 <= f.seq < 65536


frame_st = st.tuples(st.integers(0, 65535), st.lists(st.integers(-32768, 32767), min_size=1, max_size=8))


@FUZZ
@given(st.lists(st.tuples(frame_st, st.binary(max_size=30), st.booleans()), min_size=1, max_size=15),
       st.lists(st.integers(1, 40), min_size=1, max_size=10), st.data())
def test_frames_among_garbage_and_corruption_are_recovered_exactly(items, cuts, data):
    """Valid frames survive any garbage around them and any split into reads; a frame with a
    flipped bit never yields a sample."""
    stream, sent = b"", []
    for (seq, vals), garbage, corrupt in items:
        raw = bytearray(encode_frame(seq, vals))
        if corrupt:
            i = data.draw(st.integers(2, len(raw) - 1))
            raw[i] ^= 1 << data.draw(st.integers(0, 7))
        else:
            sent.append((seq, tuple(vals)))
        stream += garbage + bytes(raw)
    # a corrupted length byte makes the parser wait for up to a longest frame: the bytes that
    # follow in a live stream resolve it; here some filler does
    stream += bytes(80)
    p, out, pos, k = BinaryParser(), [], 0, 0
    while pos < len(stream):
        n = cuts[k % len(cuts)]
        out += p.feed(stream[pos:pos + n])
        pos, k = pos + n, k + 1
    # every good frame, in order, and nothing else (a single flipped bit never passes CRC-16)
    assert frames_of(out) == sent


def fuzz_counts(n_frames=20000, seed=1, garbage_rate=0.02, corrupt_rate=0.02, drop_rate=0.01):
    """The counters of one long fuzz run (the figures quoted in the issue note)."""
    rng = np.random.default_rng(seed)
    parts, expect, corrupt = [], 0, 0
    for s in range(n_frames):
        if rng.random() < drop_rate:
            continue
        if rng.random() < garbage_rate:
            parts.append(rng.integers(0, 256, int(rng.integers(1, 40)), dtype=np.uint8).tobytes())
        raw = bytearray(encode_frame(s, rng.integers(-32768, 32768, 4)))
        if rng.random() < corrupt_rate:
            raw[int(rng.integers(2, len(raw)))] ^= 1 << int(rng.integers(0, 8))
            corrupt += 1
        else:
            expect += 1
        parts.append(bytes(raw))
    stream = b"".join(parts) + bytes(80)
    p, got = BinaryParser(), []
    for i in range(0, len(stream), 97):
        got += frames_of(p.feed(stream[i:i + 97]))
    seqs = np.array([s for s, _ in got])
    gaps = int((np.diff(seqs) > 1).sum())
    return dict(p.counters, expected=expect, corrupted=corrupt, gaps=gaps)


def test_long_fuzz_run_loses_only_bad_frames():
    c = fuzz_counts()
    assert c["frames"] == c["expected"]  # every intact frame, and nothing from a corrupted one
    assert c["crc_errors"] >= 0.9 * c["corrupted"]  # a flipped n byte may truncate instead
    assert c["resyncs"] > 0 and c["gaps"] > 0


def test_encode_line_roundtrip():
    p = AsciiParser(channels=2, counter=True)
    assert frames_of(p.feed(encode_line([3, -4], seq=70000))) == [(70000 % 65536, (3, -4))]
