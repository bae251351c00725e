"""Stream pre-serialised Batch messages to a client-streaming method; print the seconds.

    python bench/_stream_client.py HOST:PORT /pkg.Service/Method FILE

FILE holds length-prefixed (u32 little-endian) serialised Batch messages. The
bytes go out as they are (identity serializer), so the client costs no protobuf
work and both the bare server and arledger receive exactly the same bytes.
"""

import json
import sys
import time

import grpc


def batches(path):
    with open(path, "rb") as f:
        data = f.read()
    out, off = [], 0
    while off < len(data):
        n = int.from_bytes(data[off:off + 4], "little")
        out.append(data[off + 4:off + 4 + n])
        off += 4 + n
    return out


def main():
    target, method, path = sys.argv[1:4]
    msgs = batches(path)
    ch = grpc.insecure_channel(target, options=[("grpc.max_send_message_length", 64 << 20)])
    grpc.channel_ready_future(ch).result(timeout=10)
    call = ch.stream_unary(method, request_serializer=lambda b: b,
                           response_deserializer=lambda b: b)
    t0, w0 = time.perf_counter(), time.time()
    resp = call(iter(msgs), timeout=3600)
    out = {"seconds": time.perf_counter() - t0, "batches": len(msgs), "start_epoch": w0,
           "end_epoch": time.time()}
    if method.startswith("/arledger."):  # arledger's summary: what was accepted and refused
        from arledger.v1 import ledger_pb2
        summary = ledger_pb2.SubmitBatchStreamResponse.FromString(resp)
        out.update(accepted=summary.accepted, rejected=summary.rejected,
                   duplicates=summary.duplicates)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
