"""Currencies (ISO 4217) and their minor units. Amounts are always int minor units.

The codes and their minor-unit exponents come from the `iso4217` package, which ships
ISO's own list one (the table the ISO 4217 maintenance agency publishes) and is released
again whenever ISO amends it. babel's currency data was the other candidate: its
`get_currency_precision` is CLDR's number of digits *shown*, which differs from ISO's
minor unit for 13 codes (RSD 0 against ISO's 2, IQD 0 against 3, ...), and amounts here
are ISO minor units, so an RSD amount would have been shown a hundred times too large.

- `CURRENT`: every current ISO 4217 code that has a minor unit. Codes whose minor unit
  is "N.A." in ISO's table (gold XAU, silver XAG, the SDR XDR, the testing code XTS,
  XXX, ...) cannot hold integer minor units and are not accepted.
- `WITHDRAWN`: codes arledger accepted (before this table came from ISO's list) that ISO
  has since withdrawn, with the exponent they had (BGN, replaced by the euro on
  1 January 2026). A new account in one is refused; an existing account keeps working
  and its amounts keep their decimals.
"""

from __future__ import annotations

import iso4217

CURRENT: dict[str, int] = {c.code: c.exponent for c in iso4217.Currency
                           if c.exponent is not None}
WITHDRAWN: dict[str, int] = {code: exp for code, exp in {"BGN": 2}.items()
                             if code not in CURRENT}
# Every code an account may be in (current or withdrawn since), with its exponent.
MINOR_UNITS: dict[str, int] = {**WITHDRAWN, **CURRENT}
NO_MINOR_UNIT: frozenset[str] = frozenset(c.code for c in iso4217.Currency
                                          if c.exponent is None)
ISO4217_PUBLISHED = iso4217.__published__.isoformat()

# A stable small integer per currency (sorted codes), for code that wants one.
CURRENCY_CODES: tuple[str, ...] = tuple(sorted(MINOR_UNITS))
CURRENCY_INDEX: dict[str, int] = {c: i for i, c in enumerate(CURRENCY_CODES)}


def exponent(currency: str) -> int:
    """Minor-unit digits of a currency (2 for EUR, 0 for JPY, 3 for BHD/KWD); 2 for a
    code this table does not know (display only: such a code never reaches an account)."""
    return MINOR_UNITS.get(currency, 2)


def format_minor(amount_minor: int, currency: str, *, code: bool = True) -> str:
    """Human text for an amount with its currency's decimals, e.g. 123456 EUR ->
    '1,234.56 EUR', 123456 JPY -> '123,456 JPY', 123456 KWD -> '123.456 KWD'."""
    digits = exponent(currency)
    sign = "-" if amount_minor < 0 else ""
    a = abs(int(amount_minor))
    if digits == 0:
        text = f"{sign}{a:,}"
    else:
        major, minor = divmod(a, 10**digits)
        text = f"{sign}{major:,}.{minor:0{digits}d}"
    return f"{text} {currency}" if code else text


def to_major(amount_minor: int, currency: str) -> float:
    """An amount in major units as a float (for charts only; never for figures)."""
    return int(amount_minor) / 10 ** exponent(currency)
