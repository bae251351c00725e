"""The provision matrix equals a slow per-installment reference on random portfolios with
installment terms, reversed payments, write-offs, and receivables sold (some recalled)."""

import random
from collections import defaultdict

import pytest

from arledger import synthetic
from arledger.domain import entries as E
from arledger.domain.dates import day_to_iso, parse_day
from arledger.engine.state import J_INVOICE
from arledger.projections import risk

from test_risk_features import add_twists, cmd, installments_reference, submit

ISSUED, VOIDED = E.BY_NAME["InvoiceIssued"].code, E.BY_NAME["InvoiceVoided"].code
WRITTEN_OFF = E.BY_NAME["InvoiceWrittenOff"].code
EDGES, MATURITY, HISTORY = (30, 60, 90), 120, 365


def add_sales(led, rnd: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Old open invoices sold to an agency in a few sales at different prices, some of them
    recalled later."""
    S = led.state
    last = S.max_effective_day
    env = dict(actor="risk-test", reason="sale")
    open_old = [i for i in range(S.invoices.n) if int(S.invoices.open[i]) > 0
                and not S.invoices.voided[i] and int(S.invoices.due_day[i]) < last - 150
                and int(S.invoices.reopen_day[i]) < last - 100]
    by_cur = defaultdict(list)
    for i in open_old:
        by_cur[int(S.customers.currency[int(S.invoices.customer[i])])].append(i)
    sales = []
    for k, (cur, items) in enumerate(sorted(by_cur.items())):
        rnd.shuffle(items)
        for part in range(2):
            chosen = items[part::2][:6]
            if not chosen:
                continue
            sid = f"SALE-{k}-{part}"
            sales.append((sid, chosen))
            submit(led, [cmd("sellReceivables", f"s-{sid}", saleId=sid, agency="Agency",
                             invoiceIds=[S.invoice_ids[i] for i in chosen],
                             priceBp=rnd.choice([333, 1000, 2500, 4999]),
                             saleDate=day_to_iso(last - 100 + 10 * part), **env)])
    assert len(sales) >= 2
    for sid, chosen in sales[::2]:
        submit(led, [cmd("recallSoldReceivables", f"r-{sid}", saleId=sid,
                         invoiceIds=[S.invoice_ids[chosen[0]]],
                         recallDate=day_to_iso(last - 40), **env)])
        # The customer then pays the recalled invoice: nothing of it is lost.
        i = chosen[0]
        c = int(S.invoices.customer[i])
        submit(led, [cmd("recordPayment", f"rp-{sid}", paymentId=f"RP-{sid}",
                         customerId=S.customer_ids[c], method="BANK_TRANSFER",
                         currency=S.currencies[int(S.customers.currency[c])],
                         amountMinor=int(S.invoices.open[i]), valueDate=day_to_iso(last - 38),
                         strategy="EXPLICIT",
                         allocations=[{"invoiceId": S.invoice_ids[i],
                                       "amountMinor": int(S.invoices.open[i])}])])


def sale_losses_reference(led, as_of: int, ks: int) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """Per invoice, from the log entries themselves: amount sold - its price (the sale's
    price_bp, half up), less amount recalled - price refunded, effective by as_of."""
    S = led.state
    bp, loss = {}, defaultdict(int)
    for e in led.entries():
        if e["segment"] > ks:
            break
        f = e["fields"]
        if e["type"] == "ReceivablesSold":
            bp[f["sale_id"]] = f["price_bp"]
        if parse_day(e["effective_date"], "d") > as_of:
            continue
        if e["type"] == "InvoiceSold":
            price = (2 * f["amount_minor"] * bp[f["sale_id"]] + 10_000) // 20_000
            loss[S.invoice_ix[f["invoice_id"]]] += f["amount_minor"] - price
        elif e["type"] == "InvoiceRecalled":
            loss[S.invoice_ix[f["invoice_id"]]] -= f["amount_minor"] - f["refund_minor"]
    return loss


def reference(led, as_of: int, ks: int) -> dict[str, tuple[list[int], list[int]]]:  # type: ignore[no-untyped-def]
    """Per currency: (entered, never paid) per bucket, one installment at a time."""
    S = led.state
    j = S.journal
    rows = defaultdict(list)  # invoice -> [(day, delta, entry type)]
    for r in range(j.n):
        if int(j.kind[r]) == J_INVOICE and int(j.day[r]) <= as_of and int(j.seq[r]) <= ks:
            rows[int(j.item[r])].append((int(j.day[r]), int(j.delta[r]), int(j.etype[r])))
    sold = sale_losses_reference(led, as_of, ks)
    starts = (0, 1) + tuple(e + 1 for e in EDGES)
    out = defaultdict(lambda: ([0] * (len(EDGES) + 2), [0] * (len(EDGES) + 2)))
    for i, rs in rows.items():
        types = {t for _, _, t in rs}
        if ISSUED not in types or VOIDED in types:
            continue
        open_end = sum(d for _, d, _ in rs)
        never = (-sum(d for _, d, t in rs if t == WRITTEN_OFF) + sold.get(i, 0)
                 + max(open_end, 0))
        full = installments_reference(S, i, int(S.invoices.amount[i]))  # (due, amount)
        # Never paid falls on the latest installments.
        np_inst, left = [0] * len(full), min(never, int(S.invoices.amount[i]))
        for k in range(len(full) - 1, -1, -1):
            np_inst[k] = min(left, full[k][1])
            left -= np_inst[k]
        cur = S.currencies[int(S.customers.currency[int(S.invoices.customer[i])])]
        for k, (due, _) in enumerate(full):
            if not as_of - MATURITY - HISTORY <= due <= as_of - MATURITY:
                continue
            for b, s in enumerate(starts):
                t = int(S.invoices.issue_day[i]) if b == 0 else due + s
                open_t = sum(d for day, d, _ in rs if day <= t)
                part = installments_reference(S, i, open_t)[k][1]
                out[cur][0][b] += part
                out[cur][1][b] += min(part, np_inst[k])
    return out


@pytest.mark.parametrize("seed", [21, 22])
def test_the_provision_matrix_equals_the_per_installment_reference(make_ledger, seed):
    rnd = random.Random(seed)
    led = make_ledger(synthetic.PortfolioSpec(customers=70, seed=seed, days=480))
    add_twists(led, rnd, "a")
    add_sales(led, rnd)
    K = led.state.head_seq
    # Recorded after K: write-offs of old invoices (some of them installments).
    S = led.state
    last = S.max_effective_day
    old = [i for i in range(S.invoices.n) if int(S.invoices.open[i]) > 0
           and int(S.invoices.due_day[i]) < last - 130 and S.invoices.sale[i] < 0]
    assert old
    submit(led, [cmd("writeOffInvoice", f"wo{i}", invoiceId=S.invoice_ids[i],
                     effectiveDate=day_to_iso(last - 30), actor="cfo", reason="insolvent")
                 for i in rnd.sample(old, min(8, len(old)))])
    S = led.state
    seen_installments = seen_loss = False
    for as_of in (last - 60, last - 35, last):
        for ks in (K, S.head_seq):
            pm = risk.provision_matrix(S, as_of, edges=EDGES, maturity=MATURITY,
                                       history=HISTORY, known_seq=ks)
            want = reference(led, as_of, ks)
            assert pm.rows
            for row in pm.rows:
                entered, lost = want[row.currency]
                assert row.entered_minor == entered, (as_of, ks, row.currency)
                assert row.never_paid_minor == lost, (as_of, ks, row.currency)
            seen_installments |= pm.cohort_installments > pm.cohort_invoices
            seen_loss |= any(risk._sale_losses(S, as_of, ks))
    assert seen_installments and seen_loss
