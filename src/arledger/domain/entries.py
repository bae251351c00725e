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
types (docs/reference.md lists every type with its code; docs/design.md, "Segments",
says how they are stored).
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
    # ---- terms, credit control, promises, dunning, bad debt --------------------
    EntryType(14, "PaymentTermsDefined",
              (("terms_ix", I4), ("terms_id", STR), ("version", I4), ("definition", STR)),
              "Payment terms were defined (a new version of `terms_id`); `definition` is the "
              "JSON of basis, days, day_of_month, installments and discount."),
    EntryType(15, "CreditPolicyDefined", (("version", I4), ("definition", STR)),
              "A new version of the partition's credit policy (JSON: over_limit_action, "
              "hold_days_past_due, short-pay tolerance)."),
    EntryType(16, "CustomerPoliciesSet",
              (("customer_ix", I4), ("terms_id", STR), ("over_limit_action", U1),
               ("allocation_strategy", U1), ("dunning_policy_id", STR)),
              "A customer's own policies changed; empty / 0 fields are unchanged."),
    EntryType(17, "InvoiceTermsApplied",
              (("invoice_ix", I8), ("terms_ix", I4), ("discount_minor", I8),
               ("discount_until_day", I4)),
              "The terms an invoice was issued under (the version used), its early-payment "
              "discount, and its installments (in `installments`)."),
    EntryType(18, "CreditLimitChanged",
              (("customer_ix", I4), ("old_limit_minor", I8), ("new_limit_minor", I8)),
              "A credit decision: the limit changed (the actor approved it)."),
    EntryType(19, "CreditCheckDecided",
              (("customer_ix", I4), ("invoice_ix", I8), ("over_limit_action", U1),
               ("exposure_before_minor", I8), ("invoice_minor", I8), ("limit_minor", I8)),
              "An invoice pushed exposure over the credit limit and was accepted under the "
              "policy's action (HOLD or WARN), with the figures the decision was based on."),
    EntryType(20, "CustomerHoldPlaced", (("customer_ix", I4), ("hold_source", U1)),
              "The account was placed on hold (no new invoices until released)."),
    EntryType(21, "CustomerHoldReleased", (("customer_ix", I4),),
              "The hold on the account was released."),
    EntryType(22, "DisputeReviewStarted", (("dispute_ix", I8),),
              "An open dispute is under review."),
    EntryType(23, "PromiseMade",
              (("promise_ix", I8), ("promise_id", STR), ("customer_ix", I4),
               ("amount_minor", I8)),
              "A promise to pay or payment plan: its installments are in "
              "`promise_installments`, the invoices it covers in `promise_invoices` (none = "
              "the whole account)."),
    EntryType(24, "PromiseBroken",
              (("promise_ix", I8), ("installment", I4), ("shortfall_minor", I8)),
              "A promise was found broken: an installment's running total was not paid by "
              "its date."),
    EntryType(25, "DunningPolicyDefined",
              (("policy_ix", I4), ("policy_id", STR), ("version", I4), ("definition", STR)),
              "A dunning ladder was defined (a new version of `policy_id`); `definition` is "
              "the JSON of its levels and day count."),
    EntryType(26, "DunningStepTaken",
              (("invoice_ix", I8), ("installment", I4), ("level", I4), ("policy_ix", I4),
               ("days_past_due", I4), ("open_minor", I8), ("fee_minor", I8),
               ("interest_minor", I8)),
              "A dunning run took a level's step for an installment (fee and interest, when "
              "the level names them, follow as charge invoices)."),
    EntryType(27, "ChargeAssessed",
              (("invoice_ix", I8), ("charge_kind", U1), ("on_invoice_ix", I8)),
              "The InvoiceIssued entry before it is a late fee or interest charge on "
              "`on_invoice_id`, owed like any invoice."),
    EntryType(28, "DiscountTaken",
              (("invoice_ix", I8), ("payment_ix", I8), ("amount_minor", I8)),
              "An early-payment discount closed the rest of an invoice (negative: undone by "
              "the payment's reversal)."),
    EntryType(29, "SmallBalanceWrittenOff",
              (("invoice_ix", I8), ("payment_ix", I8), ("amount_minor", I8)),
              "A short payment within the policy's tolerance closed the rest of an invoice."),
    EntryType(30, "BadDebtRecovered",
              (("recovery_id", STR), ("customer_ix", I4), ("amount_minor", I8),
               ("method", U1), ("value_day", I4)),
              "Money was received for debt written off earlier (it reopens nothing)."),
    EntryType(31, "ReceivablesSold",
              (("sale_ix", I8), ("sale_id", STR), ("agency", STR), ("currency", STR),
               ("face_minor", I8), ("price_minor", I8), ("price_bp", I4)),
              "Open invoices were sold to an agency (InvoiceSold entries follow); "
              "face - price is the loss on sale."),
    EntryType(32, "InvoiceSold", (("invoice_ix", I8), ("sale_ix", I8), ("amount_minor", I8)),
              "An invoice's open amount left the balance in a sale."),
    EntryType(33, "InvoiceRecalled",
              (("invoice_ix", I8), ("sale_ix", I8), ("amount_minor", I8), ("refund_minor", I8)),
              "The agency returned a sold invoice: its amount reopened and the price was "
              "refunded pro rata."),
    EntryType(34, "UnappliedRefunded",
              (("refund_id", STR), ("payment_ix", I8), ("credit_note_ix", I8),
               ("amount_minor", I8), ("method", U1)),
              "Unapplied cash of a payment, or credit of a credit note (the other index is "
              "-1), was paid back."),
    # Portfolio risk: derived data, no money moves.
    EntryType(60, "RiskModelRegistered", (("model_version", STR), ("model_json", STR)),
              "A risk model version was registered; `model_json` is the model as data."),
    EntryType(61, "PortfolioRescored",
              (("model_version", STR), ("as_of_day", I4), ("known_position", I8),
               ("customer_count", I8), ("score_digest", STR), ("summary_json", STR)),
              "The portfolio was re-scored with a model version as of a day, from the state at "
              "`known_position`; `score_digest` is the SHA-256 of the scores."),
    # The collections workspace: a note moves no money.
    EntryType(70, "NoteAdded", (("customer_ix", I4), ("text", STR)),
              "Someone wrote a note on a customer account (the envelope's actor wrote it)."),
    # Allowance for doubtful accounts and FX rates: data, no money moves.
    EntryType(80, "AllowanceRatesDefined",
              (("allowance_ix", I4), ("allowance_id", STR), ("version", I4),
               ("definition", STR)),
              "Allowance rates were defined (a new version of `allowance_id`, in force from "
              "the effective date); `definition` is the JSON of bucket edges, a rate in bp "
              "per bucket and the rounding."),
    EntryType(81, "FxRateRecorded",
              (("base_currency", STR), ("quote_currency", STR), ("rate", STR),
               ("source", STR)),
              "An exchange rate for the effective date: 1 `base_currency` = `rate` "
              "`quote_currency` (exact decimal text), from `source`. Recorded again for the "
              "same pair and date, the later record is the rate from then on."),
    # Cash application from bank statements. Statement lines are entries so that
    # replay and audit see them; the matcher's and people's decisions are entries too.
    EntryType(90, "BankStatementImported",
              (("statement_ix", I8), ("line_count", I4), ("account", STR),
               ("statement_id", STR), ("format", STR), ("file_sha256", STR)),
              "A bank statement was imported (its lines follow as BankLineRecorded); "
              "`file_sha256` is the hash of the file it came from."),
    EntryType(91, "BankLineRecorded",
              (("line_ix", I8), ("statement_ix", I8), ("line_number", I4),
               ("booking_day", I4), ("value_day", I4), ("amount_minor", I8),
               ("line_id", STR), ("currency", STR), ("counterparty_name", STR),
               ("counterparty_account", STR), ("remittance", STR), ("end_to_end_id", STR),
               ("bank_reference", STR)),
              "A line of a bank statement (credits positive, debits negative); no money "
              "moves until it is applied."),
    EntryType(92, "BankMatchRulesDefined", (("version", I4), ("definition", STR)),
              "A new version of the matching rules (JSON: auto-apply threshold, tolerance, "
              "combination bounds, fuzzy cut-offs)."),
    EntryType(93, "BankLineApplied",
              (("line_ix", I8), ("payment_ix", I8), ("customer_ix", I4), ("score_bp", I4),
               ("rules_version", I4), ("decided_by", U1), ("known_position", I8),
               ("reasons", STR)),
              "A line became a payment (the PaymentRecorded entry before it): applied "
              "automatically above the threshold, or by a person (`decided_by`); "
              "`reasons` says why; `known_position`: the state the matcher read (0 for a "
              "person)."),
    EntryType(94, "BankLineQueued",
              (("line_ix", I8), ("score_bp", I4), ("rules_version", I4),
               ("known_position", I8), ("candidates", STR)),
              "The matcher did not reach the threshold: the line waits in the exceptions "
              "queue with its ranked candidates (JSON); `known_position`: the state the "
              "matcher read."),
    EntryType(95, "BankLineDismissed", (("line_ix", I8),),
              "A person decided a line is not a customer receipt (the envelope's reason "
              "says what it is)."),
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

# Installments of an invoice issued under terms with more than one (by `_e` of InvoiceTermsApplied).
INSTALLMENTS = "installments"
INSTALLMENT_COLUMNS = (("_e", I4), ("invoice_ix", I8), ("number", I4), ("due_day", I4),
                       ("amount_minor", I8))
PROMISE_INSTALLMENTS = "promise_installments"
PROMISE_INSTALLMENT_COLUMNS = (("_e", I4), ("promise_ix", I8), ("due_day", I4),
                               ("amount_minor", I8))
PROMISE_INVOICES = "promise_invoices"
PROMISE_INVOICE_COLUMNS = (("_e", I4), ("promise_ix", I8), ("invoice_ix", I8))

# Invoice kinds (ChargeAssessed.charge_kind; 0 = an ordinary invoice).
KIND_PRINCIPAL, KIND_FEE, KIND_INTEREST = 0, 1, 2
HOLD_MANUAL, HOLD_OVER_LIMIT, HOLD_PAST_DUE, HOLD_DUNNING = 1, 2, 3, 4

# u1 enum columns and the names they render as (index = stored value).
ENUMS: dict[str, tuple[str, ...]] = {
    "method": ("PAYMENT_METHOD_UNSPECIFIED", "BANK_TRANSFER", "CHEQUE", "CARD", "DIRECT_DEBIT",
               "E_WALLET", "CASH", "OTHER"),
    "reversal_reason": ("REVERSAL_REASON_UNSPECIFIED", "RETURNED_CHEQUE", "FAILED_DIRECT_DEBIT",
                        "CHARGEBACK", "REVERSAL_OTHER"),
    "outcome": ("DISPUTE_OUTCOME_UNSPECIFIED", "DISPUTE_UPHELD", "DISPUTE_REJECTED",
                "DISPUTE_PARTIALLY_UPHELD"),
    "source_kind": ("", "PAYMENT", "CREDIT_NOTE"),
    "over_limit_action": ("", "REJECT", "HOLD", "WARN"),
    "allocation_strategy": ("", "OLDEST_DUE_FIRST", "EXPLICIT", "LEAVE_UNAPPLIED",
                            "NEWEST_DUE_FIRST", "FEES_INTEREST_PRINCIPAL"),
    "hold_source": ("", "MANUAL", "OVER_LIMIT", "PAST_DUE", "DUNNING"),
    "charge_kind": ("PRINCIPAL", "FEE", "INTEREST"),
    "decided_by": ("", "MATCHER", "CONFIRMED", "ASSIGNED", "LEFT_UNAPPLIED"),
}
