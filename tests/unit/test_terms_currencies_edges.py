"""Terms both ways and every currency: both end-of-month readings, mixed-basis installments, fixed
discounts, every ISO 4217 currency with its own decimals, and the two edges an independent model
found.

Due dates are worked by hand from the calendar (2026 is not a leap year, 2028 is); every
example names the reading it follows.
"""

import pytest

from arledger.domain import money
from arledger.domain import policies as P
from arledger.domain import validate as V
from arledger.domain.errors import LedgerError
from arledger.projections import views
from tests.unit.test_rules import accept, cmd, customer, day, invoice, payment, run

PERSON = dict(actor="ann", reason="terms review")


def due(basis, issued, days, dom=0, months=0):
    return P.check_terms(P.PaymentTerms(basis=basis, days=days, day_of_month=dom,
                                        months=months)).schedule(day(issued), 100)[0][0]


# ---- the two end-of-month readings ---------------------------------------------------------

@pytest.mark.parametrize("issued,days,dom,eom,days_eom", [
    # EOM: end of the issue month + N (then the next D on or after).
    # DAYS_EOM: issue + N, then the end of that month (then day D of the month after).
    ("2026-01-15", 30, 0, "2026-03-02", "2026-02-28"),   # 31 Jan + 30 | 14 Feb -> 28 Feb
    ("2026-01-31", 30, 0, "2026-03-02", "2026-03-31"),   # 31 Jan + 30 | 2 Mar -> 31 Mar
    ("2026-01-15", 30, 10, "2026-03-10", "2026-03-10"),  # 2 Mar -> 10th | 28 Feb -> 10 Mar
    ("2026-01-10", 0, 31, "2026-01-31", "2026-02-28"),   # on or after 31 Jan | next month's
    ("2026-01-05", 0, 30, "2026-02-28", "2026-02-28"),   # no 30 Feb: its last day, both
    ("2028-01-31", 29, 0, "2028-02-29", "2028-02-29"),   # leap year: 29 Feb, both ways
    ("2028-01-05", 0, 30, "2028-02-29", "2028-02-29"),
    ("2026-02-10", 15, 0, "2026-03-15", "2026-02-28"),   # 28 Feb + 15 | 25 Feb -> 28 Feb
    # Year ends.
    ("2026-12-10", 30, 0, "2027-01-30", "2027-01-31"),   # 31 Dec + 30 | 9 Jan -> 31 Jan
    ("2026-12-10", 30, 10, "2027-02-10", "2027-02-10"),  # 30 Jan -> 10 Feb | 31 Jan -> 10 Feb
    ("2026-11-20", 30, 15, "2027-01-15", "2027-01-15"),  # 30 Dec -> 15 Jan | 31 Dec -> 15 Jan
    ("2026-12-31", 0, 0, "2026-12-31", "2026-12-31"),
    ("2026-12-31", 1, 0, "2027-01-01", "2027-01-31"),
])
def test_both_end_of_month_readings_across_short_months_and_year_ends(issued, days, dom, eom,
                                                                      days_eom):
    assert due("EOM", issued, days, dom) == day(eom)
    assert due("DAYS_EOM", issued, days, dom) == day(days_eom)


@pytest.mark.parametrize("issued,months,expected", [
    ("2026-01-31", 1, "2026-02-28"), ("2026-01-01", 1, "2026-02-28"),
    ("2026-12-15", 1, "2027-01-31"), ("2028-01-10", 1, "2028-02-29"),
    ("2026-11-30", 3, "2027-02-28"),
])
def test_end_of_the_following_month_is_eom_with_months(issued, months, expected):
    assert due("EOM", issued, 0, months=months) == day(expected)


def test_existing_terms_keep_their_meaning_and_their_stored_form_still_reads():
    # A definition stored before terms had months, a fixed discount or line bases.
    old = ('{"basis":"EOM","day_of_month":10,"days":30,"discount_bp":200,"discount_days":10,'
           '"installments":[]}')
    t = P.PaymentTerms.from_json(old)
    assert t.schedule(day("2026-01-20"), 1000) == [(day("2026-03-10"), 1000)]
    assert t.describe() == "end of month + 30, on the 10., 2 % discount within 10 days"
    thirds = P.PaymentTerms.from_json(
        '{"basis":"NET","day_of_month":0,"days":0,"discount_bp":0,"discount_days":0,'
        '"installments":[{"days":30,"percent_bp":5000},{"days":60,"percent_bp":5000}]}')
    assert thirds.schedule(day("2026-01-01"), 101) == [(day("2026-01-31"), 51),
                                                      (day("2026-03-02"), 50)]


# ---- installments with a basis of their own -------------------------------------------------

def test_thirty_percent_at_issue_and_seventy_at_the_end_of_the_following_month():
    t = P.check_terms(P.PaymentTerms(basis="NET", days=0, installments=(
        P.Installment(3000, 0), P.Installment(7000, 0, "EOM", 0, 1))))
    # 30 % of 1,000.01 = 300.003 -> 300.00; the last line takes the rest.
    assert t.schedule(day("2026-01-20"), 100_001) == [(day("2026-01-20"), 30_000),
                                                     (day("2026-02-28"), 70_001)]
    assert t.schedule(day("2026-12-05"), 100) == [(day("2026-12-05"), 30),
                                                 (day("2027-01-31"), 70)]
    assert t.describe() == "installments 30 % net 0; 70 % end of the following month + 0"


@pytest.mark.parametrize("reading,second_due", [("EOM", "2026-04-01"),       # 31 Jan + 60
                                                ("DAYS_EOM", "2026-03-31")])  # 21 Mar -> 31 Mar
def test_fifty_net_thirty_and_fifty_net_sixty_eom_in_either_reading(reading, second_due):
    t = P.check_terms(P.PaymentTerms(basis="NET", days=0, installments=(
        P.Installment(5000, 30), P.Installment(5000, 60, reading))))
    assert t.schedule(day("2026-01-20"), 1_000) == [(day("2026-02-19"), 500),
                                                   (day(second_due), 500)]


def test_lines_that_fall_due_out_of_their_defined_order_are_put_in_due_order():
    t = P.check_terms(P.PaymentTerms(basis="NET", days=0, installments=(
        P.Installment(5000, 45), P.Installment(5000, 0, "EOM", 0, 1))))
    # Issued 5 Jan: net 45 = 19 Feb comes before the end of February.
    assert t.schedule(day("2026-01-05"), 101) == [(day("2026-02-19"), 51),
                                                 (day("2026-02-28"), 50)]
    # Issued 20 Jan: net 45 = 6 Mar comes after it; the shares stay with their lines (the
    # first as defined is rounded, the last as defined takes the remainder).
    assert t.schedule(day("2026-01-20"), 101) == [(day("2026-02-28"), 50),
                                                 (day("2026-03-06"), 51)]


def test_invalid_line_rules_are_refused():
    bad = [
        P.PaymentTerms(installments=(P.Installment(5000, 0), P.Installment(5000, 0, "", 10))),
        P.PaymentTerms(installments=(P.Installment(5000, 0, "NET", 10),
                                     P.Installment(5000, 30))),
        P.PaymentTerms(installments=(P.Installment(5000, 0, "DAYS_EOM", 0, 1),
                                     P.Installment(5000, 30))),
        P.PaymentTerms(installments=(P.Installment(5000, 30, "NET"),
                                     P.Installment(5000, 30, "NET"))),
        P.PaymentTerms(basis="DAYS_EOM", months=1),
        P.PaymentTerms(basis="EOM", months=13),
        P.PaymentTerms(discount_bp=200, discount_days=10, discount_fixed_minor=500,
                       discount_currency="EUR"),
        P.PaymentTerms(discount_fixed_minor=500, discount_days=10),
        P.PaymentTerms(discount_fixed_minor=500, discount_currency="EUR"),
        P.PaymentTerms(discount_fixed_minor=500, discount_days=10, discount_currency="XAU"),
    ]
    for t in bad:
        with pytest.raises(LedgerError) as e:
            P.check_terms(t)
        assert e.value.reason == "INVALID_TERMS", t


def test_mixed_basis_terms_through_the_ledger_age_each_installment_on_its_own(ledger):
    accept(ledger, customer("c", "C"),
           cmd("definePaymentTerms", "t", termsId="30-70", basis="NET", days=0,
               installments=[{"percentBp": 3000, "days": 0},
                             {"percentBp": 7000, "days": 0, "basis": "END_OF_MONTH",
                              "months": 1}],
               effectiveDate="2026-01-01", **PERSON),
           invoice("i", "I1", 100_000, "2026-01-20", termsId="30-70"))
    with ledger.reading() as S:
        a = views.aging(S, S.customer_ix["C"], day("2026-03-05"), S.head_seq).rows[0]
        inv = S.invoice_ix["I1"]
        assert int(S.invoices.due_day[inv]) == day("2026-02-28")
    # 30,000 due 20 Jan is 44 days late; 70,000 due 28 Feb is 5 days late.
    assert a.buckets_minor == [0, 70_000, 30_000, 0, 0, 0]


# ---- fixed early-payment discount -------------------------------------------------------------

def fixed_terms(rid="tf", tid="FIX", cur="EUR", amount=500):
    return cmd("definePaymentTerms", rid, termsId=tid, basis="NET", days=30,
               discountFixedMinor=amount, discountCurrency=cur, discountDays=10,
               effectiveDate="2026-01-01", **PERSON)


def test_a_fixed_discount_settles_an_invoice_paid_in_the_window(ledger):
    accept(ledger, customer("c", "C"), fixed_terms(),
           invoice("i1", "I1", 10_000, "2026-01-05", termsId="FIX"),
           invoice("i2", "I2", 400, "2026-01-05", termsId="FIX"))
    (o,) = run(ledger, payment("p", "P1", 9_500, "2026-01-15",
                               allocations=[{"invoiceId": "I1", "amountMinor": 9_500}]))
    assert o.status == "ACCEPTED", o.error
    with ledger.reading() as S:
        assert int(S.invoices.open[S.invoice_ix["I1"]]) == 0       # 500 taken as discount
        # A fixed discount as large as the invoice gives none: 400 stays owed in full.
        assert int(S.invoices.disc[S.invoice_ix["I2"]]) == 0
    (late,) = run(ledger, invoice("i3", "I3", 10_000, "2026-01-05", termsId="FIX"),)
    (p2,) = run(ledger, payment("p2", "P2", 9_500, "2026-01-16",
                                allocations=[{"invoiceId": "I3", "amountMinor": 9_500}]))
    with ledger.reading() as S:
        assert int(S.invoices.open[S.invoice_ix["I3"]]) == 500      # a day late: no discount


def test_fixed_discount_terms_refuse_an_account_in_another_currency(ledger):
    accept(ledger, customer("c", "C"), customer("u", "U", currency="USD"), fixed_terms(),
           fixed_terms("tj", "FIXJPY", "JPY", 1_000), customer("j", "J", currency="JPY"))
    (o,) = run(ledger, invoice("i", "IU", 10_000, "2026-01-05", cid="U", termsId="FIX"))
    assert o.error.reason == "CURRENCY_MISMATCH"
    (o,) = run(ledger, cmd("setCustomerPolicies", "sp", customerId="U", paymentTermsId="FIX",
                           effectiveDate="2026-01-02", **PERSON))
    assert o.error.reason == "CURRENCY_MISMATCH"
    accept(ledger, invoice("ij", "IJ", 20_000, "2026-01-05", cid="J", termsId="FIXJPY"))
    with ledger.reading() as S:
        assert int(S.invoices.disc[S.invoice_ix["IJ"]]) == 1_000


def test_a_replay_rebuilds_the_new_terms_decisions_bit_for_bit(location, clock):
    led = location.open(clock=clock)
    accept(led, customer("c", "C"), fixed_terms(),
           cmd("definePaymentTerms", "t", termsId="MIX", basis="DAYS_THEN_END_OF_MONTH",
               days=30, dayOfMonth=10, installments=[
                   {"percentBp": 5000, "days": 45, "basis": "NET"},
                   {"percentBp": 5000, "days": 0, "basis": "END_OF_MONTH", "months": 1}],
               effectiveDate="2026-01-01", **PERSON),
           invoice("i1", "I1", 10_001, "2026-01-20", termsId="MIX"),
           invoice("i2", "I2", 10_000, "2026-01-20", termsId="FIX"))
    digest = led.state.digest()
    led.close()
    again = location.open(clock=clock)
    assert again.state.digest() == digest
    with again.reading() as S:
        ist = S.installments
        rows = range(int(S.invoices.inst_first[S.invoice_ix["I1"]]),
                     int(S.invoices.inst_first[S.invoice_ix["I1"]]) + 2)
        assert [(int(ist.number[r]), int(ist.due_day[r]), int(ist.amount[r])) for r in rows] == [
            (1, day("2026-02-28"), 5_000), (2, day("2026-03-06"), 5_001)]


# ---- currencies -----------------------------------------------------------------------------

def test_every_current_iso_code_is_accepted_and_only_those():
    for code in ("LKR", "BDT", "UGX", "EUR", "JPY", "BHD", "KWD", "CLF", "VED"):
        assert V.currency(code) == code
    for code in ("XXX", "XAU", "XTS", "BGN", "eur", "", "EURO", "DEM"):
        with pytest.raises(LedgerError) as e:
            V.currency(code)
        assert e.value.reason == "UNKNOWN_CURRENCY", code
    assert len(money.CURRENT) > 150


@pytest.mark.parametrize("code,exp,text", [
    ("JPY", 0, "1,234,567 JPY"), ("UGX", 0, "1,234,567 UGX"), ("EUR", 2, "12,345.67 EUR"),
    ("LKR", 2, "12,345.67 LKR"), ("BHD", 3, "1,234.567 BHD"), ("KWD", 3, "1,234.567 KWD"),
    ("RSD", 2, "12,345.67 RSD"), ("IQD", 3, "1,234.567 IQD"), ("CLF", 4, "123.4567 CLF"),
])
def test_minor_unit_exponents_are_iso_4217s(code, exp, text):
    assert V.exponent(code) == exp
    assert money.format_minor(1_234_567, code) == text
    assert money.format_minor(-5, code).startswith("-0") or exp == 0


def test_zero_and_three_decimal_currencies_keep_their_figures_through_the_ledger(ledger):
    accept(ledger, customer("j", "J", currency="JPY"), customer("k", "K", currency="KWD"),
           customer("l", "L", currency="LKR"),
           cmd("definePaymentTerms", "t", termsId="2-10", basis="NET", days=30, discountBp=200,
               discountDays=10, effectiveDate="2026-01-01", **PERSON),
           invoice("ij", "IJ", 12_345, "2026-01-05", cid="J", termsId="2-10"),
           invoice("ik", "IK", 12_345, "2026-01-05", cid="K", termsId="2-10"))
    with ledger.reading() as S:
        # 2 % of 12,345 JPY = 246.9 -> 247 yen; of 12.345 KWD = 0.2469 -> 0.247 KWD.
        assert int(S.invoices.disc[S.invoice_ix["IJ"]]) == 247
        assert int(S.invoices.disc[S.invoice_ix["IK"]]) == 247
    assert money.format_minor(12_345 - 247, "KWD") == "12.098 KWD"
    assert money.format_minor(12_345 - 247, "JPY") == "12,098 JPY"


def test_an_account_in_a_withdrawn_currency_keeps_working(ledger):
    # BGN left ISO 4217 when Bulgaria joined the euro; a ledger that opened BGN accounts
    # before must still take their payments (the account's currency is not re-judged).
    (o,) = run(ledger, customer("b", "B", currency="BGN"))
    assert o.error.reason == "UNKNOWN_CURRENCY"                   # no new account in it
    assert money.exponent("BGN") == 2 and money.format_minor(150, "BGN") == "1.50 BGN"


@pytest.mark.parametrize("python_only", [False, True], ids=["compiled", "python"])
def test_an_account_opened_before_iso_withdrew_its_currency_still_takes_money(
        ledger, monkeypatch, python_only):
    # The ledger opened a BGN account while ISO still listed BGN (so BGN is one of the
    # ledger's currencies); after the withdrawal that account's invoices, payments and
    # credit notes are taken, a new account in BGN is not - on the compiled volume loop
    # and in Python alike.
    monkeypatch.setitem(money.CURRENT, "BGN", 2)
    accept(ledger, customer("b", "B", currency="BGN"))
    monkeypatch.delitem(money.CURRENT, "BGN")
    ledger._decider.python_only = python_only
    accept(ledger, invoice("i", "I1", 500, "2026-01-02", cid="B", currency="BGN"),
           payment("p", "P1", 200, "2026-01-05", cid="B", currency="BGN"),
           cmd("issueCreditNote", "n", creditNoteId="N1", customerId="B", amountMinor=50,
               currency="BGN", issueDate="2026-01-06"))
    outs = run(ledger, customer("b2", "B2", currency="BGN"),
               payment("p2", "P2", 10, "2026-01-05", cid="B", currency="EUR"),
               payment("p3", "P3", 10, "2026-01-05", cid="B", currency="XYZ"))
    assert [o.error.reason for o in outs] == ["UNKNOWN_CURRENCY", "CURRENCY_MISMATCH",
                                              "UNKNOWN_CURRENCY"]
    with ledger.reading() as S:
        assert S.customer_ids.find("B2") < 0
        b = views.balance(S, S.customer_ids.find("B"), day("2026-01-31"), S.head_seq)
        assert (b.open_minor, b.balance_minor) == (300, 250)


# ---- the two edges ------------------------------------------------------------------------

def test_a_refund_needs_only_the_moneys_own_date_for_payments_and_credit_notes_alike(ledger):
    accept(ledger, customer("c", "C"), invoice("i", "I1", 600, "2026-01-02"),
           invoice("i2", "I2", 600, "2026-01-02"),
           payment("p", "P1", 1_001, "2026-01-05", strategy="LEAVE_UNAPPLIED"),
           cmd("allocatePayment", "a", paymentId="P1", effectiveDate="2026-01-20",
               allocations=[{"invoiceId": "I1", "amountMinor": 600}]),
           cmd("issueCreditNote", "cn", creditNoteId="CN1", customerId="C", amountMinor=1_000,
               currency="EUR", issueDate="2026-01-05"),
           cmd("allocateCreditNote", "ac", creditNoteId="CN1", effectiveDate="2026-01-20",
               allocations=[{"invoiceId": "I2", "amountMinor": 600}]))
    # Both refunds are dated 10 Jan: after the money, before the payment's allocation.
    accept(ledger,
           cmd("refundUnapplied", "r1", refundId="R1", paymentId="P1", amountMinor=400,
               method="BANK_TRANSFER", refundDate="2026-01-10", **PERSON),
           cmd("refundUnapplied", "r2", refundId="R2", creditNoteId="CN1", amountMinor=400,
               method="BANK_TRANSFER", refundDate="2026-01-10", **PERSON))
    (o,) = run(ledger, cmd("refundUnapplied", "r3", refundId="R3", paymentId="P1",
                           amountMinor=1, method="CASH", refundDate="2026-01-04", **PERSON))
    assert o.error.reason == "DATE_BEFORE_ORIGIN"                 # before the money itself
    with ledger.reading() as S:
        c = S.customer_ix["C"]
        for d in range(day("2026-01-01"), day("2026-02-01")):    # no as-of view below zero
            o = views.open_amounts(S, d, S.head_seq, c)
            assert (o.payment_unapplied >= 0).all() and (o.credit_unapplied >= 0).all()
        o = views.open_amounts(S, day("2026-01-12"), S.head_seq, c)
        assert o.payment_unapplied.tolist() == [601] and o.credit_unapplied.tolist() == [600]


def test_an_upheld_dispute_before_a_reopening_leaves_account_credit_an_explicit_note_is_refused(
        ledger):
    accept(ledger, customer("c", "C"), invoice("i", "I1", 1_000, "2026-01-02"),
           cmd("openDispute", "d", disputeId="D1", invoiceId="I1", amountMinor=300,
               reasonCode="PRICING", openedDate="2026-01-03"),
           payment("p", "P1", 1_000, "2026-01-05"),
           cmd("reversePayment", "rv", paymentId="P1", effectiveDate="2026-01-20",
               reversalReason="RETURNED_CHEQUE"))
    (o,) = run(ledger, cmd("issueCreditNote", "cn", creditNoteId="CNX", customerId="C",
                           amountMinor=300, currency="EUR", issueDate="2026-01-10",
                           invoiceId="I1"))
    assert o.error.reason == "DATE_BEFORE_REOPENING"
    accept(ledger, cmd("resolveDispute", "r", disputeId="D1", outcome="DISPUTE_UPHELD",
                       creditNoteId="CN1", resolvedDate="2026-01-10", **PERSON))
    with ledger.reading() as S:
        c = S.customer_ix["C"]
        assert int(S.credit_notes.unapplied[S.credit_note_ix["CN1"]]) == 300  # account credit
        assert views.balance(S, c, day("2026-01-31"), S.head_seq).balance_minor == 700
        for d in range(day("2026-01-01"), day("2026-02-01")):
            o = views.open_amounts(S, d, S.head_seq, c)
            assert (o.invoice_open >= 0).all()
    # Applied later, on or after the reopening, it settles part of the invoice.
    accept(ledger, cmd("allocateCreditNote", "ac", creditNoteId="CN1",
                       effectiveDate="2026-01-20",
                       allocations=[{"invoiceId": "I1", "amountMinor": 300}]))
    with ledger.reading() as S:
        assert int(S.invoices.open[S.invoice_ix["I1"]]) == 700


def test_the_workspace_formats_and_reads_money_with_each_currencys_decimals():
    from arledger.web.view import major, to_minor
    from arledger.web.view import money as web_money
    assert web_money(1_234_567, "JPY") == "1,234,567 JPY"
    assert web_money(1_234_567, "BHD") == "1,234.567 BHD"
    assert web_money(1_234_567, "LKR") == "12,345.67 LKR"
    assert major(1_234, "KWD") == "1.234" and major(1_234, "UGX") == "1234"
    assert to_minor("1.234", "KWD") == 1_234 and to_minor("1,500", "JPY") == 1_500
    with pytest.raises(ValueError):
        to_minor("1.5", "JPY")                   # no decimals in yen
