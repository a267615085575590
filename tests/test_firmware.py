"""The Arduino sketch, built with avr-gcc and run on a simulated ATmega328P (simavr): its
UART bytes must parse as a banner and consecutive binary frames with valid CRCs carrying
the analog inputs. Needs gcc-avr, avr-libc, arduino-core-avr, simavr and libsimavr-dev
(Debian/Ubuntu); skipped with that reason where they are missing."""
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from emgmap.drivers.serial_protocol import Banner, BinaryParser, Frame

FIRMWARE = Path(__file__).resolve().parents[1] / "firmware" / "emgmap_serial"
NEEDS = ("avr-g++", "avr-gcc", "make", "gcc")


def test_firmware_sends_valid_frames_on_a_simulated_uno(tmp_path):
    missing = [t for t in NEEDS if shutil.which(t) is None]
    if missing or not Path("/usr/share/arduino/hardware/arduino/avr/cores/arduino").is_dir() \
            or not Path("/usr/include/simavr/sim_avr.h").is_file():
        pytest.skip("AVR toolchain or simavr missing: apt-get install gcc-avr avr-libc arduino-core-avr "
                    "simavr libsimavr-dev")
    r = subprocess.run(["make", "-s", "-C", str(FIRMWARE), f"BUILD={tmp_path}", "simulate"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    p = BinaryParser()
    items = p.feed((tmp_path / "uart.bin").read_bytes())
    assert items[0] == Banner(1000.0, 4, 4.88)
    frames = [f for f in items if isinstance(f, Frame)]
    assert p.counters["crc_errors"] == 0 and p.counters["garbage_bytes"] == 0
    seq = np.array([f.seq for f in frames])
    assert len(frames) >= 990 and np.array_equal(seq, np.arange(len(frames)))  # 1 s at 1000 Hz, none lost
    # A0-A3 at 2.5, 3, 1 and 5 V: 10-bit readings centred on 0 (analogRead - 512)
    expect = [min(1023, int(mv / 5000 * 1024)) - 512 for mv in (2500, 3000, 1000, 5000)]
    assert np.abs(np.array([f.values for f in frames]) - expect).max() <= 1
