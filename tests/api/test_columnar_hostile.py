"""What an adversarial review of the volume path found, each as it was reproduced (real server,
real port): hostile column counts, an ordinary payment that hung the writer, more children
than a command may carry, a volume command sent whole among `commands`, bytes that are not
UTF-8, and the string bytes an invoice's lines may take."""

from __future__ import annotations

import struct

import grpc
import numpy as np
import pytest

from arledger.engine import columnar as col
from arledger.engine.decide import volume
from arledger.v1 import columnar_pb2 as colpb
from arledger.v1 import ledger_pb2_grpc as lgrpc
from arledger_client import ArledgerClient, ColumnarBatch, InvalidArgument
from arledger_client.errors import from_rpc_error


def payments(n: int = 4) -> ColumnarBatch:
    b = ColumnarBatch()
    b.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01")
    for i in range(n):
        b.record_payment(f"PAY-{i}", "ACME", 6_000, "EUR", "2026-01-10")
    return b


@pytest.mark.parametrize("count", [2**62, 2**40], ids=["wraps-int64", "exhausts-memory"])
def test_child_counts_that_point_past_the_rows_sent_are_a_malformed_batch(served, count):
    # 2**62 x 4 wrapped an int64 sum to 0 and the hashing loop read far out of bounds
    # (the server died of SIGSEGV); 2**40 made the server allocate terabytes (INTERNAL on
    # the unary call, a silently shortened stream). Both are now refused and write nothing.
    msg = payments().message()
    msg.record_payment.allocation_count = struct.pack("<4q", *[count] * 4)
    stub = lgrpc.LedgerServiceStub(grpc.insecure_channel(served.target))
    with pytest.raises(grpc.RpcError) as e:
        stub.SubmitColumnar(msg, timeout=30)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert from_rpc_error(e.value).reason == "MALFORMED_BATCH"
    assert "child rows" in e.value.details()
    good = payments().message()
    with pytest.raises(grpc.RpcError) as e:
        list(stub.SubmitColumnarStream(iter([good, msg]), timeout=30))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # not a clean end after one
    assert from_rpc_error(e.value).reason == "MALFORMED_BATCH"
    assert served.ledger.state.head_position == 5  # the good batch, and only it


@pytest.mark.parametrize("reason_length", [40, 250])
def test_a_payment_left_to_the_strategy_with_a_long_reason_is_decided(served, reason_length):
    # The loop asked for room for its 4,096 candidates that the writer never reserved: a
    # reason of 40 characters or more made it ask again for ever (the writer hung).
    with ArledgerClient(served.target) as c:
        c.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01")
        c.issue_invoice("I1", "ACME", "2026-01-02", amount_minor=100)
        r = c.record_payment("P1", "ACME", 50, "EUR", "2026-01-10",
                             reason="r" * reason_length)
    assert (r.status, r.allocations[0].amount_minor) == ("ACCEPTED", 50)


def test_more_allocations_than_a_command_may_carry_is_its_own_refusal(served):
    b = ColumnarBatch()
    b.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01")
    b.record_payment("P1", "ACME", 20_000, "EUR", "2026-01-10",
                     allocations=[(f"I{k}", 1) for k in range(20_000)])
    with ArledgerClient(served.target) as c:
        r = c.submit_columnar(b, timeout_s=120)
    assert r.status == ("ACCEPTED", "REJECTED")
    assert r.rejections[0].reason == "TOO_MANY_ITEMS"


def test_a_volume_command_sent_whole_among_commands_is_recognised_when_retried(served):
    # Sent as a whole Command it was hashed by the Python decider's BLAKE2b, so its retry as
    # a row or as columns (hashed canonically) was refused as REQUEST_ID_REUSED.
    with ArledgerClient(served.target) as c:
        c.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01")
        inv = ArledgerClient.commands.issue_invoice("INV-9", "ACME", "2026-01-05",
                                                    amount_minor=500, request_id="rid-9")
        first = c.submit_columnar(colpb.ColumnarBatch(kinds=b"\x00", request_ids=b"rid-9",
                                                      commands=[inv.message]))
        assert first.status == ("ACCEPTED",)
        row = c.issue_invoice("INV-9", "ACME", "2026-01-05", amount_minor=500,
                              request_id="rid-9")
        assert (row.status, row.position) == ("DUPLICATE", first.position[0])
        cols = ColumnarBatch()
        cols.issue_invoice("INV-9", "ACME", "2026-01-05", amount_minor=500, request_id="rid-9")
        again = c.submit_columnar(cols)
        assert (again.status, again.position) == (("DUPLICATE",), first.position)


def test_text_that_is_not_utf8_is_a_malformed_batch_not_replacement_characters(served):
    b = ColumnarBatch()
    b.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01")
    msg = b.message()
    msg.open_customer.name = b"Acme \xff\xfe GmbH"
    with ArledgerClient(served.target) as c, pytest.raises(InvalidArgument) as e:
        c.submit_columnar(msg)
    assert e.value.reason == "MALFORMED_BATCH" and "not UTF-8" in str(e.value)
    assert served.ledger.state.head_position == 0


def test_the_loop_reserves_every_byte_an_invoices_lines_write(served):
    # 1,000 lines of 256-character descriptions under a 1-character request id: the old
    # estimate (64 bytes an entry) was half of what the loop then wrote past the arena.
    with ArledgerClient(served.target) as c:
        c.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01")
    b = ColumnarBatch()
    b.issue_invoice("INV", "ACME", "2026-01-05", lines=[("d" * 256, 1, 1)] * 1000,
                    request_id="a")
    batch = col.from_wire(b.message())
    need = int(volume._needs(batch.cols, 0, col.ISSUE_INVOICE, 0)[2])
    written = int(np.sum(batch.cols.ln_s[:, 0, 1] - batch.cols.ln_s[:, 0, 0])) + 3 + 1
    assert need >= 2 * written
    with ArledgerClient(served.target) as c:
        r = c.submit_columnar(b)
    assert r.status == ("ACCEPTED",)
