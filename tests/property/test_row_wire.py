"""The row stream's compiled reader (engine/rowwire.py) against protobuf.

Two implementations of one rule: `rowwire.decode` reads a serialized Batch in compiled
code, `from_commands` reads the commands protobuf parsed from the same bytes. Wherever
decode answers, its columns must be the ones from_commands makes (kinds, rows, every
number, every text a reference names, every child) and each row must parse back to the
command sent; wherever protobuf would read the bytes differently or refuse them, decode
must decline (None) so that protobuf reads them. Streams: the synthetic portfolio, the
random streams of the volume differential, hypothesis-built commands with any field
values (any unicode, the whole int64 and int32 ranges, dates good, bad and at the edges
of the ledger's years), and serialized batches with bytes changed, cut or inserted.
The server's authorization of a decoded batch (auth.authorize_batch) is checked against
authorize_commands the same way."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arledger import synthetic
from arledger.domain.errors import LedgerError
from arledger.engine import columnar as col
from arledger.engine import rowwire
from arledger.server import auth
from arledger.v1 import commands_pb2 as pb
from tests.property.test_row_columns import _children, _texts
from tests.property.test_volume_differential import Stream

_BLOCKS = {f"{p}_n": k for k, p in ((col.OPEN_CUSTOMER, "oc"), (col.ISSUE_INVOICE, "ii"),
                                     (col.RECORD_PAYMENT, "rp"), (col.ISSUE_CREDIT_NOTE, "cn"),
                                     (col.ALLOCATE_PAYMENT, "ap"))}


def same_columns(a: col.Batch, b: col.Batch) -> None:
    """Two batches name the same commands as columns (texts compared, not offsets)."""
    x, y = a.cols, b.cols
    assert x.kind.tolist() == y.kind.tolist()
    assert x.row.tolist() == y.row.tolist()
    assert _texts(x, x.env) == _texts(y, y.env)
    for name in x._fields:
        u, v = getattr(x, name), getattr(y, name)
        if name in ("kind", "row", "env", "sbuf", "hash"):
            continue
        assert u.dtype == v.dtype and u.shape == v.shape, name
        if name.endswith("_s"):
            assert _texts(x, u) == _texts(y, v), name
        else:
            assert u.tolist() == v.tolist(), name
            k = _BLOCKS.get(name)
            if k is not None and col.SPECS[k].child:
                assert _children(x, k, u) == _children(y, k, v), name
    assert [c.SerializeToString() for c in a.others] == \
        [c.SerializeToString() for c in b.others]
    col.canonical_hashes(a)
    col.canonical_hashes(b)
    assert x.hash.tolist() == y.hash.tolist()


def agrees(data: bytes) -> col.Batch | None:
    """decode(data) checked against protobuf; the decoded batch, or None if it declined."""
    try:
        msg = pb.Batch.FromString(data)
    except Exception:  # noqa: BLE001 - what protobuf refuses, decode must not read
        assert rowwire.decode(data) is None
        return None
    got = rowwire.decode(data)
    if got is None:
        return None
    batch, atomic = got
    assert atomic == msg.atomic
    same_columns(batch, col.from_commands(list(msg.commands)))
    assert len(batch.rows) == len(msg.commands)
    for i, c in enumerate(msg.commands):
        assert batch.command(i) == c, i
        assert batch.request_id(i) == (getattr(c, c.WhichOneof("command")).request_id
                                       if c.WhichOneof("command") else "")
    return batch


def plain(cmds: list[pb.Command], atomic: bool = False) -> col.Batch:
    """Commands as the protobuf client sends them: decode must read every one itself."""
    batch = agrees(pb.Batch(commands=cmds, atomic=atomic).SerializeToString())
    assert batch is not None, "an ordinary batch went to the protobuf path"
    return batch


# ---- streams -----------------------------------------------------------------------------

def test_the_synthetic_portfolio_is_read_as_protobuf_reads_it() -> None:
    n = 0
    for batch in synthetic.generate_batches(synthetic.PortfolioSpec(customers=300, seed=5), 400):
        plain(batch)
        n += len(batch)
    assert n > 2_000


@pytest.mark.parametrize("seed", [1, 7, 20261205])
def test_random_streams_are_read_as_protobuf_reads_them(seed: int) -> None:
    n = 0
    for batch, atomic in Stream(seed).batches(40):
        plain(batch, atomic)
        n += len(batch)
    assert n > 300


# ---- any field values --------------------------------------------------------------------

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_some = st.one_of(st.sampled_from(["", "ACME", "EUR", "r-1", "Müller", "東京", "😀x"]), _text)
_i64 = st.one_of(st.integers(-2**63, 2**63 - 1), st.sampled_from([0, 1, -1, 2**31, -2**31]))
_i32 = st.integers(-2**31, 2**31 - 1)
_date = st.one_of(
    st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"),
    st.sampled_from(["", "1970-01-01", "1969-12-31", "2200-12-31", "2201-01-01", "2024-02-29",
                     "2023-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00",
                     "0000-01-01", "2026-1-01", "20260101", "2026-01-01 ", "٢٠٢٦-01-01",
                     "2026/01/01", "+026-01-01", "2026-W01-1"]),
    _text)


def _env(d: st.DrawFn) -> dict:
    return {"request_id": d(_some), "actor": d(_some), "reason": d(_some)}


@st.composite
def commands(d: st.DrawFn) -> pb.Command:
    k = d(st.sampled_from(["open_customer", "issue_invoice", "record_payment",
                           "issue_credit_note", "allocate_payment", "place_hold", "none"]))
    allocations = st.lists(st.builds(pb.Allocation, invoice_id=_some, amount_minor=_i64),
                           max_size=3)
    if k == "open_customer":
        address = d(st.none() | st.builds(pb.Address, line1=_some, line2=_some, city=_some,
                                           region=_some, postal_code=_some, country=_some))
        return pb.Command(open_customer=pb.OpenCustomerRequest(
            **_env(d), customer_id=d(_some), name=d(_some), currency=d(_some),
            billing_contact=d(_some), address=address, payment_terms_net_days=d(_i32),
            credit_limit_minor=d(_i64), opened_date=d(_date)))
    if k == "issue_invoice":
        lines = d(st.lists(st.builds(pb.InvoiceLine, description=_some, quantity=_i64,
                                     unit_price_minor=_i64), max_size=3))
        return pb.Command(issue_invoice=pb.IssueInvoiceRequest(
            **_env(d), invoice_id=d(_some), customer_id=d(_some), po_number=d(_some),
            issue_date=d(_date), due_date=d(_date), currency=d(_some), amount_minor=d(_i64),
            lines=lines, terms_id=d(_some), terms_version=d(_i32)))
    if k == "record_payment":
        return pb.Command(record_payment=pb.RecordPaymentRequest(
            **_env(d), payment_id=d(_some), customer_id=d(_some), amount_minor=d(_i64),
            currency=d(_some), method=d(_i32), value_date=d(_date),
            remittance_reference=d(_some), strategy=d(_i32), allocations=d(allocations)))
    if k == "issue_credit_note":
        return pb.Command(issue_credit_note=pb.IssueCreditNoteRequest(
            **_env(d), credit_note_id=d(_some), customer_id=d(_some), invoice_id=d(_some),
            amount_minor=d(_i64), currency=d(_some), issue_date=d(_date),
            reason_code=d(_some)))
    if k == "allocate_payment":
        return pb.Command(allocate_payment=pb.AllocatePaymentRequest(
            **_env(d), payment_id=d(_some), effective_date=d(_date), strategy=d(_i32),
            allocations=d(allocations)))
    if k == "place_hold":
        return pb.Command(place_hold=pb.PlaceHoldRequest(**_env(d), customer_id=d(_some)))
    return pb.Command()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(commands(), min_size=0, max_size=8), st.booleans())
def test_any_field_values_are_read_as_protobuf_reads_them(cmds, atomic) -> None:
    plain(cmds, atomic)


@settings(max_examples=300, deadline=None)
@given(_date)
def test_a_date_is_the_day_number_the_python_reader_makes_of_it(text: str) -> None:
    b = plain([pb.Command(issue_credit_note=pb.IssueCreditNoteRequest(issue_date=text))])
    assert int(b.cols.cn_n[0, col.CN_ISSUE_DATE]) == col._day(text)


# ---- bytes protobuf reads differently, or refuses ------------------------------------------

def _invoice() -> bytes:
    return pb.Batch(commands=[pb.Command(issue_invoice=pb.IssueInvoiceRequest(
        request_id="r1", invoice_id="I1", customer_id="ACME", issue_date="2026-01-05",
        amount_minor=10, lines=[pb.InvoiceLine(description="x", quantity=1)]))]).SerializeToString()


def _wrap(body: bytes, field: int = 4) -> bytes:
    """A Batch of one Command whose `field` carries `body` as it is."""
    def ld(tag: int, b: bytes) -> bytes:
        return bytes([tag]) + _varint(len(b)) + b
    return ld(0x0A, ld(field << 3 | 2, body))


def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        out.append((v & 0x7F) | (0x80 if v > 0x7F else 0))
        v >>= 7
        if not v:
            return bytes(out)


@pytest.mark.parametrize("body, parses, read", [
    (b"\x50\x05", True, True),                 # amount_minor (10) as a varint: plain
    (b"\x5a\x02\x10\x01\x5a\x00", True, True),   # two invoice lines (one empty): plain
    (b"\xf0\x01\x05", True, False),            # an unknown field (30, varint): protobuf keeps it
    (b"\x52\x01\x05", True, False),            # amount_minor sent length-delimited: unknown
    (b"\x5a\x03\xf8\x01\x01", True, False),    # a line with an unknown field
    (b"\x22\x02\xff\xfe", False, False),        # invoice_id not UTF-8: protobuf refuses it
    (b"\x22\x03\xed\xa0\x80", False, False),    # a UTF-16 surrogate encoded: refused
    (b"\x22\x02\xc0\x80", False, False),        # an overlong NUL: refused
    (b"\x50", False, False),                   # a varint cut off
    (b"\x22\x05ab", False, False),             # a string longer than its message
    (b"\x50" + b"\xff" * 10 + b"\x01", False, False),  # an 11-byte varint
])
def test_what_protobuf_reads_otherwise_goes_to_protobuf(body: bytes, parses: bool,
                                                         read: bool) -> None:
    data = _wrap(body)
    try:
        pb.Batch.FromString(data)
        ok = True
    except Exception:  # noqa: BLE001
        ok = False
    assert ok == parses
    assert (agrees(data) is not None) == read


def test_a_command_of_two_kinds_and_a_repeated_address_go_to_protobuf() -> None:
    inv = pb.Command(issue_invoice=pb.IssueInvoiceRequest(invoice_id="I1")).SerializeToString()
    hold = pb.Command(place_hold=pb.PlaceHoldRequest(customer_id="C")).SerializeToString()
    for cmd in (inv + hold, hold + inv, inv + inv):  # the last field wins, or the two merge
        data = b"\x0a" + _varint(len(cmd)) + cmd
        assert rowwire.decode(data) is None
        assert len(pb.Batch.FromString(data).commands) == 1
    addr = pb.OpenCustomerRequest(address=pb.Address(city="A")).SerializeToString()
    addr2 = pb.OpenCustomerRequest(address=pb.Address(country="DE")).SerializeToString()
    data = _wrap(addr + addr2, 1)
    assert rowwire.decode(data) is None
    merged = pb.Batch.FromString(data).commands[0].open_customer.address
    assert (merged.city, merged.country) == ("A", "DE")


def test_a_field_sent_twice_keeps_its_last_value_as_protobuf_does() -> None:
    b = agrees(_wrap(b"\x22\x02I1\x22\x02I2\x50\x05\x50\x07"))
    assert b is not None
    assert b.text(b.cols.ii_s[0, col.II_S_INVOICE_ID]) == "I2"
    assert int(b.cols.ii_n[0, col.II_AMOUNT_MINOR]) == 7


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(commands(), min_size=1, max_size=4), st.data())
def test_changed_cut_or_extended_bytes_are_read_as_protobuf_reads_them_or_declined(
        cmds, data) -> None:
    raw = bytearray(pb.Batch(commands=cmds).SerializeToString())
    for _ in range(data.draw(st.integers(1, 3))):
        how = data.draw(st.sampled_from(["set", "cut", "insert"]))
        at = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        if how == "set" and raw:
            raw[at] = data.draw(st.integers(0, 255))
        elif how == "cut":
            del raw[at:]
        else:
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=4))
    agrees(bytes(raw))


# ---- authorization of a decoded batch ------------------------------------------------------

_ACTORS = ["", "svc", "svc/alice", "bob", "svc/", "Svc"]


@st.composite
def authored(d: st.DrawFn) -> list[pb.Command]:
    out = []
    for _ in range(d(st.integers(1, 6))):
        k = d(st.sampled_from(["issue_invoice", "record_payment", "place_hold",
                               "define_payment_terms", "none"]))
        actor = d(st.sampled_from(_ACTORS))
        if k == "issue_invoice":
            out.append(pb.Command(issue_invoice=pb.IssueInvoiceRequest(actor=actor,
                                                                       invoice_id="I")))
        elif k == "record_payment":
            out.append(pb.Command(record_payment=pb.RecordPaymentRequest(actor=actor)))
        elif k == "place_hold":
            out.append(pb.Command(place_hold=pb.PlaceHoldRequest(actor=actor)))
        elif k == "define_payment_terms":
            out.append(pb.Command(define_payment_terms=pb.DefinePaymentTermsRequest(
                actor=actor)))
        else:
            out.append(pb.Command())
    return out


@settings(max_examples=300, deadline=None)
@given(authored(), st.sets(st.sampled_from(auth.ROLES), max_size=2),
       st.sampled_from(["jwt", "none"]))
def test_a_decoded_batch_is_authorized_as_its_commands_are(cmds, roles, via) -> None:
    principal = auth.Principal("svc", frozenset(roles), None, via)
    data = pb.Batch(commands=cmds).SerializeToString()
    batch, _ = rowwire.decode(data)
    expected = pb.Batch.FromString(data).commands

    def outcome(check, arg) -> tuple:
        try:
            check(principal, arg, "SubmitBatchStream")
        except LedgerError as e:
            return (e.reason, e.message, sorted(e.metadata.items()))
        return ()

    want = outcome(auth.authorize_commands, expected)
    got = outcome(auth.authorize_batch, batch)
    assert got == want
    if not want:
        for i, c in enumerate(expected):
            assert batch.command(i) == c, i
            assert batch.text(batch.cols.env[i, 1]) == (
                getattr(c, c.WhichOneof("command")).actor if c.WhichOneof("command") else "")


# ---- what the review found: over-long keys, nesting ----------------------------------------

def _padded(v: int, n: int) -> bytes:
    """v as an n-byte varint (padded with continuation bytes: not minimal when n > needed)."""
    out = bytearray()
    for j in range(n):
        out.append((v & 0x7F) | (0x80 if j < n - 1 else 0))
        v >>= 7
    return bytes(out)


def _ld(tag: bytes, body: bytes, len_bytes: int = 1) -> bytes:
    return tag + _padded(len(body), max(len_bytes, len(_varint(len(body))))) + body


@pytest.mark.parametrize("n", [2, 5, 6, 10])
@pytest.mark.parametrize("where", ["batch tag", "command tag", "field tag", "field length",
                                   "line tag", "atomic tag"])
def test_over_long_tags_and_lengths_are_protobufs_to_read(where: str, n: int) -> None:
    # protobuf refuses a tag or length of more than 5 bytes; decode had read up to 10, then
    # the Python decider met a row protobuf would not parse (an INTERNAL, and a decision
    # state left holding what the failed batch had decided)
    tag = {"batch tag": 1 << 3 | 2, "command tag": 4 << 3 | 2, "field tag": 4 << 3 | 2,
           "line tag": 1 << 3 | 2, "atomic tag": 2 << 3}[where] if where != "field length" \
        else 4 << 3 | 2
    key = _padded(tag, n)
    line = (key if where == "line tag" else b"\x0a") + b"\x01x"
    body = (key if where == "field tag" else b"\x22") + (
        _padded(2, n) if where == "field length" else b"\x02") + b"I1" + _ld(b"\x5a", line)
    cmd = _ld(key if where == "command tag" else b"\x22", body)
    data = _ld(key if where == "batch tag" else b"\x0a", cmd)
    if where == "atomic tag":
        data += key + b"\x01"
    agrees(data)
    if n > 5:
        assert rowwire.decode(data) is None
        with pytest.raises(Exception):  # noqa: B017 - protobuf's DecodeError
            pb.Batch.FromString(data)


def _nested_groups(depth: int) -> bytes:
    return b"\xf3\x01" * depth + b"\xf4\x01" * depth  # unknown group 30, opened and closed


@pytest.mark.parametrize("depth", [90, 97, 98, 99, 120])
def test_another_kind_is_parsed_as_deep_as_in_a_batch(depth: int) -> None:
    void = pb.VoidInvoiceRequest(request_id="v", invoice_id="I").SerializeToString()
    data = _ld(b"\x0a", _ld(b"\x2a", void + _nested_groups(depth), 2), 2)
    agrees(data)
