"""Verification of a stored log against saved signed digests: the hash chain, every
segment's decoding, and each digest's root and signature (`check_log`)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

from arledger.audit.canonical import entry_lines, line_leaves
from arledger.audit.keys import check_digest
from arledger.audit.tree import (
    log_tree_levels,
    log_tree_root,
    segment_leaf,
    tree_levels,
    tree_root,
)
from arledger.domain.errors import LedgerError
from arledger.engine.segment import (
    GENESIS_HASH,
    Segment,
    SegmentFormatError,
    decode,
    decode_header,
    digest,
)
from arledger.engine.state import State

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

    def fail(self, seq: int, position: int | None, problem: str) -> AuditReport:
        self.ok = False
        self.first_bad_segment = seq
        self.first_bad_position = position or 0
        self.problem = problem
        return self

    def as_dict(self) -> dict:
        return asdict(self)


def check_log(segments: Iterable[tuple[int, bytes]], digests: Sequence[dict] = (),
              public_key=None, *, merkle: bool = False,
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
    prev: str | None = GENESIS_HASH
    pos_expected: int | None = 1
    seq_expected, prev_first = 1, 1
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
