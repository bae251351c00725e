"""Structured logs and Prometheus metrics.

Logs: the `arledger` logger tree, as readable text or JSON lines (`--log-format json`);
every record's `extra` fields become keys. Secrets never reach a line: keys named like a
secret are dropped, and a password in a URL or a bearer token in any string is masked.

Metrics: one registry per server (a process may run several in tests), served over HTTP
by prometheus-client (`--metrics-listen`). Names and labels are listed in
docs/deployment.md.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import struct
import sys
import time
from collections import Counter as _Tally
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_SECRET_KEYS = re.compile(r"(?i)(authorization|token|password|passwd|secret|api_?key|"
                          r"private|credential)")
_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]*@")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_API_KEY = re.compile(r"arl_[A-Za-z0-9_-]{8,}")


def scrub(text: str) -> str:
    """`text` with URL passwords, bearer tokens and API keys masked."""
    text = _URL_PASSWORD.sub(r"\1***@", text)
    text = _BEARER.sub(r"\1***", text)
    return _API_KEY.sub("arl_***", text)


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    out = {}
    for k, v in vars(record).items():
        if k in _STANDARD or k.startswith("_"):
            continue
        if _SECRET_KEYS.search(k):
            continue  # never logged, whatever its value
        out[k] = scrub(v) if isinstance(v, str) else v
    return out


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC, ISO 8601), level, logger, msg, then the extras."""

    def format(self, record: logging.LogRecord) -> str:
        d = {"ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc)
             .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
             "level": record.levelname.lower(), "logger": record.name,
             "msg": scrub(record.getMessage())}
        d.update(_fields(record))
        if record.exc_info:
            d["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(d, default=str, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """`arledger: msg key=value ...`, the form the server printed before."""

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        line = f"arledger: {scrub(record.getMessage())}" + (f" ({extras})" if extras else "")
        if record.exc_info:
            line += "\n" + scrub(self.formatException(record.exc_info))
        return line


def setup_logging(fmt: str = "text", level: str = "info", stream: Any = None) -> None:
    """Send the `arledger` loggers to `stream` (stderr) as text or JSON lines."""
    if fmt not in ("text", "json"):
        raise ValueError("log format is text or json")
    root = logging.getLogger("arledger")
    for h in list(root.handlers):
        if getattr(h, "_arledger", False):
            root.removeHandler(h)
    h = logging.StreamHandler(stream or sys.stderr)
    h._arledger = True  # type: ignore[attr-defined]
    h.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(h)
    root.setLevel(level.upper())


# ---- metrics ------------------------------------------------------------------------------

_LATENCY = (.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30)
_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768)


class Metrics:
    """The server's metrics, in a registry of its own."""

    def __init__(self, ledger: Any = None) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        r = self.registry = CollectorRegistry()
        self.rpc_seconds = Histogram("arledger_rpc_duration_seconds", "RPC latency by method "
                                     "and status code", ["method", "code"], buckets=_LATENCY,
                                     registry=r)
        self.refusals = Counter("arledger_rpc_refusals", "RPCs refused, by method and reason",
                                ["method", "reason"], registry=r)
        self.commands = Counter("arledger_commands", "Commands decided, by kind and outcome "
                                "(ACCEPTED, DUPLICATE, REJECTED) and rejection reason",
                                ["kind", "outcome", "reason"], registry=r)
        self.batch_commands = Histogram("arledger_batch_commands", "Commands per batch "
                                        "received (SubmitBatch, SubmitColumnar, a stream's batch)",
                                        buckets=_SIZES, registry=r)
        self.group_entries = Histogram("arledger_group_entries", "Entries per group commit "
                                       "(one segment)", buckets=_SIZES, registry=r)
        self.append_seconds = Histogram("arledger_append_duration_seconds", "Durable append of "
                                        "one segment", buckets=_LATENCY, registry=r)
        self.fold_seconds = Histogram("arledger_fold_duration_seconds", "Folding one segment "
                                      "into the views", buckets=_LATENCY, registry=r)
        self.streams = Gauge("arledger_streams_active", "Streaming calls running",
                             registry=r)
        self.serving = Gauge("arledger_serving", "1 while health says SERVING", registry=r)
        self.lease = Gauge("arledger_writer_lease_held", "1 while the writer holds its "
                           "PostgreSQL lease (always 1 on SQLite)", registry=r)
        self.lease.set(1)
        if ledger is not None:
            r.register(_LedgerCollector(ledger))
            self.instrument(ledger)

    def observe_commands(self, commands: Sequence[Any], outcomes: Sequence[Any]) -> None:
        """Count commands by kind and outcome: one counter update per distinct pair."""
        self.observe_tally(_Tally((c.WhichOneof("command") or "none", o.status,
                                   o.error.reason if o.error is not None else "")
                                  for c, o in zip(commands, outcomes)), len(commands))

    def observe_tally(self, tally: Mapping[tuple[str, str, str], int], n: int) -> None:
        """Commands counted by (kind, outcome, reason) already (observe_commands, or
        engine.answers.tally for a batch answered as columns), and the batch's size."""
        for (which, outcome, reason), k in tally.items():
            self.commands.labels(which, outcome, reason).inc(k)
        self.batch_commands.observe(n)

    def instrument(self, ledger: Any) -> None:
        """Time appends (the store's hook) and folds (the state's apply_segment)."""
        store = getattr(ledger, "store", None)
        if store is not None and hasattr(store, "on_append"):
            def appended(blob: bytes, seconds: float) -> None:
                self.append_seconds.observe(seconds)
                n = _segment_count(blob)
                if n is not None:
                    self.group_entries.observe(n)
            store.on_append = appended
        state = getattr(ledger, "state", None)
        fold = getattr(state, "apply_segment", None)
        if fold is not None and not getattr(fold, "_arledger_timed", False):
            hist = self.fold_seconds

            def timed(*a: Any, **kw: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return fold(*a, **kw)
                finally:
                    hist.observe(time.perf_counter() - t0)
            timed._arledger_timed = True  # type: ignore[attr-defined]
            state.apply_segment = timed

    def serve_http(self, address: str) -> Any:
        """Start the /metrics HTTP endpoint on host:port; returns the HTTP server."""
        from prometheus_client import start_http_server
        host, _, port = address.rpartition(":")
        server, _thread = start_http_server(int(port), addr=host.strip("[]") or "127.0.0.1",
                                            registry=self.registry)
        return server


def _segment_count(blob: bytes) -> int | None:
    """The entry count from a segment's JSON header, without decoding the body."""
    try:
        (hlen,) = struct.unpack_from("<I", blob, 6)
        return int(json.loads(blob[10:10 + hlen])["count"])
    except Exception:  # noqa: BLE001 - a metric is never worth a failure
        return None


class _LedgerCollector:
    """Read at scrape time: the log's size and a follower's lag."""

    def __init__(self, ledger: Any) -> None:
        self.ledger = ledger

    def collect(self) -> Iterable[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
        S = self.ledger.state
        yield CounterMetricFamily("arledger_log_entries", "Entries in the log served (ingest "
                                  "events/s = rate of this)", value=S.head_position)
        yield GaugeMetricFamily("arledger_log_segments", "Segments in the log served",
                                value=S.head_seq)
        behind, age_ms = self.ledger.lag()
        yield GaugeMetricFamily("arledger_follower_lag_segments", "Segments the store has "
                                "that this follower has not folded", value=behind)
        yield GaugeMetricFamily("arledger_follower_lag_seconds", "How long the served state "
                                "has been behind the store", value=age_ms / 1000)


__all__ = ["setup_logging", "JsonFormatter", "TextFormatter", "Metrics", "scrub"]
