"""Stream pre-serialised ColumnarBatch messages over a bidi method; print the seconds.

    python bench/_columnar_client.py HOST:PORT /pkg.Service/Method FILE

FILE holds length-prefixed (u32 little-endian) serialised ColumnarBatch messages, as the
SDK's `ColumnarBatch.message()` builds them. The bytes go out as they are (identity
serializer) and each answer is read as it comes; the time runs from the first batch sent
to the last answer received (every answer is an acknowledgement of a durable batch).
"""

import json
import sys
import time

import grpc
from _stream_client import batches


def main() -> None:
    target, method, path = sys.argv[1:4]
    msgs = batches(path)
    ch = grpc.insecure_channel(target, options=[("grpc.max_send_message_length", 64 << 20),
                                                ("grpc.max_receive_message_length", 64 << 20)])
    grpc.channel_ready_future(ch).result(timeout=10)
    call = ch.stream_stream(method, request_serializer=lambda b: b,
                            response_deserializer=lambda b: b)
    t0, w0 = time.perf_counter(), time.time()
    answers = [r for r in call(iter(msgs), timeout=3600)]
    out = {"seconds": time.perf_counter() - t0, "batches": len(msgs), "answers": len(answers),
           "start_epoch": w0, "end_epoch": time.time()}
    if method.startswith("/arledger."):  # what was accepted and refused
        from arledger.v1 import columnar_pb2
        res = [columnar_pb2.ColumnarResult.FromString(a) for a in answers]
        out.update(accepted=sum(r.accepted for r in res), rejected=sum(r.rejected for r in res),
                   duplicates=sum(r.duplicates for r in res))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
