"""Raw gRPC calls for the commands not yet moved onto the SDK (reports, risk, valuation,
bank): the generated stubs over the channel `connect` makes, protobuf messages as plain
data. Each use is a call the SDK should answer instead; this module goes when they do."""

from __future__ import annotations

import argparse
from typing import Any

import grpc
from google.protobuf import descriptor, json_format

from arledger.cli import connect
from arledger_client import from_rpc_error

_INT64 = {descriptor.FieldDescriptor.TYPE_INT64, descriptor.FieldDescriptor.TYPE_UINT64}


def call(args: argparse.Namespace, stub_class: Any, method: str, request: Any) -> Any:
    stub = stub_class(connect.channel(args))
    try:
        return getattr(stub, method)(request, timeout=args.timeout)
    except grpc.RpcError as e:
        raise from_rpc_error(e) from None


def stream(args: argparse.Namespace, stub_class: Any, method: str, request: Any) -> list:
    stub = stub_class(connect.channel(args))
    try:
        return list(getattr(stub, method)(request, timeout=args.timeout))
    except grpc.RpcError as e:
        raise from_rpc_error(e) from None


def data(msg: Any) -> dict:
    """A message as plain JSON-able data, 64-bit integers as ints (not JSON strings)."""
    return _ints(msg, json_format.MessageToDict(msg, preserving_proto_field_name=True,
                                                always_print_fields_with_no_presence=True))


def _ints(msg: Any, value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)  # Struct numbers (log fields) are exact integers by the limits
    if isinstance(value, list):
        return [_ints(None, x) if msg is None else x for x in value]
    if not isinstance(value, dict) or msg is None or not hasattr(msg, "DESCRIPTOR"):
        return {k: _ints(None, v) for k, v in value.items()} if isinstance(value, dict) \
            else value
    out = {}
    order = {f.name: i for i, f in enumerate(msg.DESCRIPTOR.fields)}
    for k, v in sorted(value.items(), key=lambda kv: order.get(kv[0], len(order))):
        out[k] = _field(msg, k, v)
    return out


def _field(msg: Any, k: str, v: Any) -> Any:
    f = msg.DESCRIPTOR.fields_by_name.get(k)
    if f is None:
        return v
    if f.type in _INT64:
        return [int(x) for x in v] if isinstance(v, list) else int(v)
    if f.message_type is not None and f.message_type.full_name == "google.protobuf.Struct":
        return _ints(None, v)
    if f.message_type is not None:
        sub = getattr(msg, k)
        return [_ints(m, x) for m, x in zip(sub, v)] if isinstance(v, list) else _ints(sub, v)
    return v


def timestamp(text: str | None) -> Any:
    """--known-at as a protobuf Timestamp (None when not given)."""
    from google.protobuf import timestamp_pb2

    from arledger.cli.args import UsageError, known_at
    if not text:
        return None
    try:
        t = known_at(text)
    except Exception as e:  # argparse.ArgumentTypeError: the flag's message
        raise UsageError("--known-at", str(e)) from None
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(t)
    return ts
