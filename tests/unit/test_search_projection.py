"""projections/search.py against the views it must agree with, on a synthetic portfolio:
every customer's list row equals its balance and aging, every invoice's list row equals its
detail, in three views (the head, a past day, as known at a past segment); text search
equals a plain Python filter; pages are the full sort cut in pieces."""

import numpy as np
import pytest

from arledger import synthetic
from arledger.engine import open_ledger
from arledger.projections import search as Q
from arledger.projections import views


@pytest.fixture(scope="module")
def S(tmp_path_factory):
    led = open_ledger(tmp_path_factory.mktemp("search") / "data")
    spec = synthetic.PortfolioSpec(customers=120, seed=11)
    for batch in synthetic.generate_batches(spec, 400):  # many segments: known_at views
        outs = led.submit(batch)
        assert all(o.status != "REJECTED" for o in outs)
    try:
        with led.reading() as state:
            yield state
    finally:
        led.close()


def _views(S):  # type: ignore[no-untyped-def]
    head = S.max_effective_day
    return [(head, S.head_seq), (head - 120, S.head_seq), (head, S.head_seq // 2),
            (head - 60, S.head_seq * 2 // 3)]


def test_customer_rows_equal_balance_and_aging(S):
    for as_of, ks in _views(S):
        # (Which customers a past view knows is the API tests' concern: it needs the log.)
        total, rows = Q.list_customers(S, as_of, ks, Q.CustomerQuery(
            order_by="customer_id", include_closed=True), 0, 1000)
        assert total == len(rows) > 50
        for r in rows:
            ix = S.customer_ix[r.customer_id]
            b = views.balance(S, ix, as_of, ks)
            assert (r.balance_minor, r.open_minor, r.overdue_minor,
                    r.disputed_minor) == (b.balance_minor, b.open_minor, b.overdue_minor,
                                             b.disputed_minor)
            assert r.unapplied_minor == b.unapplied_cash_minor + b.unapplied_credit_minor
            items = [i for i in views.open_items(S, ix, as_of, ks) if i.kind == "INVOICE"]
            assert r.open_invoices == len(items)
        Q._caches.clear()


def test_invoice_rows_equal_their_detail(S):
    for as_of, ks in _views(S):
        total, rows = Q.list_invoices(S, as_of, ks, Q.ItemQuery(order_by="invoice_id"), 0,
                                      100_000)
        assert total == len(rows) > 100
        statuses = {r.status for r in rows}
        assert {"OPEN", "PAID"} <= statuses
        for r in rows[::7]:
            d = Q.invoice_detail(S, r.invoice_id, as_of, ks)
            assert d.invoice == r
            assert sum(h.delta_minor for h in d.history) == r.open_minor
            assert sum(i.open_minor for i in d.installments) == max(r.open_minor, 0)
        _, pays = Q.list_payments(S, as_of, ks, Q.ItemQuery(), 0, 100_000)
        for p in pays[::9]:
            d = Q.payment_detail(S, p.payment_id, as_of, ks)
            assert d.payment == p
            applied = sum(a.amount_minor for a in d.applied)
            if p.status != "REVERSED":
                refunds = -sum(h.delta_minor for h in d.history
                               if h.entry_type == "UnappliedRefunded")
                assert applied + p.unapplied_minor + refunds == p.amount_minor


def test_text_search_equals_a_python_filter_and_pages_cut_the_full_sort(S):
    as_of, ks = S.max_effective_day, S.head_seq
    names = [m[0] for m in S.master]
    for text in ("a", "gmbh", "C00001", "harbor", "zz-none", "Ltd"):
        _, rows = Q.list_customers(S, as_of, ks, Q.CustomerQuery(query=text,
                                                                 include_closed=True,
                                                                 order_by="customer_id"),
                                   0, 1000)
        want = sorted(c for c, n in zip(S.customer_ids, names)
                      if text.casefold() in c.casefold() or text.casefold() in n.casefold())
        assert [r.customer_id for r in rows] == want, text
        _, rows = Q.list_customers(S, as_of, ks, Q.CustomerQuery(
            query=text, query_prefix=True, include_closed=True, order_by="customer_id"), 0,
            1000)
        want = sorted(c for c, n in zip(S.customer_ids, names)
                      if c.casefold().startswith(text.casefold())
                      or n.casefold().startswith(text.casefold()))
        assert [r.customer_id for r in rows] == want, text
    for order in ("balance desc", "overdue", "oldest_past_due desc", "name", "name desc"):
        q = Q.CustomerQuery(order_by=order, include_closed=True)
        total, full = Q.list_customers(S, as_of, ks, q, 0, 1000)
        pieces = []
        for off in range(0, total, 7):
            pieces += Q.list_customers(S, as_of, ks, q, off, 7)[1]
        assert pieces == full, order
        field, desc = order.split()[0], order.endswith("desc")
        if field == "name":
            keys = [r.name.casefold() for r in full]
            assert keys == sorted(keys, reverse=desc)
        elif field == "oldest_past_due":
            keys = [r.oldest_past_due_days for r in full]
            assert keys == sorted(keys, reverse=desc)
        else:
            key = {"balance": "balance_minor", "overdue": "overdue_minor"}[field]
            keys = [(r.currency, -getattr(r, key) if desc else getattr(r, key)) for r in full]
            assert keys == sorted(keys)


def test_exact_sums_and_deterministic_first_k():
    rng = np.random.default_rng(5)
    idx = rng.integers(0, 50, 200_000)
    vals = rng.integers(-(10**15), 10**15, 200_000)
    want = np.zeros(50, np.int64)
    np.add.at(want, idx, vals)
    assert (Q._sum_by(idx, vals, 50) == want).all()
    key = rng.integers(0, 5, 1000)
    sel = np.flatnonzero(rng.random(1000) < 0.6)
    full = sel[np.lexsort((sel, key[sel]))]
    for k in (1, 7, 50, len(sel), len(sel) + 5):
        assert (Q._first_k(key, sel, k) == full[:k]).all()
