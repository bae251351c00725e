"""Sums of money cannot wrap around int64: per currency, every amount recorded
into the ledger stays within limits.currency_gross_minor_max (10^18 minor units), so every
balance, total and sum of flows a report or the risk model takes stays far inside 64 bits.
The cap is reached for real here (1,000 invoices of the largest amount), on the compiled
volume loop and in Python alike, and every figure is read back at it over gRPC."""

import pytest

from arledger.domain import limits
from arledger_client import ArledgerClient, ColumnarBatch, FailedPrecondition
from arledger_client.reports import ReportsClient
from arledger_client.risk import RiskClient

MAX = limits.amount_minor_max  # 10^15, the largest single amount
CAP = limits.currency_gross_minor_max  # 10^18 = 1,000 of them
DUE = "2026-02-01"


@pytest.fixture
def client(served):
    with ArledgerClient(served.target) as c:
        yield c


def fill_to_the_cap(client: ArledgerClient, cid: str) -> None:
    cb = ColumnarBatch()
    cb.open_customer(cid, cid, "EUR", "2026-01-01")
    for k in range(CAP // MAX):
        cb.issue_invoice(f"{cid}-I{k}", cid, "2026-01-01", amount_minor=MAX, due_date=DUE)
    res = client.submit_columnar(cb)
    assert (res.accepted, res.rejected) == (1 + CAP // MAX, 0), res.rejections[:3]


@pytest.mark.parametrize("python_only", [False, True], ids=["compiled", "python"])
def test_a_command_that_would_carry_a_currency_past_the_cap_is_refused_and_writes_nothing(
        client, served, python_only):
    served.ledger._decider.python_only = python_only
    fill_to_the_cap(client, "BIG")
    head = served.ledger.state.head_position
    cb = ColumnarBatch()
    cb.issue_invoice("ONE-MORE", "BIG", "2026-01-02", amount_minor=1, due_date=DUE)
    cb.record_payment("PAY", "BIG", 1, "EUR", "2026-01-03")
    cb.issue_credit_note("CN", "BIG", 1, "EUR", "2026-01-03", invoice_id="BIG-I0")
    cb.open_customer("USD1", "Other currency", "USD", "2026-01-01")
    cb.issue_invoice("USD-I", "USD1", "2026-01-02", amount_minor=MAX, due_date=DUE)
    res = client.submit_columnar(cb)
    assert [(r.command_index, r.reason) for r in res.rejections] == [
        (0, "CURRENCY_TOTAL_EXCEEDED"), (1, "CURRENCY_TOTAL_EXCEEDED"),
        (2, "CURRENCY_TOTAL_EXCEEDED")]
    assert res.accepted == 2  # another currency has its own total
    assert served.ledger.state.head_position == head + 2
    # Python's own commands are held to it too (a dispute's amount counts: it can repeat).
    with pytest.raises(FailedPrecondition) as e:
        client.open_dispute("D1", "BIG-I1", 10, "PRICING", "2026-01-05")
    assert e.value.reason == "CURRENCY_TOTAL_EXCEEDED"
    assert served.ledger.state.head_position == head + 2


def test_every_figure_reads_true_at_the_cap(client, served):
    fill_to_the_cap(client, "BIG")
    assert client.get_account("BIG", as_of="2026-03-01")["exposure_minor"] == CAP
    (row,) = client.get_aging("BIG", as_of="2026-03-01").rows
    assert sum(row.buckets_minor) == CAP == row.balance_minor
    with ReportsClient(served.target) as rep:
        aging = rep.customer_aging(as_of="2026-03-01")
        (tot,) = aging["totals"]
        assert (tot["balance_minor"], tot["buckets_minor"][1], tot["open_item_count"]) == (
            CAP, CAP, 1000)
        (k,) = rep.kpis("2026-01-01", "2026-03-01")
        assert k["receivables_end_minor"] == k["credit_sales_minor"] == CAP
        assert k["dso_simple"] == 60.0  # 10^18 x 60 days / 10^18 of sales, exact
    with RiskClient(served.target) as risk:
        r = risk.rescore(as_of="2026-03-01", request_id="rs1", actor="ann", reason="caps")
        assert r.summary["summary"]["exposure_minor"] == {"EUR": CAP}
        (top,) = risk.worklist(as_of="2026-03-01")
    assert top["exposure_minor"] == CAP and 0 < top["pd"] < 1
    assert top["expected_loss_minor"] == r.expected_loss_minor[0]
    assert 0 < top["expected_loss_minor"] < CAP
