"""Limits that keep a synchronous gRPC server answering: a cap on concurrent streaming
calls and an idle timeout on streams waiting for their client.

The server is grpc's synchronous one: every running call holds a thread of the pool
(`max_workers`). A streaming call whose client sends (or reads) nothing holds its thread
forever, so 32 such streams used to stop the server, health checks included. Here:

- at most `max_streams` streaming calls (client, server or both) run at once; one more
  is refused at once with TOO_MANY_STREAMS, so at least `max_workers - max_streams`
  threads stay for unary calls (health, queries, commands);
- a streaming call that has waited on its client for `idle_timeout_s` (a request that
  does not come, or a response the client does not read) is cancelled with
  DEADLINE_EXCEEDED; time the server spends working (deciding, folding, building a
  report) never counts as idle;
- grpc's `maximum_concurrent_rpcs` (set by create_server) bounds everything else: calls
  beyond it are refused by grpc before they take a thread.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from arledger.domain.errors import error

log = logging.getLogger("arledger.streams")


@dataclass
class Stream:
    method: str
    context: Any
    started: float = field(default_factory=time.monotonic)
    # monotonic time since which the call waits on its client (0: the server is working)
    waiting_since: float = 0.0
    cancelled: str = ""

    def wait_on_client(self) -> None:
        self.waiting_since = time.monotonic()

    def working(self) -> None:
        self.waiting_since = 0.0


class StreamLimiter:
    def __init__(self, max_streams: int, idle_timeout_s: float) -> None:
        if max_streams < 1:
            raise ValueError("max_streams must be >= 1")
        self.max_streams = max_streams
        self.idle_timeout_s = idle_timeout_s
        self._lock = threading.Lock()
        self._streams: dict[int, Stream] = {}
        self._ids = itertools.count()
        self._stop = threading.Event()
        self._watchdog: threading.Thread | None = None
        self.refused = 0
        self.idle_cancelled = 0

    @property
    def active(self) -> int:
        return len(self._streams)

    def enter(self, method: str, context: Any) -> tuple[int, Stream]:
        """Admit a streaming call or raise TOO_MANY_STREAMS."""
        with self._lock:
            if len(self._streams) >= self.max_streams:
                self.refused += 1
                raise error("TOO_MANY_STREAMS", f"{self.max_streams} streaming calls are "
                            "running; retry later", max_streams=str(self.max_streams))
            sid = next(self._ids)
            s = self._streams[sid] = Stream(method, context)
            if self._watchdog is None and self.idle_timeout_s > 0:
                self._watchdog = threading.Thread(target=self._watch, daemon=True,
                                                  name="arledger-stream-watchdog")
                self._watchdog.start()
        return sid, s

    def leave(self, sid: int) -> None:
        with self._lock:
            self._streams.pop(sid, None)

    def _watch(self) -> None:
        period = min(max(self.idle_timeout_s / 4, 0.05), 1.0)
        while not self._stop.wait(period):
            now = time.monotonic()
            with self._lock:
                idle = [s for s in self._streams.values()
                        if s.waiting_since and now - s.waiting_since >= self.idle_timeout_s
                        and not s.cancelled]
            for s in idle:
                self.idle_cancelled += 1
                cancel(s, str(error("STREAM_IDLE_TIMEOUT", "no message from or to the client "
                                    f"for {self.idle_timeout_s:g} s")), deadline=True)
                log.info("stream cancelled", extra={"event": "stream_idle", "method": s.method,
                                                    "idle_s": round(now - s.waiting_since, 3)})

    def cancel_all(self, message: str) -> int:
        """Cancel every streaming call still running (shutdown after the grace)."""
        with self._lock:
            streams = list(self._streams.values())
        for s in streams:
            cancel(s, message, deadline=False)
        return len(streams)

    def close(self) -> None:
        self._stop.set()


def cancel(s: Stream, message: str, *, deadline: bool) -> None:
    """End a call from another thread: its handler's blocked read or write fails at once.

    grpc's public `context.cancel()` ends it as CANCELLED; the call object underneath
    takes a status and a message, which the client then sees (DEADLINE_EXCEEDED for an
    idle stream, UNAVAILABLE at shutdown)."""
    s.cancelled = message
    try:
        from grpc._cython import cygrpc
        code = (cygrpc.StatusCode.deadline_exceeded if deadline
                else cygrpc.StatusCode.unavailable)
        s.context._rpc_event.call.cancel(code, message)
    except Exception:  # noqa: BLE001 - grpc internals moved: the public way, CANCELLED
        try:
            s.context.cancel()
        except Exception:  # noqa: BLE001 - already finished
            pass


__all__ = ["StreamLimiter", "Stream", "cancel"]
