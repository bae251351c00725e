"""An attacker with write access to the stored log (not to the signing key) against an
auditor holding signed digests: every change is detected, the first bad segment and its
first position are named, and the verifier never crashes. On SQLite and PostgreSQL."""

import sqlite3
from pathlib import Path

import pytest

from arledger import audit as A
from arledger import synthetic
from arledger.domain.errors import LedgerError
from arledger.engine.segment import decode, decode_header, digest, encode

from tests.conftest import pg_connect

SEGMENTS = 6


class Raw:
    """The stored rows of a location's log, edited behind arledger's back."""

    def __init__(self, loc) -> None:  # type: ignore[no-untyped-def]
        self.loc = loc

    def _sql(self, sql: str, args: tuple = ()):  # type: ignore[no-untyped-def]
        if self.loc.kind == "sqlite":
            con = sqlite3.connect(Path(self.loc.where) / "ledger.db")
            with con:
                rows = con.execute(sql.replace("%s", "?").replace("{t}", "segments"),
                                   args).fetchall()
            con.close()
            return rows
        with pg_connect() as conn:
            cur = conn.execute(sql.replace("{t}", f'"{self.loc.namespace}_p0"'), args)
            return cur.fetchall() if cur.description else []

    def get(self, seq: int) -> bytes:
        return bytes(self._sql("SELECT state FROM {t} WHERE originator_version = %s",
                               (seq,))[0][0])

    def put(self, seq: int, blob: bytes) -> None:
        self._sql("UPDATE {t} SET state = %s WHERE originator_version = %s", (blob, seq))

    def delete(self, seq: int) -> None:
        self._sql("DELETE FROM {t} WHERE originator_version = %s", (seq,))


def build(location, clock, tmp_path):  # type: ignore[no-untyped-def]
    """A log of SEGMENTS segments and the auditor's digest of each, signed as it grew."""
    ledger = location.open(clock=clock)
    key = A.load_or_create_key(tmp_path / "key.pem")
    signer = A.Signer(ledger, key, clock)
    cmds = list(synthetic.generate(synthetic.PortfolioSpec(customers=20, seed=1)))
    step = len(cmds) // SEGMENTS + 1
    digests = []
    for i in range(0, len(cmds), step):
        ledger.submit(cmds[i:i + step])
        digests.append(signer.digest())
    assert ledger.state.head_seq == SEGMENTS
    firsts = {n.seq: n.first_position for n in signer.merkle.nodes}
    return ledger, signer, key, digests, firsts


def flip(raw: Raw) -> int:
    b = bytearray(raw.get(3))
    b[len(b) // 2] ^= 0x01
    raw.put(3, bytes(b))
    return 3


def delete(raw: Raw) -> int:
    raw.delete(2)
    return 2


def reorder(raw: Raw) -> int:
    a, b = raw.get(2), raw.get(3)
    raw.put(2, b)
    raw.put(3, a)
    return 2


def truncate_tail(raw: Raw) -> int:
    raw.delete(6)
    raw.delete(5)
    return 5


def truncate_tail_bytes(raw: Raw) -> int:
    raw.put(6, raw.get(6)[:-5])
    return 6


def rewrite_and_rechain(raw: Raw) -> int:
    """Change segment 3's data, then recompute every later prev_hash (and each segment's own
    header and body hashes): the chain is whole again, only the signature can tell."""
    seg = decode(raw.get(3))
    inv = seg.tables.get("InvoiceIssued")
    assert inv is not None and len(inv["amount_minor"])
    inv["amount_minor"] = inv["amount_minor"] + 1
    blob = encode(seg)
    raw.put(3, blob)
    for seq in range(4, SEGMENTS + 1):
        later = decode(raw.get(seq))
        later.prev_hash = digest(blob)
        blob = encode(later)
        raw.put(seq, blob)
    return 3


DAMAGE = {f.__name__: f for f in (flip, delete, reorder, truncate_tail, truncate_tail_bytes,
                                  rewrite_and_rechain)}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_every_change_to_the_stored_log_is_named_by_the_digest_check(location, clock, tmp_path,
                                                                     damage):
    ledger, signer, key, digests, firsts = build(location, clock, tmp_path)
    intact = A.check_log(ledger.store.read(), digests, key.public_key(), merkle=True)
    assert intact.ok and intact.digests_checked == SEGMENTS, intact
    assert intact.merkle_root == digests[-1]["merkle_root"]
    ledger.close()
    bad = DAMAGE[damage](Raw(location))
    store = location.store()
    try:
        for merkle in (False, True):
            rep = A.check_log(store.read(), digests, key.public_key(), merkle=merkle)
            assert not rep.ok, (damage, rep)
            assert (rep.first_bad_segment, rep.first_bad_position) == (bad, firsts[bad]), rep
            assert rep.problem
    finally:
        store.close()


def test_a_rechained_rewrite_passes_the_plain_chain_check_but_not_the_signed_digests(
        location, clock, tmp_path):
    """Why digests matter: without them a consistent forgery verifies."""
    ledger, signer, key, digests, firsts = build(location, clock, tmp_path)
    ledger.close()
    rewrite_and_rechain(Raw(location))
    store = location.store()
    try:
        assert A.check_log(store.read()).ok  # no digests: the chain alone is whole
        rep = A.check_log(store.read(), digests[-1:], key.public_key())
        assert (rep.ok, rep.first_bad_segment) == (False, SEGMENTS)  # one digest: its segment
    finally:
        store.close()


def test_digests_signed_by_another_key_or_altered_are_refused_by_name(location, clock,
                                                                      tmp_path):
    ledger, signer, key, digests, firsts = build(location, clock, tmp_path)
    other = A.load_or_create_key(tmp_path / "other.pem")
    store = location.store()
    try:
        rep = A.check_log(store.read(), digests, other.public_key())
        assert not rep.ok and "another key" in rep.problem
        altered = dict(digests[2], merkle_root="00" * 32)
        rep = A.check_log(store.read(), [altered], key.public_key())
        assert (rep.ok, rep.first_bad_segment) == (False, 3) and "signature" in rep.problem
    finally:
        store.close()


def test_the_server_refuses_to_prove_from_bytes_changed_after_it_read_them(location, clock,
                                                                           tmp_path):
    ledger, signer, key, digests, firsts = build(location, clock, tmp_path)
    signer.merkle.prove(firsts[3], SEGMENTS)
    signer.merkle.clear_caches()
    flip(Raw(location))
    with pytest.raises(LedgerError) as e:
        signer.merkle.prove(firsts[3], SEGMENTS)
    assert (e.value.reason, e.value.metadata["segment"]) == ("LOG_CORRUPT", "3")
    # other segments are still proven
    assert signer.merkle.prove(firsts[2], SEGMENTS)["segment"] == 2


def test_the_header_only_check_refuses_every_single_byte_flip_that_decode_refuses(location,
                                                                                  clock,
                                                                                  tmp_path):
    """The chain check reads headers only (segment.decode_header); it must refuse whatever
    a full decode refuses, wherever the byte is."""
    from arledger.engine.segment import SegmentFormatError
    ledger, *_ = build(location, clock, tmp_path)
    blob = ledger.store.get(2)
    assert decode_header(blob).count == decode(blob).count
    step = max(len(blob) // 300, 1)
    for off in list(range(0, len(blob), step)) + [len(blob) - 1]:
        b = bytearray(blob)
        b[off] ^= 0x20
        with pytest.raises(SegmentFormatError):
            decode(bytes(b))
        with pytest.raises(SegmentFormatError):
            decode_header(bytes(b))
    for cut in (1, 7, len(blob) // 2):
        with pytest.raises(SegmentFormatError):
            decode_header(blob[:-cut])
