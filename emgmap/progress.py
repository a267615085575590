"""Progress of long jobs (import, export, repair, analyze, session --fast): a tqdm bar on
stderr, and only when stderr is a terminal, so that pipes and logs stay clean
(docs/cli.md: stdout for results, stderr for warnings and progress).

The work itself (emgmap.recordings, emgmap.app) reports through a plain callback,
``progress(done, total)`` (:data:`Progress`); the command that runs it passes a
:func:`bar`, which draws that callback or does nothing.
"""
from __future__ import annotations

import os
import sys
from typing import Callable

#: ``progress(done, total)``: how far a job is, in its own unit (bytes, rows, files, seconds)
Progress = Callable[[float, float], None]


class Bar:
    """A :data:`Progress` callback that draws a tqdm bar on stderr when stderr is a
    terminal and does nothing otherwise. Use it as a context manager (closing it clears
    the bar) and hand it to the work: ``with bar("exporting", "rows") as p: export(..., progress=p)``."""

    def __init__(self, desc: str, unit: str = "it", *, unit_scale: bool = False):
        self._args = dict(desc=desc, unit=unit, unit_scale=unit_scale, leave=False, file=sys.stderr)
        self.on = sys.stderr.isatty()
        if self.on and _columns() == 0:   # a terminal that reports no size: tqdm would draw nothing
            self._args.update(ncols=80, nrows=24)
        self._bar = None

    def __call__(self, done: float, total: float) -> None:
        if not self.on:
            return
        if self._bar is None:   # made at the first report, when the total is known
            from tqdm import tqdm
            self._bar = tqdm(total=total, **self._args)
        elif total != self._bar.total:
            self._bar.total = total
        self._bar.update(done - self._bar.n)

    def note(self, text: str) -> None:
        """A short text after the bar (e.g. the file size so far)."""
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Bar":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _columns() -> int:
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError):
        return 0


def bar(desc: str, unit: str = "it", *, unit_scale: bool = False) -> Bar:
    """A progress callback for a job described as ``desc`` (see :class:`Bar`)."""
    return Bar(desc, unit, unit_scale=unit_scale)
