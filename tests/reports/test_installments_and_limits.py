"""Installments, charges and credit limits in the reports: aging rows per installment (an invoice's
open amount settles its installments in due order), drill-down to an installment, and the credit
limit in force as of the view (a later, back-dated limit change never rewrites an
exception list as known before it)."""

from arledger.projections import reports as R
from arledger.projections import views

from _report_helpers import cmd, day, submit_ok


def setup(led) -> None:  # type: ignore[no-untyped-def]
    submit_ok(led, cmd("definePaymentTerms", termsId="HALVES", basis="NET", days=60,
                       installments=[{"percentBp": 5000, "days": 30},
                                     {"percentBp": 5000, "days": 60}],
                       effectiveDate="2026-01-01", actor="ann", reason="plan"),
              cmd("openCustomer", customerId="X", name="X", currency="EUR",
                  paymentTermsNetDays=30, creditLimitMinor=5_000, openedDate="2025-12-01"))
    submit_ok(led, cmd("issueInvoice", invoiceId="INV-1", customerId="X",
                       issueDate="2026-01-01", amountMinor=10_000, termsId="HALVES"),
              cmd("recordPayment", paymentId="P1", customerId="X", amountMinor=2_000,
                  currency="EUR", method="CARD", valueDate="2026-02-01"))


def test_aging_counts_each_installment_in_its_own_bucket(sqlite_ledger):
    led = sqlite_ledger
    setup(led)
    as_of = day("2026-03-15")
    # Installment 1 (5,000, due Jan 31) has the 2,000 paid: 3,000 open, 43 days past due;
    # installment 2 (5,000, due Mar 2) is 13 days past due.
    with led.reading() as S:
        a = views.customer_aging(S, as_of, S.head_seq)
        assert a.buckets.tolist() == [[0, 5_000, 3_000, 0, 0, 0]]
        assert a.count.tolist() == [1] and a.balance.tolist() == [8_000]
        assert views.aging(S, None, as_of, S.head_seq).rows[0].buckets_minor == \
            a.buckets[0].tolist()
        (item,) = R.aging_items(S, as_of, S.head_seq, bucket="31-60")
        assert (item.item_id, item.installment, item.open_minor, item.days) == (
            "INV-1", 1, 3_000, 43)
        assert R.kpis(S, day("2026-03-01"), as_of, S.head_seq)[0].current_end_minor == 0
        st = R.statement(S, 0, day("2026-01-01"), as_of, S.head_seq)
        assert st.aging.rows[0].buckets_minor == [0, 5_000, 3_000, 0, 0, 0]


def test_over_limit_uses_the_limit_in_force_as_of_and_as_known(sqlite_ledger):
    led = sqlite_ledger
    setup(led)
    with led.reading() as S:
        k = S.head_seq

        def over(as_of: str, ks: int) -> list:
            return [(r.customer_id, r.amount_minor) for r in
                    R.exceptions(S, day(as_of), ks, kinds=("OVER_LIMIT",))]
        before = {d: over(d, k) for d in ("2026-03-15", "2026-03-25")}
    assert before == {"2026-03-15": [("X", 3_000)], "2026-03-25": [("X", 3_000)]}
    submit_ok(led, cmd("changeCreditLimit", customerId="X", newLimitMinor=20_000,
                       effectiveDate="2026-03-20", actor="ann", reason="good payer"))
    with led.reading() as S:
        assert {d: over(d, k) for d in before} == before            # as known at K
        assert over("2026-03-15", S.head_seq) == [("X", 3_000)]     # before it took effect
        assert over("2026-03-25", S.head_seq) == []                 # after: 8,000 < 20,000
        assert list(views.limits_as_of(S, day("2026-03-25"), S.head_seq)) == [20_000]
        assert list(views.limits_as_of(S, day("2026-03-25"), k)) == [5_000]


def test_fee_charges_are_receivables_but_not_credit_sales(sqlite_ledger):
    led = sqlite_ledger
    submit_ok(led, cmd("defineDunningPolicy", policyId="STD", effectiveDate="2026-01-01",
                       actor="ann", reason="ladder",
                       levels=[{"daysPastDue": 14, "action": "SECOND_NOTICE",
                                "feeFixedMinor": 500, "textKey": "second"}]),
              cmd("openCustomer", customerId="C", name="C", currency="EUR",
                  paymentTermsNetDays=30, openedDate="2025-12-01"))
    submit_ok(led, cmd("issueInvoice", invoiceId="I", customerId="C", issueDate="2026-01-15",
                       amountMinor=100_000))
    submit_ok(led, cmd("runDunning", asOfDate="2026-02-28", defaultPolicyId="STD"))
    with led.reading() as S:
        assert S.invoices.n == 2 and int(S.invoices.kind[1]) != 0  # the fee is a charge
        (k,) = R.kpis(S, day("2026-01-01"), day("2026-03-31"), S.head_seq)
        st = R.statement(S, 0, day("2026-01-01"), day("2026-03-31"), S.head_seq)
    assert k.credit_sales_minor == 100_000
    assert k.receivables_end_minor == 100_500
    assert st.closing_balance_minor == 100_500
    assert [ln.debit_minor for ln in st.lines if ln.debit_minor] == [100_000, 500]
