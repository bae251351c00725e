"""The client SDK without a server: builders, JSON mapping, error mapping, retries.

Calls go through a fake channel that serialises requests as gRPC would, so the
tests see exactly the bytes each attempt would put on the wire.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
import typing
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import any_pb2, struct_pb2, timestamp_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb
from arledger_client import (KINDS, Aborted, Allocation, AlreadyExists, ArledgerClient,
                             ArledgerError, Command, CommandResult, DeadlineExceeded,
                             FailedPrecondition, InvalidArgument, InvoiceLine, NotFound,
                             ResourceExhausted, Unavailable, backoff_delay, batched,
                             call_with_retries, command, commands, from_rpc_error, from_status,
                             make_error)

# ---- fakes -------------------------------------------------------------------------------


class FakeRpcError(grpc.RpcError):
    """A failed call as grpc raises it: code, details and trailing metadata."""

    def __init__(self, code: grpc.StatusCode, details: str = "",
                 trailing: tuple = ()) -> None:
        super().__init__(details)
        self._code, self._details, self._trailing = code, details, trailing

    @classmethod
    def of(cls, status: grpc.Status) -> FakeRpcError:
        return cls(status.code, status.details, status.trailing_metadata)

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> tuple:
        return self._trailing


def rich_status(code: int, message: str, reason: str | None = None,
                domain: str = "arledger", **metadata: str) -> grpc.Status:
    """A grpc.Status as the server makes it: google.rpc.Status (+ ErrorInfo) in the trailer."""
    st = status_pb2.Status(code=code, message=message)
    if reason is not None:
        st.details.add().Pack(error_details_pb2.ErrorInfo(reason=reason, domain=domain,
                                                          metadata=metadata))
    return rpc_status.to_status(st)


class FakeChannel:
    """Stands in for grpc.Channel: `handlers[method name]` answers each call.

    A handler gets the request (decoded from the bytes sent) and returns a response,
    an iterator of responses (server streaming), or raises an RpcError.
    """

    def __init__(self, **handlers: Callable[..., Any]) -> None:
        self.handlers = handlers
        self.sent: list[tuple[str, bytes]] = []
        self.timeouts: list[float | None] = []
        self.closed = False

    def _handler(self, path: str) -> tuple[str, Callable[..., Any]]:
        name = path.rsplit("/", 1)[1]
        return name, self.handlers.get(name, self._unexpected(name))

    @staticmethod
    def _unexpected(name: str) -> Callable[..., Any]:
        def fail(request: Any) -> Any:
            raise AssertionError(f"unexpected call {name}")
        return fail

    def unary_unary(self, path: str, request_serializer: Callable, response_deserializer:
                    Callable, **_: Any) -> Callable[..., Any]:
        name, handler = self._handler(path)
        request_type = _request_type(path)

        def call(request: Any, timeout: float | None = None) -> Any:
            wire = request_serializer(request)
            self.sent.append((name, wire))
            self.timeouts.append(timeout)
            return response_deserializer(handler(request_type.FromString(wire))
                                         .SerializeToString())
        return call

    def unary_stream(self, path: str, request_serializer: Callable, response_deserializer:
                     Callable, **_: Any) -> Callable[..., Any]:
        name, handler = self._handler(path)
        request_type = _request_type(path)

        def call(request: Any, timeout: float | None = None) -> Iterator[Any]:
            wire = request_serializer(request)
            self.sent.append((name, wire))
            return FakeStream(handler(request_type.FromString(wire)))
        return call

    def stream_unary(self, path: str, request_serializer: Callable, response_deserializer:
                     Callable, **_: Any) -> Callable[..., Any]:
        name, handler = self._handler(path)

        def call(requests: Iterator[Any], timeout: float | None = None) -> Any:
            batches = [cpb.Batch.FromString(request_serializer(r)) for r in requests]
            self.sent.append((name, b"".join(b.SerializeToString() for b in batches)))
            return handler(batches)
        return call

    def stream_stream(self, *a: Any, **k: Any) -> Any:
        return lambda *x, **y: None

    def close(self) -> None:
        self.closed = True


class FakeStream:
    def __init__(self, items: Iterator[Any]) -> None:
        self._items = iter(items)
        self.cancelled = False

    def __iter__(self) -> FakeStream:
        return self

    def __next__(self) -> Any:
        return next(self._items)

    def cancel(self) -> None:
        self.cancelled = True


def _request_type(path: str) -> Any:
    service, method = path.strip("/").split("/")
    svc = lpb.DESCRIPTOR.services_by_name[service.rsplit(".", 1)[1]]
    name = svc.methods_by_name[method].input_type.name
    from arledger.v1 import columnar_pb2 as colpb
    return getattr(cpb, name, None) or getattr(colpb, name, None) or getattr(lpb, name)


def fails_then(*outcomes: Any) -> Callable[..., Any]:
    """A handler that raises or returns the outcomes in order (the last one repeats)."""
    seq = list(outcomes)

    def handler(request: Any) -> Any:
        out = seq.pop(0) if len(seq) > 1 else seq[0]
        if isinstance(out, BaseException):
            raise out
        return out(request) if callable(out) else out
    return handler


def unavailable() -> FakeRpcError:
    return FakeRpcError.of(rich_status(code_pb2.UNAVAILABLE, "store failed", "STORE_UNAVAILABLE"))


def accepted(request: Any) -> lpb.CommandResult:
    return lpb.CommandResult(status=lpb.ACCEPTED, request_id=request.request_id, position=7,
                             entry_count=1)


def client_over(channel: FakeChannel, **kw: Any) -> ArledgerClient:
    c = ArledgerClient("fake:0", channel=channel, backoff_s=0, **kw)  # type: ignore[arg-type]
    c._sleep = lambda s: None
    return c


def request_ids(channel: FakeChannel, request_type: Any) -> list[str]:
    return [request_type.FromString(wire).request_id for _, wire in channel.sent]


# ---- command builders ----------------------------------------------------------------------


def test_an_invoice_builder_makes_the_issue_invoice_protobuf_with_lines_and_a_fresh_request_id():
    c = commands.issue_invoice("INV-1", "ACME", "2026-01-05", due_date=dt.date(2026, 2, 4),
                               lines=[("Widgets", 3, 10_000), InvoiceLine("Setup", 1, 20_000)],
                               po_number="PO-7")
    m = c.message.issue_invoice
    assert c.kind == "issue_invoice" and c.message.WhichOneof("command") == "issue_invoice"
    assert (m.invoice_id, m.customer_id, m.issue_date, m.due_date, m.po_number) == (
        "INV-1", "ACME", "2026-01-05", "2026-02-04", "PO-7")
    assert [(ln.description, ln.quantity, ln.unit_price_minor) for ln in m.lines] == [
        ("Widgets", 3, 10_000), ("Setup", 1, 20_000)]
    assert m.amount_minor == 0 and m.currency == ""
    assert len(c.request_id) == 32 and int(c.request_id, 16) >= 0
    other = commands.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=1)
    assert other.request_id != c.request_id


def test_allocations_as_pairs_as_a_dict_or_as_allocation_objects_build_the_same_payment():
    def build(allocations: Any) -> cpb.RecordPaymentRequest:
        return commands.record_payment("PAY-1", "ACME", 150, "EUR", "2026-03-01",
                                       allocations=allocations, request_id="r-1",
                                       method="CHEQUE").message.record_payment

    as_pairs = build([("INV-1", 100), ("INV-2", 50)])
    assert as_pairs == build({"INV-1": 100, "INV-2": 50})
    assert as_pairs == build([Allocation("INV-1", 100), Allocation("INV-2", 50)])
    assert [(a.invoice_id, a.amount_minor) for a in as_pairs.allocations] == [
        ("INV-1", 100), ("INV-2", 50)]
    assert as_pairs.method == cpb.CHEQUE
    assert as_pairs.strategy == cpb.ALLOCATION_STRATEGY_UNSPECIFIED  # not given: left unset


def test_enums_are_given_by_name_and_an_unknown_name_raises_invalid_enum_before_sending():
    c = commands.resolve_dispute("D-1", "DISPUTE_PARTIALLY_UPHELD", "2026-02-20", actor="ann",
                                 reason="partly right", credited_amount_minor=500,
                                 credit_note_id="CN-1")
    assert c.message.resolve_dispute.outcome == cpb.DISPUTE_PARTIALLY_UPHELD
    rev = commands.reverse_payment("PAY-1", "2026-02-14", "RETURNED_CHEQUE")
    assert rev.message.reverse_payment.reversal_reason == cpb.RETURNED_CHEQUE
    with pytest.raises(InvalidArgument) as e:
        commands.record_payment("P", "ACME", 1, "EUR", "2026-01-01", method="WIRE")
    assert (e.value.reason, e.value.metadata["field"]) == ("INVALID_ENUM", "method")
    with pytest.raises(TypeError):
        commands.record_payment("P", "ACME", 1, "EUR", "2026-01-01", method=1)  # type: ignore


def test_dates_and_datetimes_are_sent_as_iso_day_strings():
    c = commands.open_customer("ACME", "Acme", "EUR", dt.datetime(2026, 1, 1, 23, 59))
    assert c.message.open_customer.opened_date == "2026-01-01"
    w = commands.write_off_invoice("INV-1", dt.date(2026, 6, 30), actor="ann", reason="gone")
    assert w.message.write_off_invoice.effective_date == "2026-06-30"


def test_an_update_sets_only_the_optional_fields_that_are_given_even_when_they_are_zero():
    m = commands.update_customer("ACME", "2026-05-01", actor="ann", reason="renegotiated",
                                 credit_limit_minor=0,
                                 address={"city": "Berlin"}).message.update_customer
    assert m.HasField("credit_limit_minor") and m.credit_limit_minor == 0
    assert not m.HasField("name") and not m.HasField("payment_terms_net_days")
    assert m.HasField("address") and m.address.city == "Berlin"


def test_the_generic_builder_makes_the_same_command_as_the_typed_one_and_rejects_unknown_fields():
    typed = commands.open_dispute("D-1", "INV-2", 2_000, "PRICING", "2026-02-05",
                                  request_id="r-9")
    generic = command("open_dispute", dispute_id="D-1", invoice_id="INV-2", amount_minor=2_000,
                      reason_code="PRICING", opened_date="2026-02-05", request_id="r-9")
    assert typed == generic
    with pytest.raises(TypeError, match="invoce_id"):
        command("void_invoice", invoce_id="INV-1", effective_date="2026-01-02", reason="x")
    with pytest.raises(ValueError, match="unknown command kind"):
        command("delete_invoice", invoice_id="INV-1")
    with pytest.raises(TypeError, match="issue_invoice"):
        commands.issue_invoice("INV-1", "ACME", "2026-01-01", amount_minor=1.5)  # type: ignore


def test_a_given_request_id_is_kept_and_an_empty_one_is_replaced_by_a_new_one():
    assert commands.close_customer("ACME", "2026-09-01", request_id="mine").request_id == "mine"
    assert len(commands.close_customer("ACME", "2026-09-01", request_id="").request_id) == 32


def test_every_kind_of_command_has_a_builder_a_client_method_and_an_rpc():
    oneof = [f.name for f in cpb.Command.DESCRIPTOR.oneofs_by_name["command"].fields]
    assert list(KINDS) == oneof
    # RiskService submits these itself (RegisterModel, RescorePortfolio).
    # BankService writes statements and match runs itself (from a file).
    oneof = [k for k in oneof if k not in ("register_risk_model", "record_portfolio_rescore",
                                           "import_bank_statement", "match_bank_lines")]
    # 28 + add_note + allowance and FX rates + a bank line's
    # decision and the matching rules
    assert len(oneof) == 33
    rpcs = {m.name for m in lpb.DESCRIPTOR.services_by_name["LedgerService"].methods}
    # ValuationService takes its two commands; the SDK sends them there.
    from arledger.v1 import valuation_pb2 as vpb
    rpcs |= {m.name for m in vpb.DESCRIPTOR.services_by_name["ValuationService"].methods}
    from arledger.v1 import bank_pb2 as bpb
    rpcs |= {m.name for m in bpb.DESCRIPTOR.services_by_name["BankService"].methods}
    for kind in oneof:
        assert callable(getattr(commands, kind)) and callable(getattr(ArledgerClient, kind))
        assert "".join(p.capitalize() for p in kind.split("_")) in rpcs


def test_public_client_signatures_mention_no_protobuf_type():
    def names(hint: Any) -> Iterator[str]:
        yield getattr(hint, "__module__", "") or ""
        for arg in typing.get_args(hint):
            yield from names(arg)

    checked = 0
    for name in dir(ArledgerClient):
        fn = getattr(ArledgerClient, name)
        if name.startswith("_") or not callable(fn) or isinstance(fn, type):
            continue
        hints = typing.get_type_hints(fn)
        checked += 1
        for param, hint in hints.items():
            assert not any("_pb2" in m for m in names(hint)), (name, param, hint)
    assert checked >= 13 + 10


def test_batched_splits_commands_into_lists_of_at_most_the_size():
    assert [len(b) for b in batched(range(7), 3)] == [3, 3, 1]  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        list(batched([], 0))


# ---- JSON mapping ----------------------------------------------------------------------------


def test_a_json_mapping_dict_parses_with_camel_case_or_snake_case_names():
    camel = Command.from_dict({"issueInvoice": {"requestId": "r-1", "invoiceId": "INV-1",
                                                "customerId": "ACME", "issueDate": "2026-01-05",
                                                "amountMinor": "100"}})
    snake = Command.from_dict({"issue_invoice": {"request_id": "r-1", "invoice_id": "INV-1",
                                                 "customer_id": "ACME",
                                                 "issue_date": "2026-01-05",
                                                 "amount_minor": 100}})
    assert camel == snake
    assert camel.message.issue_invoice.amount_minor == 100
    assert camel == commands.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=100,
                                           request_id="r-1")


def test_a_command_round_trips_through_its_json_line_with_enums_by_name():
    c = commands.allocate_credit_note("CN-1", "2026-03-01", strategy="NEWEST_DUE_FIRST")
    line = c.to_json()
    assert "\n" not in line and '"strategy":"NEWEST_DUE_FIRST"' in line
    assert Command.from_json(line) == c
    assert Command.from_json(line.encode()).request_id == c.request_id


@pytest.mark.parametrize("bad", [
    "{not json", "[1, 2]", '"issueInvoice"', '{"deleteInvoice": {}}',
    '{"issueInvoice": {"amountMinor": "lots"}}', '{"issueInvoice": {}, "voidInvoice": {}}',
    '{"recordPayment": {"method": "WIRE"}}',
])
def test_malformed_json_or_an_unknown_field_raises_invalid_argument_malformed_json(bad):
    with pytest.raises(InvalidArgument) as e:
        Command.from_json(bad)
    assert (e.value.reason, e.value.code) == ("MALFORMED_JSON", "INVALID_ARGUMENT")


def test_a_json_command_that_sets_no_kind_raises_empty_command():
    with pytest.raises(InvalidArgument) as e:
        Command.from_dict({})
    assert e.value.reason == "EMPTY_COMMAND"


def test_a_missing_request_id_stays_empty_unless_filling_is_asked_for():
    data = {"closeCustomer": {"customerId": "ACME", "effectiveDate": "2026-09-01"}}
    assert Command.from_dict(data).request_id == ""
    filled = Command.from_dict(data, fill_request_id=True)
    assert len(filled.request_id) == 32
    assert Command.from_dict({"closeCustomer": {"requestId": "keep"}},
                             fill_request_id=True).request_id == "keep"


# ---- error mapping ---------------------------------------------------------------------------


@pytest.mark.parametrize("code, cls", [
    (code_pb2.INVALID_ARGUMENT, InvalidArgument), (code_pb2.NOT_FOUND, NotFound),
    (code_pb2.ALREADY_EXISTS, AlreadyExists), (code_pb2.FAILED_PRECONDITION, FailedPrecondition),
    (code_pb2.ABORTED, Aborted), (code_pb2.RESOURCE_EXHAUSTED, ResourceExhausted),
    (code_pb2.UNAVAILABLE, Unavailable), (code_pb2.DEADLINE_EXCEEDED, DeadlineExceeded),
])
def test_a_status_with_error_info_maps_to_the_class_of_its_code_with_reason_and_metadata(code,
                                                                                         cls):
    st = rich_status(code, "no customer ACME", "CUSTOMER_NOT_FOUND", customer_id="ACME")
    for err in (from_status(st), from_rpc_error(FakeRpcError.of(st))):
        assert type(err) is cls and isinstance(err, ArledgerError)
        assert (err.reason, err.code, err.message) == (
            "CUSTOMER_NOT_FOUND", code_pb2.Code.Name(code), "no customer ACME")
        assert err.metadata == {"customer_id": "ACME"}


def test_a_status_without_details_gets_the_code_name_as_its_reason():
    err = from_rpc_error(FakeRpcError(grpc.StatusCode.UNAVAILABLE, "failed to connect"))
    assert type(err) is Unavailable and err.retryable
    assert (err.reason, err.code, err.message) == ("UNAVAILABLE", "UNAVAILABLE",
                                                   "failed to connect")
    plain = from_status(rpc_status.to_status(status_pb2.Status(code=code_pb2.NOT_FOUND,
                                                                message="gone")))
    assert (type(plain), plain.reason) == (NotFound, "NOT_FOUND")


def test_the_arledger_error_info_wins_over_another_domains_and_another_domains_is_a_fallback():
    st = status_pb2.Status(code=code_pb2.FAILED_PRECONDITION, message="m")
    st.details.add().Pack(error_details_pb2.ErrorInfo(reason="PROXY_THING", domain="envoy"))
    st.details.add().Pack(error_details_pb2.ErrorInfo(reason="NOTHING_OPEN",
                                                      domain="arledger"))
    assert from_status(rpc_status.to_status(st)).reason == "NOTHING_OPEN"
    only_other = rich_status(code_pb2.ABORTED, "m", "PROXY_THING", domain="envoy")
    assert from_status(only_other).reason == "PROXY_THING"


def test_error_info_is_still_read_when_the_call_message_differs_from_the_rich_status():
    st = rich_status(code_pb2.FAILED_PRECONDITION, "writing off 5 > 3", "WRITE_OFF_EXCEEDS_OPEN")
    rewritten = FakeRpcError(st.code, "rewritten by a proxy", st.trailing_metadata)
    err = from_rpc_error(rewritten)
    assert (type(err), err.reason, err.message) == (FailedPrecondition, "WRITE_OFF_EXCEEDS_OPEN",
                                                    "rewritten by a proxy")


def test_an_unmapped_code_or_a_non_call_error_gives_a_plain_arledger_error():
    err = from_rpc_error(FakeRpcError(grpc.StatusCode.DATA_LOSS, "boom"))
    assert type(err) is ArledgerError and (err.reason, err.code) == ("DATA_LOSS", "DATA_LOSS")
    bare = from_rpc_error(grpc.RpcError("no call"))
    assert type(bare) is ArledgerError and bare.code == "UNKNOWN"


def test_errors_keep_their_class_and_fields_through_pickling():
    err = make_error("FAILED_PRECONDITION", "ALLOCATION_EXCEEDS_OPEN", "too much",
                     {"invoice_id": "INV-1"})
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is FailedPrecondition
    assert (back.reason, back.code, back.message, back.metadata) == (
        "ALLOCATION_EXCEEDS_OPEN", "FAILED_PRECONDITION", "too much", {"invoice_id": "INV-1"})
    assert str(back) == "ALLOCATION_EXCEEDS_OPEN: too much"


def test_a_rejected_batch_result_becomes_its_typed_error_and_an_accepted_one_has_none():
    rejected = CommandResult("REJECTED", "r-1", 0, 0, reason="CUSTOMER_NOT_FOUND",
                             message="no customer X", code="NOT_FOUND")
    err = rejected.error()
    assert type(err) is NotFound and err.reason == "CUSTOMER_NOT_FOUND" and not rejected.ok
    assert CommandResult("DUPLICATE", "r-2", 5, 1).error() is None
    assert CommandResult("DUPLICATE", "r-2", 5, 1).ok


# ---- retries -----------------------------------------------------------------------------------


def test_a_command_failing_twice_with_unavailable_is_resent_with_the_same_request_id():
    ch = FakeChannel(RecordPayment=fails_then(unavailable(), unavailable(), accepted))
    result = client_over(ch).record_payment("PAY-1", "ACME", 1_000, "EUR", "2026-02-02")
    ids = request_ids(ch, cpb.RecordPaymentRequest)
    assert len(ids) == 3 and len(set(ids)) == 1 and len(ids[0]) == 32
    assert len({wire for _, wire in ch.sent}) == 1  # byte-identical attempts
    assert result == CommandResult("ACCEPTED", ids[0], 7, 1)
    assert ch.timeouts == [10.0] * 3


def test_a_caller_given_request_id_is_the_one_every_attempt_carries():
    ch = FakeChannel(VoidInvoice=fails_then(
        FakeRpcError(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline"), accepted))
    r = client_over(ch).void_invoice("INV-1", "2026-01-06", reason="typo", request_id="req-42")
    assert request_ids(ch, cpb.VoidInvoiceRequest) == ["req-42", "req-42"]
    assert r.request_id == "req-42"


@pytest.mark.parametrize("code, reason, cls", [
    (code_pb2.NOT_FOUND, "CUSTOMER_NOT_FOUND", NotFound),
    (code_pb2.INVALID_ARGUMENT, "MALFORMED_DATE", InvalidArgument),
    (code_pb2.ALREADY_EXISTS, "PAYMENT_EXISTS", AlreadyExists),
    (code_pb2.FAILED_PRECONDITION, "CUSTOMER_CLOSED", FailedPrecondition),
    (code_pb2.ABORTED, "WRITER_FENCED", Aborted),
    (code_pb2.RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED", ResourceExhausted),
])
def test_refusals_are_raised_at_once_without_a_retry(code, reason, cls):
    ch = FakeChannel(RecordPayment=fails_then(
        FakeRpcError.of(rich_status(code, "refused", reason)), accepted))
    with pytest.raises(cls) as e:
        client_over(ch).record_payment("PAY-1", "ACME", 1_000, "EUR", "2026-02-02")
    assert e.value.reason == reason
    assert len(ch.sent) == 1


def test_retries_stop_after_the_configured_count_and_raise_the_typed_unavailable():
    ch = FakeChannel(GetCustomer=fails_then(unavailable()))
    with pytest.raises(Unavailable) as e:
        client_over(ch, retries=2).get_customer("ACME")
    assert e.value.reason == "STORE_UNAVAILABLE" and e.value.retryable
    assert len(ch.sent) == 3  # the first attempt + 2 retries
    ch0 = FakeChannel(GetCustomer=fails_then(unavailable()))
    with pytest.raises(Unavailable):
        client_over(ch0, retries=0).get_customer("ACME")
    assert len(ch0.sent) == 1


def test_call_with_retries_waits_a_growing_jittered_backoff_between_attempts():
    slept: list[float] = []
    attempts = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) <= 3:
            raise FakeRpcError(grpc.StatusCode.UNAVAILABLE, "down")
        return "ok"

    assert call_with_retries(flaky, 5, 0.1, slept.append, rng=lambda: 0.5) == "ok"
    assert slept == pytest.approx([0.1, 0.2, 0.4])
    assert backoff_delay(10, 0.1, max_backoff_s=2.0, rng=lambda: 0.5) == pytest.approx(2.0)
    assert backoff_delay(1, 0.1, rng=lambda: 0.0) == pytest.approx(0.05)
    assert backoff_delay(1, 0.1, rng=lambda: 0.999) == pytest.approx(0.1499, abs=1e-4)


def test_an_error_that_is_not_from_grpc_is_not_retried_or_wrapped():
    calls = []

    def broken() -> None:
        calls.append(1)
        raise KeyError("bug")

    with pytest.raises(KeyError):
        call_with_retries(broken, 5, 0, lambda s: None)
    assert len(calls) == 1


def test_a_batch_is_resent_byte_for_byte_and_its_rejections_come_back_as_results():
    def decide(batch: cpb.Batch) -> lpb.BatchResult:
        results = [lpb.CommandResult(status=lpb.ACCEPTED, request_id="r-1", position=3,
                                     entry_count=1),
                   lpb.CommandResult(status=lpb.REJECTED, request_id="r-2",
                                     reason="CUSTOMER_NOT_FOUND", code="NOT_FOUND",
                                     message="no customer NOPE")]
        assert len(batch.commands) == 2 and batch.atomic is False
        return lpb.BatchResult(results=results, accepted=1, rejected=1)

    ch = FakeChannel(SubmitBatch=fails_then(unavailable(), decide))
    cmds = [commands.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=1,
                                   request_id="r-1"),
            {"issueInvoice": {"requestId": "r-2", "invoiceId": "INV-2", "customerId": "NOPE",
                              "issueDate": "2026-01-05", "amountMinor": 1}}]
    r = client_over(ch).submit_batch(cmds)
    assert len(ch.sent) == 2 and ch.sent[0][1] == ch.sent[1][1]
    assert (r.accepted, r.rejected, [x.status for x in r.results]) == (
        1, 1, ["ACCEPTED", "REJECTED"])
    (index, rejected), = r.rejections
    assert index == 1 and isinstance(rejected.error(), NotFound)


def test_a_stream_given_as_a_list_is_resent_whole_but_a_generator_is_not_retried():
    def summary(batches: list[cpb.Batch]) -> lpb.SubmitBatchStreamResponse:
        n = sum(len(b.commands) for b in batches)
        return lpb.SubmitBatchStreamResponse(batches=len(batches), commands=n, accepted=n)

    cmds = [commands.close_customer(f"C-{i}", "2026-09-01") for i in range(5)]
    ch = FakeChannel(SubmitBatchStream=fails_then(unavailable(), summary))
    s = client_over(ch).submit_stream(list(batched(cmds, 2)))
    assert (s.batches, s.commands, s.accepted) == (3, 5, 5)
    assert len(ch.sent) == 2 and ch.sent[0][1] == ch.sent[1][1]
    ch2 = FakeChannel(SubmitBatchStream=fails_then(unavailable(), summary))
    with pytest.raises(Unavailable):
        client_over(ch2).submit_stream(batched(cmds, 2))
    assert len(ch2.sent) == 1


# ---- queries ---------------------------------------------------------------------------------


def _entry(position: int) -> lpb.LogEntry:
    fields = struct_pb2.Struct()
    fields.update({"amount_minor": 100 * position, "lines": [{"quantity": 3}]})
    return lpb.LogEntry(position=position, segment=position, type="InvoiceIssued",
                        effective_date="2026-01-05",
                        recorded_at=timestamp_pb2.Timestamp(seconds=1_790_000_000),
                        request_id=f"r-{position}", fields=fields)


def test_stream_entries_resumes_after_the_last_entry_received_when_the_stream_breaks():
    asked: list[tuple[int, int]] = []

    def stream(req: lpb.StreamEntriesRequest) -> Iterator[lpb.LogEntry]:
        asked.append((req.from_position, req.limit))
        first = req.from_position or 1
        last = first + req.limit - 1 if req.limit else 5
        for p in range(first, last + 1):
            if len(asked) == 1 and p == 3:
                raise unavailable()
            yield _entry(p)

    entries = list(client_over(FakeChannel(StreamEntries=stream)).stream_entries(0, limit=4))
    assert [e.position for e in entries] == [1, 2, 3, 4]
    assert asked == [(0, 4), (3, 2)]
    e = entries[0]
    assert e.fields == {"amount_minor": 100, "lines": [{"quantity": 3}]}
    assert isinstance(e.fields["amount_minor"], int)
    assert e.recorded_at == dt.datetime.fromtimestamp(1_790_000_000, dt.UTC)


def test_a_refused_stream_raises_its_typed_error_without_a_retry():
    def stream(req: lpb.StreamEntriesRequest) -> Iterator[lpb.LogEntry]:
        raise FakeRpcError.of(rich_status(code_pb2.INVALID_ARGUMENT, "beyond head",
                                          "INVALID_POSITION"))
        yield  # pragma: no cover

    ch = FakeChannel(StreamEntries=stream)
    with pytest.raises(InvalidArgument) as e:
        list(client_over(ch).stream_entries(99))
    assert e.value.reason == "INVALID_POSITION" and len(ch.sent) == 1


def test_list_open_items_follows_page_tokens_until_the_last_page():
    pages = {"": ("t1", ["INV-1", "INV-2"]), "t1": ("t2", ["INV-3"]), "t2": ("", ["PAY-1"])}
    seen: list[lpb.ListOpenItemsRequest] = []

    def page(req: lpb.ListOpenItemsRequest) -> lpb.ListOpenItemsResponse:
        seen.append(req)
        nxt, ids = pages[req.page_token]
        return lpb.ListOpenItemsResponse(next_page_token=nxt, items=[
            lpb.OpenItem(kind="INVOICE", item_id=i, open_minor=5) for i in ids])

    client = client_over(FakeChannel(ListOpenItems=page))
    known = dt.datetime(2026, 4, 1, 12, tzinfo=dt.UTC)
    items = list(client.list_open_items("ACME", as_of=dt.date(2026, 4, 1), known_at=known,
                                        page_size=2))
    assert [i.item_id for i in items] == ["INV-1", "INV-2", "INV-3", "PAY-1"]
    assert [r.page_token for r in seen] == ["", "t1", "t2"]
    assert {(r.as_of, r.page_size, r.known_at.ToDatetime(dt.UTC)) for r in seen} == {
        ("2026-04-01", 2, known)}
    one = client.list_open_items_page("ACME", page_token="t1")
    assert ([i.item_id for i in one.items], one.next_page_token) == (["INV-3"], "t2")


def test_query_results_are_frozen_dataclasses_and_enums_come_back_as_names():
    def aging(req: lpb.GetAgingRequest) -> lpb.AgingReport:
        assert (req.customer_id, req.basis, list(req.bucket_edges_days)) == (
            "", lpb.INVOICE_DATE, [15, 45])
        return lpb.AgingReport(as_of="2026-04-01", basis=req.basis,
                               bucket_labels=["current", "1-15", "16-45", "46+"],
                               rows=[lpb.AgingRow(currency="EUR", buckets_minor=[1, 2, 3, 4],
                                                  balance_minor=10, open_item_count=4)])

    client = client_over(FakeChannel(
        GetAging=aging,
        GetBalance=lambda req: lpb.Balance(customer_id=req.customer_id, open_minor=5,
                                           balance_minor=5)))
    rep = client.get_aging(basis="INVOICE_DATE", bucket_edges_days=[15, 45])
    assert rep.basis == "INVOICE_DATE" and rep.rows[0].buckets_minor == (1, 2, 3, 4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rep.rows[0].balance_minor = 0  # type: ignore[misc]
    bal = client.get_balance("ACME")
    assert (bal.customer_id, bal.open_minor, bal.balance_minor) == ("ACME", 5, 5)
    with pytest.raises(InvalidArgument) as e:
        client.get_aging(basis="DUE")
    assert e.value.reason == "INVALID_ENUM"


def test_the_client_closes_a_channel_it_was_given_only_when_it_created_it():
    given = FakeChannel()
    with ArledgerClient("fake:0", channel=given):  # type: ignore[arg-type]
        pass
    assert not given.closed
    own = ArledgerClient("127.0.0.1:1")
    closed = []
    own._channel.close = lambda: closed.append(True)  # type: ignore[method-assign]
    own.close()
    assert closed == [True]


def test_error_details_can_be_packed_from_any_message_without_confusing_the_mapping():
    st = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message="bad")
    st.details.append(any_pb2.Any())  # an empty Any, e.g. from another library
    st.details.add().Pack(error_details_pb2.ErrorInfo(reason="MALFORMED_ID", domain="arledger"))
    assert from_status(rpc_status.to_status(st)).reason == "MALFORMED_ID"
