"""A bounded fuzz run over every RPC: random bytes, mutated encodings and messages whose
every field holds a hostile value. No answer may be UNKNOWN or INTERNAL (a Python
exception reaching the client), none may take the server down, and the log must still
verify. Seeded (ARLEDGER_FUZZ_SEED) and bounded in time (ARLEDGER_FUZZ_SECONDS, default 30).
"""

from __future__ import annotations

import math
import os
import random
import time

import grpc
from google.protobuf import descriptor as D
from google.protobuf import message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc

from arledger.server.runtime import ServerSettings
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2_grpc as lgrpc
from security_helpers import call, served_methods, start, stop

SECONDS = float(os.environ.get("ARLEDGER_FUZZ_SECONDS", "30"))
SEED = int(os.environ.get("ARLEDGER_FUZZ_SEED", "0")) or random.SystemRandom().randrange(1 << 30)

STRINGS = ["", "A", "ACME", "INV-1", "PAY-1", "EUR", "XXX", "eur", "2026-01-05", "2026-02-30",
           "2026-01-1 ", "٢٠٢٦-٠١-٠١", "9999-12-31", "1969-12-31", "0000-00-00", "ACME\n",
           "\x00", "a\x00b", "\n", "\t ", " ", "../../etc/passwd", "'; DROP TABLE x; --",
           "{\"version\": \"v\", \"features\": []}", "{", "[]", "null", "NaN", "1e999",
           "🧾" * 50, "x" * 300, "y" * 70_000, "%s%n", "default-v1", "0/1", "current",
           "61-90", "unapplied", "1", "-1", "CustomerOpened", "InvoiceIssued"]
INTS = [0, 1, -1, 2, 7, 30, 255, 366, 10_000, 2**31 - 1, -2**31, 2**32 - 1, 2**53, 2**63 - 1,
        -2**63, 10**15, 10**15 + 1, 10**18]
FLOATS = [0.0, -0.0, 0.5, 1.0, -1.0, 1e308, -1e308, math.nan, math.inf, -math.inf, 1e-300]

_INT_RANGE = {D.FieldDescriptor.TYPE_INT32: (-2**31, 2**31 - 1),
              D.FieldDescriptor.TYPE_SINT32: (-2**31, 2**31 - 1),
              D.FieldDescriptor.TYPE_SFIXED32: (-2**31, 2**31 - 1),
              D.FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
              D.FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
              D.FieldDescriptor.TYPE_INT64: (-2**63, 2**63 - 1),
              D.FieldDescriptor.TYPE_SINT64: (-2**63, 2**63 - 1),
              D.FieldDescriptor.TYPE_SFIXED64: (-2**63, 2**63 - 1),
              D.FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
              D.FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1)}


def value(rng: random.Random, f: D.FieldDescriptor, depth: int):  # type: ignore[no-untyped-def]
    t = f.type
    if t == D.FieldDescriptor.TYPE_STRING:
        return rng.choice(STRINGS)
    if t == D.FieldDescriptor.TYPE_BYTES:
        return rng.choice([b"", os.urandom(rng.randrange(1, 80)), b"\x00" * 32])
    if t == D.FieldDescriptor.TYPE_BOOL:
        return rng.random() < 0.5
    if t in (D.FieldDescriptor.TYPE_DOUBLE, D.FieldDescriptor.TYPE_FLOAT):
        return rng.choice(FLOATS)
    if t == D.FieldDescriptor.TYPE_ENUM:
        vals = [v.number for v in f.enum_type.values]
        return rng.choice(vals + [max(vals) + 1, 999, -1])
    if t in _INT_RANGE:
        lo, hi = _INT_RANGE[t]
        return min(max(rng.choice(INTS), lo), hi)
    raise AssertionError(f"unhandled type {t}")


def hostile(rng: random.Random, desc: D.Descriptor, depth: int = 0):  # type: ignore[no-untyped-def]
    msg = message_factory.GetMessageClass(desc)()
    if desc.full_name == "google.protobuf.Struct":
        return msg
    oneofs_done: set[str] = set()
    for f in desc.fields:
        if rng.random() < 0.25:
            continue  # leave some fields unset: defaults are hostile too
        if f.containing_oneof is not None:
            if f.containing_oneof.name in oneofs_done or rng.random() < 0.5:
                continue
            oneofs_done.add(f.containing_oneof.name)
        is_map = f.message_type is not None and f.message_type.GetOptions().map_entry
        repeated = f.is_repeated if hasattr(f, "is_repeated") else f.label == f.LABEL_REPEATED
        if f.type == D.FieldDescriptor.TYPE_MESSAGE:
            if depth >= 3:
                continue
            if is_map:
                kf, vf = f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]
                m = getattr(msg, f.name)
                for _ in range(rng.randrange(0, 3)):
                    k = value(rng, kf, depth)
                    if vf.type == D.FieldDescriptor.TYPE_MESSAGE:
                        m[k].CopyFrom(hostile(rng, vf.message_type, depth + 1))
                    else:
                        m[k] = value(rng, vf, depth)
            elif repeated:
                for _ in range(rng.choice([0, 1, 2, 5])):
                    getattr(msg, f.name).add().CopyFrom(hostile(rng, f.message_type, depth + 1))
            else:
                getattr(msg, f.name).CopyFrom(hostile(rng, f.message_type, depth + 1))
        elif repeated:
            n = rng.choice([0, 1, 2, 5, 200])
            getattr(msg, f.name).extend(value(rng, f, depth) for _ in range(n))
        else:
            setattr(msg, f.name, value(rng, f, depth))
    return msg


def mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data or b"\x00")
    for _ in range(rng.randrange(1, 6)):
        op = rng.randrange(4)
        i = rng.randrange(len(b)) if b else 0
        if op == 0 and b:
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[i:i] = os.urandom(rng.randrange(1, 8))
        elif op == 2 and b:
            del b[i:i + rng.randrange(1, 8)]
        else:
            b = b[:rng.randrange(len(b) + 1)]
    return bytes(b)


def test_no_rpc_answers_unknown_or_internal_to_hostile_input(tmp_path):
    s = start(tmp_path, ServerSettings(max_workers=8, stream_idle_timeout_s=10))
    rng = random.Random(SEED)
    ch = grpc.insecure_channel(s.target, options=[("grpc.max_send_message_length", 64 << 20)])
    try:
        led = lgrpc.LedgerServiceStub(ch)
        led.OpenCustomer(cpb.OpenCustomerRequest(request_id="seed-o", customer_id="ACME",
                                                 name="Acme", currency="EUR",
                                                 opened_date="2026-01-01"))
        led.IssueInvoice(cpb.IssueInvoiceRequest(request_id="seed-i", invoice_id="INV-1",
                                                 customer_id="ACME", issue_date="2026-01-05",
                                                 amount_minor=1000))
        led.RecordPayment(cpb.RecordPaymentRequest(request_id="seed-p", payment_id="PAY-1",
                                                   customer_id="ACME", amount_minor=400,
                                                   currency="EUR", value_date="2026-01-20",
                                                   method=cpb.BANK_TRANSFER))
        methods = [(p, m) for p, m in served_methods(s.target) if "Health/Watch" not in p]
        per_method = SECONDS / len(methods)
        failures: list[str] = []
        cases = 0
        by_code: dict[str, int] = {}
        unavailable: dict[str, int] = {}
        for path, m in methods:
            end = time.monotonic() + per_method
            while time.monotonic() < end:
                kind = rng.randrange(10)
                n = rng.choice([1, 1, 2, 3]) if m.client_streaming else 1
                try:
                    if kind < 2:  # random bytes
                        reqs = [os.urandom(rng.randrange(0, 64)) for _ in range(n)]
                        raw = True
                    elif kind < 4:  # a hostile message, mutated on the wire
                        reqs = [mutate(rng, hostile(rng, m.input_type).SerializeToString())
                                for _ in range(n)]
                        raw = True
                    else:
                        reqs = [hostile(rng, m.input_type) for _ in range(n)]
                        raw = False
                except ValueError:
                    continue  # a value protobuf itself refuses to encode
                t0 = time.monotonic()
                code, reason, _ = call(ch, path, m, requests=reqs, raw=raw, timeout=15)
                took = time.monotonic() - t0
                cases += 1
                by_code[code] = by_code.get(code, 0) + 1
                if code == "UNAVAILABLE":
                    unavailable[path] = unavailable.get(path, 0) + 1
                if code in ("UNKNOWN", "INTERNAL") or code == "DEADLINE_EXCEEDED":
                    shown = [r if raw else str(r)[:300] for r in reqs]
                    failures.append(f"{path}: {code} {reason} after {took:.1f}s on {shown!r}")
        print(f"\nfuzz: {cases} cases over {len(methods)} RPCs in {SECONDS:g} s (seed {SEED}): "
              f"{dict(sorted(by_code.items()))}")
        print("\n".join(failures[:30]))
        print("UNAVAILABLE by RPC:", unavailable)
        health = health_pb2_grpc.HealthStub(ch)
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == 1
        assert s.ledger.verify().ok
        assert not failures, f"seed {SEED}:\n" + "\n".join(failures[:20])
        assert cases >= 10 * len(methods)
    finally:
        ch.close()
        stop(s)
