"""The gRPC surface itself: health, reflection, error details, batches, streams, paging."""

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from arledger.server import create_server
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb
from arledger.v1 import ledger_pb2_grpc as lgrpc


@pytest.fixture
def stubs(served):
    ch = grpc.insecure_channel(served.target)
    yield (lgrpc.LedgerServiceStub(ch), lgrpc.QueryServiceStub(ch), lgrpc.LogServiceStub(ch), ch)
    ch.close()


def open_acme(led, rid="o-1"):
    return led.OpenCustomer(cpb.OpenCustomerRequest(
        request_id=rid, customer_id="ACME", name="Acme", currency="EUR",
        payment_terms_net_days=30, credit_limit_minor=100_000, opened_date="2026-01-01"))


def invoice(n, amount=1000, day="2026-01-10", customer="ACME"):
    return cpb.Command(issue_invoice=cpb.IssueInvoiceRequest(
        request_id=f"inv-{n}", invoice_id=f"INV-{n}", customer_id=customer, issue_date=day,
        amount_minor=amount))


def reason_of(err: grpc.RpcError) -> str:
    st = rpc_status.from_call(err)
    info = error_details_pb2.ErrorInfo()
    assert st.details[0].Unpack(info)
    assert info.domain == "arledger"
    return info.reason


def test_health_reports_serving_for_the_server_and_each_service(stubs):
    health = health_pb2_grpc.HealthStub(stubs[3])
    for name in ("", "arledger.v1.LedgerService", "arledger.v1.QueryService",
                 "arledger.v1.LogService"):
        resp = health.Check(health_pb2.HealthCheckRequest(service=name))
        assert resp.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_every_arledger_service(stubs):
    refl = reflection_pb2_grpc.ServerReflectionStub(stubs[3])
    resp = next(refl.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(
        list_services="")])))
    names = {s.name for s in resp.list_services_response.service}
    assert {"arledger.v1.LedgerService", "arledger.v1.QueryService",
            "arledger.v1.LogService", "grpc.health.v1.Health"} <= names


def test_a_refused_command_carries_status_code_and_stable_reason_and_writes_nothing(stubs):
    led, q, log, _ = stubs
    open_acme(led)
    head = log.GetLogHead(lpb.GetLogHeadRequest()).position
    with pytest.raises(grpc.RpcError) as e:
        led.IssueInvoice(cpb.IssueInvoiceRequest(request_id="x", invoice_id="I", customer_id="NOPE",
                                                 issue_date="2026-01-02", amount_minor=5))
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    assert reason_of(e.value) == "CUSTOMER_NOT_FOUND"
    with pytest.raises(grpc.RpcError) as e:
        led.IssueInvoice(cpb.IssueInvoiceRequest(request_id="y", invoice_id="I", customer_id="ACME",
                                                 issue_date="2026-02-30", amount_minor=5))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(e.value) == "MALFORMED_DATE"
    assert log.GetLogHead(lpb.GetLogHeadRequest()).position == head


def test_a_unary_retry_returns_the_original_result_and_a_reused_id_is_refused(stubs):
    led, q, log, _ = stubs
    first = open_acme(led)
    again = open_acme(led)
    assert (first.status, again.status) == (lpb.ACCEPTED, lpb.DUPLICATE)
    assert again.position == first.position
    with pytest.raises(grpc.RpcError) as e:
        led.OpenCustomer(cpb.OpenCustomerRequest(request_id="o-1", customer_id="OTHER", name="O",
                                                 currency="EUR", opened_date="2026-01-01"))
    assert e.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert reason_of(e.value) == "REQUEST_ID_REUSED"


def test_a_batch_reports_each_command_and_an_atomic_batch_is_all_or_nothing(stubs):
    led, q, log, _ = stubs
    open_acme(led)
    res = led.SubmitBatch(cpb.Batch(commands=[invoice(1), invoice(2, customer="NOPE"), invoice(3)]))
    assert [r.status for r in res.results] == [lpb.ACCEPTED, lpb.REJECTED, lpb.ACCEPTED]
    assert res.results[1].reason == "CUSTOMER_NOT_FOUND"
    assert (res.accepted, res.rejected) == (2, 1)
    head = log.GetLogHead(lpb.GetLogHeadRequest()).position
    res = led.SubmitBatch(cpb.Batch(commands=[invoice(4), invoice(5, amount=-1)], atomic=True))
    assert [r.reason for r in res.results] == ["ATOMIC_BATCH_ABORTED", "AMOUNT_NOT_POSITIVE"]
    assert log.GetLogHead(lpb.GetLogHeadRequest()).position == head


def test_an_empty_or_oversized_batch_fails_the_call(stubs):
    led = stubs[0]
    with pytest.raises(grpc.RpcError) as e:
        led.SubmitBatch(cpb.Batch())
    assert reason_of(e.value) == "EMPTY_BATCH"
    with pytest.raises(grpc.RpcError) as e:
        led.SubmitBatch(cpb.Batch(commands=[invoice(i) for i in range(10_001)]))
    assert reason_of(e.value) == "BATCH_TOO_LARGE"


def test_the_batch_stream_summarises_every_batch_with_positions_of_rejections(stubs):
    led, q, log, _ = stubs
    open_acme(led)
    batches = [cpb.Batch(commands=[invoice(b * 10 + i) for i in range(10)]) for b in range(5)]
    batches.append(cpb.Batch(commands=[invoice(1), invoice(99, amount=0)]))
    s = led.SubmitBatchStream(iter(batches))
    assert (s.batches, s.commands, s.accepted, s.duplicates, s.rejected) == (6, 52, 50, 1, 1)
    assert (s.rejections[0].batch_index, s.rejections[0].command_index) == (5, 1)
    assert s.rejections[0].reason == "AMOUNT_NOT_POSITIVE"
    assert s.last_position == 51
    bal = q.GetBalance(lpb.GetBalanceRequest(customer_id="ACME", as_of="2026-01-10"))
    assert bal.open_minor == 50 * 1000


def test_open_items_page_through_a_stable_view_even_while_entries_arrive(stubs):
    led, q, log, _ = stubs
    open_acme(led)
    led.SubmitBatch(cpb.Batch(commands=[invoice(i, day=f"2026-01-{i + 1:02d}") for i in range(25)]))
    page = q.ListOpenItems(lpb.ListOpenItemsRequest(customer_id="ACME", as_of="2026-03-01",
                                                    page_size=10))
    seen = [i.item_id for i in page.items]
    led.SubmitBatch(cpb.Batch(commands=[invoice(100, day="2026-01-01")]))  # arrives mid-paging
    while page.next_page_token:
        page = q.ListOpenItems(lpb.ListOpenItemsRequest(customer_id="ACME", as_of="2026-03-01",
                                                        page_size=10,
                                                        page_token=page.next_page_token))
        seen += [i.item_id for i in page.items]
    assert seen == [f"INV-{i}" for i in range(25)]  # oldest due first, the late one not mixed in
    with pytest.raises(grpc.RpcError) as e:
        q.ListOpenItems(lpb.ListOpenItemsRequest(customer_id="ACME", page_token="garbage"))
    assert reason_of(e.value) == "INVALID_PAGE_TOKEN"


def test_known_at_shows_the_view_as_it_was_recorded(stubs, served):
    led, q, log, _ = stubs
    open_acme(led)
    led.SubmitBatch(cpb.Batch(commands=[invoice(1)]))
    then = log.GetLogHead(lpb.GetLogHeadRequest()).recorded_at
    led.SubmitBatch(cpb.Batch(commands=[invoice(2)]))
    past = q.GetBalance(lpb.GetBalanceRequest(customer_id="ACME", as_of="2026-02-01",
                                              known_at=then))
    now = q.GetBalance(lpb.GetBalanceRequest(customer_id="ACME", as_of="2026-02-01"))
    assert (past.open_minor, now.open_minor) == (1000, 2000)


def test_aging_buckets_plus_unapplied_sum_to_the_balance_per_currency(stubs):
    led, q, log, _ = stubs
    open_acme(led)
    led.SubmitBatch(cpb.Batch(commands=[invoice(1, day="2026-01-01"), invoice(2, day="2026-03-01"),
                                        cpb.Command(record_payment=cpb.RecordPaymentRequest(
                                            request_id="p", payment_id="P", customer_id="ACME",
                                            amount_minor=300, currency="EUR",
                                            method=cpb.CARD, value_date="2026-03-02",
                                            strategy=cpb.LEAVE_UNAPPLIED))]))
    rep = q.GetAging(lpb.GetAgingRequest(as_of="2026-04-15"))
    assert list(rep.bucket_labels) == ["current", "1-30", "31-60", "61-90", "91-120", "over 120"]
    (row,) = rep.rows
    # INV-1 due 01-31 -> 74 days; INV-2 due 03-31 -> 15 days.
    assert list(row.buckets_minor) == [0, 1000, 0, 1000, 0, 0]
    assert row.unapplied_minor == -300
    assert row.balance_minor == sum(row.buckets_minor) + row.unapplied_minor == 1700
    with pytest.raises(grpc.RpcError) as e:
        q.GetAging(lpb.GetAgingRequest(bucket_edges_days=[30, 10]))
    assert reason_of(e.value) == "INVALID_BUCKET_EDGES"


def test_the_log_streams_entries_in_order_with_their_envelope(stubs):
    led, q, log, _ = stubs
    open_acme(led)
    led.SubmitBatch(cpb.Batch(commands=[invoice(i) for i in range(5)]))
    entries = list(log.StreamEntries(lpb.StreamEntriesRequest(from_position=2, limit=3)))
    assert [e.position for e in entries] == [2, 3, 4]
    e = entries[0]
    assert (e.type, e.effective_date, e.request_id) == ("InvoiceIssued", "2026-01-10", "inv-0")
    assert e.fields["invoice_id"] == "INV-0" and e.fields["amount_minor"] == 1000
    assert e.fields["currency"] == "EUR" and e.fields["due_date"] == "2026-02-09"
    with pytest.raises(grpc.RpcError) as err:
        list(log.StreamEntries(lpb.StreamEntriesRequest(from_position=999)))
    assert reason_of(err.value) == "INVALID_POSITION"
    assert log.VerifyLog(lpb.VerifyLogRequest()).ok


def test_a_second_server_on_a_port_in_use_fails_loudly(served):
    port = int(served.target.rsplit(":", 1)[1])
    with pytest.raises(OSError, match="cannot listen"):
        create_server(served.ledger, f"127.0.0.1:{port}")
