"""One error root; families map once to gRPC codes; every error has a stable reason.

A rejected command writes nothing. `reason` strings are part of the API: never
renamed once released. REASONS lists each with its family, for docs and tests.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Root of every error arledger raises for a caller's input or state."""

    code = "UNKNOWN"  # gRPC status code name

    def __init__(self, reason: str, message: str = "", **metadata: str | int) -> None:
        super().__init__(f"{reason}: {message}" if message else reason)
        self.reason = reason
        self.message = message or reason
        self.metadata = {k: str(v) for k, v in metadata.items()}


class InvalidArgument(LedgerError):
    code = "INVALID_ARGUMENT"


class NotFound(LedgerError):
    code = "NOT_FOUND"


class AlreadyExists(LedgerError):
    code = "ALREADY_EXISTS"


class FailedPrecondition(LedgerError):
    code = "FAILED_PRECONDITION"


class Aborted(LedgerError):
    code = "ABORTED"


class ResourceExhausted(LedgerError):
    code = "RESOURCE_EXHAUSTED"


class Unavailable(LedgerError):
    code = "UNAVAILABLE"


class Unauthenticated(LedgerError):
    code = "UNAUTHENTICATED"


class PermissionDenied(LedgerError):
    code = "PERMISSION_DENIED"


class DeadlineExceeded(LedgerError):
    code = "DEADLINE_EXCEEDED"


class Internal(LedgerError):
    code = "INTERNAL"


# reason -> (family, when it happens). The docs table is generated from this.
REASONS: dict[str, tuple[type[LedgerError], str]] = {
    "MISSING_FIELD": (InvalidArgument, "a required field is empty"),
    "MALFORMED_ID": (InvalidArgument,
                     "an id is empty, too long, or has characters outside [A-Za-z0-9._:/@-]"),
    "MALFORMED_DATE": (InvalidArgument, "a date is not YYYY-MM-DD or is outside 1970..2200"),
    "MALFORMED_TEXT": (InvalidArgument, "a text field is too long or contains control characters"),
    "INVALID_ENUM": (InvalidArgument,
                     "an enum value is unspecified or unknown where one is required"),
    "AMOUNT_NOT_POSITIVE": (InvalidArgument, "an amount that must be > 0 is zero or negative"),
    "AMOUNT_TOO_LARGE": (InvalidArgument, "an amount exceeds 10^15 minor units"),
    "CURRENCY_TOTAL_EXCEEDED": (FailedPrecondition,
                                "the amounts recorded in a currency would pass 10^18 minor "
                                "units (limits.currency_gross_minor_max)"),
    "UNKNOWN_CURRENCY": (InvalidArgument, "not an ISO 4217 code arledger knows"),
    "CURRENCY_MISMATCH": (InvalidArgument, "the currency differs from the account's"),
    "LINES_AMOUNT_MISMATCH": (InvalidArgument, "amount_minor differs from the sum of the lines"),
    "INVALID_NET_DAYS": (InvalidArgument, "payment terms net days outside 0..3650"),
    "INVALID_CREDIT_LIMIT": (InvalidArgument, "credit limit negative or above 10^15"),
    "DUE_BEFORE_ISSUE": (InvalidArgument, "due date earlier than issue date"),
    "DATE_BEFORE_ORIGIN": (InvalidArgument,
                           "an effective date is earlier than the item it acts on"),
    "DUPLICATE_ALLOCATION": (InvalidArgument,
                             "the same invoice appears twice in one allocation list"),
    "ALLOCATIONS_NOT_ALLOWED": (InvalidArgument,
                                "allocations given with a strategy other than EXPLICIT"),
    "TOO_MANY_ITEMS": (InvalidArgument, "too many lines or allocations in one command"),
    "ACTOR_REQUIRED": (InvalidArgument, "a command a person decides needs an actor"),
    "REASON_REQUIRED": (InvalidArgument, "a command a person decides needs a reason"),
    "INVALID_QUANTITY": (InvalidArgument,
                         "a line quantity is not in 1..10^9 or a unit price is negative"),
    "NOTHING_TO_CHANGE": (InvalidArgument, "an update that sets no field"),
    "CREDIT_AMOUNT_INVALID": (InvalidArgument, "credited amount does not fit the dispute outcome"),
    "MALFORMED_JSON": (InvalidArgument,
                       "a line of a submit file is not a Command in protobuf's JSON mapping"),
    "EMPTY_BATCH": (InvalidArgument, "a batch with no commands"),
    "BATCH_TOO_LARGE": (InvalidArgument, "more than 10,000 commands in one batch"),
    "MALFORMED_BATCH": (InvalidArgument,
                        "a columnar batch whose columns do not add up (a column with another "
                        "number of values than its kind has commands, an unknown kind byte, a "
                        "negative child count); the message names the column"),
    "EMPTY_COMMAND": (InvalidArgument, "a batch entry with no command set"),
    "INVALID_PAGE_SIZE": (InvalidArgument, "page_size outside 0..1000"),
    "INVALID_PAGE_TOKEN": (InvalidArgument,
                           "a page token this server did not issue for this query"),
    "INVALID_BUCKET_EDGES": (InvalidArgument, "bucket edges not strictly increasing positive days"),
    "INVALID_POSITION": (InvalidArgument, "a log position beyond the head"),
    "INVALID_TIMESTAMP": (InvalidArgument, "known_at is not a valid timestamp"),
    "CUSTOMER_NOT_FOUND": (NotFound, "no customer with that id"),
    "INVOICE_NOT_FOUND": (NotFound, "no invoice with that id"),
    "PAYMENT_NOT_FOUND": (NotFound, "no payment with that id"),
    "CREDIT_NOTE_NOT_FOUND": (NotFound, "no credit note with that id"),
    "DISPUTE_NOT_FOUND": (NotFound, "no dispute with that id"),
    "INVOICE_OF_OTHER_CUSTOMER": (FailedPrecondition,
                                  "allocating or crediting to another customer's invoice"),
    "CUSTOMER_EXISTS": (AlreadyExists, "customer id already used"),
    "DUPLICATE_INVOICE_NUMBER": (AlreadyExists, "invoice id (number) already used"),
    "PAYMENT_EXISTS": (AlreadyExists, "payment id already used"),
    "CREDIT_NOTE_EXISTS": (AlreadyExists, "credit note id already used"),
    "DISPUTE_EXISTS": (AlreadyExists, "dispute id already used"),
    "REQUEST_ID_REUSED": (AlreadyExists, "the request id was used before with a different payload"),
    "CUSTOMER_CLOSED": (FailedPrecondition, "the account is closed"),
    "CUSTOMER_HAS_OPEN_BALANCE": (FailedPrecondition,
                                  "closing an account that still has open items"),
    "INVOICE_VOIDED": (FailedPrecondition, "the invoice was voided"),
    "INVOICE_HAS_APPLIED_MONEY": (FailedPrecondition,
                                  "voiding an invoice with payments, credits or write-offs "
                                  "applied"),
    "INVOICE_DISPUTED": (FailedPrecondition, "voiding an invoice with an open dispute"),
    "ALLOCATION_EXCEEDS_OPEN": (FailedPrecondition,
                                "allocating more than an invoice's open amount"),
    "ALLOCATION_EXCEEDS_AMOUNT": (FailedPrecondition,
                                  "allocations add up to more than the money available"),
    "NOTHING_TO_ALLOCATE": (FailedPrecondition,
                            "an automatic allocation found no open invoice on or before the date"),
    "DATE_BEFORE_REOPENING": (FailedPrecondition,
                              "money applied to an invoice with a date before a reversal reopened"
                              " it"),
    "NOTHING_UNAPPLIED": (FailedPrecondition, "the payment or credit note has no unapplied amount"),
    "PAYMENT_REVERSED": (FailedPrecondition, "the payment was already reversed"),
    "NOTHING_OPEN": (FailedPrecondition, "the invoice has no open amount"),
    "WRITE_OFF_EXCEEDS_OPEN": (FailedPrecondition, "writing off more than is open"),
    "DISPUTE_EXCEEDS_OPEN": (FailedPrecondition, "disputing more than is open and undisputed"),
    "DISPUTE_NOT_OPEN": (FailedPrecondition, "resolving a dispute that is already resolved"),
    "CREDIT_EXCEEDS_OPEN": (FailedPrecondition,
                            "a credit note larger than the invoice's open amount"),
    "ATOMIC_BATCH_ABORTED": (Aborted,
                             "another command of an atomic batch was rejected; nothing was "
                             "written"),
    "STORE_UNAVAILABLE": (Unavailable,
                          "the store failed; nothing was acknowledged; retry with the same "
                          "request id"),
    "LEDGER_HALTED": (Unavailable,
                      "an internal error stopped writes; restart rebuilds the state from the "
                      "intact log"),
    "WRITER_FENCED": (Aborted, "another writer owns this log"),
    "LOG_CORRUPT": (FailedPrecondition,
                    "the stored log does not verify; the server will not start on it"),
    "SHUTTING_DOWN": (Unavailable, "the ledger is closing; retry with the same request id"),
    "DATA_DIR_LOCKED": (FailedPrecondition, "another arledger process holds the data directory"),
    "PARTITION_LOCKED": (FailedPrecondition,
                         "another writer holds this partition of the PostgreSQL log"),
    "INVALID_PARTITION": (InvalidArgument,
                          "a partition is I/N with 0 <= I < N; a namespace is a lowercase "
                          "identifier"),
    "WRONG_PARTITION": (FailedPrecondition,
                        "the customer belongs to another partition; send the command to its "
                        "writer"),
    "READ_ONLY_FOLLOWER": (FailedPrecondition,
                           "this server is a read-only follower; send commands to the partition's"
                           " writer"),
    # Terms, credit control, promises, dunning and bad debt.
    "INVALID_TERMS": (InvalidArgument,
                      "payment terms that do not add up (basis, days, installments summing to 100"
                      " %, discount window)"),
    "INVALID_POLICY": (InvalidArgument,
                       "a credit policy or dunning ladder that is not valid (levels increasing, "
                       "actions, fees, day count)"),
    "DUE_DATE_WITH_TERMS": (InvalidArgument, "an invoice names both terms_id and due_date"),
    "UNKNOWN_POLICY": (NotFound, "no payment terms or dunning policy with that id"),
    "UNKNOWN_POLICY_VERSION": (NotFound, "the terms or dunning policy has no such version"),
    "CUSTOMER_ON_HOLD": (FailedPrecondition,
                         "the account is on hold: no new invoices until the hold is released (the"
                         " message says why)"),
    "CREDIT_LIMIT_EXCEEDED": (FailedPrecondition,
                              "the invoice would push exposure over the credit limit and the "
                              "policy is REJECT (figures in metadata)"),
    "ALREADY_ON_HOLD": (FailedPrecondition, "placing a hold on an account already on hold"),
    "NOT_ON_HOLD": (FailedPrecondition, "releasing a hold on an account not on hold"),
    "DISPUTE_UNDER_REVIEW": (FailedPrecondition, "the dispute is already under review"),
    "PROMISE_DATE_IN_PAST": (InvalidArgument,
                             "a promise installment dated before the promise was made"),
    "INVALID_PROMISE": (InvalidArgument, "promise installment dates not strictly increasing"),
    "PROMISE_EXISTS": (AlreadyExists, "promise id already used"),
    "DUNNING_RUN_NOT_ALONE": (InvalidArgument, "a dunning run inside a batch of several commands"),
    "RECOVERY_EXCEEDS_WRITTEN_OFF": (FailedPrecondition,
                                     "recovering more than was written off and not yet recovered"),
    "RECOVERY_EXISTS": (AlreadyExists, "recovery id already used"),
    "INVALID_PRICE": (InvalidArgument, "a sale price outside 1..10000 bp of face"),
    "SALE_EXISTS": (AlreadyExists, "sale id already used"),
    "SALE_NOT_FOUND": (NotFound, "no sale with that id"),
    "NOT_SOLD_IN_SALE": (FailedPrecondition,
                         "recalling an invoice that is not (or no longer) sold in that sale"),
    "REFUND_SOURCE_REQUIRED": (InvalidArgument,
                               "a refund names neither or both of payment_id and credit_note_id"),
    "REFUND_EXCEEDS_UNAPPLIED": (FailedPrecondition, "refunding more than is unapplied"),
    "REFUND_EXISTS": (AlreadyExists, "refund id already used"),
    "PAYMENT_HAS_REFUNDS": (FailedPrecondition, "reversing a payment part of which was refunded"),
    # audit: digests, proofs, export, history
    "DIGEST_INVALID": (InvalidArgument, "a digest is malformed or not signed by this ledger's key"),
    "INVALID_SEGMENT": (InvalidArgument,
                        "a segment number beyond the log head (or a digest newer than the log)"),
    "INVALID_FILTER": (InvalidArgument,
                       "an export or history filter names an unknown entry type, an empty period,"
                       " or not exactly one target"),
    "TOO_MANY_POSITIONS": (InvalidArgument,
                           "more than 100,000 positions in one inclusion-proof request"),
    "KEY_UNAVAILABLE": (FailedPrecondition,
                        "the ledger's signing key cannot be read, is not Ed25519, or is readable "
                        "by others"),
    # Reports
    "INVALID_PERIOD": (InvalidArgument,
                       "a report period ends before it starts, or cei_months is outside 0..120"),
    "INVALID_BUCKET": (InvalidArgument,
                       "a drill-down bucket that is not one of the report's bucket labels or "
                       "'unapplied'"),
    "INVALID_THRESHOLD": (InvalidArgument, "an exception threshold (days or amount) is negative"),
    # Portfolio risk
    "INVALID_RISK_MODEL": (InvalidArgument,
                           "a risk model's JSON is malformed, too long, or names unknown features"),
    "MODEL_VERSION_EXISTS": (AlreadyExists,
                             "a risk model version is registered already (or is built in)"),
    "UNKNOWN_MODEL_VERSION": (NotFound, "no risk model with that version"),
    "INVALID_RESCORE": (InvalidArgument,
                        "a re-score record with a negative count or position, a digest that is "
                        "not 64 hex digits, or a summary that is not a JSON object"),
    "INVALID_RISK_PARAMETER": (InvalidArgument,
                               "a risk parameter (horizon, snapshot step, held-out share, top-N, "
                               "bucket maturity) is out of range"),
    "NOT_ENOUGH_HISTORY": (FailedPrecondition,
                           "calibration found too few samples or no outcomes of both kinds in the"
                           " history"),
    # Network safety: authentication, roles, limits, shutdown
    "CREDENTIALS_REQUIRED": (Unauthenticated,
                             "no credentials: the server needs a client certificate or an "
                             "`authorization: Bearer` token (JWT or API key)"),
    "CREDENTIALS_INVALID": (Unauthenticated,
                            "a token or API key that does not verify (metadata `check`: "
                            "signature, algorithm, audience, issuer, claims, format, api_key) or "
                            "a certificate name that is not a principal name"),
    "CREDENTIALS_EXPIRED": (Unauthenticated, "the token's `exp` has passed"),
    "PERMISSION_DENIED": (PermissionDenied,
                          "the principal's roles lack the permission the RPC (or a command of a "
                          "batch) needs; metadata names `permission`, `principal` and `method`"),
    "PARTITION_NOT_ALLOWED": (PermissionDenied,
                              "the principal is scoped to other partitions than the one this "
                              "server serves"),
    "ACTOR_NOT_PRINCIPAL": (PermissionDenied,
                            "a command's actor names someone other than the authenticated "
                            "principal; use `principal` or `principal/detail`"),
    "MALFORMED_MESSAGE": (InvalidArgument,
                          "the request bytes are not a valid protobuf message of the RPC's "
                          "request type"),
    "TOO_MANY_STREAMS": (ResourceExhausted,
                         "the server's cap on concurrent streaming calls is reached; retry later"),
    "STREAM_IDLE_TIMEOUT": (DeadlineExceeded,
                            "a streaming call waited on its client longer than the idle timeout "
                            "and was cancelled (the reason is in the status message)"),
    "LEASE_LOST": (Unavailable,
                   "the writer lost its PostgreSQL lease: it refuses calls until it holds the "
                   "lease again, or exits; retry with the same request id"),
    "INTERNAL_ERROR": (Internal,
                       "a bug, logged by the server under the id in metadata `error_id`; the "
                       "message carries no detail"),
    # Finding things
    "INVALID_ORDER_BY": (InvalidArgument,
                         "an order_by that is not one of the list's fields, optionally followed "
                         "by ' desc'"),
    # Allowance by given rates, FX rates and consolidated views
    "UNKNOWN_ALLOWANCE": (NotFound,
                          "no allowance rates with that id (or version), or none in force as of "
                          "the view's day and as known at its time"),
    "INVALID_FX_RATE": (InvalidArgument,
                        "an exchange rate that is not a positive decimal (at most 12 digits each "
                        "side of the point), or a pair of one currency with itself"),
    "FX_RATE_NOT_FOUND": (FailedPrecondition,
                          "a consolidated view needs a rate, on or before its as-of day and "
                          "recorded by its known-at time, for every currency it converts (the "
                          "message lists the pairs missing)"),
    # Cash application from bank statements
    "BAD_STATEMENT_FILE": (InvalidArgument,
                           "a bank statement file that does not parse as its format (metadata "
                           "`line` names the line of the file when known); nothing of it is "
                           "recorded"),
    "BAD_STATEMENT_LINE": (InvalidArgument,
                           "a statement line with a bad amount, date, currency or text; the "
                           "message and metadata `line` name it; nothing of the file is recorded"),
    "INVALID_COLUMN_MAPPING": (InvalidArgument,
                               "a CSV column mapping that names no amount or date column, or a "
                               "column the file lacks"),
    "INVALID_MATCH_RULES": (InvalidArgument,
                            "matching rules that are not a JSON object of known integer fields "
                            "within their bounds"),
    "BANK_LINE_NOT_FOUND": (NotFound, "no bank statement line with that id"),
    "BANK_LINE_ALREADY_APPLIED": (FailedPrecondition,
                                  "the line was applied already (automatically or by a person); "
                                  "reverse its payment to redo it"),
    "BANK_LINE_DISMISSED": (FailedPrecondition, "the line was dismissed as not a customer receipt"),
    "BANK_LINE_NOT_A_RECEIPT": (FailedPrecondition,
                                "the line is a debit (money out): there is nothing to apply"),
    "BANK_MATCH_NOT_ALONE": (FailedPrecondition,
                             "a match run submitted in a batch with other commands; submit it on "
                             "its own"),
    "NO_SUCH_CANDIDATE": (InvalidArgument, "a candidate rank the line's queue entry does not have"),
}


def error(reason: str, message: str = "", **metadata: str | int) -> LedgerError:
    """Build the error of the right family for a registered reason."""
    family, _ = REASONS[reason]
    return family(reason, message, **metadata)
