"""Audit: Merkle trees over the log, inclusion and consistency proofs, signed digests,
export and history, and a verifier of stored logs against saved digests.

The package: `tree` (the Merkle maths, pure), `canonical` (an entry's canonical record and
bytes), `nodes` (the per-segment node cache and `MerkleLog`), `keys` (signing keys, signed
digests, `Signer`), `verify` (`check_log`), `export` (filters, history). Every name is
importable from `arledger.audit` as before the split.

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

from arledger.audit.canonical import (
    canonical_bytes,
    entry_leaves,
    entry_lines,
    entry_records,
    line_leaves,
    slice_segment,
)
from arledger.audit.export import (
    ExportFilter,
    check_filter,
    select_entries,
    statement_positions,
)
from arledger.audit.keys import (
    DIGEST_DOMAIN,
    DIGEST_FIELDS,
    KEY_FILE_NAME,
    Signer,
    check_digest,
    default_key_file,
    digest_message,
    key_id,
    load_or_create_key,
    load_public_key,
    public_pem,
    sign_digest,
)
from arledger.audit.nodes import (
    RUN_CACHE,
    SEGMENT_CACHE,
    MerkleLog,
    SegmentNode,
    node_cache_path,
)
from arledger.audit.tree import (
    EMPTY_LOG,
    EMPTY_ROOT,
    RUN,
    consistency_proof,
    inclusion_path,
    leaf_hash,
    log_tree_levels,
    log_tree_root,
    node_hash,
    prefix_root,
    roots_of_runs,
    segment_leaf,
    sum_node,
    tree_levels,
    tree_root,
)
from arledger.audit.verify import AuditReport, check_log

__all__ = [
    "consistency_proof", "EMPTY_LOG", "EMPTY_ROOT", "inclusion_path", "leaf_hash",
    "log_tree_levels", "log_tree_root", "node_hash", "prefix_root", "roots_of_runs",
    "RUN", "segment_leaf", "sum_node", "tree_levels", "tree_root", "canonical_bytes",
    "entry_leaves", "entry_lines", "entry_records", "line_leaves", "slice_segment",
    "MerkleLog", "node_cache_path", "RUN_CACHE", "SEGMENT_CACHE", "SegmentNode",
    "check_digest", "default_key_file", "DIGEST_DOMAIN", "DIGEST_FIELDS",
    "digest_message", "KEY_FILE_NAME", "key_id", "load_or_create_key", "load_public_key",
    "public_pem", "sign_digest", "Signer", "AuditReport", "check_log", "check_filter",
    "ExportFilter", "select_entries", "statement_positions",
]
