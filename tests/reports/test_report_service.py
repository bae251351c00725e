"""ReportService on a real server (real port, both stores), and `arledger report`."""

import base64
import json

import grpc
import pytest
from google.protobuf import json_format, timestamp_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from arledger import cli, synthetic
from arledger.domain.dates import day_to_iso
from arledger.projections import reports as R
from arledger.projections import views
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import reports_pb2 as rpb
from arledger.v1 import reports_pb2_grpc as rgrpc

from _report_helpers import cmd, day, submit_ok

AS_OF = "2026-06-30"


def reason_of(err: grpc.RpcError) -> str:
    st = rpc_status.from_call(err)
    info = error_details_pb2.ErrorInfo()
    st.details[0].Unpack(info)
    return info.reason


@pytest.fixture
def loaded(report_server):
    ledger, target = report_server
    for batch in synthetic.generate_batches(synthetic.PortfolioSpec(customers=80, seed=4), 400):
        ledger.submit(batch)
    # One customer over a (lowered) limit, for the OVER_LIMIT exception.
    with ledger.reading() as S:
        S_bal = S.customers.balance
        c = max(range(S.customers.n), key=lambda i: int(S_bal[i]))
        cid, bal = S.customer_ids[c], int(S_bal[c])
        opened = int(S.customers.opened_day[c])
    (o,) = ledger.submit([json_format.ParseDict({"changeCreditLimit": {
        "requestId": "lower-limit", "customerId": cid, "newLimitMinor": max(bal // 2, 1),
        "effectiveDate": day_to_iso(opened), "actor": "ann", "reason": "review"}},
        cpb.Command())])
    assert o.status == "ACCEPTED", o.error
    stub = rgrpc.ReportServiceStub(grpc.insecure_channel(target))
    return ledger, target, stub


def test_customer_aging_pages_add_up_to_the_whole_report_and_the_token_pins_the_view(loaded):
    ledger, _, stub = loaded
    whole = list(stub.GetCustomerAging(rpb.CustomerAgingRequest(as_of=AS_OF)))
    rows = [r for c in whole for r in c.rows]
    with ledger.reading() as S:
        a = views.customer_aging(S, day(AS_OF), S.head_seq)
        assert [r.customer_id for r in rows] == [S.customer_ids[i] for i in a.customers]
        assert [list(r.buckets_minor) for r in rows] == a.buckets.tolist()
        assert [r.balance_minor for r in rows] == a.balance.tolist()
    assert whole[0].total_rows == len(rows) > 20
    # Page by 7: a new entry between pages does not move later pages (the token pins K).
    paged, token, first = [], "", True
    while first or token:
        chunks = list(stub.GetCustomerAging(rpb.CustomerAgingRequest(
            as_of=AS_OF, page_size=7, page_token=token)))
        paged += [r for c in chunks for r in c.rows]
        token = chunks[-1].next_page_token
        if first:
            submit_ok(ledger, cmd("recordPayment", paymentId="LATE-1", customerId=rows[-1].customer_id,
                                  amountMinor=1, currency=rows[-1].currency, method="CASH",
                                  valueDate="2026-06-29", strategy="LEAVE_UNAPPLIED"))
            first = False
    assert paged == rows
    # The per-currency totals sum the rows.
    for t in whole[0].totals:
        mine = [r for r in rows if r.currency == t.currency]
        assert t.balance_minor == sum(r.balance_minor for r in mine)
        assert t.customers == len(mine)


def test_drill_down_statement_kpis_exceptions_equal_the_projections(loaded):
    ledger, _, stub = loaded
    items = [i for c in stub.GetAgingItems(rpb.AgingItemsRequest(as_of=AS_OF, bucket="1-30"))
             for i in c.items]
    paged, token = [], None
    while token != "":
        chunks = list(stub.GetAgingItems(rpb.AgingItemsRequest(
            as_of=AS_OF, bucket="1-30", page_size=4, page_token=token or "")))
        paged += [i for c in chunks for i in c.items]
        token = chunks[-1].next_page_token
    assert paged == items and len(items) > 4
    st = list(stub.GetStatement(rpb.StatementRequest(customer_id="C000003",
                                                     period_from="2026-01-01", period_to=AS_OF)))
    kp = list(stub.GetKpis(rpb.KpiRequest(period_from="2026-04-01", period_to=AS_OF,
                                          monthly=True)))
    ex = [r for c in stub.GetExceptions(rpb.ExceptionsRequest(as_of=AS_OF, dispute_days=5))
          for r in c.rows]
    paged, token = [], None
    while token != "":
        chunks = list(stub.GetExceptions(rpb.ExceptionsRequest(
            as_of=AS_OF, dispute_days=5, page_size=3, page_token=token or "")))
        paged += [r for c in chunks for r in c.rows]
        token = chunks[-1].next_page_token
    assert paged == ex and len(ex) > 3
    with ledger.reading() as S:
        ks = S.head_seq
        want_items = R.aging_items(S, day(AS_OF), ks, bucket="1-30")
        want_st = R.statement(S, S.customer_ix["C000003"], day("2026-01-01"), day(AS_OF), ks)
        want_kp = R.kpis(S, day("2026-04-01"), day(AS_OF), ks)
        months = R.monthly_periods(day("2026-04-01"), day(AS_OF))
        want_ex = R.exceptions(S, day(AS_OF), ks, dispute_days=5)
    assert [(i.item_id, i.open_minor, i.days) for i in items] == [
        (w.item_id, w.open_minor, w.days) for w in want_items]
    assert st[0].opening_balance_minor == want_st.opening_balance_minor
    assert st[0].closing_balance_minor == want_st.closing_balance_minor
    assert [(ln.position, ln.balance_minor) for c in st for ln in c.lines] == [
        (w.position, w.balance_minor) for w in want_st.lines]
    period = [r for r in kp if r.scope == "period"]
    assert [(r.currency, r.dso_simple, r.cei, r.credit_sales_minor) for r in period] == [
        (w.currency, w.dso_simple_days, w.cei_pct, w.credit_sales_minor) for w in want_kp]
    assert len(kp) == len(period) * (1 + len(months))
    assert not period[0].HasField("promises_kept_rate")  # absent, never a made-up 0
    assert [(r.kind, r.customer_id, r.item_id, r.amount_minor) for r in ex] == [
        (w.kind, w.customer_id, w.item_id, w.amount_minor) for w in want_ex]
    assert {r.kind for r in ex} >= {"OVER_LIMIT", "OLD_UNAPPLIED"}


def test_known_at_over_grpc_reproduces_the_report_of_that_time(loaded):
    ledger, _, stub = loaded
    with ledger.reading() as S:
        k_us = int(S.head_recorded_at_us)
    before = list(stub.GetCustomerAging(rpb.CustomerAgingRequest(as_of=AS_OF)))
    row = before[0].rows[0]
    submit_ok(ledger, cmd("recordPayment", paymentId="BACK-1", customerId=row.customer_id,
                          amountMinor=12_345, currency=row.currency, method="CASH",
                          valueDate="2026-06-29", strategy="LEAVE_UNAPPLIED"))
    known = timestamp_pb2.Timestamp(seconds=k_us // 1_000_000, nanos=k_us % 1_000_000 * 1000)
    then = list(stub.GetCustomerAging(rpb.CustomerAgingRequest(as_of=AS_OF, known_at=known)))
    now = list(stub.GetCustomerAging(rpb.CustomerAgingRequest(as_of=AS_OF)))
    assert then == before
    assert now != before


BAD_INPUT = [
    ("GetAgingItems", rpb.AgingItemsRequest(as_of=AS_OF, bucket="2-3"), "INVALID_BUCKET"),
    ("GetCustomerAging", rpb.CustomerAgingRequest(bucket_edges_days=[60, 30]),
     "INVALID_BUCKET_EDGES"),
    ("GetCustomerAging", rpb.CustomerAgingRequest(page_token="garbage"), "INVALID_PAGE_TOKEN"),
    ("GetCustomerAging", rpb.CustomerAgingRequest(page_size=-1), "INVALID_PAGE_SIZE"),
    ("GetCustomerAging", rpb.CustomerAgingRequest(currency="XXQ"), "UNKNOWN_CURRENCY"),
    ("GetStatement", rpb.StatementRequest(customer_id="NOPE", period_from="2026-01-01"),
     "CUSTOMER_NOT_FOUND"),
    ("GetStatement", rpb.StatementRequest(customer_id="C000001", period_from="2026-05-01",
                                          period_to="2026-04-01"), "INVALID_PERIOD"),
    ("GetStatement", rpb.StatementRequest(customer_id="C000001"), "MISSING_FIELD"),
    ("GetKpis", rpb.KpiRequest(period_from="2026-13-01"), "MALFORMED_DATE"),
    ("GetKpis", rpb.KpiRequest(period_from="2026-01-01", cei_months=500), "INVALID_PERIOD"),
    ("GetExceptions", rpb.ExceptionsRequest(dispute_days=-1), "INVALID_THRESHOLD"),
    ("GetExceptions", rpb.ExceptionsRequest(kinds=["NOPE"]), "INVALID_ENUM"),
    ("GetCustomerAging", rpb.CustomerAgingRequest(known_at={"seconds": -5}),
     "INVALID_TIMESTAMP"),
]


def test_bad_input_gets_its_stable_reason_and_writes_nothing(loaded):
    ledger, _, stub = loaded
    head = ledger.state.head_position
    # A token of this very query whose fields were tampered with.
    chunks = list(stub.GetCustomerAging(rpb.CustomerAgingRequest(as_of=AS_OF, page_size=2)))
    # Tokens are opaque (body "." HMAC): a changed body under the old MAC is refused.
    body, mac = chunks[-1].next_page_token.split(".")
    tok = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps(dict(tok, k=0)).encode()).decode() + "." + mac
    cases = BAD_INPUT + [("GetCustomerAging", rpb.CustomerAgingRequest(
        as_of=AS_OF, page_size=2, page_token=forged), "INVALID_PAGE_TOKEN")]
    for method, request_, reason in cases:
        with pytest.raises(grpc.RpcError) as e:
            list(getattr(stub, method)(request_))
        assert reason_of(e.value) == reason, (method, request_)
    assert ledger.state.head_position == head


def test_cli_report_commands_table_json_csv_and_plots(loaded, tmp_path, capsys):
    ledger, target, _ = loaded
    base = ["--target", target]
    png = tmp_path / "aging.png"
    assert cli.main(base + ["report", "aging", "--as-of", AS_OF, "--plot", str(png)]) == 0
    table = capsys.readouterr().out
    assert "CURRENCY" in table and "OVER 120" in table
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert cli.main(base + ["--format", "json", "report", "aging", "--as-of", AS_OF,
                            "--by", "customer"]) == 0
    js = json.loads(capsys.readouterr().out)
    with ledger.reading() as S:
        a = views.customer_aging(S, day(AS_OF), S.head_seq)
    assert [r["balance_minor"] for r in js["rows"]] == a.balance.tolist()
    assert cli.main(base + ["--format", "csv", "report", "aging", "--as-of", AS_OF,
                            "--bucket", "unapplied"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("kind,item_id,customer_id") and len(lines) > 1
    assert cli.main(base + ["report", "statement", "C000002", "--from", "2026-01-01",
                            "--to", AS_OF]) == 0
    out = capsys.readouterr().out
    assert "opening balance" in out and "closing balance" in out
    kpng = tmp_path / "kpis.png"
    assert cli.main(base + ["--format", "json", "report", "kpis", "--from", "2026-01-01",
                            "--to", AS_OF, "--cei", "monthly_average", "--plot",
                            str(kpng)]) == 0
    k = json.loads(capsys.readouterr().out)
    assert {r["cei_variant"] for r in k} == {"monthly_average"}
    assert {r["scope"] for r in k} == {"period", "month"}
    assert k[0]["promises_kept_rate"] is None
    assert kpng.read_bytes()[:4] == b"\x89PNG"
    kpng.unlink()
    assert cli.main(base + ["report", "kpis", "--from", "2026-01-01", "--to", AS_OF,
                            "--monthly", "--plot", str(kpng)]) == 0
    assert "DSO_SIMPLE" in capsys.readouterr().out and kpng.stat().st_size > 10_000
    assert cli.main(base + ["report", "exceptions", "--as-of", AS_OF, "--kind", "PAST_DUE",
                            "--past-due-days", "30"]) == 0
    out = capsys.readouterr().out
    assert "PAST_DUE" in out and "OVER_LIMIT" not in out
    assert cli.main(base + ["report", "aging", "--bucket", "nope"]) == 2
    assert "INVALID_BUCKET" in capsys.readouterr().err


def test_sdk_follows_pages_and_reads_every_report(loaded):
    from arledger_client import NotFound
    from arledger_client.reports import ReportsClient
    ledger, target, _ = loaded
    with ReportsClient(target) as rc:
        paged = rc.customer_aging(as_of=AS_OF, page_size=7)
        whole = rc.customer_aging(as_of=AS_OF)
        items = rc.aging_items("over 120", as_of=AS_OF)
        st = rc.statement("C000004", "2026-01-01", AS_OF)
        k = rc.kpis("2026-01-01", AS_OF, cei_variant="monthly_average", monthly=True)
        ex = rc.exceptions(as_of=AS_OF, kinds=["OLD_UNAPPLIED"], unapplied_days=10)
        with pytest.raises(NotFound) as e:
            rc.statement("NOPE", "2026-01-01")
    assert e.value.reason == "CUSTOMER_NOT_FOUND"
    assert paged["rows"] == whole["rows"] and len(whole["rows"]) == whole["total_rows"]
    with ledger.reading() as S:
        ks = S.head_seq
        a = views.customer_aging(S, day(AS_OF), ks)
        want_items = R.aging_items(S, day(AS_OF), ks, bucket="over 120")
        want_st = R.statement(S, S.customer_ix["C000004"], day("2026-01-01"), day(AS_OF), ks)
        want_k = R.kpis(S, day("2026-01-01"), day(AS_OF), ks, cei_variant="monthly_average")
        want_ex = R.exceptions(S, day(AS_OF), ks, kinds=("OLD_UNAPPLIED",), unapplied_days=10)
    assert [r["balance_minor"] for r in whole["rows"]] == a.balance.tolist()
    assert [i["item_id"] for i in items] == [w.item_id for w in want_items]
    assert [ln["balance_minor"] for ln in st["lines"]] == [
        w.balance_minor for w in want_st.lines]
    assert [r["cei"] for r in k if r["scope"] == "period"] == [w.cei_pct for w in want_k]
    assert [r["item_id"] for r in ex] == [w.item_id for w in want_ex]
