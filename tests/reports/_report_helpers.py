"""Helpers for the report tests: commands from dicts, day numbers, checked submits."""

import datetime as dt
import itertools

from google.protobuf import json_format

from arledger.v1 import commands_pb2 as pb

T0_US = 1_790_000_000_000_000
_rids = itertools.count(1)


def cmd(kind: str, **fields) -> pb.Command:
    """A Command from protobuf's JSON mapping, with a fresh request id."""
    return json_format.ParseDict({kind: {"requestId": f"r-{next(_rids)}", **fields}},
                                 pb.Command())


def day(iso: str) -> int:
    return (dt.date.fromisoformat(iso) - dt.date(1970, 1, 1)).days


def submit_ok(ledger, *commands) -> None:  # type: ignore[no-untyped-def]
    """Submit commands as one segment; every one must be accepted."""
    outs = ledger.submit(list(commands))
    bad = [(o.request_id, o.error.reason) for o in outs if o.status == "REJECTED"]
    assert not bad, bad


def snapshot(S, as_of: int, known_seq: int, edges=(30, 60, 90, 120)) -> dict:  # type: ignore[no-untyped-def]
    """Every report of arledger.projections.reports as plain data, for comparisons."""
    from arledger.projections import reports as R
    from arledger.projections import views
    a = views.customer_aging(S, as_of, known_seq, edges)
    out = {"aging": {k: getattr(a, k).tolist() for k in
                     ("customers", "currency", "buckets", "unapplied", "disputed", "balance",
                      "count")},
           "items": R.aging_items(S, as_of, known_seq, edges),
           "kpis": R.kpis(S, as_of - 120, as_of, known_seq),
           "kpis_avg": R.kpis(S, as_of - 45, as_of, known_seq, cei_variant="monthly_average",
                              cei_months=2),
           "exceptions": R.exceptions(S, as_of, known_seq, past_due_days=10, unapplied_days=5,
                                      dispute_days=3, changes_from_day=as_of - 60),
           "statements": [R.statement(S, c, as_of - 40, as_of, known_seq, edges)
                          for c in range(S.customers.n)]}
    return out
