"""Numeric inputs, validated in one place: device-spec parameters, command-line
options, TOML fields.

Every number a user gives passes through :func:`number`: NaN and infinities
never pass (``float("nan") < lo`` is False, so a plain range check lets NaN
through), values outside the range are refused with one sentence naming the
parameter and its valid range, and whole numbers must be whole.
"""
from __future__ import annotations

import argparse
import math

#: Longest duration any command accepts (--duration, --seconds, --quit-after): one week.
MAX_SECONDS = 7 * 24 * 3600.0


def _fmt(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def range_text(lo: float | None, hi: float | None, *, integer: bool = False, lo_open: bool = False) -> str:
    """``'a whole number from 1 to 18'``, ``'a number above 0 and at most 604800'``..."""
    kind = "a whole number" if integer else "a finite number"
    if lo is not None and hi is not None:
        return f"{kind} {'above' if lo_open else 'from'} {_fmt(lo)} {'and at most' if lo_open else 'to'} {_fmt(hi)}"
    if lo is not None:
        return f"{kind} {'above' if lo_open else 'of at least'} {_fmt(lo)}"
    if hi is not None:
        return f"{kind} of at most {_fmt(hi)}"
    return kind


def number(value, name: str, lo: float | None = None, hi: float | None = None, *, integer: bool = False,
           lo_open: bool = False, error=None):
    """``value`` (a number or its text) as float (int when ``integer``), or ``error(message)``
    raised (default :class:`~emgmap.types.ConfigError`) with a sentence naming ``name`` and its
    valid range. ``lo_open``: ``lo`` itself is excluded."""
    if error is None:
        from .types import ConfigError as error  # here, not at the top: `emgmap --help` loads no numpy
    want = range_text(lo, hi, integer=integer, lo_open=lo_open)
    if isinstance(value, bool):
        raise error(f"{name} must be {want}, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise error(f"{name} must be {want}, got {value!r}") from None
    if integer and isinstance(value, (str, int)):  # exact: a float would round large seeds
        try:
            exact = int(value)
        except ValueError:
            exact = None
    shown = value if isinstance(value, (str, int)) else _fmt(v)
    if not math.isfinite(v):
        raise error(f"{name} must be {want}, got {shown}")
    if integer and v != int(v):
        raise error(f"{name} must be {want}, got {shown}")
    if (lo is not None and (v <= lo if lo_open else v < lo)) or (hi is not None and v > hi):
        raise error(f"{name} must be {want}, got {shown}")
    if integer:
        return exact if isinstance(value, (str, int)) and exact is not None else int(v)
    return v


def arg(lo: float | None = None, hi: float | None = None, *, integer: bool = False, lo_open: bool = False):
    """An argparse ``type=`` that applies :func:`number` (argparse names the option and exits 2)."""
    def parse(text: str):
        try:
            return number(text, "it", lo, hi, integer=integer, lo_open=lo_open, error=ValueError)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e).replace("it must be", "must be", 1)) from None
    parse.__name__ = "whole number" if integer else "number"
    return parse


#: ``--duration``, ``--seconds``, ``--quit-after``: above 0, at most a week.
seconds = arg(0, MAX_SECONDS, lo_open=True)
