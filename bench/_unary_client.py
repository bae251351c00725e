"""Client process for bench/unary_commands.py: C callers, each a thread making blocking
unary IssueInvoice calls one after another; prints calls/s and latency percentiles.

    python bench/_unary_client.py HOST:PORT CALLERS CALLS_PER_CALLER RUN_TAG CUSTOMERS

Requests are serialised before the clock starts (identity serializer), so the client spends
its time on the calls. Each call has its own request id and invoice number.
"""

import json
import sys
import threading
import time

import grpc

from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb

METHOD = "/arledger.v1.LedgerService/IssueInvoice"


def main() -> None:
    target, callers, per, tag, customers = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                                            sys.argv[4], int(sys.argv[5]))
    reqs = [[cpb.IssueInvoiceRequest(
        request_id=f"{tag}-{c}-{k}", invoice_id=f"{tag}-I{c}-{k}",
        customer_id=f"C{(c * per + k) % customers}", issue_date="2026-03-01",
        amount_minor=1000 + k).SerializeToString() for k in range(per)] for c in range(callers)]
    ch = grpc.insecure_channel(target)
    grpc.channel_ready_future(ch).result(timeout=30)
    call = ch.unary_unary(METHOD, request_serializer=lambda b: b,
                          response_deserializer=lambda b: b)
    lat: list[list[float]] = [[] for _ in range(callers)]
    bad: list[int] = [0] * callers
    start = threading.Barrier(callers + 1)

    def caller(c: int) -> None:
        mine, out = reqs[c], lat[c]
        start.wait()
        for r in mine:
            t = time.perf_counter()
            try:
                resp = call(r, timeout=60)
                if lpb.CommandResult.FromString(resp).status != lpb.ACCEPTED:
                    bad[c] += 1
            except grpc.RpcError:
                bad[c] += 1
            out.append(time.perf_counter() - t)

    threads = [threading.Thread(target=caller, args=(c,)) for c in range(callers)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    dt = time.perf_counter() - t0
    all_lat = sorted(x for xs in lat for x in xs)
    n = len(all_lat)
    print(json.dumps({"calls": n, "seconds": dt, "calls_per_s": n / dt, "not_accepted": sum(bad),
                      "p50_ms": all_lat[n // 2] * 1000,
                      "p99_ms": all_lat[min(n - 1, int(n * 0.99))] * 1000}))


if __name__ == "__main__":
    main()
