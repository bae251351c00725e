"""Audit: Merkle trees over the log, inclusion and consistency proofs, signed digests,
export and history, and a verifier of stored logs against saved digests.

The log is already a hash chain of segments (engine/segment.py). On top of it:

- **Canonical entry.** Every entry has one canonical JSON record (`entry_lines`): its
  position, segment, recorded time (µs), type, effective date, request id, actor, reason,
  customer id and its stored fields (index columns as the ids they name, `*_day` as ISO
  `*_date`, enum columns by name, child rows as `allocations` / `lines`). Its canonical bytes
  are `json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` in
  UTF-8: exactly one line of `ExportLog` / `arledger audit export` JSONL, so an auditor
  derives them from the export (for arledger's data, integers below 2^53 and ASCII keys,
  this is also RFC 8785 JSON canonicalisation).
- **Two-level Merkle tree (RFC 6962 shape).** Leaf = SHA-256(0x00 || canonical bytes),
  node = SHA-256(0x01 || left || right). Each segment's entries form a tree (its *entries
  root*); the log's tree has one leaf per segment, SHA-256(0x00 || first position (u64, big
  endian) || entry count (u32, big endian) || segment hash (32 bytes) || entries root), and
  is a *sum tree*: each inner node is (SHA-256(0x02 || left entries (u64) || left hash ||
  right entries (u64) || right hash), left entries + right entries). So the root commits to
  the hash chain, to every entry, and to how many entries lie left of each segment: a
  verifier derives a segment's first position from the counts on its path (the entries left
  of it, plus one) and the total from the root, and under one root no two segments can
  claim one position, even if the tree was built by someone who holds the signing key. A
  proof for an entry is its path in its segment's tree plus its segment's path (hashes and
  counts) in the log's tree: log2(n) nodes.
  Roots are computed lazily per segment, from the stored bytes, and cached (a writer also
  saves them beside its key, so a restart only rehashes the log): the writer's hot path is
  untouched and the stored segment format is unchanged.
- **Signed digest.** (log, position, segment, head hash, Merkle root, signed time, key id),
  signed with Ed25519 over ``DIGEST_DOMAIN + canonical JSON of those fields``.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import stat
import struct
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from arledger.domain import entries as E
from arledger.domain.errors import LedgerError, error
from arledger.engine.segment import (GENESIS_HASH, Segment, SegmentFormatError, decode,
                                     decode_header, digest)
from arledger.engine.state import State

DIGEST_DOMAIN = b"arledger-signed-digest-v1\n"
EMPTY_ROOT = hashlib.sha256(b"").digest()
KEY_FILE_NAME = "audit-key.pem"
# A segment's entries tree is kept as the roots of its aligned runs of RUN entries (the
# tree's nodes at level log2(RUN)): a proof renders only its entry's run, not the segment.
RUN = 256
_RUN_LEVEL = RUN.bit_length() - 1
# Decoded segments, and rendered runs (canonical lines and their tree), a server keeps for
# proofs: a batch of proofs in log order decodes each segment and renders each run once.
SEGMENT_CACHE = 16
RUN_CACHE = 64

_sha256 = hashlib.sha256


# ---- RFC 6962 Merkle tree ------------------------------------------------------------------

def leaf_hash(data: bytes) -> bytes:
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


_SEGMENT_LEAF_HEAD = struct.Struct(">QI")  # first position (u64), entry count (u32)
_COUNT = struct.Struct(">Q")  # an inner node's entry counts (u64, big endian)


def segment_leaf(first_position: int, count: int, segment_hash_hex: str,
                 entries_root: bytes) -> bytes:
    """The log tree's leaf for one segment: binds the positions it holds (its first position
    and entry count), its chain hash and its entries' root."""
    return leaf_hash(_SEGMENT_LEAF_HEAD.pack(first_position, count)
                     + bytes.fromhex(segment_hash_hex) + entries_root)


def sum_node(left: tuple[bytes, int], right: tuple[bytes, int]) -> tuple[bytes, int]:
    """An inner node of the log's tree: (hash, entries below). The hash binds both children's
    hashes and entry counts: SHA-256(0x02 || left count (u64, big endian) || left hash ||
    right count || right hash), so the root fixes how many entries lie left of every leaf."""
    (lh, lc), (rh, rc) = left, right
    return (_sha256(b"\x02" + _COUNT.pack(lc) + lh + _COUNT.pack(rc) + rh).digest(), lc + rc)


def tree_levels(leaves: Sequence, combine: Callable = node_hash) -> list[list]:
    """All levels of the RFC 6962-shaped tree over `leaves` (level 0 = the leaves), joined
    by `combine` (node_hash for an entries tree; sum_node for the log's tree, whose leaves
    are (hash, entries) pairs).

    Pairing neighbours bottom-up and carrying an odd last node up unchanged builds the same
    tree as RFC 6962's split at the largest power of two below n.
    """
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        lv = levels[-1]
        nxt = [combine(lv[i], lv[i + 1]) for i in range(0, len(lv) - 1, 2)]
        if len(lv) % 2:
            nxt.append(lv[-1])
        levels.append(nxt)
    return levels


def tree_root(levels: list[list], empty=EMPTY_ROOT):  # type: ignore[no-untyped-def]
    return levels[-1][0] if levels[0] else empty


EMPTY_LOG = (EMPTY_ROOT, 0)  # the log tree of no segments: (hash of nothing, no entries)


def log_tree_levels(leaves: Sequence[tuple[bytes, int]]) -> list[list[tuple[bytes, int]]]:
    """Levels of the log's tree over (segment leaf, entry count) pairs: a sum tree."""
    return tree_levels(leaves, sum_node)


def log_tree_root(levels: list[list[tuple[bytes, int]]]) -> tuple[bytes, int]:
    """(root hash, entries) of the log's tree."""
    return tree_root(levels, EMPTY_LOG)


def inclusion_path(levels: list[list], index: int) -> list:
    """RFC 6962 audit path of leaf `index` (leaf to root)."""
    path = []
    for lv in levels[:-1]:
        sib = index ^ 1
        if sib < len(lv):
            path.append(lv[sib])
        index >>= 1
    return path


def _subtree(levels: list[list], lo: int, hi: int, combine: Callable):  # type: ignore[no-untyped-def]
    """MTH of leaves[lo:hi] for a range that is a node of some RFC 6962 prefix tree."""
    size = hi - lo
    k = size.bit_length() - 1
    if size == 1 << k and lo % size == 0:
        return levels[k][lo >> k]
    split = 1 << ((size - 1).bit_length() - 1)  # largest power of two below size
    return combine(_subtree(levels, lo, lo + split, combine),
                   _subtree(levels, lo + split, hi, combine))


def prefix_root(levels: list[list], m: int, combine: Callable = node_hash,
                empty=EMPTY_ROOT):  # type: ignore[no-untyped-def]
    """Root of the tree over the first m leaves (m <= leaves in `levels`)."""
    return _subtree(levels, 0, m, combine) if m else empty


def consistency_proof(levels: list[list], m: int, n: int,
                      combine: Callable = node_hash) -> list:
    """RFC 6962 PROOF(m, D[n]): the tree of the first m leaves is a prefix of that of n."""
    if not 0 < m < n:
        return []

    def sub(m: int, lo: int, hi: int, whole: bool) -> list:
        size = hi - lo
        if m == size:
            return [] if whole else [_subtree(levels, lo, hi, combine)]
        k = 1 << ((size - 1).bit_length() - 1)
        if m <= k:
            return sub(m, lo, lo + k, whole) + [_subtree(levels, lo + k, hi, combine)]
        return sub(m - k, lo + k, hi, False) + [_subtree(levels, lo, lo + k, combine)]

    return sub(m, 0, n, True)


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


def _iso_days(col) -> list[str | None]:  # type: ignore[no-untyped-def]
    """Day numbers as ISO dates, column-wise (-1, "no such date", as None)."""
    days = np.asarray(col, dtype=np.int64)
    iso = days.astype("datetime64[D]").astype(str).tolist()
    if (days < 0).any():
        iso = [None if d < 0 else x for d, x in zip(days.tolist(), iso)]
    return iso


def _versioned(S: State, name: str, col) -> tuple[str, list]:  # type: ignore[no-untyped-def]
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


_enc = json.encoder.encode_basestring  # type: ignore[attr-defined]  # non-ASCII kept as is
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

            def source(col, kinds=kinds, src=src):  # type: ignore[no-untyped-def]
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


def _take(col, ix: np.ndarray):  # type: ignore[no-untyped-def]
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
    days = _iso_days(env["effective_day"])
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


# ---- the log's tree, cached per segment ----------------------------------------------------

@dataclass
class SegmentNode:
    seq: int
    first_position: int
    count: int
    hash: str             # SHA-256 of the stored bytes (hex): the hash chain
    entries_root: bytes
    run_roots: bytes = b""  # the entries tree's roots of each run of RUN entries, 32 each

    def run_levels(self) -> list[list[bytes]]:
        """The entries tree from the runs' roots up (its levels from log2(RUN))."""
        return tree_levels([self.run_roots[i:i + 32]
                            for i in range(0, len(self.run_roots), 32)])

    @property
    def leaf(self) -> tuple[bytes, int]:
        """The log tree's leaf: (segment leaf hash, entries)."""
        return (segment_leaf(self.first_position, self.count, self.hash, self.entries_root),
                self.count)


def roots_of_runs(levels: list[list[bytes]]) -> bytes:
    """The roots of a segment's runs of RUN entries, from its entries tree's levels (a
    tree of RUN entries or fewer is one run: its root)."""
    if len(levels) > _RUN_LEVEL:
        return b"".join(levels[_RUN_LEVEL])
    return tree_root(levels)


# A saved node: seq, first position, entry count, segment hash, entries root, number of
# run roots; then the run roots (32 bytes each).
_NODE = struct.Struct("<QQI32s32sI")
# A node cache file starts with this magic (the format version: v3 = nodes keep the roots
# of their runs of RUN entries) and the name of the log it belongs to, as u16 length +
# UTF-8. A file without it (an older format) or of another log is never trusted: rebuilt.
_NODES_MAGIC = b"arledger-merkle-nodes-v3\n"


def _node_record(nd: SegmentNode) -> bytes:
    return _NODE.pack(nd.seq, nd.first_position, nd.count, bytes.fromhex(nd.hash),
                      nd.entries_root, len(nd.run_roots) // 32) + nd.run_roots


def _nodes_header(log: str) -> bytes:
    name = log.encode("utf-8")
    return _NODES_MAGIC + struct.pack("<H", len(name)) + name


def _load_nodes(path: Path, log: str = "") -> list[SegmentNode]:
    """The consecutive, well-formed prefix of a node cache file of `log` ([] if none, or if
    the file is of an older format or another log)."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    head = _nodes_header(log)
    if not data.startswith(head):
        return []
    body = memoryview(data)[len(head):]
    nodes: list[SegmentNode] = []
    pos, at = 1, 0
    while at + _NODE.size <= len(body):
        seq, first, count, h, root, k = _NODE.unpack_from(body, at)
        runs = bytes(body[at + _NODE.size:at + _NODE.size + 32 * k])
        node = SegmentNode(seq, first, count, h.hex(), root, runs)
        if seq != len(nodes) + 1 or first != pos or k != -(-count // RUN) \
                or len(runs) != 32 * k or tree_root(node.run_levels()) != root:
            break
        nodes.append(node)
        pos += count
        at += _NODE.size + 32 * k
    return nodes


def node_cache_path(key_file: Path, log: str = "") -> Path:
    """Where a writer keeps the Merkle nodes of `log`: beside its signing key, one file per
    log (partitions of one SQLite data directory share the key, never the nodes)."""
    key_file = Path(key_file)
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in log)
    return key_file.with_name(f"{key_file.stem}-merkle-nodes-v3{'-' + safe if safe else ''}.bin")


class MerkleLog:
    """The Merkle tree of one ledger's log, built lazily from the stored segments.

    Reads segments from the store (never the writer's path), checks that each continues
    the hash chain, and keeps one small node per segment (with the roots of its runs of
    RUN entries); a proof re-renders only its entry's run from the stored segment.
    """

    def __init__(self, ledger,  # type: ignore[no-untyped-def]
                 cache_path: Path | None = None) -> None:
        self.ledger = ledger
        self.nodes: list[SegmentNode] = []
        self._lock = threading.Lock()
        self._levels: list[list[bytes]] | None = None
        self._levels_n = 0
        self._seg_cache: dict[int, Segment] = {}
        self._run_cache: dict[tuple[int, int], tuple[list[str], list[list[bytes]]]] = {}
        # Nodes saved by an earlier run (one writer per log writes them): trusted only once
        # each one's segment hash matches the stored bytes again (_adopt_saved).
        self.cache_path = cache_path
        self.log = str(getattr(getattr(ledger, "store", None), "stream", "") or "")
        self._saved = _load_nodes(cache_path, self.log) if cache_path else []
        self._stored_n = 0  # nodes the cache file holds (after adoption)
        self._stored_bytes = 0  # and the bytes of their records

    def _adopt_saved(self, head_seq: int) -> None:
        """Take the saved nodes whose segments still hash as they did (one read of the
        log, no rendering). A saved segment that now hashes differently, or that the log
        no longer has, means the stored history changed since: LOG_CORRUPT."""
        saved = self._saved  # kept until they match: a mismatch stays reported (and the
        # file unwritten) on every later call, never rebuilt over a changed history
        if len(saved) > head_seq:
            raise error("LOG_CORRUPT", f"segment {head_seq + 1}: this server hashed it before, "
                        "the log now ends before it (the tail was removed); check with your "
                        "saved digests (`arledger audit verify`)", segment=str(head_seq + 1))
        n = 0
        for seq, blob in self.ledger.store.read():
            if seq > len(saved):
                break
            if seq != n + 1 or digest(blob) != saved[seq - 1].hash:
                bad = n + 1
                raise error("LOG_CORRUPT", f"segment {bad}: the stored bytes differ from the "
                            "ones this server hashed before; the log was changed (check with "
                            "your saved digests), or delete the node cache "
                            f"{self.cache_path} to start over", segment=str(bad))
            n = seq
        self._saved = []
        self.nodes = saved[:n]
        self._stored_n = n
        self._stored_bytes = sum(_NODE.size + len(nd.run_roots) for nd in self.nodes)

    def _save(self) -> None:
        if self.cache_path is None or self._stored_n >= len(self.nodes):
            return
        recs = b"".join(_node_record(nd) for nd in self.nodes[self._stored_n:])
        head = _nodes_header(self.log)
        try:
            if self._stored_n == 0:  # a new file (or one of an older format): rewritten whole
                with os.fdopen(os.open(self.cache_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                                       0o600), "wb") as f:
                    f.write(head + recs)
            else:
                with open(self.cache_path, "r+b") as f:
                    f.seek(len(head) + self._stored_bytes)
                    f.write(recs)
                    f.truncate()
            self._stored_n = len(self.nodes)
            self._stored_bytes += len(recs)
        except OSError:  # a cache: the next start recomputes what it lacks
            pass

    def _head(self) -> tuple[int, int, str]:
        with self.ledger.reading() as S:
            return S.head_seq, S.head_position, S.head_hash

    def extend(self, upto_seq: int | None = None) -> int:
        """Compute nodes up to `upto_seq` (default: the ledger's head); returns it."""
        head_seq, _, head_hash = self._head()
        upto = head_seq if upto_seq is None else upto_seq
        if upto > head_seq:
            raise error("INVALID_SEGMENT", f"segment {upto} is beyond the head {head_seq}")
        with self._lock:
            if self._saved:
                self._adopt_saved(head_seq)
            if len(self.nodes) >= upto:
                return upto
            S = self.ledger.state
            for seq, blob in self.ledger.store.read(after_seq=len(self.nodes)):
                if seq > upto:
                    break
                seg = self._decode(seq, blob)
                lv = tree_levels(line_leaves(entry_lines(S, seg)))
                self.nodes.append(SegmentNode(seq, seg.first_position, seg.count,
                                              digest(blob), tree_root(lv), roots_of_runs(lv)))
            self._save()
            if len(self.nodes) < upto:
                raise error("LOG_CORRUPT", f"segment {len(self.nodes) + 1}: missing from the "
                            "store; run `arledger verify`", segment=str(len(self.nodes) + 1))
            if upto == head_seq and self.nodes[upto - 1].hash != head_hash:
                raise error("LOG_CORRUPT", f"segment {upto}: the stored bytes differ from the "
                            "acknowledged ones; run `arledger verify`", segment=str(upto))
            return upto

    def _decode(self, seq: int, blob: bytes) -> Segment:
        """Decode a stored segment that must continue the cached chain."""
        try:
            seg = decode(blob)
        except SegmentFormatError as e:
            raise error("LOG_CORRUPT", f"segment {seq}: {e}; run `arledger verify`",
                        segment=str(seq)) from None
        prev = self.nodes[seq - 2] if seq >= 2 and len(self.nodes) >= seq - 1 else None
        want_prev = prev.hash if prev else GENESIS_HASH
        want_pos = prev.first_position + prev.count if prev else 1
        if seg.seq != seq or seg.prev_hash != want_prev or seg.first_position != want_pos:
            raise error("LOG_CORRUPT", f"segment {seq}: does not continue the hash chain; run "
                        "`arledger verify`", segment=str(seq))
        return seg

    def levels(self, n: int) -> list[list[tuple[bytes, int]]]:
        """Levels of the log tree over the first n segment leaves (cached for the last n)."""
        self.extend(n)
        with self._lock:
            if self._levels is None or self._levels_n != n:
                self._levels = log_tree_levels([nd.leaf for nd in self.nodes[:n]])
                self._levels_n = n
            return self._levels

    def root(self, n: int) -> bytes:
        """The root hash of the log tree of the first n segments."""
        return log_tree_root(self.levels(n))[0] if n else EMPTY_ROOT

    def segment(self, seq: int) -> Segment:
        """A stored segment, decoded, re-read from the store and checked against the cached
        chain hash (a store changed since is LOG_CORRUPT, not a wrong proof)."""
        self.extend(seq)
        with self._lock:
            hit = self._seg_cache.get(seq)
            if hit is not None:
                return hit
        blob = self.ledger.store.get(seq)
        node = self.nodes[seq - 1]
        if blob is None or digest(blob) != node.hash:
            raise error("LOG_CORRUPT", f"segment {seq}: the stored bytes changed since they "
                        "were first read; run `arledger verify`", segment=str(seq))
        seg = decode(blob)
        with self._lock:
            if len(self._seg_cache) >= SEGMENT_CACHE:
                self._seg_cache.pop(next(iter(self._seg_cache)))
            self._seg_cache[seq] = seg
        return seg

    def run(self, seq: int, c: int) -> tuple[list[str], list[list[bytes]]]:
        """The canonical lines of run `c` of a segment (its entries c*RUN ...) and their
        tree, which must have the run root the node keeps."""
        with self._lock:
            hit = self._run_cache.get((seq, c))
            if hit is not None:
                return hit
        seg = self.segment(seq)
        lo = c * RUN
        lines = entry_lines(self.ledger.state, slice_segment(seg, lo, min(lo + RUN,
                                                                          seg.count)))
        lv = tree_levels(line_leaves(lines))
        if tree_root(lv) != self.nodes[seq - 1].run_roots[32 * c:32 * c + 32]:
            raise error("LOG_CORRUPT", f"segment {seq}: its entries render differently from "
                        "when its Merkle node was made; run `arledger verify --merkle`",
                        segment=str(seq))
        with self._lock:
            if len(self._run_cache) >= RUN_CACHE:
                self._run_cache.pop(next(iter(self._run_cache)))
            self._run_cache[(seq, c)] = (lines, lv)
        return lines, lv

    def clear_caches(self) -> None:
        """Forget decoded segments and rendered runs (the next proof re-reads the store)."""
        with self._lock:
            self._seg_cache.clear()
            self._run_cache.clear()

    def prove(self, position: int, tree_segments: int) -> dict:
        """Inclusion proof of the entry at `position` in the log tree of `tree_segments`."""
        with self.ledger.reading() as S:
            if not 1 <= position <= S.head_position:
                raise error("INVALID_POSITION", f"position {position} is not in the log "
                            f"(1..{S.head_position})")
            seq = S.segment_of(position)
        if seq > tree_segments:
            raise error("INVALID_POSITION", f"position {position} (segment {seq}) is after "
                        f"the digest's segment {tree_segments}")
        self.extend(seq)
        node = self.nodes[seq - 1]
        i = position - node.first_position
        c, j = divmod(i, RUN)
        lines, lv = self.run(seq, c)
        top = self.levels(tree_segments)
        return {"position": position, "line": lines[j], "segment": seq,
                "segment_hash": node.hash, "index_in_segment": i,
                "segment_entries": node.count,
                "entry_path": inclusion_path(lv, j) + inclusion_path(node.run_levels(), c),
                "segment_index": seq - 1, "tree_segments": tree_segments,
                "segment_path": inclusion_path(top, seq - 1)}


# ---- keys and signed digests ---------------------------------------------------------------

def load_or_create_key(path: Path):  # type: ignore[no-untyped-def]
    """The Ed25519 signing key kept at `path`; created (mode 0600) on first use."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return load_or_create_key(path)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        return key
    except OSError as e:
        raise error("KEY_UNAVAILABLE", f"cannot read the signing key {path}: {e}") from None
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise error("KEY_UNAVAILABLE", f"the signing key {path} is readable by others; "
                    "chmod 600 it")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as e:
        raise error("KEY_UNAVAILABLE", f"{path} is not a PEM private key: {e}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise error("KEY_UNAVAILABLE", f"{path} is not an Ed25519 key")
    return key


def public_pem(key) -> str:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import serialization
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def key_id(public_key) -> str:  # type: ignore[no-untyped-def]
    """SHA-256 (hex) of the raw 32-byte Ed25519 public key."""
    from cryptography.hazmat.primitives import serialization
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def load_public_key(pem: str | bytes):  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    try:
        k = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    except (ValueError, TypeError) as e:
        raise error("DIGEST_INVALID", f"not a PEM public key: {e}") from None
    if not isinstance(k, Ed25519PublicKey):
        raise error("DIGEST_INVALID", "not an Ed25519 public key")
    return k


DIGEST_FIELDS = ("log", "position", "segment", "head_hash", "merkle_root", "signed_at_us",
                 "key_id")


def digest_message(d: dict) -> bytes:
    """The bytes an Ed25519 digest signature covers."""
    return DIGEST_DOMAIN + canonical_bytes({k: d[k] for k in DIGEST_FIELDS})


def sign_digest(key, fields: dict) -> dict:  # type: ignore[no-untyped-def]
    d = {k: fields[k] for k in DIGEST_FIELDS if k != "key_id"}
    d["key_id"] = key_id(key.public_key())
    d["signature"] = key.sign(digest_message(d)).hex()
    return d


def check_digest(d: dict, public_key) -> None:  # type: ignore[no-untyped-def]
    """Raise DIGEST_INVALID unless `d` is well formed and signed by `public_key`."""
    from cryptography.exceptions import InvalidSignature
    try:
        msg = digest_message(d)
        sig = bytes.fromhex(d["signature"])
        types_ok = all(isinstance(d[k], int) and not isinstance(d[k], bool)
                       for k in ("position", "segment", "signed_at_us"))
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise error("DIGEST_INVALID", f"not a signed digest: {e}") from None
    if not types_ok:
        raise error("DIGEST_INVALID", "position, segment and signed_at_us must be integers")
    if d["key_id"] != key_id(public_key):
        raise error("DIGEST_INVALID", "the digest was signed by another key")
    try:
        public_key.verify(sig, msg)
    except InvalidSignature:
        raise error("DIGEST_INVALID", "the signature does not match the digest") from None


def default_key_file(store) -> Path:  # type: ignore[no-untyped-def]
    """Where a ledger's signing key lives unless ARLEDGER_KEY_FILE says otherwise: beside
    a SQLite log; for PostgreSQL, under ~/.config/arledger/keys (one per table)."""
    env = os.environ.get("ARLEDGER_KEY_FILE")
    if env:
        return Path(env)
    if getattr(store, "kind", "") == "postgres":
        # Tied to the database, not only the table: two databases (or servers) with a table
        # of the same name never share a key.
        from psycopg.conninfo import conninfo_to_dict
        p = conninfo_to_dict(store.dsn)
        db = "_".join(_safe_name(str(p.get(k, d))) for k, d in
                      (("host", "localhost"), ("port", 5432), ("dbname", "postgres")))
        keys = Path.home() / ".config" / "arledger" / "keys"
        path = keys / db / f"{store.table}.pem"
        legacy = keys / f"{store.table}.pem"
        if not path.exists() and legacy.exists():
            raise error("KEY_UNAVAILABLE", f"the signing key is now kept per database at "
                        f"{path}; move {legacy} there if it is this database's key (or set "
                        "ARLEDGER_KEY_FILE / --key-file)")
        return path
    return Path(store.recorder.datastore.pool.db_name).parent / KEY_FILE_NAME


def _safe_name(text: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-.") else "_" for ch in text)


class Signer:
    """Issues signed digests of one ledger's log."""

    def __init__(self, ledger, key, clock: Callable[[], int],  # type: ignore[no-untyped-def]
                 node_cache: Path | None = None) -> None:
        self.ledger = ledger
        self.key = key
        self.clock = clock
        self.merkle = MerkleLog(ledger, node_cache)

    def digest(self, segment: int = 0) -> dict:
        """A signed digest of the log up to `segment` (0 = the head)."""
        n = self.merkle.extend(segment or None)
        node = self.merkle.nodes[n - 1] if n else None
        return sign_digest(self.key, {
            "log": self.ledger.store.stream, "segment": n,
            "position": node.first_position + node.count - 1 if node else 0,
            "head_hash": node.hash if node else GENESIS_HASH,
            "merkle_root": self.merkle.root(n).hex(), "signed_at_us": int(self.clock())})


# ---- verification of a stored log ----------------------------------------------------------

@dataclass
class AuditReport:
    ok: bool = True
    segments_checked: int = 0
    entries_checked: int = 0
    first_bad_segment: int = 0
    first_bad_position: int = 0
    problem: str = ""
    head_hash: str = GENESIS_HASH
    merkle_root: str = ""
    digests_checked: int = 0

    def fail(self, seq: int, position: int, problem: str) -> "AuditReport":
        self.ok = False
        self.first_bad_segment = seq
        self.first_bad_position = position or 0
        self.problem = problem
        return self

    def as_dict(self) -> dict:
        return asdict(self)


def check_log(segments: Iterable[tuple[int, bytes]], digests: Sequence[dict] = (),
              public_key=None, *, merkle: bool = False,  # type: ignore[no-untyped-def]
              progress: Callable[[int], None] | None = None,
              upto_segment: int = 0, start: tuple[int, int] | None = None,
              log: str | None = None) -> AuditReport:
    """Walk a stored log: the hash chain, and every saved digest against it.

    `segments` yields (seq, bytes) in order (a store's `read()`). Each digest must be
    signed by `public_key` (when given) and match the chain head hash (and, with
    `merkle`, the Merkle root) at its segment. Names the first segment that does not
    match; never raises for a damaged log. `merkle` folds the log into a fresh state to
    render entries (replay speed); without it only bytes are hashed. `start` = (segment,
    its last position) begins the walk at that segment (anchored by a digest of it) instead
    of the genesis; `segments` must then begin there. `log`, when given, is the name every
    digest must carry (its signed `log` field: a digest of another partition's log is a
    finding). A digest that is not a well-formed digest is a finding too, never a crash.
    """
    if start is not None and merkle:
        raise ValueError("a Merkle check folds the whole log: it cannot start mid-log")
    rep = AuditReport()
    want: dict[int, list[dict]] = {}
    for d in digests:
        if not isinstance(d, dict) or not all(
                isinstance(d.get(k), int) and not isinstance(d.get(k), bool) and d[k] >= 0
                for k in ("segment", "position")) \
                or not all(isinstance(d.get(k), str) for k in ("log", "head_hash",
                                                               "merkle_root")):
            return rep.fail(0, 0, f"not a digest: {str(d)[:80]}")
        if public_key is not None:
            try:
                check_digest(d, public_key)
            except LedgerError as e:
                return rep.fail(d["segment"], d["position"],
                                f"digest at segment {d['segment']}: {e.message}")
        if log is not None and d["log"] != log:
            return rep.fail(d["segment"], d["position"],
                            f"digest at segment {d['segment']} is of the log {d['log']!r}, "
                            f"not {log!r}")
        want.setdefault(d["segment"], []).append(d)
    last_wanted = max(want, default=0)
    S = State() if merkle else None
    was_enabled = gc.isenabled()
    gc.disable()  # the fold allocates only long-lived objects (as Ledger.replay does)
    try:
        return _walk(rep, segments, want, last_wanted, S, progress, upto_segment, start)
    finally:
        if was_enabled:
            gc.enable()


def _walk(rep: AuditReport, segments: Iterable[tuple[int, bytes]], want: dict[int, list[dict]],
          last_wanted: int, S: State | None, progress: Callable[[int], None] | None,
          upto_segment: int, start: tuple[int, int] | None) -> AuditReport:
    leaves: list[tuple[bytes, int]] = []
    prev, seq_expected, pos_expected, prev_first = GENESIS_HASH, 1, 1, 1
    if start is not None:  # the digest at start[0] vouches for that segment's prev_hash
        seq_expected, prev, pos_expected = start[0], None, None
    try:
        for seq, blob in segments:
            if upto_segment and seq > upto_segment:
                break
            where = seq_expected
            try:
                seg = decode(blob) if S is not None else decode_header(blob)
            except SegmentFormatError as e:
                return rep.fail(where, pos_expected, f"segment {where} is undecodable: {e}")
            if seq != seq_expected or seg.seq != seq:
                return rep.fail(where, pos_expected, f"segment {where} missing or out of "
                                f"order (found {seg.seq} stored as {seq})")
            if pos_expected is None:  # the anchored first segment: its own claims
                prev, pos_expected = seg.prev_hash, seg.first_position
            if seg.prev_hash != prev:
                bad = max(where - 1, 1)
                return rep.fail(bad, prev_first if where > 1 else 1,
                                f"segment {bad} does not hash to the prev_hash segment "
                                f"{where} recorded")
            if seg.first_position != pos_expected:
                return rep.fail(where, pos_expected, f"first position {seg.first_position}, "
                                f"expected {pos_expected}")
            h = digest(blob)
            if S is not None:
                S.apply_segment(seg, h)
                root = tree_root(tree_levels(line_leaves(entry_lines(S, seg))))
                leaves.append((segment_leaf(seg.first_position, seg.count, h, root),
                               seg.count))
            for d in want.get(seq, ()):
                rep.digests_checked += 1
                problem = _digest_mismatch(d, seg, h, leaves if S is not None else None)
                if problem:
                    return rep.fail(seq, seg.first_position, problem)
            prev, prev_first = h, seg.first_position
            seq_expected += 1
            pos_expected += seg.count
            rep.segments_checked += 1
            rep.entries_checked += seg.count
            rep.head_hash = prev
            if progress:
                progress(seg.count)
    except Exception as e:  # noqa: BLE001 - a finding, not a crash
        return rep.fail(seq_expected, pos_expected, f"segment {seq_expected} could not be "
                        f"read or checked (store unreadable, or an entry this version does "
                        f"not know): {type(e).__name__}: {e}")
    if S is not None:
        rep.merkle_root = log_tree_root(log_tree_levels(leaves))[0].hex()
    if last_wanted >= seq_expected:
        return rep.fail(seq_expected, pos_expected,
                        f"the log ends at segment {seq_expected - 1}; a signed digest "
                        f"covers segment {last_wanted} (the tail was removed)")
    return rep


def _digest_mismatch(d: dict, seg: Segment, h: str,
                     leaves: list[tuple[bytes, int]] | None) -> str:
    if d["head_hash"] != h:
        return (f"segment {seg.seq} does not hash to the head hash of the digest signed at "
                "its segment: the log up to here was changed")
    if d["position"] != seg.last_position:
        return f"the digest says position {d['position']}, the log {seg.last_position}"
    if leaves is not None and log_tree_root(log_tree_levels(leaves))[0].hex() \
            != d["merkle_root"]:
        return f"the Merkle root up to segment {seg.seq} differs from the digest's"
    return ""


# ---- export and history --------------------------------------------------------------------

@dataclass
class ExportFilter:
    customer_id: str = ""
    entry_types: tuple[str, ...] = ()
    effective_from: int | None = None   # day numbers, inclusive
    effective_to: int | None = None
    recorded_from_us: int | None = None  # inclusive
    recorded_to_us: int | None = None    # exclusive
    invoice_id: str = ""                 # history of an invoice
    extra: dict = field(default_factory=dict)


def check_filter(S: State, f: ExportFilter) -> None:
    for name in f.entry_types:
        if name not in E.BY_NAME:
            raise error("INVALID_FILTER", f"no entry type {name!r}; known: "
                        f"{', '.join(E.BY_NAME)}")
    if f.customer_id and f.customer_id not in S.customer_ix:
        raise error("CUSTOMER_NOT_FOUND", f"no customer {f.customer_id!r}")
    if f.invoice_id and f.invoice_id not in S.invoice_ix:
        raise error("INVOICE_NOT_FOUND", f"no invoice {f.invoice_id!r}")
    if (f.effective_from is not None and f.effective_to is not None
            and f.effective_from > f.effective_to):
        raise error("INVALID_FILTER", "the effective period ends before it starts")
    if (f.recorded_from_us is not None and f.recorded_to_us is not None
            and f.recorded_from_us >= f.recorded_to_us):
        raise error("INVALID_FILTER", "the recorded period ends before it starts")


def _entry_mask(S: State, seg: Segment, f: ExportFilter) -> np.ndarray:
    """Which entries of a segment pass the filter, decided column-wise."""
    env = seg.tables[E.ENVELOPE]
    types = np.asarray(env["type"])
    m = np.ones(seg.count, dtype=bool)
    if f.entry_types:
        m &= np.isin(types, [E.BY_NAME[n].code for n in f.entry_types])
    day = np.asarray(env["effective_day"])
    if f.effective_from is not None:
        m &= day >= f.effective_from
    if f.effective_to is not None:
        m &= day <= f.effective_to
    rows = np.asarray(env["row"])
    if f.customer_id:
        want = S.customer_ix[f.customer_id]
        cust = np.full(seg.count, -1, dtype=np.int64)
        for code in np.unique(types).tolist():
            et = E.BY_CODE[code]
            sel = types == code
            cols = seg.tables[et.name]
            cust[sel] = _customers_of(S, cols, len(next(iter(cols.values()))))[rows[sel]]
        m &= cust == want
    if f.invoice_id:
        m &= _touches_invoice(S, seg, types, rows, S.invoice_ix[f.invoice_id])
    return m


def _touches_invoice(S: State, seg: Segment, types: np.ndarray, rows: np.ndarray,
                     inv: int) -> np.ndarray:
    """Entries naming the invoice: its own columns, an allocation to it, or its disputes."""
    t = seg.tables
    hit = np.zeros(seg.count, dtype=bool)
    for code in np.unique(types).tolist():
        et = E.BY_CODE[code]
        cols = t[et.name]
        sel = np.flatnonzero(types == code)
        r = rows[sel]
        m = np.zeros(len(sel), dtype=bool)
        if "invoice_ix" in cols:
            m |= np.asarray(cols["invoice_ix"])[r] == inv
        if "dispute_ix" in cols:
            d = np.asarray(cols["dispute_ix"])[r]
            ok = d >= 0
            m[ok] |= S.disputes.invoice[d[ok]] == inv
        hit[sel] |= m
    if E.ALLOCATIONS in t:
        a = t[E.ALLOCATIONS]
        es = np.asarray(a["_e"])[np.asarray(a["invoice_ix"]) == inv]
        hit[es] = True
    return hit


def select_entries(S: State, segments: Iterable[tuple[int, bytes]],
                   f: ExportFilter) -> Iterator[str]:
    """Canonical lines of the stored segments that pass `f`, in log order.

    Segments outside the recorded period are skipped whole; inside one, the filter is
    decided on the columns and only the selected entries are rendered.
    """
    for seq, blob in segments:
        try:
            seg = decode(blob)
        except SegmentFormatError as e:
            raise error("LOG_CORRUPT", f"segment {seq}: {e}; run `arledger verify`",
                        segment=str(seq)) from None
        if f.recorded_from_us is not None and seg.recorded_at_us < f.recorded_from_us:
            continue
        if f.recorded_to_us is not None and seg.recorded_at_us >= f.recorded_to_us:
            continue
        m = _entry_mask(S, seg, f)
        if not m.any():
            continue
        recs = entry_lines(S, seg)
        for i in np.flatnonzero(m).tolist():
            yield recs[i]


def statement_positions(S: State, customer_ix: int, as_of_day: int | None = None) -> np.ndarray:
    """Log positions of every line of a customer's statement (every entry that moved one
    of its amounts, effective on or before `as_of_day`), ascending."""
    J = S.journal
    cust = J.view("customer")
    m = cust == customer_ix
    if as_of_day is not None:
        m &= J.view("day") <= as_of_day
    return np.unique(J.view("pos")[m])
