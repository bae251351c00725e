"""Properties of cash application: whatever the lines, the money of a line is accounted for
exactly once - allocations + unapplied = the line's amount, no invoice is closed beyond
what is open (allocation + discount + write-off), a write-off stays within the tolerance -
for every candidate the matcher proposes, and for every payment the ledger records from a
statement."""

import tempfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arledger.bank import matcher as M
from arledger.bank import ops
from arledger.domain import bank as BK
from arledger.engine import open_ledger
from arledger.v1 import commands_pb2 as pb

NAMES = ("Acme GmbH", "Northwind Foods Ltd", "Granite Textiles AG", "Summit Labs Inc.")


@st.composite
def books(draw):
    n_c = draw(st.integers(1, 4))
    items = []
    for c in range(n_c):
        for _ in range(draw(st.integers(0, 6))):
            amt = draw(st.integers(1, 50) ) * 1_000 + draw(st.sampled_from((0, 0, 1, 499)))
            disc = draw(st.sampled_from((0, 0, amt // 50)))
            items.append((c, amt, disc))
    return n_c, items


@st.composite
def statements(draw):
    n_c, items = draw(books())
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        refs = draw(st.lists(st.integers(0, max(0, len(items) - 1)), max_size=3)) \
            if items else []
        base = sum(items[k][1] for k in set(refs)) if refs else \
            draw(st.integers(1, 60)) * 1_000
        amount = max(1, base + draw(st.sampled_from((0, 0, -1, -300, -5_000, 700, 12_345))))
        text = " ".join(draw(st.sampled_from((f"INV-{k + 1:05d}", f"{k + 1}", f"inv {k + 1}")))
                        for k in refs)
        name = draw(st.sampled_from(NAMES + ("Stranger", "")))
        acct = draw(st.sampled_from(("DE01", "DE02", "")))
        lines.append((amount, name, acct, text))
    return n_c, items, lines


def _book(n_c, items, learned):
    ids = [f"INV-{k + 1:05d}" for k in range(len(items))]
    arr = lambda v: np.array(v, np.int64)  # noqa: E731
    return M.OpenBook(
        inv_ix=arr(range(len(items))), inv_ids=ids, inv_cust=arr([c for c, _, _ in items]),
        inv_open=arr([a for _, a, _ in items]), inv_issue=arr([0] * len(items)),
        inv_due=arr([30 + k for k in range(len(items))]),
        inv_disc=arr([d for _, _, d in items]), inv_disc_until=arr([10] * len(items)),
        cust_ids=[f"C{c}" for c in range(n_c)], cust_names=list(NAMES[:n_c]),
        cust_currency=["EUR"] * n_c, by_account=learned).index()


@settings(max_examples=300, deadline=None)
@given(statements(), st.booleans())
def test_every_candidate_accounts_for_the_line_exactly(data, learn):
    n_c, items, lines = data
    book = _book(n_c, items, {"DE01": {0: 2}} if learn else {})
    rules = BK.DEFAULT_RULES
    m = M.Matcher(book, rules)
    for amount, name, acct, text in lines:
        before = {p: m.left(p) for p in range(len(items))}
        ln = M.LineInput(5, amount, "EUR", name, acct, text)
        d = m.decide(ln)
        for c in d.candidates:
            assert sum(a for _, a, _, _ in c.plan) + c.unapplied == amount
            assert c.unapplied >= 0 and 0 <= c.score <= 10_000
            seen = set()
            for p, a, disc, w in c.plan:
                assert p not in seen and a >= 0 and disc >= 0 and w >= 0
                seen.add(p)
                assert a + disc + w <= before[p]
                assert book.inv_cust[p] == c.cust
                if w:
                    assert w <= rules.tolerance(int(sum(before[q] for q, *_ in c.plan)))
        if d.auto:
            assert d.best is d.candidates[0] and d.best.score >= rules.auto_apply_bp
        m.commit(d, ln)
        assert all(m.left(p) >= 0 for p in range(len(items)))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statements())
def test_every_payment_the_ledger_records_from_a_line_is_the_lines_amount(data):
    n_c, items, lines = data
    with tempfile.TemporaryDirectory() as d:
        led = open_ledger(d, clock=lambda: 1_790_000_000_000_000)
        try:
            cmds = [pb.Command(open_customer=pb.OpenCustomerRequest(
                request_id=f"c{c}", customer_id=f"C{c}", name=NAMES[c], currency="EUR",
                payment_terms_net_days=30, opened_date="2026-01-01")) for c in range(n_c)]
            cmds += [pb.Command(issue_invoice=pb.IssueInvoiceRequest(
                request_id=f"i{k}", invoice_id=f"INV-{k + 1:05d}", customer_id=f"C{c}",
                amount_minor=a, currency="EUR", issue_date="2026-01-05"))
                for k, (c, a, _) in enumerate(items)]
            assert all(o.status == "ACCEPTED" for o in led.submit(cmds))
            m = pb.ImportBankStatementRequest(request_id="imp", account="A", statement_id="S",
                                              format="CSV", file_sha256="0" * 64)
            for n, (amount, name, acct, text) in enumerate(lines, 1):
                m.lines.add(line_number=n, booking_date="2026-02-01", amount_minor=amount,
                            currency="EUR", counterparty_name=name, counterparty_account=acct,
                            remittance=text)
            ops.submit_one(led, pb.Command(import_bank_statement=m))
            ops.match_all(led)
            with led.reading() as S:
                b = S.bank
                for i in range(b.n):
                    assert b.status[i] in (BK.APPLIED, BK.QUEUED)
                    if b.status[i] != BK.APPLIED:
                        continue
                    pay = b.payment[i]
                    allocated = sum(S.payment_allocations(pay).values())
                    assert int(S.payments.amount[pay]) == b.amount[i]
                    assert allocated + int(S.payments.unapplied[pay]) == b.amount[i]
                assert (S.invoices.open[:S.invoice_ids.n] >= 0).all()
        finally:
            led.close()
