"""The compiled kernels, made ready before a server takes its first call.

numba compiles a kernel on its first call (and caches it on disk, engine/jit.py). Without
this, the first command a new server decides would wait for the compiler - a minute or more
on a first start on a new machine - and its caller's deadline could pass. `warm()` decides a
few commands of every volume kind (and one the Python decider takes) into a throwaway ledger
in a temporary directory, then replays it, so that every kernel of the volume loop, the
Python decider's fold and the replay is compiled or loaded before the server listens.
"""

from __future__ import annotations

import gc
import tempfile
import time
from pathlib import Path

from arledger.v1 import commands_pb2 as pb


def _commands() -> list[pb.Command]:
    C = pb.Command
    return [
        C(open_customer=pb.OpenCustomerRequest(
            request_id="w1", customer_id="C1", name="Warm", currency="EUR",
            payment_terms_net_days=30, opened_date="2026-01-01")),
        C(issue_invoice=pb.IssueInvoiceRequest(
            request_id="w2", invoice_id="I1", customer_id="C1", issue_date="2026-01-02",
            amount_minor=1000)),
        C(issue_invoice=pb.IssueInvoiceRequest(
            request_id="w3", invoice_id="I2", customer_id="C1", issue_date="2026-01-03",
            amount_minor=500)),
        C(record_payment=pb.RecordPaymentRequest(
            request_id="w4", payment_id="P1", customer_id="C1", amount_minor=700,
            currency="EUR", method=pb.BANK_TRANSFER, value_date="2026-01-10",
            allocations=[pb.Allocation(invoice_id="I1", amount_minor=700)])),
        C(record_payment=pb.RecordPaymentRequest(
            request_id="w5", payment_id="P2", customer_id="C1", amount_minor=300,
            currency="EUR", method=pb.BANK_TRANSFER, value_date="2026-01-11",
            strategy=pb.LEAVE_UNAPPLIED)),
        C(issue_credit_note=pb.IssueCreditNoteRequest(
            request_id="w6", credit_note_id="N1", customer_id="C1", amount_minor=100,
            currency="EUR", issue_date="2026-01-12", invoice_id="I2", reason_code="RETURN")),
        C(allocate_payment=pb.AllocatePaymentRequest(
            request_id="w7", payment_id="P2", effective_date="2026-01-12")),
        C(write_off_invoice=pb.WriteOffInvoiceRequest(
            request_id="w8", invoice_id="I2", effective_date="2026-06-30", actor="warmup",
            reason="compile the kernels")),
    ]


def warm() -> float:
    """Make every kernel ready (compiled into the cache, or loaded from it); seconds taken."""
    from arledger.engine import open_ledger

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="arledger-warmup-") as d:
        ledger = open_ledger(Path(d), clock=lambda: 1)
        try:
            outs = ledger.submit(_commands())
            bad = [(o.request_id, o.error) for o in outs if o.status != "ACCEPTED"]
            assert not bad, f"the warm-up commands were refused: {bad}"
        finally:
            ledger.close()
        open_ledger(Path(d), clock=lambda: 1).close()  # the replay's kernels
    _grow_ids()
    gc.collect()  # the throwaway ledgers, before the server opens its own
    return time.perf_counter() - t0


def _grow_ids() -> None:
    """An id table grown past its first slots: the rehash kernel (the warm-up ledger is too
    small to grow one, and the first large batch a server took paid for loading it)."""
    from arledger.engine.ids import IdSet

    ids = IdSet(("warm",))
    ids["warm"].add("w1")
    ids.reserve("warm", 1024, 4096)
    assert ids["warm"].find("w1") == 0, "an id was lost when its table grew"
