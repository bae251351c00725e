"""SubmitBatchStream reads its batches with the compiled reader (engine/rowwire.py): over a
real server and port, what it writes must be what the protobuf path writes for the same
commands, and what the reader declines (an unknown field, bytes that are not UTF-8) must
still be read, or refused, as protobuf reads it."""

from __future__ import annotations

import itertools

import grpc
import pytest

from arledger.engine import open_ledger, rowwire
from arledger.server import create_server
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb
from arledger_client.errors import from_rpc_error
from tests.property.test_volume_differential import Stream

METHOD = "/arledger.v1.LedgerService/SubmitBatchStream"


def _clock():  # type: ignore[no-untyped-def]
    ticks = itertools.count(1_790_000_000_000_000, 1_000)
    return lambda: next(ticks)


@pytest.fixture
def pair(tmp_path):  # type: ignore[no-untyped-def]
    """A ledger behind a real server (the stream) and one submitted to directly."""
    served = open_ledger(tmp_path / "served", clock=_clock())
    direct = open_ledger(tmp_path / "direct", clock=_clock())
    server, port = create_server(served, "127.0.0.1:0")
    server.start()
    ch = grpc.insecure_channel(f"127.0.0.1:{port}")
    send = ch.stream_unary(METHOD, request_serializer=lambda b: b,
                           response_deserializer=lpb.SubmitBatchStreamResponse.FromString)
    try:
        yield served, direct, send
    finally:
        ch.close()
        server.stop(0)
        served.close()
        direct.close()


@pytest.mark.parametrize("seed", [3, 20261205])
def test_the_stream_writes_what_the_protobuf_path_writes(pair, seed) -> None:
    served, direct, send = pair
    stream = Stream(seed)
    stream.ledger = direct
    n = 0
    for batch, atomic in stream.batches(25):
        want = direct.submit(batch, atomic=atomic)
        got = send(iter([cpb.Batch(commands=batch, atomic=atomic).SerializeToString()]),
                   timeout=30)
        assert (got.accepted, got.duplicates, got.rejected) == tuple(
            sum(o.status == s for o in want) for s in ("ACCEPTED", "DUPLICATE", "REJECTED"))
        assert [(r.command_index, r.request_id, r.reason, r.message) for r in got.rejections] \
            == [(i, o.request_id, o.error.reason, o.error.message)
                for i, o in enumerate(want) if o.status == "REJECTED"]
        stream.learn(batch, want)
        n += len(batch)
    assert n > 200
    assert served.state.digest() == direct.state.digest()
    assert served.state.head_position == direct.state.head_position > 0


def test_what_the_reader_declines_is_read_or_refused_as_protobuf_does(pair) -> None:
    served, _, send = pair
    opened = cpb.Batch(commands=[cpb.Command(open_customer=cpb.OpenCustomerRequest(
        request_id="o1", customer_id="ACME", name="Acme", currency="EUR",
        opened_date="2026-01-01"))]).SerializeToString()
    # the same invoice with an unknown field (30) in it: protobuf keeps and ignores it
    inv = cpb.Command(issue_invoice=cpb.IssueInvoiceRequest(
        request_id="i1", invoice_id="I1", customer_id="ACME", issue_date="2026-01-05",
        amount_minor=100)).SerializeToString()
    body = inv[2:] + b"\xf0\x01\x05"
    odd = b"\x0a" + bytes([len(body) + 2]) + b"\x22" + bytes([len(body)]) + body
    assert rowwire.decode(opened) is not None and rowwire.decode(odd) is None
    got = send(iter([opened, odd]), timeout=30)
    assert (got.batches, got.accepted, got.rejected) == (2, 2, 0)
    head = served.state.head_position
    # a customer id that is not UTF-8: the message does not decode, nothing is written
    bad = cpb.Command(issue_invoice=cpb.IssueInvoiceRequest(
        request_id="i2", invoice_id="I2", customer_id="ACME", issue_date="2026-01-05",
        amount_minor=100)).SerializeToString().replace(b"ACME", b"AC\xffE")
    with pytest.raises(grpc.RpcError) as e:
        send(iter([b"\x0a" + bytes([len(bad)]) + bad]), timeout=30)
    err = from_rpc_error(e.value)
    assert (err.code, err.reason) == ("INVALID_ARGUMENT", "MALFORMED_MESSAGE")
    assert served.state.head_position == head
