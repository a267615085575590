import numpy as np
import serial

from emgmap.drivers.emulators import CYTON_UV_PER_COUNT, CytonEmulator, cyton_packet, uv_to_cyton_counts


def read_until(ser, end: bytes, limit=4096) -> bytes:
    buf = b""
    while not buf.endswith(end) and len(buf) < limit:
        chunk = ser.read(1)
        assert chunk, f"timed out after {buf!r}"
        buf += chunk
    return buf


def test_cyton_emulator_speaks_the_protocol():
    em = CytonEmulator(seed=1).start()
    try:
        with serial.Serial(em.path, 115200, timeout=2) as ser:
            ser.write(b"v")
            assert b"OpenBCI V3" in read_until(ser, b"$$$")
            ser.write(b"d")
            assert read_until(ser, b"$$$") == b"updating channel settings to default$$$"
            ser.write(b"x1060110X")
            assert read_until(ser, b"$$$") == b"Success: Channel set for 1$$$"
            ser.write(b"b")
            packets = ser.read(33 * 5)
            ser.write(b"s")
    finally:
        em.stop()
    assert len(packets) == 165
    p = np.frombuffer(packets, np.uint8).reshape(5, 33)
    assert np.all(p[:, 0] == 0xA0) and np.all(p[:, 32] == 0xC0) and list(p[:, 1]) == [0, 1, 2, 3, 4]
    raw = p[:, 2:26].reshape(5, 8, 3).astype(np.int64)
    counts = (raw[..., 0] << 16) | (raw[..., 1] << 8) | raw[..., 2]
    counts -= (counts >= 1 << 23) * (1 << 24)  # 24-bit two's complement, big-endian
    from emgmap.drivers.emulators import SampleSource
    from emgmap.sim import SimConfig
    ref = uv_to_cyton_counts(SampleSource(SimConfig(fs=250.0, channels=8, seed=1)).take(5))
    assert np.array_equal(counts, ref)


def test_cyton_scale_and_packet_layout():
    assert CYTON_UV_PER_COUNT == 4.5 / 24 / (2 ** 23 - 1) * 1e6
    pkt = cyton_packet(300, np.array([-1, 1, 2 ** 23 - 1, -(2 ** 23), 0, 0, 0, 0]))
    assert len(pkt) == 33 and pkt[1] == 300 % 256
    assert pkt[2:5] == b"\xff\xff\xff" and pkt[5:8] == b"\x00\x00\x01" and pkt[8:11] == b"\x7f\xff\xff"
    assert pkt[11:14] == b"\x80\x00\x00"


def test_emulate_refuses_bad_options_in_one_sentence(tmp_path, cli):
    keep = tmp_path / "notes.txt"
    keep.write_text("precious")
    for args in (["serial", "--link", str(keep)], ["cyton", "--drop-rate", "1.5"], ["serial", "--channels", "40"]):
        r = cli("emulate", *args)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr
    assert keep.read_text() == "precious"
