"""Retry policy: which failures are sent again, and how long to wait between attempts.

A retry resends the *same* request object, so a command keeps its request id and
the server's idempotency (same id + same payload -> the original result, nothing
written twice) makes resending safe even when the first attempt was applied.

Retried: UNAVAILABLE (server down, store failure, shutting down) and
DEADLINE_EXCEEDED (no answer in time; maybe applied, maybe not).
Not retried: every refusal (INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS,
FAILED_PRECONDITION, ABORTED) - it would be refused again - and RESOURCE_EXHAUSTED:
the server sends no quota or back-pressure status, so the only source is gRPC's
message-size limit, which an identical resend hits again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import grpc

from arledger_client.errors import from_rpc_error

T = TypeVar("T")

RETRYABLE_CODES: frozenset[grpc.StatusCode] = frozenset(
    {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


def is_retryable(err: BaseException) -> bool:
    """True for a gRPC error whose code is in RETRYABLE_CODES."""
    code = getattr(err, "code", None)
    return isinstance(err, grpc.RpcError) and callable(code) and code() in RETRYABLE_CODES


def backoff_delay(attempt: int, backoff_s: float, max_backoff_s: float = 2.0,
                  rng: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry number `attempt` (1-based).

    Exponential (backoff_s * 2**(attempt-1)), capped at max_backoff_s, times a
    jitter factor in [0.5, 1.5) so many clients do not retry in step.
    """
    base = min(max_backoff_s, backoff_s * (2.0 ** (attempt - 1)))
    return base * (0.5 + rng())


def call_with_retries(fn: Callable[[], T], retries: int, backoff_s: float = 0.05,
                      sleep: Callable[[float], None] = time.sleep, *,
                      max_backoff_s: float = 2.0,
                      rng: Callable[[], float] = random.random) -> T:
    """Call fn(); on a retryable gRPC error call it again, up to `retries` more times.

    fn must send the same request each time (that is what makes it safe). Any gRPC
    error that is not retried, or the last one, is raised as a typed ArledgerError.
    """
    attempt = 0
    while True:
        try:
            return fn()
        except grpc.RpcError as e:
            if not is_retryable(e) or attempt >= retries:
                raise from_rpc_error(e) from None
        attempt += 1
        sleep(backoff_delay(attempt, backoff_s, max_backoff_s, rng))


__all__ = ["RETRYABLE_CODES", "is_retryable", "backoff_delay", "call_with_retries"]
