"""Dates as day numbers (days since 1970-01-01), parsed strictly from ISO strings."""

from __future__ import annotations

import datetime as _dt
import re

from arledger.domain import limits
from arledger.domain.errors import InvalidArgument

EPOCH = _dt.date(1970, 1, 1)
_EPOCH_ORDINAL = EPOCH.toordinal()
# ASCII digits only: int() alone would take " 1", "+1" or non-ASCII digits such as "٢".
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DAY_MIN = _dt.date(limits.date_year_min, 1, 1).toordinal() - _EPOCH_ORDINAL
DAY_MAX = _dt.date(limits.date_year_max, 12, 31).toordinal() - _EPOCH_ORDINAL


def parse_day(text: str, field: str) -> int:
    """'2026-03-31' -> day number. Raises InvalidArgument(MALFORMED_DATE)."""
    if len(text) != 10 or not _ISO_DAY.fullmatch(text):
        raise InvalidArgument("MALFORMED_DATE", f"{field}: expected YYYY-MM-DD, got {text[:40]!r}")
    try:
        d = _dt.date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        raise InvalidArgument("MALFORMED_DATE", f"{field}: not a calendar date: {text!r}") from None
    day = d.toordinal() - _EPOCH_ORDINAL
    if not DAY_MIN <= day <= DAY_MAX:
        raise InvalidArgument("MALFORMED_DATE", f"{field}: {text} is outside "
                              f"{limits.date_year_min}..{limits.date_year_max}")
    return day


def day_to_iso(day: int) -> str:
    return _dt.date.fromordinal(int(day) + _EPOCH_ORDINAL).isoformat()


def date_to_day(d: _dt.date) -> int:
    return d.toordinal() - _EPOCH_ORDINAL
