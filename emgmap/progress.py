"""Progress of long jobs (export, import, repair): a tqdm bar on stderr, and only
when stderr is a terminal, so that logs and pipes stay clean."""
from __future__ import annotations

import sys
from typing import Iterable, TypeVar

T = TypeVar("T")


def progress(items: Iterable[T], *, total: int | None = None, desc: str = "", unit: str = "it") -> Iterable[T]:
    """``items``, with a progress bar on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        return items
    from tqdm import tqdm
    return tqdm(items, total=total, desc=desc, unit=unit, file=sys.stderr, leave=False)
