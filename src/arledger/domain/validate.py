"""Input checks shared by every command: ids, text, amounts, currencies, dates."""

from __future__ import annotations

import re

from arledger.domain import limits, money
from arledger.domain.dates import parse_day
from arledger.domain.errors import error

_ID = re.compile(rf"[A-Za-z0-9._:/@-]{{1,{limits.id_length_max}}}")
_ID_PUNCTUATION = str.maketrans("", "", "._:/@-")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def ident(value: str, field: str) -> str:
    if len(value) <= limits.id_length_max and value.isascii() and \
            value.translate(_ID_PUNCTUATION).isalnum():
        return value  # the common case, without the regex
    if not value:
        raise error("MISSING_FIELD", f"{field} is required")
    if not _ID.fullmatch(value):
        raise error("MALFORMED_ID", f"{field}: {value[:80]!r} is not 1..{limits.id_length_max} "
                    "characters of [A-Za-z0-9._:/@-]")
    return value


def text(value: str, field: str, *, required: bool = False) -> str:
    if value and len(value) <= limits.text_length_max and value.isprintable():
        if required and not value.strip():
            raise error("MISSING_FIELD", f"{field} is required")
        return value  # the common case, without the regex
    if required and not value.strip():
        raise error("MISSING_FIELD", f"{field} is required")
    if len(value) > limits.text_length_max or _CONTROL.search(value):
        raise error("MALFORMED_TEXT", f"{field}: at most {limits.text_length_max} characters, "
                    "no control characters")
    return value


def amount(value: int, field: str) -> int:
    if value <= 0:
        raise error("AMOUNT_NOT_POSITIVE", f"{field} must be > 0, got {value}")
    if value > limits.amount_minor_max:
        raise error("AMOUNT_TOO_LARGE", f"{field} must be <= {limits.amount_minor_max}")
    return value


def currency(value: str, field: str = "currency") -> str:
    """A current ISO 4217 code with a minor unit (domain/money.py), else UNKNOWN_CURRENCY."""
    if value in money.CURRENT:
        return value
    if value in money.NO_MINOR_UNIT:
        raise error("UNKNOWN_CURRENCY", f"{field}: {value!r} has no minor unit in ISO 4217 "
                    "(a metal, unit of account or testing code): amounts cannot be kept in it")
    if value in money.WITHDRAWN:
        raise error("UNKNOWN_CURRENCY", f"{field}: {value!r} is no longer a current ISO 4217 "
                    "code (accounts opened in it before keep working)")
    raise error("UNKNOWN_CURRENCY", f"{field}: {value[:16]!r} is not a current ISO 4217 code")


def account_currency(value: str, account: str, what: str) -> str:
    """The currency of money for an account: the account's own (accepted whatever ISO has
    done since the account opened in it), else refused - UNKNOWN_CURRENCY for a code that
    is no current ISO code, CURRENCY_MISMATCH for another currency."""
    if value == account:
        return value
    currency(value)
    raise error("CURRENCY_MISMATCH", f"{what} in {value}, account in {account}")


def exponent(code: str) -> int:
    """Minor-unit digits of a currency (domain/money.py)."""
    return money.exponent(code)


_DAYS: dict[str, int] = {}  # valid date text -> day number (few distinct dates, many commands)


def day(value: str, field: str) -> int:
    d = _DAYS.get(value)
    if d is not None:
        return d
    if not value:
        raise error("MISSING_FIELD", f"{field} is required (YYYY-MM-DD)")
    d = parse_day(value, field)
    if len(_DAYS) < 1_000_000:
        _DAYS[value] = d
    return d


def person(actor: str, reason: str, what: str) -> None:
    """Commands a person decides need both an actor and a reason."""
    if not actor.strip():
        raise error("ACTOR_REQUIRED", f"{what} needs an actor")
    if not reason.strip():
        raise error("REASON_REQUIRED", f"{what} needs a reason")
