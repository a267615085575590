"""``emgmap devices``: what can be streamed from on this machine."""
from __future__ import annotations

# USB vendor ids of the serial bridges boards use (usb.ids). An FTDI chip is what the
# OpenBCI dongle carries (FT231X); the others are Arduinos and their clones.
OPENBCI_VIDS = {0x0403: "FTDI"}
ARDUINO_VIDS = {0x2341: "Arduino", 0x2A03: "Arduino (arduino.org)", 0x1A86: "CH340 (Arduino clone)",
                0x10C4: "Silicon Labs CP210x (ESP32, clones)", 0x16C0: "Teensy", 0x239A: "Adafruit",
                0x303A: "Espressif", 0x1B4F: "SparkFun"}


def classify_port(vid: int | None, description: str = "") -> str:
    """What a serial port probably is: a hint and the device spec to try, or ''."""
    if vid in OPENBCI_VIDS:
        return "likely an OpenBCI dongle (FTDI): brainflow:cyton?port=PORT"
    if vid in ARDUINO_VIDS:
        return f"likely an Arduino-class board ({ARDUINO_VIDS[vid]}): serial:PORT"
    if "arduino" in description.lower():
        return "likely an Arduino-class board: serial:PORT"
    return ""


def register(sub) -> None:
    p = sub.add_parser("devices", help="list serial ports, BrainFlow boards and simulator scenarios")
    p.set_defaults(func=run)


def run(args) -> int:
    from serial.tools import list_ports

    from ..sim import SCENARIOS
    ports = sorted(list_ports.comports(), key=lambda p: p.device)
    print("Serial ports:")
    if not ports:
        print("  (none found; plug in the board or its dongle; on Linux your user needs the dialout group)")
    for p in ports:
        ids = f" [{p.vid:04X}:{p.pid:04X}]" if p.vid is not None and p.pid is not None else ""
        print(f"  {p.device:<20} {p.description or ''}{ids}")
        hint = classify_port(p.vid, p.description or "")
        if hint:
            print(f"  {'':<20} {hint.replace('PORT', p.device)}")
    print()
    print("BrainFlow boards (brainflow:NAME?port=...):")
    try:
        from ..drivers.brainflow import board_names
        print("  " + ", ".join(n for n, i in board_names().items() if i >= -3 and n != "playback_file"))
    except Exception as e:  # BrainFlow missing or broken: say so, still list the rest
        print(f"  (BrainFlow unavailable: {e})")
    print()
    print("Emulators (no hardware): `emgmap emulate cyton`, `emgmap emulate serial`")
    print()
    print("Simulator (sim:?scenario=NAME):")
    for s in SCENARIOS.values():
        print(f"  {s.name:<27} {s.description}")
    return 0
