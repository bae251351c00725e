"""SIGTERM under load with stuck streams: health goes NOT_SERVING first, new calls are
refused with a reason, calls in flight finish, the process exits within the grace, and
nothing acknowledged is lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from arledger.engine import open_ledger
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb
from arledger.v1 import ledger_pb2_grpc as lgrpc
from arledger_client.errors import from_rpc_error

GRACE_S = 3.0


def serve(data: Path, *extra: str) -> tuple[subprocess.Popen, str, list[dict]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "arledger.cli", "serve", "--data-dir", str(data), "--listen",
         "127.0.0.1:0", "--log-format", "json", "--shutdown-grace-s", str(GRACE_S), *extra],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[dict] = []
    ready = threading.Event()
    addr: list[str] = []

    def read() -> None:
        for line in proc.stderr:  # type: ignore[union-attr]
            try:
                d = json.loads(line)
            except ValueError:
                continue
            lines.append(d)
            if d.get("event") == "startup":
                addr.append(d["address"])
                ready.set()
    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(60):
        proc.kill()
        raise AssertionError(f"server did not start: {lines}")
    return proc, addr[0], lines


@pytest.mark.slow
def test_sigterm_drains_in_order_and_exits_within_the_grace_even_with_stuck_streams(tmp_path):
    data = tmp_path / "data"
    proc, target, lines = serve(data)
    ch = grpc.insecure_channel(target)
    led = lgrpc.LedgerServiceStub(ch)
    led.OpenCustomer(cpb.OpenCustomerRequest(request_id="o", customer_id="ACME", name="A",
                                             currency="EUR", opened_date="2026-01-01"))
    acked: list[str] = []
    refusals: dict[str, int] = {}
    stop_load = threading.Event()

    def load(k: int) -> None:
        c = grpc.insecure_channel(target)
        stub = lgrpc.LedgerServiceStub(c)
        n = 0
        while not stop_load.is_set():
            n += 1
            rid = f"i-{k}-{n}"
            try:
                stub.IssueInvoice(cpb.IssueInvoiceRequest(
                    request_id=rid, invoice_id=rid, customer_id="ACME",
                    issue_date="2026-01-05", amount_minor=100), timeout=5)
                acked.append(rid)
            except grpc.RpcError as e:
                r = from_rpc_error(e).reason
                refusals[r] = refusals.get(r, 0) + 1
                if e.code() == grpc.StatusCode.UNAVAILABLE:
                    time.sleep(0.05)
        c.close()
    loaders = [threading.Thread(target=load, args=(k,), daemon=True) for k in range(4)]
    for t in loaders:
        t.start()
    # Stuck streams: one that sent a batch and then nothing, one that never sends, one
    # with a message that does not decode followed by silence.
    hold = threading.Event()

    def stuck(first):  # type: ignore[no-untyped-def]
        if first is not None:
            yield first
        hold.wait(60)

    futures = [led.SubmitBatchStream.future(stuck(cpb.Batch(commands=[cpb.Command(
                   open_customer=cpb.OpenCustomerRequest(request_id="s", customer_id="S",
                                                         name="S", currency="EUR",
                                                         opened_date="2026-01-01"))]))),
               led.SubmitBatchStream.future(stuck(None)),
               ch.stream_unary("/arledger.v1.LedgerService/SubmitBatchStream").future(
                   stuck(b"\xff\xff\xff"))]
    time.sleep(1.0)  # load running, streams open
    assert len(acked) > 0
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    # Health says NOT_SERVING while the grace runs, and new calls are refused with a reason.
    seen_not_serving = refused_with_reason = None
    probe = grpc.insecure_channel(target)
    while time.monotonic() - t0 < GRACE_S - 0.5:
        try:
            st = health_pb2_grpc.HealthStub(probe).Check(health_pb2.HealthCheckRequest(),
                                                         timeout=1).status
            if st == health_pb2.HealthCheckResponse.NOT_SERVING and seen_not_serving is None:
                seen_not_serving = time.monotonic() - t0
        except grpc.RpcError:
            pass
        try:
            lgrpc.QueryServiceStub(probe).GetCustomer(lpb.GetCustomerRequest(customer_id="ACME"),
                                                      timeout=1)
        except grpc.RpcError as e:
            err = from_rpc_error(e)
            if (err.code, err.reason) == ("UNAVAILABLE", "SHUTTING_DOWN"):
                refused_with_reason = True
        if seen_not_serving is not None and refused_with_reason:
            break
        time.sleep(0.02)
    rc = proc.wait(timeout=GRACE_S + 10)
    took = time.monotonic() - t0
    stop_load.set()
    hold.set()
    for t in loaders:
        t.join(10)
    assert seen_not_serving is not None and seen_not_serving < 1.0, seen_not_serving
    assert refused_with_reason
    assert rc == 0
    assert took < GRACE_S + 3, took
    events = [d.get("event") for d in lines]
    assert "shutdown_begin" in events and "shutdown_done" in events
    done = next(d for d in lines if d.get("event") == "shutdown_done")
    assert done["finished_in_grace"] is False and done["streams_cancelled"] >= 2
    for f in futures:
        with pytest.raises(grpc.RpcError):
            f.result(timeout=5)
    # Nothing acknowledged was lost, and the data directory is free again.
    led2 = open_ledger(data)
    try:
        with led2.reading() as S:
            have = set(S.invoice_ix) if hasattr(S, "invoice_ix") else None
        if have is not None:
            assert set(acked) <= have
        else:
            assert led2.state.head_position >= len(acked) + 1
    finally:
        led2.close()
    print(f"\nSIGTERM under load ({len(acked)} invoices acknowledged, refusals {refusals}): "
          f"NOT_SERVING after {seen_not_serving * 1000:.0f} ms, exit after {took:.2f} s "
          f"(grace {GRACE_S:g} s, {done['streams_cancelled']} stuck streams cancelled)")
    ch.close()
    probe.close()


@pytest.mark.slow
def test_sigterm_on_an_idle_server_exits_at_once(tmp_path):
    proc, target, lines = serve(tmp_path / "data")
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    assert time.monotonic() - t0 < 2.0
