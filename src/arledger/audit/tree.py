"""The Merkle maths, pure: RFC 6962 leaf and node hashes, the log's sum tree of segment
leaves, roots, inclusion paths, prefix roots and consistency proofs (no I/O, no state)."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()
# A segment's entries tree is kept as the roots of its aligned runs of RUN entries (the
# tree's nodes at level log2(RUN)): a proof renders only its entry's run, not the segment.
RUN = 256
_RUN_LEVEL = RUN.bit_length() - 1

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


def tree_root(levels: list[list], empty=EMPTY_ROOT):
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


def _subtree(levels: list[list], lo: int, hi: int, combine: Callable):
    """MTH of leaves[lo:hi] for a range that is a node of some RFC 6962 prefix tree."""
    size = hi - lo
    k = size.bit_length() - 1
    if size == 1 << k and lo % size == 0:
        return levels[k][lo >> k]
    split = 1 << ((size - 1).bit_length() - 1)  # largest power of two below size
    return combine(_subtree(levels, lo, lo + split, combine),
                   _subtree(levels, lo + split, hi, combine))


def prefix_root(levels: list[list], m: int, combine: Callable = node_hash,
                empty=EMPTY_ROOT):
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


def roots_of_runs(levels: list[list[bytes]]) -> bytes:
    """The roots of a segment's runs of RUN entries, from its entries tree's levels (a
    tree of RUN entries or fewer is one run: its root)."""
    if len(levels) > _RUN_LEVEL:
        return b"".join(levels[_RUN_LEVEL])
    return tree_root(levels)
