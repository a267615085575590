"""Write the small TOML documents emgmap saves (montages, settings, protocols,
the ``config`` attribute of recordings) with tomli-w; read them with the
standard library's :mod:`tomllib`.

What the writer is given may hold values TOML has no word for: ``None`` (a
setting left unset) is left out, tuples become arrays, numpy scalars their
Python value.
"""
from __future__ import annotations

from typing import Any, Mapping

import tomli_w


def _plain(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items() if x is not None}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):  # numpy scalar
        return v.item()
    return v


def dumps(doc: Mapping[str, Any]) -> str:
    """Serialise ``doc`` to TOML text that :func:`tomllib.loads` reads back equal."""
    return tomli_w.dumps(_plain(doc))
