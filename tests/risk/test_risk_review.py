"""Cases a review found, each as small ledgers with the figures worked out by hand:
reversals counted once per reversal, past due and default per installment, both clocks
(promises, dunning steps and credit limits recorded after a known point), and the
provision matrix per installment and with receivables sold at a loss."""

import itertools
import json
from fractions import Fraction

import numpy as np
import pytest
from google.protobuf import json_format

from arledger.domain.dates import parse_day
from arledger.engine import open_ledger
from arledger.projections import views
from arledger.projections import risk
from arledger.v1 import commands_pb2 as pb

_rids = itertools.count(1)
ENV = dict(actor="ann", reason="review")


def cmd(kind: str, **fields) -> pb.Command:
    return json_format.ParseDict({kind: {"requestId": f"rv-{next(_rids)}", **fields}},
                                 pb.Command())


def day(iso: str) -> int:
    return parse_day(iso, "day")


def ok(led, *commands) -> None:  # type: ignore[no-untyped-def]
    outs = led.submit(list(commands))
    assert all(o.status == "ACCEPTED" for o in outs), [o.error for o in outs if o.error]


@pytest.fixture
def led(tmp_path):
    ticks = itertools.count(1_790_000_000_000_000, 1_000)
    ledger = open_ledger(tmp_path / "rv", clock=lambda: next(ticks))
    yield ledger
    ledger.close()


def customer(led, cid: str = "A", limit: int = 100_000) -> None:  # type: ignore[no-untyped-def]
    ok(led, cmd("openCustomer", customerId=cid, name=cid, currency="EUR",
                paymentTermsNetDays=30, creditLimitMinor=limit, openedDate="2025-12-01"))


def thirds(led) -> None:  # type: ignore[no-untyped-def]
    """Terms of three installments: 34 % at 30 days, 33 % at 120, 33 % at 180."""
    ok(led, cmd("definePaymentTerms", termsId="THIRDS", basis="NET", days=180,
                installments=[{"percentBp": 3400, "days": 30}, {"percentBp": 3300, "days": 120},
                              {"percentBp": 3300, "days": 180}],
                effectiveDate="2025-12-01", **ENV))


# ---- 1. a reversal counts once ----------------------------------------------------------------

def test_a_reversal_of_a_payment_over_three_invoices_counts_once(led):
    customer(led)
    ok(led, *[cmd("issueInvoice", invoiceId=f"I{k}", customerId="A", issueDate="2026-01-05",
                  amountMinor=10_000) for k in range(3)])
    ok(led, cmd("recordPayment", paymentId="P1", customerId="A", amountMinor=30_000,
                currency="EUR", method="CHEQUE", valueDate="2026-02-01"))
    ok(led, cmd("reversePayment", paymentId="P1", effectiveDate="2026-02-10",
                reversalReason="RETURNED_CHEQUE", **ENV))
    with led.reading() as S:
        # The reversal wrote the payment's row and one row per allocation it undid.
        assert int((S.journal.view("etype") == risk._REVERSED).sum()) > 2
        assert risk.features(S, day("2026-03-01")).feature("reversals_365d").tolist() == [1.0]
        assert risk.features(S, day("2026-02-09")).feature("reversals_365d").tolist() == [0.0]
        # A year later it has left the window.
        assert risk.features(S, day("2027-02-10")).feature("reversals_365d").tolist() == [0.0]


# ---- 2. per installment -----------------------------------------------------------------------

def test_past_due_features_and_default_work_per_installment(led):
    thirds(led)
    customer(led, "X")
    ok(led, cmd("issueInvoice", invoiceId="INV-1", customerId="X", issueDate="2026-01-01",
                amountMinor=90_000, termsId="THIRDS"))
    as_of = day("2026-05-15")  # installment 1 (due Jan 31) 104 days past due, 2 (May 1) 14
    with led.reading() as S:
        aging = views.customer_aging(S, as_of, S.head_seq)
        assert aging.buckets.tolist() == [[29_700, 29_700, 0, 0, 30_600, 0]]
        pf = risk.features(S, as_of)
        assert pf.feature("share_past_due")[0] == pytest.approx(60_300 / 90_000, rel=1e-6)
        assert pf.feature("weighted_days_past_due")[0] == pytest.approx(
            (30_600 * 104 + 29_700 * 14) / 90_000, rel=1e-6)
        # Over 90 days past due already: the invoice's last installment is not due yet.
        already, _ = risk.outcomes(S, as_of, 90)
        assert already.tolist() == [True]
        # Before: installment 1 turns 91 days past due on May 2, inside the window.
        already, y = risk.outcomes(S, day("2026-04-15"), 90)
        assert already.tolist() == [False] and y.tolist() == [True]
    # Paying installment 1 (the earliest due is settled first) leaves nothing over 90.
    ok(led, cmd("recordPayment", paymentId="P1", customerId="X", amountMinor=30_600,
                currency="EUR", method="BANK_TRANSFER", valueDate="2026-04-20"))
    with led.reading() as S:
        already, y = risk.outcomes(S, day("2026-04-15"), 90)
        assert already.tolist() == [False] and y.tolist() == [False]
        pf = risk.features(S, as_of)
        assert pf.feature("share_past_due")[0] == pytest.approx(29_700 / 59_400, rel=1e-6)
        assert pf.feature("weighted_days_past_due")[0] == pytest.approx(7.0, rel=1e-6)


def test_the_provision_matrix_enters_buckets_per_installment(led):
    thirds(led)
    customer(led, "X")
    # History: 90,000 in thirds, installment 1 (due 2026-01-31) paid 20 days late,
    # installment 2 (due 2026-05-01) paid 70 days late, installment 3 (due 2026-06-30)
    # never paid (written off).
    ok(led, cmd("issueInvoice", invoiceId="H", customerId="X", issueDate="2026-01-01",
                amountMinor=90_000, termsId="THIRDS"))
    ok(led, cmd("recordPayment", paymentId="P1", customerId="X", amountMinor=30_600,
                currency="EUR", method="BANK_TRANSFER", valueDate="2026-02-20"),
        cmd("recordPayment", paymentId="P2", customerId="X", amountMinor=29_700,
            currency="EUR", method="BANK_TRANSFER", valueDate="2026-07-10"),
        cmd("writeOffInvoice", invoiceId="H", effectiveDate="2026-10-01", **ENV),
        # Open today, under the same terms: its first installment is 1-30 days past due.
        cmd("issueInvoice", invoiceId="NOW", customerId="X", issueDate="2027-01-15",
            amountMinor=10_000, termsId="THIRDS"))
    with led.reading() as S:
        pm = risk.provision_matrix(S, day("2027-02-28"), edges=(30, 60, 90), maturity=180,
                                   history=365)
    (row,) = pm.rows
    assert pm.cohort_invoices == 1 and pm.cohort_installments == 3
    # current: all three (90,000); 1-30: installments 1, 2 and 3; 31-60: 2 and 3;
    # 61-90: 2 (paid on day 70) and 3; over 90: 3 only.
    assert row.entered_minor == [90_000, 90_000, 59_400, 59_400, 29_700]
    assert row.never_paid_minor == [29_700] * 5
    assert row.loss_rate[4] == 1.0
    # Today's 10,000: installment 1 (3,400, due Feb 14) 14 days past due, the rest current.
    assert row.open_minor == [6_600, 3_400, 0, 0, 0]
    assert row.ecl_minor == [(6_600 * 29_700 * 2 + 90_000) // 180_000,
                                (3_400 * 29_700 * 2 + 90_000) // 180_000, 0, 0, 0]
    assert [Fraction(lo, e) for lo, e in zip(row.never_paid_minor, row.entered_minor)] \
        == [Fraction(29_700, 90_000)] * 2 + [Fraction(1, 2)] * 2 + [Fraction(1)]


# ---- 3. both clocks ---------------------------------------------------------------------------

def test_features_as_known_at_a_point_ignore_what_was_recorded_later(led):
    customer(led, "A", limit=100_000)
    ok(led, cmd("issueInvoice", invoiceId="I1", customerId="A", issueDate="2026-01-05",
                amountMinor=50_000))
    ok(led, cmd("defineDunningPolicy", policyId="STD", effectiveDate="2025-12-01",
                levels=[{"daysPastDue": 1, "action": "REMINDER", "textKey": "r"},
                        {"daysPastDue": 30, "action": "FINAL_NOTICE", "textKey": "f"}], **ENV))
    as_of = day("2026-03-31")
    with led.reading() as S:
        K = S.head_seq
        before = risk.features(S, as_of, K)
    assert before.feature("broken_promises").tolist() == [0.0]
    assert before.feature("utilisation").tolist() == [0.5]
    assert before.dunning_level.tolist() == [0]
    # Recorded after K, effective before as_of: a promise broken on Feb 15, a limit cut
    # effective Mar 1, a dunning run on Mar 20 (50 days past due: level 2).
    ok(led, cmd("recordPromise", promiseId="PR1", customerId="A", madeDate="2026-02-01",
                installments=[{"dueDate": "2026-02-15", "amountMinor": 50_000}], **ENV),
        cmd("changeCreditLimit", customerId="A", newLimitMinor=25_000,
            effectiveDate="2026-03-01", **ENV))
    ok(led, cmd("runDunning", asOfDate="2026-03-20", defaultPolicyId="STD", **ENV))
    # A second limit change, effective after as_of.
    ok(led, cmd("changeCreditLimit", customerId="A", newLimitMinor=10_000,
                effectiveDate="2026-06-01", **ENV))
    with led.reading() as S:
        assert S.dunning_steps.n == 1
        at_k = risk.features(S, as_of, K)
        now = risk.features(S, as_of)
        model = risk.model_of(S, "default-v1")
        assert risk.score(model, at_k.X).tobytes() == risk.score(model, before.X).tobytes()
    assert at_k.X.tobytes() == before.X.tobytes()
    assert at_k.dunning_level.tolist() == [0] and not at_k.active_promise.any()
    # As known now: the broken promise, the limit in force on Mar 31 (25,000, not 10,000),
    # the dunning level.
    assert now.feature("broken_promises").tolist() == [1.0]
    assert now.feature("utilisation").tolist() == [2.0]
    assert now.dunning_level.tolist() == [2]
    # Before the cut took effect, the old limit.
    assert risk.features(S, day("2026-02-27")).feature("utilisation").tolist() == [0.5]


# ---- 5. receivables sold ----------------------------------------------------------------------

def test_the_provision_matrix_counts_the_loss_on_sale_as_never_paid(led):
    customer(led, "A")
    # Two invoices of 100,000 due 2026-02-14: one written off, one sold at 10 % of face (a
    # loss of 90,000); a third sold at 10 % and recalled (no loss: it is paid later).
    ok(led, *[cmd("issueInvoice", invoiceId=i, customerId="A", issueDate="2026-01-15",
                  dueDate="2026-02-14", amountMinor=100_000) for i in ("W", "S", "R")])
    ok(led, cmd("writeOffInvoice", invoiceId="W", effectiveDate="2026-08-01", **ENV),
        cmd("sellReceivables", saleId="SALE0", agency="Ag", invoiceIds=["R"], priceBp=1000,
            saleDate="2026-07-01", **ENV),
        cmd("sellReceivables", saleId="SALE1", agency="Ag", invoiceIds=["S"], priceBp=1000,
            saleDate="2026-08-01", **ENV))
    ok(led, cmd("recallSoldReceivables", saleId="SALE0", invoiceIds=["R"],
                recallDate="2026-08-15", **ENV))
    ok(led, cmd("recordPayment", paymentId="P", customerId="A", amountMinor=100_000,
                currency="EUR", method="BANK_TRANSFER", valueDate="2026-08-20",
                strategy="EXPLICIT", allocations=[{"invoiceId": "R", "amountMinor": 100_000}]))
    # Open today (not history): one for each as_of below.
    ok(led, cmd("issueInvoice", invoiceId="NOW", customerId="A", issueDate="2026-12-01",
                dueDate="2026-12-31", amountMinor=50_000),
        cmd("issueInvoice", invoiceId="AUG", customerId="A", issueDate="2026-08-05",
            dueDate="2026-09-04", amountMinor=1))
    with led.reading() as S:
        pm = risk.provision_matrix(S, day("2026-12-31"), edges=(30, 60, 90), maturity=180,
                                   history=365)
        # As of a day between the sale and the recall, R's loss on sale counts too.
        mid = risk.provision_matrix(S, day("2026-08-10"), edges=(30, 60, 90), maturity=150,
                                    history=365)
    (row,) = pm.rows
    assert row.entered_minor == [300_000] * 5
    assert row.never_paid_minor == [190_000] * 5
    assert row.loss_rate == [pytest.approx(190_000 / 300_000)] * 5
    (row,) = mid.rows
    # W written off (100,000), S and R sold at a loss of 90,000 each (R's recall is later).
    assert row.entered_minor == [300_000] * 5
    assert row.never_paid_minor == [280_000] * 5


def test_a_sale_loss_rounds_the_price_half_up_per_invoice(led):
    customer(led, "A")
    ok(led, *[cmd("issueInvoice", invoiceId=f"I{k}", customerId="A", issueDate="2026-01-15",
                  dueDate="2026-02-14", amountMinor=a) for k, a in enumerate((333, 667))])
    ok(led, cmd("sellReceivables", saleId="S", agency="Ag", invoiceIds=["I0", "I1"],
                priceBp=1500, saleDate="2026-03-01", **ENV))
    with led.reading() as S:
        loss = risk._sale_losses(S, day("2026-12-31"), S.head_seq)
        assert int(S.sales.price[0]) == 50 + 100  # 49.95 -> 50, 100.05 -> 100
    assert loss[:2].tolist() == [333 - 50, 667 - 100]


def test_the_rescore_summary_keeps_every_currency(led):
    from arledger.domain.money import CURRENT, CURRENCY_CODES
    from arledger.domain.risk_models import SUMMARY_JSON_MAX
    codes = sorted(CURRENT)  # every code a new account may be opened in
    for k, cur in enumerate(codes):
        ok(led, cmd("openCustomer", customerId=f"C{k}", name="c", currency=cur,
                    paymentTermsNetDays=30, openedDate="2025-12-01"),
            cmd("issueInvoice", invoiceId=f"I{k}", customerId=f"C{k}", issueDate="2026-01-05",
                amountMinor=1_000 + k))
    with led.reading() as S:
        rs = risk.rescore(S, risk.model_of(S, "default-v1"), day("2026-03-01"))
    n = len(codes)
    assert n > 150 and np.all(rs.expected_loss > 0)
    assert rs.summary["exposure_minor"] == {c: 1_000 + k for k, c in enumerate(codes)}
    assert len(rs.summary["expected_loss_minor"]) == n
    # Even with the largest amounts, the summary of every currency fits in an entry.
    worst = dict(rs.summary, exposure_minor={c: -2**63 for c in CURRENCY_CODES},
                 expected_loss_minor={c: -2**63 for c in CURRENCY_CODES})
    assert len(json.dumps(worst, sort_keys=True, separators=(",", ":"))) <= SUMMARY_JSON_MAX
