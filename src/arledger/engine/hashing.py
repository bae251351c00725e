"""XXH64 over byte ranges, compiled: the hash of every id table and of request payloads.

One 64-bit hash serves both: ids in the open-addressing tables (engine/ids.py), verified
byte for byte on a match, and the canonical payload hash that tells a retried command
(same request id, same payload) from a reused request id. XXH64 is a published algorithm
(Collet, xxHash) with reference vectors; tests compare this one with the `xxhash` library.
"""

from __future__ import annotations

import numpy as np

from arledger.engine.jit import kernel

_U = np.uint64
P1 = _U(11400714785074694791)
P2 = _U(14029467366897019727)
P3 = _U(1609587929392839161)
P4 = _U(9650029242287828579)
P5 = _U(2870177450012600261)


@kernel
def _rotl(x, r):
    return (x << _U(r)) | (x >> _U(64 - r))


@kernel
def _read64(buf, p):
    v = _U(0)
    for k in range(8):
        v |= _U(buf[p + k]) << _U(8 * k)
    return v


@kernel
def _read32(buf, p):
    v = _U(0)
    for k in range(4):
        v |= _U(buf[p + k]) << _U(8 * k)
    return v


@kernel
def _round(acc, lane):
    acc = acc + lane * P2
    acc = _rotl(acc, 31)
    return acc * P1


@kernel
def _merge(acc, v):
    acc ^= _round(_U(0), v)
    return acc * P1 + P4


@kernel
def xxh64(buf, start, end, seed):
    """XXH64 of buf[start:end] (a uint8 array) with a uint64 seed."""
    p = start
    n = end - start
    if n >= 32:
        v1 = seed + P1 + P2
        v2 = seed + P2
        v3 = seed
        v4 = seed - P1
        while p + 32 <= end:
            v1 = _round(v1, _read64(buf, p))
            v2 = _round(v2, _read64(buf, p + 8))
            v3 = _round(v3, _read64(buf, p + 16))
            v4 = _round(v4, _read64(buf, p + 24))
            p += 32
        h = _rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)
        h = _merge(h, v1)
        h = _merge(h, v2)
        h = _merge(h, v3)
        h = _merge(h, v4)
    else:
        h = seed + P5
    h = h + _U(n)
    while p + 8 <= end:
        h ^= _round(_U(0), _read64(buf, p))
        h = _rotl(h, 27) * P1 + P4
        p += 8
    if p + 4 <= end:
        h ^= _read32(buf, p) * P1
        h = _rotl(h, 23) * P2 + P3
        p += 4
    while p < end:
        h ^= _U(buf[p]) * P5
        h = _rotl(h, 11) * P1
        p += 1
    h ^= h >> _U(33)
    h = h * P2
    h ^= h >> _U(29)
    h = h * P3
    h ^= h >> _U(32)
    return h


@kernel
def xxh64_many(buf, starts, ends, seed, out):
    for i in range(len(starts)):
        out[i] = xxh64(buf, starts[i], ends[i], seed)


def hash_bytes(data: bytes, seed: int = 0) -> int:
    """XXH64 of a bytes object (Python callers: one id, one payload)."""
    buf = np.frombuffer(data, dtype=np.uint8) if data else np.zeros(1, np.uint8)
    return int(xxh64(buf, 0, len(data), _U(seed)))
