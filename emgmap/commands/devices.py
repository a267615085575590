"""``emgmap devices``: what can be streamed from on this machine."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("devices", help="list serial ports, BrainFlow boards and simulator scenarios")
    p.set_defaults(func=run)


def run(args) -> int:
    from serial.tools import list_ports

    from ..sim import SCENARIOS
    ports = sorted(list_ports.comports(), key=lambda p: p.device)
    print("Serial ports:")
    if not ports:
        print("  (none found; plug in the board or its dongle)")
    for p in ports:
        print(f"  {p.device:<20} {p.description or ''}")
    print()
    print("BrainFlow boards (brainflow:NAME?port=...):")
    try:
        from brainflow.board_shim import BoardIds
        names = [b.name.lower().removesuffix("_board") for b in BoardIds if b.value >= -3]
        print("  " + ", ".join(names))
    except Exception as e:  # BrainFlow missing or broken: say so, still list the rest
        print(f"  (BrainFlow unavailable: {e})")
    print()
    print("Simulator (sim:?scenario=NAME):")
    for s in SCENARIOS.values():
        print(f"  {s.name:<27} {s.description}")
    return 0
