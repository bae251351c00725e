"""The canonical form of an entry: one JSON record per entry (`entry_lines`), its bytes
(`canonical_bytes`) and its leaf; pure functions of a decoded segment and the read state
(which names the ids an entry's indexes stand for)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable

import numpy as np

from arledger.audit.tree import leaf_hash
from arledger.domain import entries as E
from arledger.engine.segment import Segment
from arledger.engine.state import State

_sha256 = hashlib.sha256


# ---- canonical entries ---------------------------------------------------------------------

def canonical_bytes(record: dict) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


# Index columns that lead to the entry's customer, in the order tried (per row: the first
# that is not -1), and how.
def _owner_lookups(S: State) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    out: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "customer_ix": lambda ix: ix,
        "invoice_ix": lambda ix: S.invoices.customer[ix],
        "payment_ix": lambda ix: S.payments.customer[ix],
        "credit_note_ix": lambda ix: S.credit_notes.customer[ix],
        "dispute_ix": lambda ix: S.invoices.customer[S.disputes.invoice[ix]],
    }
    if hasattr(S, "promises"):
        out["promise_ix"] = lambda ix: S.promises.customer[ix]
    return out


def _ids(S: State, thing: str) -> list[str] | None:
    if thing == "on_invoice":  # an entry that acts on an invoice it does not own
        return S.invoice_ids
    return getattr(S, f"{thing}_ids", None)


# Index columns that name one version of a policy: (key, ids by index, versions by id).
_VERSIONED = {"terms_ix": ("terms", "terms_ids", "terms_versions"),
              "policy_ix": ("policy", "dunning_policy_ids", "dunning_versions")}


def _customers_of(S: State, cols: dict, n: int) -> np.ndarray:
    """Customer index of each row of a type table (-1 when no column leads to one)."""
    cust = np.full(n, -1, dtype=np.int64)
    for c, owner in _owner_lookups(S).items():
        if c not in cols:
            continue
        ix = np.asarray(cols[c], dtype=np.int64)
        m = (cust < 0) & (ix >= 0)
        if m.any():
            cust[m] = owner(ix[m])
    return cust


def _iso_dates(days: np.ndarray) -> list[str]:
    """Day numbers (every one a date) as ISO dates, column-wise."""
    iso: list[str] = days.astype("datetime64[D]").astype(str).tolist()
    return iso


def _iso_days(col) -> list[str | None]:
    """Day numbers as ISO dates, column-wise (-1, "no such date", as None)."""
    days = np.asarray(col, dtype=np.int64)
    iso = _iso_dates(days)
    if (days < 0).any():
        return [None if d < 0 else x for d, x in zip(days.tolist(), iso)]
    return list(iso)


def _versioned(S: State, name: str, col) -> tuple[str, list]:
    """A policy-version index as (id, 1-based version) pairs under the key `<thing>@`, which
    _table_fragments writes as `<thing>_id` and `<thing>_version`."""
    thing, ids_attr, versions_attr = _VERSIONED[name]
    ids, versions = getattr(S, ids_attr, None), getattr(S, versions_attr, None)
    vals = np.asarray(col).tolist()
    if ids is None or versions is None:
        return name, vals
    out: list = []
    for v in vals:
        if v < 0:
            out.append(None)
        else:
            pid = ids[v]
            out.append((pid, versions[pid].index(v) + 1))
    return f"{thing}@", out


def _column_values(S: State, name: str, col, present: set[str]) -> tuple[str, list] | None:
    """(key, values) of one stored column in canonical form, or None to leave it out.

    A value of None (an index column holding -1: "none") leaves the key out of that row.
    """
    if name == "_e":
        return None
    if name.endswith("_ix") and name[:-3] + "_id" in present:
        return None  # the entry creates the thing: its id column says it
    if name in _VERSIONED:
        return _versioned(S, name, col)
    if name.endswith("_ix"):
        thing = name[:-3]
        ids = _ids(S, thing)
        vals = np.asarray(col).tolist()
        if ids is None:  # an entity the canonical form does not know: the index itself
            return name, vals
        return thing + "_id", [ids[v] if v >= 0 else None for v in vals]
    if name.endswith("_day"):
        return name[:-4] + "_date", _iso_days(col)
    if name in E.ENUMS and isinstance(col, np.ndarray):
        names = E.ENUMS[name]
        return name, [names[v] for v in col.tolist()]
    if isinstance(col, np.ndarray):
        return name, col.tolist()
    return name, list(col)


_enc = json.encoder.encode_basestring  # non-ASCII kept as is
_dump = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def _fragments(key: str, values: list) -> list[str | None]:
    """`"key":value` JSON fragments of one column (None where the value is None)."""
    prefix = _enc(key) + ":"
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, str):
        return [None if v is None else prefix + _enc(v) for v in values]
    if isinstance(sample, int) and not isinstance(sample, bool):
        return [None if v is None else prefix + str(v) for v in values]
    return [None if v is None else prefix + _dump(v) for v in values]


def _objects(columns: dict[str, list[str | None]], n: int) -> list[str]:
    """Per row, the JSON object of the fragment columns (keys sorted, None left out)."""
    cols = [columns[k] for k in sorted(columns)]
    if not cols:
        return ["{}"] * n
    if any(None in c for c in cols):
        return ["{" + ",".join([f for f in row if f is not None]) + "}" for row in zip(*cols)]
    return ["{" + ",".join(row) + "}" for row in zip(*cols)]


def _table_fragments(S: State, cols: dict, rename: dict[str, Callable] | None = None
                     ) -> dict[str, list[str | None]]:
    present = set(cols)
    out: dict[str, list[str | None]] = {}
    for name, col in cols.items():
        kv = (rename[name](col) if rename and name in rename
              else _column_values(S, name, col, present))
        if not kv:
            continue
        key, values = kv
        if key.endswith("@"):  # a versioned reference: two keys
            thing = key[:-1]
            out[thing + "_id"] = _fragments(thing + "_id", [None if p is None else p[0]
                                                          for p in values])
            out[thing + "_version"] = _fragments(thing + "_version",
                                                 [None if p is None else p[1] for p in values])
        else:
            out[key] = _fragments(key, values)
    return out


def _children(S: State, t: dict) -> dict[str, dict[int, str]]:
    """The segment's child tables (allocations, lines, ...): per entry, the JSON array of
    its rows, by table name."""
    out: dict[str, dict[int, str]] = {}
    for tname, cols in t.items():
        if tname == E.ENVELOPE or tname in E.BY_NAME or "_e" not in cols:
            continue
        rename = None
        if tname == E.ALLOCATIONS:
            kinds = np.asarray(cols["source_kind"])
            src = np.asarray(cols["source_ix"]).tolist()

            def source(col, kinds=kinds, src=src):
                # the money applied: a payment or a credit note, by source_kind
                return "source_id", [(S.payment_ids if k == E.SOURCE_PAYMENT
                                      else S.credit_note_ids)[i]
                                     for k, i in zip(kinds.tolist(), src)]
            rename = {"source_ix": source}
        es = np.asarray(cols["_e"]).tolist()
        objs = _objects(_table_fragments(S, cols, rename), len(es))
        by_e: dict[int, list[str]] = {}
        for e, o in zip(es, objs):
            by_e.setdefault(e, []).append(o)
        out[tname] = {e: "[" + ",".join(v) + "]" for e, v in by_e.items()}
    return out


def slice_segment(seg: Segment, lo: int, hi: int) -> Segment:
    """The entries lo..hi-1 of a decoded segment as a segment of their own (first position
    and entry indexes shifted, each table cut to the rows those entries own), so that
    rendering a few entries costs only them."""
    if lo == 0 and hi >= seg.count:
        return seg
    t = seg.tables
    env = t[E.ENVELOPE]
    types = np.asarray(env["type"])[lo:hi]
    rows = np.asarray(env["row"])[lo:hi]
    new_rows = np.empty(hi - lo, dtype=np.asarray(env["row"]).dtype)
    out: dict[str, dict] = {E.ENVELOPE: {c: col[lo:hi] for c, col in env.items()}}
    for code in np.unique(types).tolist():
        name = E.BY_CODE[code].name
        sel = np.flatnonzero(types == code)
        take = rows[sel]
        new_rows[sel] = np.arange(len(sel))
        out[name] = {c: _take(col, take) for c, col in t[name].items()}
        out[name]["_e"] = np.asarray(out[name]["_e"]) - lo
    out[E.ENVELOPE]["row"] = new_rows
    for name, cols in t.items():
        if name in out or name in E.BY_NAME or "_e" not in cols:
            continue
        es = np.asarray(cols["_e"])
        take = np.flatnonzero((es >= lo) & (es < hi))
        out[name] = {c: _take(col, take) for c, col in cols.items()}
        out[name]["_e"] = es[take] - lo
    return Segment(seg.seq, seg.first_position + lo, hi - lo, seg.recorded_at_us,
                   seg.prev_hash, out)


def _take(col, ix: np.ndarray):
    """Rows `ix` of a stored column (a numpy array, or a list of strings)."""
    if isinstance(col, np.ndarray):
        return col[ix]
    return [col[i] for i in ix.tolist()]


def entry_lines(S: State, seg: Segment) -> list[str]:
    """The canonical JSON of every entry of a segment, in log order (see module doc).

    `S` must hold the segment already (ids are read from it); ids and an item's customer
    never change once created, so a later state gives the same lines. Built column-wise
    as JSON fragments in sorted key order; equal to `canonical_bytes(record)` for the
    record each line parses to (tested).
    """
    t = seg.tables
    env = t[E.ENVELOPE]
    types = np.asarray(env["type"]).tolist()
    rows = np.asarray(env["row"]).tolist()
    children = _children(S, t)
    fields_by_table: dict[int, list[str]] = {}
    cust_by_table: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for code in set(types):
        et = E.BY_CODE[code]
        cols = t[et.name]
        names[code] = et.name
        frags = _table_fragments(S, cols, None)
        es = np.asarray(cols["_e"]).tolist()
        for child, by_e in children.items():
            if child not in frags:
                frags[child] = [None if (a := by_e.get(e)) is None else f'"{child}":' + a
                                for e in es]
        fields_by_table[code] = _objects(frags, len(es))
        cust_by_table[code] = _customers_of(S, cols, len(es)).tolist()
    customer_ids = S.customer_ids
    days = _iso_dates(np.asarray(env["effective_day"], dtype=np.int64))  # never -1
    # the envelope's keys in sorted order: actor, customer_id, effective_date, fields,
    # position, reason, recorded_at_us, request_id, segment, type
    tail = f',"recorded_at_us":{int(seg.recorded_at_us)},"request_id":'
    seg_part = f',"segment":{int(seg.seq)},"type":"'
    rids, actors, reasons = env["request_id"], env["actor"], env["reason"]
    first = seg.first_position
    out = []
    for e, code in enumerate(types):
        r = rows[e]
        c = cust_by_table[code][r]
        out.append(''.join((
            '{"actor":', _enc(actors[e]), ',"customer_id":',
            _enc(customer_ids[c]) if c >= 0 else '""', ',"effective_date":"', days[e],
            '","fields":', fields_by_table[code][r], ',"position":', str(first + e),
            ',"reason":', _enc(reasons[e]), tail, _enc(rids[e]), seg_part, names[code],
            '"}')))
    return out


def entry_records(S: State, seg: Segment) -> list[dict]:
    """The canonical record of every entry of a segment (the lines, parsed)."""
    return [json.loads(x) for x in entry_lines(S, seg)]


def line_leaves(lines: Iterable[str]) -> list[bytes]:
    return [_sha256(b"\x00" + x.encode("utf-8")).digest() for x in lines]


def entry_leaves(records: Iterable[dict]) -> list[bytes]:
    return [leaf_hash(canonical_bytes(r)) for r in records]
