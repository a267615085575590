"""``emgmap`` command line: one module per command in :mod:`emgmap.commands`.

Exit status (docs/cli.md): 0 done; 1 a check found the stream unhealthy, a
session or recording stopped early, or emgmap itself failed (a bug: the
traceback goes to the log); 2 a user error (a bad option, a missing file, a
full disk: one line on stderr, never a traceback); 130 interrupted (Ctrl-C).
Every error line ends with the log file's path, so it can be sent as it is.
Results go to stdout; warnings and progress to stderr.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from . import __version__
from . import log

# Each module has register(subparsers) that sets `func` on its parser.
COMMANDS = ("gui", "check", "devices", "stream", "emulate", "record", "info", "repair", "import_", "export",
            "guided", "analyze", "compare", "cohort", "patients", "history", "bench", "docs", "firmware", "montage")

EXIT_OK, EXIT_FAILED, EXIT_USER_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
logger = logging.getLogger("emgmap.cli")


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
    _add_verbosity(parser, top=True)
    return parser


def _add_verbosity(parser: argparse.ArgumentParser, top: bool = False) -> None:
    """-v/-q on the program and on every command (``emgmap -v record ...`` and ``emgmap record -v``)."""
    if "-" not in parser.prefix_chars:  # a pass-through parser (bench NAME ...): its words are not ours
        return
    default = 0 if top else argparse.SUPPRESS
    parser.add_argument("-v", "--verbose", action="count", default=default,
                        help="say more on stderr (-vv: debug); the log file always has the details")
    parser.add_argument("-q", "--quiet", action="count", default=default, help="errors only on stderr")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _add_verbosity(child)


def _where() -> str:
    path = log.log_path()
    return f" (log: {path})" if path else ""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # `emgmap` alone opens the dashboard
        args = parser.parse_args(["gui", *(argv if argv is not None else sys.argv[1:])])
    from .types import EmgmapError   # here: `emgmap --version` and `--help` load no numpy, scipy or Qt
    log.setup(min(args.verbose, 2) - min(args.quiet, 1))
    logger.info("emgmap %s: %s", __version__, " ".join(argv if argv is not None else sys.argv[1:]))
    try:
        return int(args.func(args) or 0)
    except EmgmapError as e:
        logger.error("%s", e, extra={"file_only": True})
        print(f"emgmap: {e}{_where()}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        logger.warning("interrupted", extra={"file_only": True})
        print("emgmap: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `emgmap info x.h5 | head`: the reader left, that is fine
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as e:  # a bug: the traceback goes to the log, the user gets one line
        logger.exception("internal error", extra={"file_only": True})
        path = log.log_path()
        print(f"emgmap: internal error ({type(e).__name__}: {e}); "
              + (f"please send {path} to the developers" if path else "please report it with the command used"),
              file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
