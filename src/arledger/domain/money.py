"""Currencies (ISO 4217) and their minor units. Amounts are always int minor units."""

from __future__ import annotations

# code -> number of minor-unit digits. The common settlement currencies; an
# unknown code is refused (UNKNOWN_CURRENCY) rather than guessed.
MINOR_UNITS: dict[str, int] = {
    "AED": 2, "ARS": 2, "AUD": 2, "BGN": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2,
    "CLP": 0, "CNY": 2, "COP": 2, "CZK": 2, "DKK": 2, "EGP": 2, "EUR": 2, "GBP": 2,
    "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "ISK": 0, "JOD": 3, "JPY": 0,
    "KES": 2, "KRW": 0, "KWD": 3, "MAD": 2, "MXN": 2, "MYR": 2, "NGN": 2, "NOK": 2,
    "NZD": 2, "OMR": 3, "PEN": 2, "PHP": 2, "PKR": 2, "PLN": 2, "QAR": 2, "RON": 2,
    "RSD": 2, "SAR": 2, "SEK": 2, "SGD": 2, "THB": 2, "TND": 3, "TRY": 2, "TWD": 2,
    "UAH": 2, "USD": 2, "VND": 0, "ZAR": 2,
}

# A stable small integer per currency for the columnar views (never reordered:
# new currencies are appended).
CURRENCY_CODES: tuple[str, ...] = tuple(sorted(MINOR_UNITS))
CURRENCY_INDEX: dict[str, int] = {c: i for i, c in enumerate(CURRENCY_CODES)}


def format_minor(amount_minor: int, currency: str) -> str:
    """Human text for an amount, e.g. 123456 EUR -> '1,234.56 EUR'."""
    digits = MINOR_UNITS.get(currency, 2)
    sign = "-" if amount_minor < 0 else ""
    a = abs(amount_minor)
    if digits == 0:
        return f"{sign}{a:,} {currency}"
    major, minor = divmod(a, 10**digits)
    return f"{sign}{major:,}.{minor:0{digits}d} {currency}"
