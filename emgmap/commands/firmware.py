"""``emgmap firmware``: the Arduino sketch that speaks emgmap serial protocol v1."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("firmware", help="where the board firmware (Arduino sketch) is",
                       description="The emgmap_serial Arduino sketch (docs/serial-protocol.md), from the installed "
                                   "package: open it in the Arduino IDE or build it with arduino-cli.")
    p.add_argument("--path", action="store_true", help="print only the sketch's folder")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..paths import firmware_dir
    sketch = (firmware_dir() / "emgmap_serial").resolve()
    if args.path:
        print(sketch)
        return 0
    print(sketch / "emgmap_serial.ino")
    print(f"build and upload: arduino-cli compile --upload -b arduino:avr:uno -p PORT {sketch}")
    return 0
