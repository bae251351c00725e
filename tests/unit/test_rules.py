"""The ledger rules, decided by the engine: every refusal with its exact reason, and worked
examples of cash application, reversals, disputes and aging."""

import re
from pathlib import Path

import pytest
from google.protobuf import json_format

from arledger.domain.dates import day_to_iso, parse_day
from arledger.domain.errors import REASONS, LedgerError
from arledger.domain.risk_models import DEFAULT_MODEL_JSON
from arledger.projections import views
from arledger.v1 import commands_pb2 as pb

SRC = Path(__file__).resolve().parents[2] / "src" / "arledger"


def cmd(kind: str, rid: str, **fields) -> pb.Command:
    return json_format.ParseDict({kind: {"requestId": rid, **fields}}, pb.Command())


def run(ledger, *cmds):
    return ledger.submit(list(cmds))


def accept(ledger, *cmds):
    outs = run(ledger, *cmds)
    assert [o.status for o in outs] == ["ACCEPTED"] * len(cmds), \
        [(o.request_id, o.error) for o in outs]
    return outs


def day(text: str) -> int:
    return parse_day(text, "d")


def customer(rid, cid, currency="EUR", net=30, opened="2026-01-01"):
    return cmd("openCustomer", rid, customerId=cid, name=cid, currency=currency,
               paymentTermsNetDays=net, openedDate=opened)


def invoice(rid, iid, amount, issued, cid="C", **more):
    return cmd("issueInvoice", rid, invoiceId=iid, customerId=cid, issueDate=issued,
               amountMinor=amount, **more)


def payment(rid, pid, amount, value_date, cid="C", currency="EUR", **more):
    return cmd("recordPayment", rid, paymentId=pid, customerId=cid, amountMinor=amount,
               currency=currency, method="BANK_TRANSFER", valueDate=value_date, **more)


def to(iid, amount):
    return {"invoiceId": iid, "amountMinor": amount}


def balance(ledger, cid, as_of, known_seq=None):
    with ledger.reading() as S:
        return views.balance(S, S.customer_ix[cid], day(as_of),
                             S.head_seq if known_seq is None else known_seq)


def open_items(ledger, cid, as_of):
    with ledger.reading() as S:
        return {(i.kind, i.item_id): i.open_minor
                for i in views.open_items(S, S.customer_ix[cid], day(as_of), S.head_seq)}


# ---- every refusal, with its reason ---------------------------------------------------------

def world(ledger):
    """A small ledger with one item in every state a rule looks at (all in January 2026)."""
    accept(ledger,
           customer("o-c", "C"), customer("o-d", "D", "USD"), customer("o-w", "W"),
           customer("o-z", "Z"),
           cmd("closeCustomer", "x-z", customerId="Z", effectiveDate="2026-01-02"),
           invoice("i1", "I1", 1000, "2026-01-10"),                          # due 02-09
           invoice("i2", "I2", 500, "2026-01-05", dueDate="2026-03-01"),
           invoice("i3", "I3", 300, "2026-01-20"),                           # due 02-19
           invoice("i4", "I4", 200, "2026-01-10"),
           invoice("i5", "I5", 100, "2026-01-10"),
           invoice("iv", "V", 10, "2026-01-10"),
           invoice("id", "ID", 100, "2026-01-10", cid="D"),
           cmd("voidInvoice", "x-v", invoiceId="V", effectiveDate="2026-01-11", reason="typo"),
           payment("pq", "Q", 50, "2026-01-15", allocations=[to("I4", 50)]),     # I4: 150 open
           payment("pf", "F", 100, "2026-01-15", allocations=[to("I5", 100)]),   # I5: paid
           payment("pe", "E", 30, "2026-01-21", allocations=[to("I3", 30)]),     # E: used up
           payment("pp", "P", 100, "2026-01-15", strategy="LEAVE_UNAPPLIED"),    # P: 100 cash
           payment("pr", "R", 10, "2026-01-15", strategy="LEAVE_UNAPPLIED"),
           cmd("reversePayment", "x-r", paymentId="R", effectiveDate="2026-01-16",
               reversalReason="RETURNED_CHEQUE"),
           payment("pw", "PW", 10, "2026-01-15", cid="W", strategy="LEAVE_UNAPPLIED"),
           cmd("issueCreditNote", "n", creditNoteId="N", customerId="C", amountMinor=50,
               currency="EUR", issueDate="2026-01-15", reasonCode="GOODWILL"),   # N: 50 credit
           cmd("issueCreditNote", "nz", creditNoteId="NZ", customerId="C", amountMinor=20,
               currency="EUR", issueDate="2026-01-21", invoiceId="I3"),          # NZ: used up
           cmd("openDispute", "ds1", disputeId="DS1", invoiceId="I2", amountMinor=100,
               reasonCode="PRICING", openedDate="2026-01-12"),
           cmd("openDispute", "ds0", disputeId="DS0", invoiceId="I1", amountMinor=10,
               reasonCode="PRICING", openedDate="2026-01-12"),
           cmd("resolveDispute", "x-ds0", disputeId="DS0", outcome="DISPUTE_REJECTED",
               resolvedDate="2026-01-13", actor="ann", reason="delivered"))


WO = dict(actor="ann", reason="uncollectible")
RES = dict(actor="ann", reason="reviewed", resolvedDate="2026-01-20")
LINE = {"description": "widget", "quantity": 2, "unitPriceMinor": 3}
INV = dict(invoiceId="X", customerId="C", issueDate="2026-01-02", amountMinor=1)
PAY = dict(paymentId="PX", customerId="C", amountMinor=10, currency="EUR",
           method="CARD", valueDate="2026-01-25")
CN = dict(creditNoteId="NX", customerId="C", amountMinor=10, currency="EUR",
          issueDate="2026-01-25")


def case(expected, kind, /, **fields):
    return pytest.param(kind, fields, expected, id=f"{expected}-{kind}")


REFUSALS = [
    case("MISSING_FIELD", "issueInvoice", **{**INV, "invoiceId": ""}),
    case("MISSING_FIELD", "openCustomer", customerId="Y", currency="EUR",
         openedDate="2026-01-01"),
    case("MISSING_FIELD", "recordPayment", **{**PAY, "valueDate": ""}),
    case("MISSING_FIELD", "allocatePayment", paymentId="P", effectiveDate="2026-01-25",
         strategy="EXPLICIT"),
    case("MALFORMED_ID", "issueInvoice", **{**INV, "invoiceId": "bad id!"}),
    case("MALFORMED_ID", "issueInvoice", **{**INV, "invoiceId": "I" * 65}),
    case("MALFORMED_ID", "issueInvoice", **{**INV, "customerId": "C D"}),
    case("MALFORMED_ID", "allocatePayment", paymentId="P?", effectiveDate="2026-01-25"),
    case("MALFORMED_DATE", "issueInvoice", **{**INV, "issueDate": "2026-13-01"}),
    case("MALFORMED_DATE", "issueInvoice", **{**INV, "issueDate": "2026-02-30"}),
    case("MALFORMED_DATE", "issueInvoice", **{**INV, "issueDate": "26-01-02"}),
    case("MALFORMED_DATE", "issueInvoice", **{**INV, "dueDate": "2201-01-01"}),
    case("MALFORMED_DATE", "recordPayment", **{**PAY, "valueDate": "1969-12-31"}),
    case("MALFORMED_TEXT", "issueInvoice", **{**INV, "poNumber": "PO\x07"}),
    case("MALFORMED_TEXT", "issueInvoice", **{**INV, "poNumber": "x" * 257}),
    case("INVALID_ENUM", "recordPayment", **{**PAY, "method": "PAYMENT_METHOD_UNSPECIFIED"}),
    case("INVALID_ENUM", "recordPayment", **{**PAY, "strategy": 99}),
    case("INVALID_ENUM", "allocatePayment", paymentId="P", effectiveDate="2026-01-25",
         strategy="LEAVE_UNAPPLIED"),
    case("INVALID_ENUM", "reversePayment", paymentId="P", effectiveDate="2026-01-25"),
    case("INVALID_ENUM", "resolveDispute", disputeId="DS1", **RES),
    case("AMOUNT_NOT_POSITIVE", "issueInvoice", **{**INV, "amountMinor": 0}),
    case("AMOUNT_NOT_POSITIVE", "recordPayment", **{**PAY, "amountMinor": -5}),
    case("AMOUNT_NOT_POSITIVE", "recordPayment", **{**PAY, "allocations": [to("I1", 0)]}),
    case("AMOUNT_TOO_LARGE", "issueInvoice", **{**INV, "amountMinor": 10**15 + 1}),
    case("AMOUNT_TOO_LARGE", "issueCreditNote", **{**CN, "amountMinor": 10**16}),
    case("UNKNOWN_CURRENCY", "issueInvoice", **{**INV, "currency": "XXX"}),
    case("UNKNOWN_CURRENCY", "openCustomer", customerId="Y", name="Y", currency="eur",
         openedDate="2026-01-01"),
    case("UNKNOWN_CURRENCY", "issueCreditNote", **{**CN, "currency": ""}),
    case("CURRENCY_MISMATCH", "issueInvoice", **{**INV, "currency": "USD"}),
    case("CURRENCY_MISMATCH", "recordPayment", **{**PAY, "currency": "GBP"}),
    case("CURRENCY_MISMATCH", "issueCreditNote", **{**CN, "currency": "USD"}),
    case("LINES_AMOUNT_MISMATCH", "issueInvoice", **{**INV, "amountMinor": 5, "lines": [LINE]}),
    case("INVALID_QUANTITY", "issueInvoice", **{**INV, "lines": [{**LINE, "quantity": 0}]}),
    case("INVALID_QUANTITY", "issueInvoice",
         **{**INV, "lines": [{**LINE, "unitPriceMinor": -1}]}),
    case("TOO_MANY_ITEMS", "issueInvoice", **{**INV, "amountMinor": 0, "lines": [LINE] * 1001}),
    case("TOO_MANY_ITEMS", "recordPayment",
         **{**PAY, "allocations": [to(f"I{n}", 1) for n in range(1001)]}),
    case("INVALID_NET_DAYS", "openCustomer", customerId="Y", name="Y", currency="EUR",
         openedDate="2026-01-01", paymentTermsNetDays=3651),
    case("INVALID_CREDIT_LIMIT", "openCustomer", customerId="Y", name="Y", currency="EUR",
         openedDate="2026-01-01", creditLimitMinor=-1),
    case("INVALID_CREDIT_LIMIT", "updateCustomer", customerId="C", actor="a", reason="r",
         effectiveDate="2026-01-25", creditLimitMinor=10**15 + 1),
    case("DUE_BEFORE_ISSUE", "issueInvoice", **{**INV, "dueDate": "2026-01-01"}),
    case("DATE_BEFORE_ORIGIN", "issueInvoice", **{**INV, "issueDate": "2025-12-31"}),
    case("DATE_BEFORE_ORIGIN", "recordPayment", **{**PAY, "valueDate": "2025-12-31"}),
    case("DATE_BEFORE_ORIGIN", "recordPayment",            # I3 is issued on 01-20
         **{**PAY, "valueDate": "2026-01-19", "allocations": [to("I3", 1)]}),
    case("DATE_BEFORE_ORIGIN", "allocatePayment", paymentId="P", effectiveDate="2026-01-14"),
    case("DATE_BEFORE_ORIGIN", "reversePayment", paymentId="E", effectiveDate="2026-01-20",
         reversalReason="CHARGEBACK"),                     # E was applied on 01-21
    case("DATE_BEFORE_ORIGIN", "issueCreditNote",
         **{**CN, "invoiceId": "I3", "issueDate": "2026-01-19"}),
    case("DATE_BEFORE_ORIGIN", "allocateCreditNote", creditNoteId="N",
         effectiveDate="2026-01-14"),
    case("DATE_BEFORE_ORIGIN", "openDispute", disputeId="DX", invoiceId="I1", amountMinor=1,
         reasonCode="PRICING", openedDate="2026-01-09"),
    case("DATE_BEFORE_ORIGIN", "resolveDispute", disputeId="DS1", outcome="DISPUTE_REJECTED",
         **{**RES, "resolvedDate": "2026-01-11"}),
    case("DATE_BEFORE_ORIGIN", "writeOffInvoice", invoiceId="I1", effectiveDate="2026-01-09",
         **WO),
    case("DATE_BEFORE_ORIGIN", "voidInvoice", invoiceId="I1", effectiveDate="2026-01-09",
         reason="r"),
    case("DATE_BEFORE_ORIGIN", "updateCustomer", customerId="C", actor="a", reason="r",
         effectiveDate="2025-12-31", name="New"),
    case("DATE_BEFORE_ORIGIN", "closeCustomer", customerId="W", effectiveDate="2025-12-31"),
    case("DUPLICATE_ALLOCATION", "recordPayment",
         **{**PAY, "allocations": [to("I1", 1), to("I1", 1)]}),
    case("ALLOCATIONS_NOT_ALLOWED", "recordPayment",
         **{**PAY, "strategy": "OLDEST_DUE_FIRST", "allocations": [to("I1", 1)]}),
    case("ACTOR_REQUIRED", "writeOffInvoice", invoiceId="I1", effectiveDate="2026-01-25",
         reason="r"),
    case("ACTOR_REQUIRED", "updateCustomer", customerId="C", reason="r",
         effectiveDate="2026-01-25", name="New"),
    case("ACTOR_REQUIRED", "resolveDispute", disputeId="DS1", outcome="DISPUTE_REJECTED",
         **{**RES, "actor": "  "}),
    case("REASON_REQUIRED", "writeOffInvoice", invoiceId="I1", effectiveDate="2026-01-25",
         actor="a"),
    case("REASON_REQUIRED", "voidInvoice", invoiceId="I3", effectiveDate="2026-01-25"),
    case("REASON_REQUIRED", "updateCustomer", customerId="C", actor="a",
         effectiveDate="2026-01-25", name="New"),
    case("NOTHING_TO_CHANGE", "updateCustomer", customerId="C", actor="a", reason="r",
         effectiveDate="2026-01-25"),
    case("CREDIT_AMOUNT_INVALID", "resolveDispute", disputeId="DS1", outcome="DISPUTE_UPHELD",
         creditNoteId="NU", creditedAmountMinor=99, **RES),
    case("CREDIT_AMOUNT_INVALID", "resolveDispute", disputeId="DS1",
         outcome="DISPUTE_PARTIALLY_UPHELD", creditNoteId="NU", creditedAmountMinor=100, **RES),
    case("CREDIT_AMOUNT_INVALID", "resolveDispute", disputeId="DS1",
         outcome="DISPUTE_REJECTED", creditedAmountMinor=1, **RES),
    case("CUSTOMER_NOT_FOUND", "issueInvoice", **{**INV, "customerId": "NOPE"}),
    case("CUSTOMER_NOT_FOUND", "closeCustomer", customerId="NOPE", effectiveDate="2026-01-25"),
    case("INVOICE_NOT_FOUND", "recordPayment", **{**PAY, "allocations": [to("NOPE", 1)]}),
    case("INVOICE_NOT_FOUND", "openDispute", disputeId="DX", invoiceId="NOPE", amountMinor=1,
         reasonCode="PRICING", openedDate="2026-01-25"),
    case("PAYMENT_NOT_FOUND", "reversePayment", paymentId="NOPE", effectiveDate="2026-01-25",
         reversalReason="CHARGEBACK"),
    case("CREDIT_NOTE_NOT_FOUND", "allocateCreditNote", creditNoteId="NOPE",
         effectiveDate="2026-01-25"),
    case("DISPUTE_NOT_FOUND", "resolveDispute", disputeId="NOPE", outcome="DISPUTE_REJECTED",
         **RES),
    case("INVOICE_OF_OTHER_CUSTOMER", "recordPayment", **{**PAY, "allocations": [to("ID", 1)]}),
    case("INVOICE_OF_OTHER_CUSTOMER", "issueCreditNote", **{**CN, "invoiceId": "ID"}),
    case("CUSTOMER_EXISTS", "openCustomer", customerId="C", name="C", currency="EUR",
         openedDate="2026-01-01"),
    case("DUPLICATE_INVOICE_NUMBER", "issueInvoice", **{**INV, "invoiceId": "I1"}),
    case("DUPLICATE_INVOICE_NUMBER", "issueInvoice", **{**INV, "invoiceId": "ID"}),
    case("PAYMENT_EXISTS", "recordPayment", **{**PAY, "paymentId": "P"}),
    case("CREDIT_NOTE_EXISTS", "issueCreditNote", **{**CN, "creditNoteId": "N"}),
    case("CREDIT_NOTE_EXISTS", "resolveDispute", disputeId="DS1", outcome="DISPUTE_UPHELD",
         creditNoteId="N", **RES),
    case("DISPUTE_EXISTS", "openDispute", disputeId="DS1", invoiceId="I1", amountMinor=1,
         reasonCode="PRICING", openedDate="2026-01-25"),
    case("REQUEST_ID_REUSED", "issueInvoice", **INV),  # the request id of the world's I1
    case("CUSTOMER_CLOSED", "issueInvoice", **{**INV, "customerId": "Z"}),
    case("CUSTOMER_CLOSED", "recordPayment", **{**PAY, "customerId": "Z"}),
    case("CUSTOMER_CLOSED", "closeCustomer", customerId="Z", effectiveDate="2026-01-25"),
    case("CUSTOMER_HAS_OPEN_BALANCE", "closeCustomer", customerId="C",
         effectiveDate="2026-01-25"),
    case("CUSTOMER_HAS_OPEN_BALANCE", "closeCustomer", customerId="W",  # only unapplied cash
         effectiveDate="2026-01-25"),
    case("INVOICE_VOIDED", "recordPayment", **{**PAY, "allocations": [to("V", 1)]}),
    case("INVOICE_VOIDED", "voidInvoice", invoiceId="V", effectiveDate="2026-01-25",
         reason="r"),
    case("INVOICE_VOIDED", "writeOffInvoice", invoiceId="V", effectiveDate="2026-01-25", **WO),
    case("INVOICE_HAS_APPLIED_MONEY", "voidInvoice", invoiceId="I4",
         effectiveDate="2026-01-25", reason="r"),
    case("INVOICE_DISPUTED", "voidInvoice", invoiceId="I2", effectiveDate="2026-01-25",
         reason="r"),
    case("ALLOCATION_EXCEEDS_OPEN", "recordPayment", **{**PAY, "allocations": [to("I4", 151)]}),
    case("ALLOCATION_EXCEEDS_OPEN", "allocatePayment", paymentId="P",
         effectiveDate="2026-01-25", allocations=[to("I5", 1)]),
    case("ALLOCATION_EXCEEDS_AMOUNT", "recordPayment",
         **{**PAY, "allocations": [to("I1", 6), to("I2", 5)]}),
    case("ALLOCATION_EXCEEDS_AMOUNT", "allocateCreditNote", creditNoteId="N",
         effectiveDate="2026-01-25", allocations=[to("I1", 51)]),
    case("NOTHING_TO_ALLOCATE", "allocatePayment", paymentId="PW", effectiveDate="2026-01-25"),
    case("NOTHING_UNAPPLIED", "allocatePayment", paymentId="E", effectiveDate="2026-01-25"),
    case("NOTHING_UNAPPLIED", "allocateCreditNote", creditNoteId="NZ",
         effectiveDate="2026-01-25"),
    case("PAYMENT_REVERSED", "reversePayment", paymentId="R", effectiveDate="2026-01-25",
         reversalReason="CHARGEBACK"),
    case("PAYMENT_REVERSED", "allocatePayment", paymentId="R", effectiveDate="2026-01-25"),
    case("NOTHING_OPEN", "writeOffInvoice", invoiceId="I5", effectiveDate="2026-01-25", **WO),
    case("WRITE_OFF_EXCEEDS_OPEN", "writeOffInvoice", invoiceId="I4", amountMinor=151,
         effectiveDate="2026-01-25", **WO),
    case("DISPUTE_EXCEEDS_OPEN", "openDispute", disputeId="DX", invoiceId="I2",
         amountMinor=401, reasonCode="PRICING", openedDate="2026-01-25"),
    case("DISPUTE_NOT_OPEN", "resolveDispute", disputeId="DS0", outcome="DISPUTE_REJECTED",
         **RES),
    case("CREDIT_EXCEEDS_OPEN", "issueCreditNote", **{**CN, "invoiceId": "I4",
                                                      "amountMinor": 151}),
    # Portfolio risk
    case("MODEL_VERSION_EXISTS", "registerRiskModel", modelVersion="default-v1",
         modelJson=DEFAULT_MODEL_JSON, effectiveDate="2026-01-25", actor="a", reason="r"),
    case("INVALID_RISK_MODEL", "registerRiskModel", modelVersion="m1", modelJson="{}",
         effectiveDate="2026-01-25", actor="a", reason="r"),
    case("UNKNOWN_MODEL_VERSION", "recordPortfolioRescore", modelVersion="nobody",
         asOf="2026-01-25", customerCount=1, scoreDigest="0" * 64),
    case("INVALID_RESCORE", "recordPortfolioRescore", modelVersion="default-v1",
         asOf="2026-01-25", customerCount=1, scoreDigest="not-hex"),
]


@pytest.mark.parametrize("kind,fields,reason", REFUSALS)
def test_each_refusal_has_its_registered_reason_and_writes_nothing(ledger, kind, fields,
                                                                    reason):
    world(ledger)
    head, digest = ledger.state.head_position, ledger.state.digest()
    rid = "i1" if reason == "REQUEST_ID_REUSED" else "bad"
    (o,) = run(ledger, cmd(kind, rid, **fields))
    assert (o.status, o.error.reason) == ("REJECTED", reason), o.error
    family, _ = REASONS[reason]
    assert isinstance(o.error, family)
    assert ledger.state.head_position == head and ledger.state.digest() == digest


def test_the_limits_themselves_are_accepted(ledger):
    """One step inside each refusal above is fine: the edges are where the domain says."""
    world(ledger)
    accept(ledger,
           invoice("e1", "E1", 10**15, "2026-01-01"),                     # the largest amount
           invoice("e2", "E2", 6, "2026-01-02", dueDate="2026-01-02", lines=[LINE]),
           customer("e3", "Y", net=3650, opened="2200-12-31"),
           payment("e4", "E4", 150, "2026-01-25", allocations=[to("I4", 150)]),  # all open
           cmd("openDispute", "e5", disputeId="DE", invoiceId="I2", amountMinor=400,
               reasonCode="PRICING", openedDate="2026-01-05"),            # all undisputed
           cmd("writeOffInvoice", "e6", invoiceId="I3", amountMinor=250,
               effectiveDate="2026-01-21", **WO),                         # all that is open
           cmd("issueCreditNote", "e7", creditNoteId="NE", customerId="C", invoiceId="I1",
               amountMinor=1000, currency="EUR", issueDate="2026-01-10"),  # all that is open
           cmd("reversePayment", "e8", paymentId="E", effectiveDate="2026-01-21",
               reversalReason="CHARGEBACK"))                              # on its last day


def test_batch_level_and_read_side_refusals_have_registered_reasons(ledger):
    found = {}
    for attempt in (lambda: ledger.submit([]),
                    lambda: ledger.submit([pb.Command()] * 10_001),
                    lambda: list(ledger.entries(ledger.state.head_position + 2)),
                    lambda: views.check_edges((30, 30)),
                    lambda: views.check_edges((0, 30))):
        with pytest.raises(LedgerError) as e:
            attempt()
        found[e.value.reason] = e.value
    (o,) = ledger.submit([pb.Command()])
    found[o.error.reason] = o.error
    ledger.close()
    with pytest.raises(LedgerError) as e:
        ledger.submit([customer("late", "L")])
    found[e.value.reason] = e.value
    assert set(found) == {"EMPTY_BATCH", "BATCH_TOO_LARGE", "INVALID_POSITION",
                          "INVALID_BUCKET_EDGES", "EMPTY_COMMAND", "SHUTTING_DOWN"}
    for reason, err in found.items():
        assert isinstance(err, REASONS[reason][0]), reason


def test_every_reason_raised_in_the_code_is_registered_and_every_registered_one_is_used():
    text = "\n".join(p.read_text() for p in SRC.rglob("*.py") if "v1" not in p.parts)
    raised = set(re.findall(r'error\(\s*"([A-Z_]+)"', text))
    raised |= set(re.findall(r'(?:InvalidArgument|NotFound|FailedPrecondition|AlreadyExists|'
                             r'Aborted|Unavailable)\(\s*"([A-Z_]+)"', text))
    if 'f"{kind.upper()}_NOT_FOUND"' in text:  # Decider.must builds these from the kind
        raised |= {"CUSTOMER_NOT_FOUND", "INVOICE_NOT_FOUND", "PAYMENT_NOT_FOUND",
                   "CREDIT_NOTE_NOT_FOUND", "DISPUTE_NOT_FOUND", "SALE_NOT_FOUND"}
    assert raised <= set(REASONS), raised - set(REASONS)
    unused = set(REASONS) - raised
    assert not unused, f"registered but never raised: {sorted(unused)}"


# Bank statements: each refusal is exercised in tests/bank/test_bank_engine.py
# (BAD_STATEMENT_LINE, BANK_MATCH_NOT_ALONE, BANK_LINE_NOT_FOUND, BANK_LINE_DISMISSED) and
# tests/api/test_bank_api.py (BAD_STATEMENT_FILE, BANK_LINE_ALREADY_APPLIED,
# BANK_LINE_NOT_A_RECEIPT, NO_SUCH_CANDIDATE).
BANK_REFUSED_ELSEWHERE = {"BAD_STATEMENT_LINE", "BANK_MATCH_NOT_ALONE", "BANK_LINE_NOT_FOUND",
                          "BANK_LINE_DISMISSED", "BAD_STATEMENT_FILE",
                          "BANK_LINE_ALREADY_APPLIED", "BANK_LINE_NOT_A_RECEIPT",
                          "NO_SUCH_CANDIDATE"}


def test_every_reason_of_the_decide_path_is_exercised_above():
    from tests.unit.test_credit_control import AR_REFUSALS, AR_REFUSED_ELSEWHERE
    exercised = {p.values[2] for p in REFUSALS + AR_REFUSALS} | AR_REFUSED_ELSEWHERE | \
        BANK_REFUSED_ELSEWHERE
    decide = "".join(p.read_text() for p in sorted((SRC / "engine/decide").glob("*.py")))
    decide += "".join((SRC / f).read_text() for f in (
        "domain/validate.py", "engine/dunning.py", "domain/policies.py"))
    raised = set(re.findall(r'error\(\s*"([A-Z_]+)"', decide)) | {"MALFORMED_DATE"}
    raised -= {"EMPTY_COMMAND"}  # a batch-level refusal (tested above)
    raised -= {"DATE_BEFORE_REOPENING"}  # needs a reversal first: its own test above
    raised -= {"WRONG_PARTITION"}  # needs a partitioned ledger: tests/engine/test_partitions.py
    assert raised - exercised == set()


def test_a_refusal_before_any_write_does_not_fail_the_rest_of_the_batch(ledger):
    """An accepted command followed by one refused on its envelope (malformed or reused
    request id): the refusal is per command, the accepted one stays accepted."""
    outs = run(ledger, customer("r1", "C"), customer("bad id!", "D"), customer("r3", "E"),
               customer("r3", "F"))
    assert [(o.status, o.error and o.error.reason) for o in outs] == [
        ("ACCEPTED", None), ("REJECTED", "MALFORMED_ID"), ("ACCEPTED", None),
        ("REJECTED", "REQUEST_ID_REUSED")]


# ---- worked examples --------------------------------------------------------------------------

def three_invoices(ledger):
    accept(ledger, customer("o", "C"),
           invoice("i1", "I1", 1000, "2026-01-10"),                          # due 02-09
           invoice("i2", "I2", 500, "2026-01-05", dueDate="2026-03-01"),     # due 03-01
           invoice("i3", "I3", 300, "2026-01-20"))                           # due 02-19


def test_oldest_due_first_pays_by_due_date_not_by_issue_date(ledger):
    three_invoices(ledger)
    (o,) = accept(ledger, payment("p", "P", 1200, "2026-02-20"))
    assert (o.allocations, o.unapplied_minor) == ([("I1", 1000), ("I3", 200)], 0)
    assert open_items(ledger, "C", "2026-02-20") == {("INVOICE", "I3"): 100,
                                                     ("INVOICE", "I2"): 500}


def test_equal_due_dates_are_paid_by_issue_date_then_in_the_order_they_were_issued(ledger):
    accept(ledger, customer("o", "C"),
           invoice("a", "A", 100, "2026-01-03", dueDate="2026-02-01"),
           invoice("b", "B", 100, "2026-01-02", dueDate="2026-02-01"),   # issued earlier
           invoice("c", "C1", 100, "2026-01-03", dueDate="2026-02-01"),  # same as A, issued after
           invoice("d", "D", 100, "2026-01-01", dueDate="2026-03-01"))   # oldest, due last
    (o,) = accept(ledger, payment("p", "P", 350, "2026-01-05"))
    assert o.allocations == [("B", 100), ("A", 100), ("C1", 100), ("D", 50)]


def test_automatic_allocation_skips_invoices_issued_after_the_payment_date(ledger):
    three_invoices(ledger)
    (o,) = accept(ledger, payment("p", "P", 2000, "2026-01-12"))  # I3 is issued 01-20
    assert (o.allocations, o.unapplied_minor) == ([("I1", 1000), ("I2", 500)], 500)


def test_newest_due_first_and_leave_unapplied_are_honoured(ledger):
    three_invoices(ledger)
    (o,) = accept(ledger, payment("p", "P", 600, "2026-02-20", strategy="NEWEST_DUE_FIRST"))
    assert o.allocations == [("I2", 500), ("I3", 100)]
    (o,) = accept(ledger, payment("q", "Q", 70, "2026-02-20", strategy="LEAVE_UNAPPLIED"))
    assert (o.allocations, o.unapplied_minor) == ([], 70)


def test_a_partial_payment_leaves_the_remainder_open_and_overdue(ledger):
    three_invoices(ledger)
    accept(ledger, payment("p", "P", 400, "2026-02-01", allocations=[to("I1", 400)]))
    b = balance(ledger, "C", "2026-02-10")
    assert (b.open_minor, b.overdue_minor, b.balance_minor) == (1400, 600, 1400)
    assert open_items(ledger, "C", "2026-02-10")[("INVOICE", "I1")] == 600
    b = balance(ledger, "C", "2026-02-09")  # the due day itself is not overdue yet
    assert b.overdue_minor == 0


def test_an_overpayment_becomes_unapplied_cash_and_is_allocated_later(ledger):
    accept(ledger, customer("o", "C"), invoice("i", "I", 100, "2026-01-10"))
    (o,) = accept(ledger, payment("p", "P", 150, "2026-01-15"))
    assert (o.allocations, o.unapplied_minor) == ([("I", 100)], 50)
    b = balance(ledger, "C", "2026-01-15")
    assert (b.open_minor, b.unapplied_cash_minor, b.balance_minor) == (0, 50, -50)
    (o,) = accept(ledger, invoice("j", "J", 80, "2026-02-01"),
                  cmd("allocatePayment", "a", paymentId="P", effectiveDate="2026-02-03"))[1:]
    assert (o.allocations, o.unapplied_minor) == ([("J", 50)], 0)
    assert open_items(ledger, "C", "2026-02-03") == {("INVOICE", "J"): 30}
    # As of the day before the allocation, the cash was still unapplied and J fully open.
    assert open_items(ledger, "C", "2026-02-02") == {("INVOICE", "J"): 80, ("PAYMENT", "P"): -50}
    assert balance(ledger, "C", "2026-02-02").balance_minor == 30


def test_a_reversal_reopens_exactly_what_the_payment_had_settled(ledger):
    three_invoices(ledger)
    accept(ledger, payment("p", "P", 1300, "2026-02-20"),      # I1 1000, I3 300
           payment("q", "Q", 100, "2026-02-21", allocations=[to("I2", 100)]))
    (o,) = accept(ledger, cmd("reversePayment", "r", paymentId="P", effectiveDate="2026-03-01",
                              reversalReason="RETURNED_CHEQUE"))
    assert sorted(o.allocations) == [("I1", -1000), ("I3", -300)]
    assert open_items(ledger, "C", "2026-03-01") == {
        ("INVOICE", "I1"): 1000, ("INVOICE", "I3"): 300, ("INVOICE", "I2"): 400}
    assert open_items(ledger, "C", "2026-02-28") == {("INVOICE", "I2"): 400}  # before: settled
    b = balance(ledger, "C", "2026-03-01")
    assert (b.unapplied_cash_minor, b.balance_minor) == (0, 1700)


def test_reversing_a_payment_with_unapplied_cash_removes_the_cash(ledger):
    three_invoices(ledger)
    accept(ledger, payment("p", "P", 2000, "2026-02-20"))  # 1800 applied, 200 unapplied
    (o,) = accept(ledger, cmd("reversePayment", "r", paymentId="P", effectiveDate="2026-02-21",
                              reversalReason="CHARGEBACK"))
    b = balance(ledger, "C", "2026-02-21")
    assert (b.open_minor, b.unapplied_cash_minor, b.balance_minor) == (1800, 0, 1800)
    assert balance(ledger, "C", "2026-02-20").balance_minor == -200


def test_an_upheld_dispute_issues_a_credit_note_applied_to_the_invoice(ledger):
    three_invoices(ledger)
    accept(ledger, cmd("openDispute", "d", disputeId="D", invoiceId="I1", amountMinor=300,
                       reasonCode="DAMAGED_GOODS", openedDate="2026-01-15"))
    b = balance(ledger, "C", "2026-01-20")
    assert (b.open_minor, b.disputed_minor) == (1800, 300)
    (o,) = accept(ledger, cmd("resolveDispute", "r", disputeId="D", outcome="DISPUTE_UPHELD",
                              creditNoteId="CN-D", resolvedDate="2026-01-25", actor="ann",
                              reason="photos"))
    assert (o.entry_count, o.allocations, o.unapplied_minor) == (2, [("I1", 300)], 0)
    entries = list(ledger.entries(o.position, 2))
    assert [e["type"] for e in entries] == ["DisputeResolved", "CreditNoteIssued"]
    b = balance(ledger, "C", "2026-01-25")
    assert (b.open_minor, b.disputed_minor, b.unapplied_credit_minor) == (1500, 0, 0)
    assert open_items(ledger, "C", "2026-01-25")[("INVOICE", "I1")] == 700
    assert balance(ledger, "C", "2026-01-24").disputed_minor == 300  # as of before


def test_partial_and_rejected_dispute_outcomes(ledger):
    three_invoices(ledger)
    accept(ledger,
           cmd("openDispute", "d1", disputeId="D1", invoiceId="I1", amountMinor=300,
               reasonCode="PRICING", openedDate="2026-01-15"),
           cmd("openDispute", "d2", disputeId="D2", invoiceId="I2", amountMinor=200,
               reasonCode="PRICING", openedDate="2026-01-15"))
    partial, rejected = accept(
        ledger,
        cmd("resolveDispute", "r1", disputeId="D1", outcome="DISPUTE_PARTIALLY_UPHELD",
            creditedAmountMinor=120, creditNoteId="CN1", resolvedDate="2026-01-25",
            actor="ann", reason="half"),
        cmd("resolveDispute", "r2", disputeId="D2", outcome="DISPUTE_REJECTED",
            resolvedDate="2026-01-25", actor="ann", reason="delivered"))
    assert (partial.entry_count, partial.allocations) == (2, [("I1", 120)])
    assert (rejected.entry_count, rejected.allocations) == (1, [])
    b = balance(ledger, "C", "2026-01-25")
    assert (b.open_minor, b.disputed_minor) == (1800 - 120, 0)


def test_a_credit_note_without_an_invoice_is_account_credit_until_allocated(ledger):
    three_invoices(ledger)
    (o,) = accept(ledger, cmd("issueCreditNote", "n", creditNoteId="N", customerId="C",
                              amountMinor=1200, currency="EUR", issueDate="2026-01-21"))
    assert (o.allocations, o.unapplied_minor) == ([], 1200)
    assert balance(ledger, "C", "2026-01-21").unapplied_credit_minor == 1200
    (o,) = accept(ledger, cmd("allocateCreditNote", "a", creditNoteId="N",
                              effectiveDate="2026-01-22"))
    assert (o.allocations, o.unapplied_minor) == ([("I1", 1000), ("I3", 200)], 0)


def test_a_write_off_of_zero_writes_off_all_that_is_open(ledger):
    three_invoices(ledger)
    (o,) = accept(ledger, cmd("writeOffInvoice", "w", invoiceId="I3", effectiveDate="2026-06-01",
                              **WO))
    assert open_items(ledger, "C", "2026-06-01").get(("INVOICE", "I3")) is None
    assert balance(ledger, "C", "2026-05-31").open_minor == 1800


def test_a_voided_invoice_leaves_the_balance_and_takes_no_money(ledger):
    three_invoices(ledger)
    outs = run(ledger, cmd("voidInvoice", "v", invoiceId="I3", effectiveDate="2026-01-21",
                           reason="duplicate"),
               payment("p", "P", 10, "2026-02-01", allocations=[to("I3", 10)]))
    assert outs[0].status == "ACCEPTED" and outs[1].error.reason == "INVOICE_VOIDED"
    assert balance(ledger, "C", "2026-01-21").open_minor == 1500
    assert balance(ledger, "C", "2026-01-20").open_minor == 1800


def test_a_settled_account_can_be_closed_and_then_takes_nothing_new(ledger):
    accept(ledger, customer("o", "C"), invoice("i", "I", 100, "2026-01-10"),
           payment("p", "P", 100, "2026-01-15"),
           cmd("closeCustomer", "c", customerId="C", effectiveDate="2026-01-16"))
    (o,) = run(ledger, invoice("j", "J", 1, "2026-01-17"))
    assert o.error.reason == "CUSTOMER_CLOSED"


def test_aging_bucket_edges_follow_the_domain_page(ledger):
    accept(ledger, customer("o", "C"))
    as_of = "2026-06-30"
    # days past due: 0 -> current; 1 and 30 -> 1-30; 31 -> 31-60; 120 -> 91-120; 121 -> over 120
    for n, days in enumerate((0, 1, 30, 31, 120, 121)):
        accept(ledger, invoice(f"i{n}", f"I{n}", 10 ** n, "2026-01-01",
                               dueDate=day_to_iso(day(as_of) - days)))
    accept(ledger, payment("p", "P", 7, "2026-06-01", strategy="LEAVE_UNAPPLIED"),
           cmd("issueCreditNote", "n", creditNoteId="N", customerId="C", amountMinor=3,
               currency="EUR", issueDate="2026-06-01"))
    with ledger.reading() as S:
        rep = views.aging(S, 0, day(as_of), S.head_seq)
        bal = views.balance(S, 0, day(as_of), S.head_seq)
    assert rep.labels == ["current", "1-30", "31-60", "61-90", "91-120", "over 120"]
    (row,) = rep.rows
    assert row.buckets_minor == [1, 10 + 100, 1000, 0, 10_000, 100_000]
    assert row.unapplied_minor == -10
    assert sum(row.buckets_minor) + row.unapplied_minor == row.balance_minor == \
        bal.balance_minor == 111_111 - 10


def test_custom_bucket_edges_and_invoice_date_basis(ledger):
    accept(ledger, customer("o", "C"),
           invoice("a", "A", 1, "2026-01-01", dueDate="2026-01-31"),
           invoice("b", "B", 10, "2026-01-20", dueDate="2026-01-20"))
    with ledger.reading() as S:
        (due,) = views.aging(S, 0, day("2026-02-07"), S.head_seq, (7, 14)).rows
        (issued,) = views.aging(S, 0, day("2026-02-07"), S.head_seq, (7, 14),
                                basis_invoice_date=True).rows
    assert due.buckets_minor == [0, 1, 0, 10]      # 7 days -> 1-7, 18 days -> over 14
    assert issued.buckets_minor == [0, 0, 0, 11]   # 37 and 18 days since issue


def test_a_back_dated_allocation_cannot_over_allocate_an_invoice_as_of_its_date(ledger):
    accept(ledger, customer("o", "C"), invoice("i", "I", 100, "2026-01-01"),
           payment("p1", "P1", 100, "2026-01-05"),                      # pays I on 01-05
           cmd("reversePayment", "r1", paymentId="P1", effectiveDate="2026-02-19",
               reversalReason="RETURNED_CHEQUE"))                       # reopens I on 02-19
    # As of 01-20, I had nothing open: money dated before the reopening is refused ...
    (o,) = run(ledger, payment("p2", "P2", 100, "2026-01-20", allocations=[to("I", 100)]))
    assert (o.status, o.error.reason) == ("REJECTED", "DATE_BEFORE_REOPENING")
    (o,) = run(ledger, cmd("writeOffInvoice", "w", invoiceId="I", effectiveDate="2026-01-20",
                           actor="a", reason="r"))
    assert (o.status, o.error.reason) == ("REJECTED", "DATE_BEFORE_REOPENING")
    # ... and an automatic allocation dated then passes the invoice by ...
    (o,) = run(ledger, payment("p3", "P3", 100, "2026-01-20"))
    assert (o.status, o.allocations, o.unapplied_minor) == ("ACCEPTED", [], 100)
    # ... while the same money dated on or after the reopening is applied.
    (o,) = run(ledger, payment("p4", "P4", 100, "2026-02-19", allocations=[to("I", 100)]))
    assert o.status == "ACCEPTED"
    for as_of in ("2026-01-20", "2026-01-30", "2026-02-19", "2026-03-01"):
        assert balance(ledger, "C", as_of).open_minor >= 0
