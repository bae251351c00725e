"""Limits that keep the server up: 1,000 idle streams, the idle timeout, malformed
stream messages, and the stream cap."""

from __future__ import annotations

import asyncio
import threading
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from arledger.server.runtime import ServerSettings
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb
from arledger.v1 import ledger_pb2_grpc as lgrpc
from arledger_client.errors import from_rpc_error
from security_helpers import start, stop

IDLE_STREAMS = 1000


def _hold_idle_streams(target: str, n: int, channels: int, opened: threading.Event,
                       results: list, done: threading.Event) -> None:
    """Open `n` SubmitBatchStream calls over `channels` connections and send nothing;
    record how each ends."""
    async def main() -> None:
        chans = [grpc.aio.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])
                 for _ in range(channels)]  # one connection each
        calls = [lgrpc.LedgerServiceStub(chans[i % channels]).SubmitBatchStream()
                 for i in range(n)]
        await asyncio.gather(*(c.wait_for_connection() for c in calls))
        opened.set()

        async def end(c) -> str:  # type: ignore[no-untyped-def]
            try:
                await c
                return "OK"
            except grpc.aio.AioRpcError as e:
                return f"{e.code().name}:{(e.details() or '').split(':')[0]}"
        results.extend(await asyncio.gather(*(end(c) for c in calls)))
        for ch in chans:
            await ch.close()
    asyncio.run(main())
    done.set()


def test_a_thousand_idle_streams_leave_health_and_queries_answering(tmp_path):
    idle_s = 4.0
    s = start(tmp_path, ServerSettings(max_workers=8, max_streams=4,
                                       stream_idle_timeout_s=idle_s))
    try:
        ch = grpc.insecure_channel(s.target)
        led, q = lgrpc.LedgerServiceStub(ch), lgrpc.QueryServiceStub(ch)
        health = health_pb2_grpc.HealthStub(ch)
        led.OpenCustomer(cpb.OpenCustomerRequest(
            request_id="o", customer_id="ACME", name="A", currency="EUR",
            opened_date="2026-01-01"))
        opened, done, results = threading.Event(), threading.Event(), []
        t0 = time.monotonic()
        threading.Thread(target=_hold_idle_streams, args=(s.target, IDLE_STREAMS, 10, opened,
                                                          results, done), daemon=True).start()
        assert opened.wait(30), "the client could not open its streams"
        worst = 0.0
        answered = 0
        # While the streams are open (and until the idle timeout ends the admitted ones),
        # health and a query answer, each in well under a second.
        while time.monotonic() - t0 < idle_s - 0.5:
            a = time.monotonic()
            assert health.Check(health_pb2.HealthCheckRequest(), timeout=2).status == \
                health_pb2.HealthCheckResponse.SERVING
            assert q.GetBalance(lpb.GetBalanceRequest(customer_id="ACME", as_of="2026-02-01"),
                                timeout=2).customer_id == "ACME"
            worst = max(worst, time.monotonic() - a)
            answered += 1
            time.sleep(0.05)
        assert answered >= 10 and worst < 1.0, (answered, worst)
        assert done.wait(idle_s + 10), "idle streams were never ended"
        ended = time.monotonic() - t0
        kinds: dict[str, int] = {}
        for r in results:
            kinds[r] = kinds.get(r, 0) + 1
        held = kinds.get("DEADLINE_EXCEEDED:STREAM_IDLE_TIMEOUT", 0)
        refused = sum(v for k, v in kinds.items() if k.startswith("RESOURCE_EXHAUSTED"))
        refused += sum(v for k, v in kinds.items() if "RST_STREAM" in k)  # HTTP/2 refusal
        assert len(results) == IDLE_STREAMS and held + refused == IDLE_STREAMS, kinds
        assert 1 <= held <= 4, kinds  # at most max_streams were admitted and held
        print(f"\n{IDLE_STREAMS} idle streams: {kinds}; health+query answered {answered} "
              f"times, worst {worst * 1000:.0f} ms; all ended after {ended:.1f} s")
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=2).status == \
            health_pb2.HealthCheckResponse.SERVING
        ch.close()
    finally:
        stop(s)


def test_a_stream_waiting_on_its_client_is_cancelled_after_the_idle_timeout(tmp_path):
    s = start(tmp_path, ServerSettings(stream_idle_timeout_s=0.5))
    try:
        ch = grpc.insecure_channel(s.target)
        gate = threading.Event()

        def batches():  # type: ignore[no-untyped-def]
            yield cpb.Batch(commands=[cpb.Command(open_customer=cpb.OpenCustomerRequest(
                request_id="o", customer_id="A", name="A", currency="EUR",
                opened_date="2026-01-01"))])
            gate.wait(10)  # then nothing for longer than the idle timeout
        t0 = time.monotonic()
        with pytest.raises(grpc.RpcError) as e:
            lgrpc.LedgerServiceStub(ch).SubmitBatchStream(batches(), timeout=10)
        gate.set()
        assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert "STREAM_IDLE_TIMEOUT" in e.value.details()
        assert time.monotonic() - t0 < 3
        # The batch it had sent was decided: idle time never cancels the server's own work.
        assert s.ledger.state.customers.n == 1
        ch.close()
    finally:
        stop(s)


def test_streams_beyond_the_cap_are_refused_at_once(tmp_path):
    s = start(tmp_path, ServerSettings(max_workers=4, max_streams=1,
                                       stream_idle_timeout_s=30))
    try:
        ch = grpc.insecure_channel(s.target)
        stub = lgrpc.LedgerServiceStub(ch)
        hold = threading.Event()

        def idle():  # type: ignore[no-untyped-def]
            hold.wait(10)
            return
            yield
        first = stub.SubmitBatchStream.future(idle())
        time.sleep(0.3)
        with pytest.raises(grpc.RpcError) as e:
            stub.SubmitBatchStream(iter(()), timeout=5)
        err = from_rpc_error(e.value)
        assert (err.code, err.reason) == ("RESOURCE_EXHAUSTED", "TOO_MANY_STREAMS")
        hold.set()
        assert first.result(timeout=5).batches == 0
        assert stub.SubmitBatchStream(iter(()), timeout=5).batches == 0  # a slot again
        ch.close()
    finally:
        stop(s)


@pytest.mark.parametrize("method", ["/arledger.v1.LedgerService/SubmitBatchStream",
                                    "/arledger.v1.LedgerService/OpenCustomer",
                                    "/arledger.v1.ReportService/GetKpis"])
def test_a_request_that_does_not_decode_is_invalid_argument_and_frees_its_thread(tmp_path,
                                                                                 method):
    s = start(tmp_path, ServerSettings(max_workers=2, max_streams=1))
    try:
        ch = grpc.insecure_channel(s.target)
        garbage = b"\xff\xff\xff\xff\x0f"
        for _ in range(5):  # more than the pool: each call must give its thread back
            with pytest.raises(grpc.RpcError) as e:
                if "Stream" in method:
                    ch.stream_unary(method)(iter([garbage, garbage]), timeout=5)
                elif "Kpis" in method:
                    list(ch.unary_stream(method)(garbage, timeout=5))
                else:
                    ch.unary_unary(method)(garbage, timeout=5)
            err = from_rpc_error(e.value)
            assert (err.code, err.reason) == ("INVALID_ARGUMENT", "MALFORMED_MESSAGE")
        health = health_pb2_grpc.HealthStub(ch)
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=2).status == 1
        ch.close()
    finally:
        stop(s)


def test_refusals_never_leak_calls_on_a_connection(tmp_path):
    """A refusal whose error object a handler frame kept (RunDunning raising its
    Outcome's error) used to form a cycle that kept the call and its HTTP/2 stream alive
    until a rare cyclic GC: after 128 on one connection, every new call was refused."""
    s = start(tmp_path, ServerSettings())
    try:
        ch = grpc.insecure_channel(s.target, options=[("grpc.use_local_subchannel_pool", 1)])
        stub = lgrpc.LedgerServiceStub(ch)
        codes = set()
        for _ in range(300):
            try:
                stub.RunDunning(cpb.RunDunningRequest(), timeout=5)
            except grpc.RpcError as e:
                codes.add(e.code().name)
        assert codes == {"INVALID_ARGUMENT"}
        ch.close()
    finally:
        stop(s)
