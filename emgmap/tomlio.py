"""Write the small TOML documents emgmap saves (montages, settings, protocols).

Reading uses the standard library's :mod:`tomllib`; it has no writer, and the
documents we write are plain tables, arrays of tables and scalars/lists.
"""
from __future__ import annotations

import math
from typing import Any, Mapping


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else _string(k)


def _string(s: str) -> str:
    out = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{out}"'


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    if hasattr(v, "item"):  # numpy scalar
        return _value(v.item())
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _is_table_array(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and len(v) > 0 and all(isinstance(x, Mapping) for x in v)


def dumps(doc: Mapping[str, Any], _prefix: str = "") -> str:
    """Serialise ``doc`` to TOML text that :func:`tomllib.loads` reads back equal."""
    lines: list[str] = []
    nested: list[tuple[str, Any]] = []
    for k, v in doc.items():
        if isinstance(v, Mapping) or _is_table_array(v):
            nested.append((k, v))
        elif v is not None:
            lines.append(f"{_key(k)} = {_value(v)}")
    for k, v in nested:
        name = f"{_prefix}{_key(k)}"
        if isinstance(v, Mapping):
            lines += ["", f"[{name}]", dumps(v, name + ".").rstrip("\n")]
        else:
            for item in v:
                lines += ["", f"[[{name}]]", dumps(item, name + ".").rstrip("\n")]
    return "\n".join(line for line in lines).lstrip("\n") + "\n"
