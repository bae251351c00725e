"""What the adversarial run found: crafted page tokens, loose dates and patterns, files
others could read."""

from __future__ import annotations

import base64
import json
import os
import stat

import grpc
import pytest

from arledger.domain.errors import LedgerError
from arledger.engine import Partition, SegmentStore, open_ledger
from arledger.server import tokens
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb
from arledger.v1 import ledger_pb2_grpc as lgrpc
from arledger.v1 import reports_pb2 as rpb
from arledger.v1 import reports_pb2_grpc as rgrpc
from arledger_client.errors import from_rpc_error
from security_helpers import PG_DSN


def _reason(fn) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    try:
        fn()
    except grpc.RpcError as e:
        err = from_rpc_error(e)
        return err.code, err.reason
    return "OK", ""


@pytest.fixture
def filled(served):
    ch = grpc.insecure_channel(served.target)
    led = lgrpc.LedgerServiceStub(ch)
    led.OpenCustomer(cpb.OpenCustomerRequest(request_id="o", customer_id="ACME", name="A",
                                             currency="EUR", opened_date="2026-01-01"))
    led.SubmitBatch(cpb.Batch(commands=[cpb.Command(issue_invoice=cpb.IssueInvoiceRequest(
        request_id=f"i{n}", invoice_id=f"INV-{n}", customer_id="ACME",
        issue_date="2026-01-05", amount_minor=100 + n)) for n in range(5)]))
    yield ch
    ch.close()


def forge(fields: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode()


def test_crafted_page_tokens_are_invalid_page_token_never_unknown(filled):
    q = lgrpc.QueryServiceStub(filled)
    reports = rgrpc.ReportServiceStub(filled)
    first = q.ListOpenItems(lpb.ListOpenItemsRequest(customer_id="ACME", as_of="2026-02-01",
                                                     page_size=2))
    good = first.next_page_token
    assert good
    body, mac = good.split(".")
    crafted = [
        forge({"c": "ACME", "a": 20485, "k": "x", "o": 0}),  # the old format, a string segment
        forge({"c": "ACME", "a": 20485, "k": 1, "o": 0}),   # the old format, well-formed
        "not base64 !!", "", "." * 3, "a" * 5000, "é.é",
        body + "." + mac[:-2] + ("AA" if not mac.endswith("AA") else "BB"),  # a changed MAC
        base64.urlsafe_b64encode(json.dumps({"c": "ACME", "a": 1, "k": -1, "o": 0})
                                 .encode()).decode().rstrip("=") + "." + mac,
    ]
    for tok in crafted:
        if not tok:
            continue
        for call in (
                lambda t=tok: q.ListOpenItems(lpb.ListOpenItemsRequest(
                    customer_id="ACME", as_of="2026-02-01", page_size=2, page_token=t)),
                lambda t=tok: list(reports.GetCustomerAging(rpb.CustomerAgingRequest(
                    as_of="2026-02-01", page_size=1, page_token=t)))):
            assert _reason(call) == ("INVALID_ARGUMENT", "INVALID_PAGE_TOKEN"), tok
    # A token made with the server's key but with fields it would never write: refused too.
    for fields in ({"c": "ACME", "a": 20485, "k": "1", "o": 0},
                   {"c": "ACME", "a": 20485, "k": 1, "o": -5},
                   {"c": "ACME", "a": 20485, "k": 10**9, "o": 0},
                   {"c": "ACME", "a": 20485, "k": 1, "o": 0, "x": 1}):
        tok = tokens.make(fields)
        assert _reason(lambda: q.ListOpenItems(lpb.ListOpenItemsRequest(
            customer_id="ACME", as_of="2026-02-01", page_size=2, page_token=tok))) == (
            "INVALID_ARGUMENT", "INVALID_PAGE_TOKEN"), fields
    # The genuine token still works, and so does the next page of a report.
    nxt = q.ListOpenItems(lpb.ListOpenItemsRequest(customer_id="ACME", as_of="2026-02-01",
                                                   page_size=2, page_token=good))
    assert [i.item_id for i in nxt.items] == ["INV-2", "INV-3"]


def test_a_page_token_from_another_key_is_refused():
    tok = tokens.make({"c": "x", "a": 1, "k": 1, "o": 1})
    assert tokens.read(tok)["o"] == 1
    old = tokens._key
    try:
        tokens.set_key(b"k" * 32)
        with pytest.raises(LedgerError, match="INVALID_PAGE_TOKEN"):
            tokens.read(tok)
    finally:
        tokens.set_key(old)


@pytest.mark.parametrize("text", ["2026-01-1 ", " 2026-01-01"[:10], "2026-01-+1", "２０２６-01-01",
                                  "2026-٠١-01", "2026-01-01\n"[:10] + "\n", "2026-1-001",
                                  "+026-01-01", "2026_01_01", "2026-01-1\t"])
def test_dates_are_strict_ascii_yyyy_mm_dd(sqlite_ledger, text):
    from arledger.domain import validate as V
    with pytest.raises(LedgerError, match="MALFORMED_DATE"):
        V.day(text, "d")
    (o,) = sqlite_ledger.submit([cpb.Command(open_customer=cpb.OpenCustomerRequest(
        request_id="o", customer_id="C", name="C", currency="EUR", opened_date=text))])
    assert (o.status, o.error.reason) == ("REJECTED", "MALFORMED_DATE")
    assert V.day("2026-01-01", "d") == 20454


@pytest.mark.parametrize("spec", ["0/1\n", " 0/1", "٠/1", "0/1 ", "0/٢", "00001/2"])
def test_partitions_are_full_ascii_matches(spec):
    with pytest.raises(LedgerError, match="INVALID_PARTITION"):
        Partition.parse(spec)
    assert str(Partition.parse("0/2")) == "0/2"


@pytest.mark.postgres
@pytest.mark.parametrize("ns", ["arledger\n", "Arledger", "a-b", "ns ", "ünï"])
def test_a_namespace_is_a_full_match(ns):
    with pytest.raises(LedgerError, match="INVALID_PARTITION"):
        SegmentStore.postgres(PG_DSN, "0/1", namespace=ns, writer=False)


def test_the_data_directory_and_database_files_are_private(tmp_path):
    old = os.umask(0o022)  # a usual umask: the modes must not depend on it
    try:
        led = open_ledger(tmp_path / "data")
        led.submit([cpb.Command(open_customer=cpb.OpenCustomerRequest(
            request_id="o", customer_id="C", name="C", currency="EUR",
            opened_date="2026-01-01"))])
        d = tmp_path / "data"
        assert stat.S_IMODE(d.stat().st_mode) == 0o700
        files = sorted(p.name for p in d.iterdir())
        assert {"ledger.db", "LOCK"} <= set(files)
        for p in d.iterdir():
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, (p.name, oct(p.stat().st_mode))
        led.close()
    finally:
        os.umask(old)


def test_the_server_refuses_to_start_with_a_signing_key_others_can_read(tmp_path):
    from arledger import audit as A
    from arledger.cli import main
    data = tmp_path / "data"
    led = open_ledger(data)
    led.close()
    key = data / A.KEY_FILE_NAME
    A.load_or_create_key(key)
    key.chmod(0o640)
    with pytest.raises(SystemExit, match="readable by group or others"):
        main(["serve", "--data-dir", str(data), "--listen", "127.0.0.1:0"])


@pytest.mark.postgres
def test_the_signing_key_of_a_postgresql_log_is_tied_to_the_database(pg_namespace,
                                                                     monkeypatch, tmp_path):
    from arledger import audit as A
    monkeypatch.delenv("ARLEDGER_KEY_FILE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    a = SegmentStore.postgres(PG_DSN, "0/1", namespace=pg_namespace, writer=False)
    other_db = PG_DSN.rsplit("/", 1)[0] + "/postgres"
    b = SegmentStore.postgres(other_db, "0/1", namespace=pg_namespace, writer=False)
    try:
        ka, kb = A.default_key_file(a), A.default_key_file(b)
        assert ka != kb and ka.name == kb.name == f"{pg_namespace}_p0.pem"
        assert "test" in ka.parent.name and "postgres" in kb.parent.name
        # A key at the old place (named by the table only) is not taken silently.
        legacy = tmp_path / ".config" / "arledger" / "keys" / f"{pg_namespace}_p0.pem"
        legacy.parent.mkdir(parents=True)
        legacy.write_text("x")
        with pytest.raises(LedgerError, match="KEY_UNAVAILABLE"):
            A.default_key_file(a)
    finally:
        a.close()
        b.close()
