"""The log's Merkle tree, cached per segment: one small node per segment (its hash-chain
hash, entry count, entries root and the roots of its runs), the node cache file a writer
keeps beside its key, and `MerkleLog`, built lazily from the stored segments."""

from __future__ import annotations

import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

from arledger.audit.canonical import entry_lines, line_leaves, slice_segment
from arledger.audit.tree import (
    EMPTY_ROOT,
    RUN,
    inclusion_path,
    log_tree_levels,
    log_tree_root,
    roots_of_runs,
    segment_leaf,
    tree_levels,
    tree_root,
)
from arledger.domain.errors import error
from arledger.engine.segment import (
    GENESIS_HASH,
    Segment,
    SegmentFormatError,
    decode,
    digest,
)

# Decoded segments, and rendered runs (canonical lines and their tree), a server keeps for
# proofs: a batch of proofs in log order decodes each segment and renders each run once.
SEGMENT_CACHE = 16
RUN_CACHE = 64


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

    def __init__(self, ledger,
                 cache_path: Path | None = None) -> None:
        self.ledger = ledger
        self.nodes: list[SegmentNode] = []
        self._lock = threading.Lock()
        self._levels: list[list[tuple[bytes, int]]] | None = None
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
