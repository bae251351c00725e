"""Cash application from bank statements: pure rules and data.

- `Statement` / `StatementLine`: what a parser (bank/formats.py) makes of a file, in the
  ledger's units (minor units, day numbers); credits are positive, debits negative.
- `MatchRules`: the matcher's versioned configuration (recorded as BankMatchRulesDefined;
  version 0 is the built-in default below). Scores are integers in basis points
  (0..10,000) so that every decision is exact and reproducible.
- Normalisation of names, accounts and references, shared by the matcher and the fold that
  learns counterparties from applied lines.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields

from arledger.domain import limits
from arledger.domain.errors import error

FORMATS = ("CAMT053", "MT940", "BAI2", "CSV")

# Line statuses (BankState.status).
NEW, QUEUED, APPLIED, DISMISSED, DEBIT = 1, 2, 3, 4, 5
STATUS_NAMES = {NEW: "NEW", QUEUED: "QUEUED", APPLIED: "APPLIED", DISMISSED: "DISMISSED",
                DEBIT: "DEBIT"}
# BankLineApplied.decided_by
BY_MATCHER, BY_CONFIRMATION, BY_ASSIGNMENT, BY_LEAVING_UNAPPLIED = 1, 2, 3, 4


@dataclass(frozen=True)
class StatementLine:
    line_number: int
    booking_day: int
    value_day: int
    amount_minor: int
    currency: str
    counterparty_name: str = ""
    counterparty_account: str = ""
    remittance: str = ""
    end_to_end_id: str = ""
    bank_reference: str = ""


@dataclass(frozen=True)
class Statement:
    account: str
    statement_id: str
    format: str
    lines: tuple[StatementLine, ...]
    currency: str = ""


@dataclass(frozen=True)
class MatchRules:
    """The matcher's configuration. Every field has the built-in default."""

    auto_apply_bp: int = 9_000          # a candidate scoring at least this is applied
    tolerance_bp: int = 100             # short payment tolerated: 1 % of the items ...
    tolerance_minor: int = 2_000        # ... but at most this many minor units
    combination_items_max: int = 14     # a customer's open items searched for a sum
    combination_size_max: int = 3       # items in one combination
    fuzzy_name_min: int = 88            # rapidfuzz token_sort_ratio to take a name
    fuzzy_reference_distance_max: int = 1  # edits between a reference and an invoice id
    margin_bp: int = 500                # the best candidate must lead the next by this
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> str:
        d = asdict(self)
        d.pop("extra")
        return json.dumps(d, sort_keys=True, separators=(",", ":"))

    @staticmethod
    def from_json(text: str) -> MatchRules:
        try:
            d = json.loads(text)
        except ValueError:
            raise error("INVALID_MATCH_RULES", "the rules are not JSON") from None
        if not isinstance(d, dict):
            raise error("INVALID_MATCH_RULES", "the rules are a JSON object")
        names = {f.name for f in fields(MatchRules)} - {"extra"}
        unknown = sorted(set(d) - names)
        if unknown:
            raise error("INVALID_MATCH_RULES", f"unknown field(s): {', '.join(unknown)}")
        if any(not isinstance(v, int) or isinstance(v, bool) for v in d.values()):
            raise error("INVALID_MATCH_RULES", "every field is an integer")
        return check_rules(MatchRules(**d))

    def tolerance(self, amount_minor: int) -> int:
        """Shortfall tolerated on items totalling `amount_minor` (rounded down)."""
        return min(self.tolerance_minor, amount_minor * self.tolerance_bp // 10_000)


DEFAULT_RULES = MatchRules()


def check_rules(r: MatchRules) -> MatchRules:
    bounds = {"auto_apply_bp": (1, 10_000), "tolerance_bp": (0, limits.tolerance_bp_max),
              "tolerance_minor": (0, limits.tolerance_minor_max),
              "combination_items_max": (0, 24), "combination_size_max": (0, 4),
              "fuzzy_name_min": (50, 100), "fuzzy_reference_distance_max": (0, 2),
              "margin_bp": (0, 10_000)}
    for name, (lo, hi) in bounds.items():
        v = getattr(r, name)
        if not lo <= v <= hi:
            raise error("INVALID_MATCH_RULES", f"{name} must be {lo}..{hi}, got {v}")
    return r


# ---- normalisation --------------------------------------------------------------------------

_LEGAL = frozenset({"LTD", "GMBH", "INC", "SA", "BV", "LLC", "PLC", "AG", "CO", "CORP", "SARL",
                    "SRL", "SPA", "NV", "KG", "OY", "AB", "AS", "LIMITED", "THE"})
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")


def fold_text(s: str) -> str:
    """Upper case ASCII letters and digits, accents removed, other characters -> space."""
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().upper()
    return _NON_ALNUM.sub(" ", s).strip()


def name_key(name: str) -> str:
    """A company name without punctuation and legal-form words ("Acme GmbH." -> "ACME")."""
    words = [w for w in fold_text(name).split() if w not in _LEGAL]
    return " ".join(words)


def account_key(account: str) -> str:
    """An account number or IBAN without spaces, upper case."""
    return "".join(fold_text(account).split())


_ASCII_NON_ALNUM = {c: None for c in range(128) if not chr(c).isalnum()}
_ASCII_NON_DIGIT = {c: None for c in range(128) if not chr(c).isdigit()}


def ref_key(ref: str) -> str:
    """A reference without separators ("inv-0001 23" -> "INV000123")."""
    if ref.isascii():  # the common case (indexing a million invoice numbers), same result
        return ref.upper().translate(_ASCII_NON_ALNUM)
    return "".join(fold_text(ref).split())


_TOKEN = re.compile(r"[A-Z0-9][A-Z0-9\-/\.]*[A-Z0-9]|[0-9]+")


def reference_tokens(text: str) -> list[str]:
    """Candidate references in a remittance text: runs of letters, digits and in-word
    separators that contain a digit, normalised (ref_key), in order, without repeats.
    "INV 1043" gives "INV1043" and "1043": a payer who splits the prefix off still names
    the invoice."""
    up = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    out: list[str] = []
    seen: set[str] = set()
    words = _TOKEN.findall(up)
    for k, w in enumerate(words):
        if not any(ch.isdigit() for ch in w):
            continue
        cands = [ref_key(w)]
        if k > 0 and w.isdigit() and words[k - 1].isalpha() and len(words[k - 1]) <= 4:
            cands.insert(0, words[k - 1] + w)  # "INV 1043" -> "INV1043"
        for c in cands:
            if c and c not in seen:
                seen.add(c)
                out.append(c)
    return out


def digits_key(ref: str) -> str:
    """The digits of a reference without leading zeros ("INV-00001043" -> "1043"), or ""
    when it has no digits; how payers often shorten an invoice number."""
    if ref.isascii():
        return ref.translate(_ASCII_NON_DIGIT).lstrip("0")
    return "".join(ch for ch in ref if ch.isdigit()).lstrip("0")


def bank_text(value: str, what: str, line: int) -> str:
    """Text of a statement line as stored: whitespace runs folded to one space, no control
    characters, at most bank_text_length_max characters."""
    v = " ".join(value.split())
    if len(v) > limits.bank_text_length_max:
        raise error("BAD_STATEMENT_LINE", f"line {line}: {what} is longer than "
                    f"{limits.bank_text_length_max} characters", line=str(line))
    if not v.isprintable():
        raise error("BAD_STATEMENT_LINE", f"line {line}: {what} has control characters",
                    line=str(line))
    return v
