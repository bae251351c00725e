"""Ledger entry types: the typed, past-tense facts the log stores.

Each type is a column table inside a segment (see engine/segment.py). Column
names follow one convention so that rendering and docs need no per-type code:

- ``<thing>_ix``: dense index of a customer/invoice/payment/credit note/dispute
  (rendered as ``<thing>_id``); ``*_day``: days since 1970-01-01 (rendered as
  ``*_date``); ``*_minor``: money in minor units of the customer's currency;
  enum columns (u1) are rendered by name.
- Every table has ``_e``, the row's index in the segment's ``entry`` table (the
  envelope: type, effective day, request id, actor, reason, request hash).

Codes and names are never reused or renamed once released; new facts get new
types (see docs/entries.md).
"""

from __future__ import annotations

from dataclasses import dataclass

I4, I8, U1, U8, STR = "<i4", "<i8", "|u1", "<u8", "str"

ENVELOPE = "entry"
ENVELOPE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("type", U1), ("effective_day", I4), ("request_id", STR), ("actor", STR),
    ("reason", STR), ("request_hash", U8), ("row", I4),
)

ADDRESS_COLUMNS = ("address_line1", "address_line2", "address_city", "address_region",
                   "address_postal_code", "address_country")

# Bits of CustomerUpdated.changed.
CHANGED_NAME, CHANGED_CONTACT, CHANGED_ADDRESS, CHANGED_NET_DAYS, CHANGED_LIMIT = 1, 2, 4, 8, 16


@dataclass(frozen=True)
class EntryType:
    code: int
    name: str
    columns: tuple[tuple[str, str], ...]
    doc: str

    @property
    def all_columns(self) -> tuple[tuple[str, str], ...]:
        """The stored columns: `_e` (row of the envelope) first."""
        return _ALL_COLUMNS[self.name]


_MASTER = (("name", STR), ("billing_contact", STR)) + tuple((c, STR) for c in ADDRESS_COLUMNS) + (
    ("payment_terms_net_days", I4), ("credit_limit_minor", I8))

ENTRY_TYPES: tuple[EntryType, ...] = (
    EntryType(1, "CustomerOpened",
              (("customer_ix", I4), ("customer_id", STR), ("currency", STR)) + _MASTER,
              "A customer account was opened with its master data."),
    EntryType(2, "CustomerUpdated", (("customer_ix", I4), ("changed", U1)) + _MASTER,
              "Master data changed; `changed` names the fields (bits: 1 name, 2 billing contact, "
              "4 address, 8 net days, 16 credit limit); the other fields hold the new values."),
    EntryType(3, "CustomerClosed", (("customer_ix", I4),),
              "The account was closed (it had nothing open)."),
    EntryType(4, "InvoiceIssued",
              (("invoice_ix", I8), ("invoice_id", STR), ("customer_ix", I4), ("po_number", STR),
               ("amount_minor", I8), ("issue_day", I4), ("due_day", I4)),
              "An invoice was issued; its lines, if any, are in `lines`."),
    EntryType(5, "InvoiceVoided", (("invoice_ix", I8), ("amount_minor", I8)),
              "An invoice with no money applied was voided; `amount_minor` left the balance."),
    EntryType(6, "PaymentRecorded",
              (("payment_ix", I8), ("payment_id", STR), ("customer_ix", I4), ("amount_minor", I8),
               ("method", U1), ("value_day", I4), ("remittance_reference", STR),
               ("unapplied_minor", I8)),
              "Money was received; `allocations` says where it went, the rest is unapplied cash."),
    EntryType(7, "PaymentAllocated", (("payment_ix", I8),),
              "Unapplied cash of a payment was allocated (see `allocations`)."),
    EntryType(8, "PaymentReversed",
              (("payment_ix", I8), ("reversal_reason", U1), ("amount_minor", I8)),
              "A payment was reversed: the allocations listed (negative amounts) reopened what it "
              "had settled, and its whole amount left the account."),
    EntryType(9, "CreditNoteIssued",
              (("credit_note_ix", I8), ("credit_note_id", STR), ("customer_ix", I4),
               ("amount_minor", I8), ("issue_day", I4), ("reason_code", STR),
               ("dispute_ix", I8)),
              "A credit note was issued; applied to an invoice when `allocations` says so, else "
              "account credit. `dispute_ix` is -1 unless a dispute resolution issued it."),
    EntryType(10, "CreditNoteAllocated", (("credit_note_ix", I8),),
              "Unapplied credit of a credit note was allocated (see `allocations`)."),
    EntryType(11, "DisputeOpened",
              (("dispute_ix", I8), ("dispute_id", STR), ("invoice_ix", I8), ("amount_minor", I8),
               ("reason_code", STR)),
              "A customer contested `amount_minor` of an invoice."),
    EntryType(12, "DisputeResolved",
              (("dispute_ix", I8), ("outcome", U1), ("credited_minor", I8)),
              "A dispute was resolved; when upheld (in part) a CreditNoteIssued entry follows."),
    EntryType(13, "InvoiceWrittenOff", (("invoice_ix", I8), ("amount_minor", I8)),
              "Open remainder of an invoice left the balance as bad debt."),
    # Portfolio risk (issue 6): derived data, no money moves.
    EntryType(60, "RiskModelRegistered", (("model_version", STR), ("model_json", STR)),
              "A risk model version was registered; `model_json` is the model as data."),
    EntryType(61, "PortfolioRescored",
              (("model_version", STR), ("as_of_day", I4), ("known_position", I8),
               ("customer_count", I8), ("score_digest", STR), ("summary_json", STR)),
              "The portfolio was re-scored with a model version as of a day, from the state at "
              "`known_position`; `score_digest` is the SHA-256 of the scores."),
)

BY_NAME: dict[str, EntryType] = {t.name: t for t in ENTRY_TYPES}
_ALL_COLUMNS = {t.name: (("_e", I4),) + t.columns for t in ENTRY_TYPES}
BY_CODE: dict[int, EntryType] = {t.code: t for t in ENTRY_TYPES}

# Child tables: rows that belong to an entry (by `_e`).
ALLOCATIONS = "allocations"
# source_kind: which kind of money was applied (SOURCE_*). A negative amount
# undoes an earlier allocation (payment reversal).
ALLOCATION_COLUMNS = (("_e", I4), ("source_kind", U1), ("source_ix", I8), ("invoice_ix", I8),
                      ("amount_minor", I8))
LINES = "lines"
LINE_COLUMNS = (("_e", I4), ("description", STR), ("quantity", I8), ("unit_price_minor", I8))

SOURCE_PAYMENT, SOURCE_CREDIT_NOTE = 1, 2

# u1 enum columns and the names they render as (index = stored value).
ENUMS: dict[str, tuple[str, ...]] = {
    "method": ("PAYMENT_METHOD_UNSPECIFIED", "BANK_TRANSFER", "CHEQUE", "CARD", "DIRECT_DEBIT",
               "E_WALLET", "CASH", "OTHER"),
    "reversal_reason": ("REVERSAL_REASON_UNSPECIFIED", "RETURNED_CHEQUE", "FAILED_DIRECT_DEBIT",
                        "CHARGEBACK", "REVERSAL_OTHER"),
    "outcome": ("DISPUTE_OUTCOME_UNSPECIFIED", "DISPUTE_UPHELD", "DISPUTE_REJECTED",
                "DISPUTE_PARTIALLY_UPHELD"),
    "source_kind": ("", "PAYMENT", "CREDIT_NOTE"),
}
