"""The real-name guard: a subject field holds a pseudonym (P017, knee-03), never
a person's name or birth date, because recordings, reports and exports
(BDF patient field, BIDS emg.json) travel. One rule for the dashboard's wizard
and every ``--subject`` of the command line (docs/outputs.md)."""
from __future__ import annotations

import logging
import re

from .types import ConfigError

# Two or more capitalised words ("Anna Berg", "Berg, Anna", "Maria Garcia, born ..."): a name.
_NAME = re.compile(r"(?:^|[\s,;(])[A-ZÀ-Þ][a-zß-ÿ'\-]+,?\s+[A-ZÀ-Þ][a-zß-ÿ'\-.]+")
# A calendar date (1984-03-02, 02.03.1984, 2/3/1984): in a subject field, a birth date.
_DATE = re.compile(r"\b(?:19|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])\b"
                   r"|\b(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19|20)\d\d\b")
_BORN = re.compile(r"\b(?:born|dob|d\.o\.b|birth|geb|née|né)\b", re.IGNORECASE)


def personal_data(text: str) -> str | None:
    """What in ``text`` looks identifying ("a person's name", "a birth date"), or None."""
    found = []
    if _NAME.search(text or ""):
        found.append("a person's name")
    if _DATE.search(text or "") or _BORN.search(text or ""):
        found.append("a birth date")
    return " and ".join(found) or None


def looks_like_name(text: str) -> bool:
    """Whether ``text`` looks like a person's name (or birth date) rather than a pseudonym."""
    return personal_data(text) is not None


def check_subject(text: str, *, confirmed: bool = False, option: str = "--subject") -> str:
    """``text`` when it is a pseudonym; when it looks identifying, ConfigError unless
    ``confirmed`` (then a warning is logged and the text kept). ``option``: where the user
    gave it, for the message."""
    what = personal_data(text)
    if what is None:
        return text
    if not confirmed:
        raise ConfigError(f"{option} {text!r} looks like {what}; recordings and exports are shared, so give a "
                          "pseudonym such as P017, or add --confirm-subject to store it as it is")
    logging.getLogger(__name__).warning("%s %r looks like %s; it is stored as given (--confirm-subject)",
                                        option, text, what)
    return text
