"""``emgmap`` command line: one module per command in :mod:`emgmap.commands`.

Errors a user can cause end in one line on stderr and exit status 2; nothing
prints a traceback for them.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .types import EmgmapError

# Each module has register(subparsers) that sets `func` on its parser.
COMMANDS = ("gui", "check", "devices", "stream", "emulate", "record", "info", "repair", "import_", "export",
            "session", "analyze", "compare", "bench")


class Parser(argparse.ArgumentParser):
    """Usage errors in one line (exit 2), like every other error: the option, what is
    wrong with it, and where the full usage is."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="emgmap", description="Live surface-EMG muscle-imbalance assessment.")
    parser.add_argument("--version", action="version", version=f"emgmap {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"emgmap.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # `emgmap` alone opens the dashboard
        args = parser.parse_args(["gui", *(argv if argv is not None else sys.argv[1:])])
    try:
        return int(args.func(args) or 0)
    except EmgmapError as e:
        print(f"emgmap: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("emgmap: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `emgmap info x.h5 | head`: the reader left, that is fine
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
