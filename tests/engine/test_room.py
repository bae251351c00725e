"""Growth in place (engine/room.py): columns, id arrays, records and the undo log of a
size worth it grow by raising a capacity inside address space reserved at a stride, and
are laid out again (rows copied) only past the stride; small ones, and all of them where
address space is budgeted, are ordinary arrays copied at each doubling.

Whichever way a book grows, it must hold the same thing: a ledger fed the same stream with
the default layout, with every table reserved from the start and laid out again at every
growth or at twice its capacity (both books, and replay), and with no reservation at all,
ends in the same state digest and the same book bytes, and so does its replay. (Laying
every table out at every growth catches a relayout that loses rows.)"""

from __future__ import annotations

import gc
import hashlib
import itertools
import mmap
import subprocess
import sys
import weakref

import numpy as np
import pytest

from arledger.engine import book as bk
from arledger.engine import open_ledger, room
from tests.conftest import T0_US
from tests.engine.test_replay import fill
from tests.unit.test_rules import cmd


def _book_digest(book: bk.Book) -> str:
    return hashlib.sha256(b"".join(bytes(x) for x in book.digest_bytes())).hexdigest()


def _reserved(a: np.ndarray) -> bool:
    """Whether `a` lies in address space reserved by room.zeros (an anonymous map)."""
    x: object = a
    while isinstance(x, np.ndarray):
        x = x.base
    return isinstance(x, memoryview) and isinstance(x.obj, mmap.mmap)


def test_grown_keeps_the_filled_rows_and_returns_the_same_array_while_it_fits(
        monkeypatch) -> None:
    monkeypatch.setattr(room, "ENABLED", True)  # whatever this machine's limits say
    a = np.arange(12, dtype=np.int64).reshape(6, 2)
    assert room.grown(a, 6, 6) is a
    small = room.grown(a, 4, 7)  # under RESERVE_BYTES: an ordinary array, doubled
    assert not _reserved(small) and small.shape == (12, 2)
    assert small[:4].tolist() == a[:4].tolist() and not small[4:].any()
    need = room.RESERVE_BYTES // 16  # rows of 16 bytes: four times that is reserved
    b = room.grown(a, 4, need)
    assert _reserved(b) and b.shape == (4 * need, 2) and b.dtype == a.dtype
    assert b[:4].tolist() == a[:4].tolist()
    assert not b[4:8].any()  # past what was kept: zeros (untouched reserved pages)
    assert room.grown(b, 4, len(b)) is b
    assert b.flags.writeable and b.flags.c_contiguous and b.flags.aligned


def test_without_a_reservation_growth_falls_back_to_a_plain_doubling(monkeypatch) -> None:
    monkeypatch.setattr(room, "zeros", lambda dtype, n: None)
    a = np.arange(5, dtype=np.uint8)
    b = room.grown(a, 5, room.RESERVE_BYTES)
    assert not _reserved(b)
    assert len(b) == room.RESERVE_BYTES and b[:5].tolist() == [0, 1, 2, 3, 4]


@pytest.mark.slow
@pytest.mark.parametrize("limit", ["RLIMIT_AS", "RLIMIT_DATA"])
def test_a_budgeted_address_space_turns_reservation_off(limit: str) -> None:
    # A finite RLIMIT_AS or RLIMIT_DATA (strict overcommit is the same case): reserved maps
    # would count in full against it, so nothing is reserved.
    code = (f"import resource; resource.setrlimit(resource.{limit}, (1 << 36, 1 << 36)); "
            "from arledger.engine import room; print(room.ENABLED, room.zeros('<i8', 1 << 20))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.split()
    assert out == ["False", "None"]


def test_a_small_book_reserves_nothing() -> None:
    book = bk.Book()
    for arrays in book.flat.values():
        for a in arrays:
            assert not _reserved(a)
    book.invoices.append(5000, amount=7)  # still under RESERVE_ROWS
    assert not _reserved(book.flat[bk.I8][book.invoices._code])


def test_a_table_grows_in_place_within_its_stride_and_is_copied_past_it(monkeypatch) -> None:
    monkeypatch.setattr(room, "ENABLED", True)
    monkeypatch.setattr(bk, "RESERVE_ROWS", 0)
    monkeypatch.setattr(bk, "STRIDE_ROWS", 4096)
    book = bk.Book()
    t = book.invoices
    flat = book.flat[bk.I8][t._code]
    assert _reserved(flat)
    t.append(3000, amount=np.arange(3000), customer=7)
    assert t.capacity >= 3000 and book.flat[bk.I8][t._code] is flat  # in place: no copy
    t.append(2000, amount=np.arange(3000, 5000))
    assert book.flat[bk.I8][t._code] is not flat  # past the stride: laid out again
    assert int(book.stride[t._code]) >= 4 * 5000
    assert t.view("amount").tolist() == list(range(5000))
    assert set(t.view("customer").tolist()) == {0, 7}
    assert t.view("next").tolist() == [-1] * 5000  # links start at -1, copied as they were
    # memory_bytes counts capacity, not the address space reserved past it
    assert book.memory_bytes() < 64 * int(book.stride[t._code])


def test_a_closed_ledger_is_freed_while_another_keeps_folding(tmp_path) -> None:
    # The folds gc.freeze what the state holds; a dropped book must be freed by reference
    # counting (no cycle through its tables or id tables), not wait for a collection the
    # next freeze would prevent.
    ticks = itertools.count(T0_US, 1_000)
    a = open_ledger(tmp_path / "a", clock=lambda: next(ticks))
    b = open_ledger(tmp_path / "b", clock=lambda: next(ticks))
    fill(a)
    fill(b)
    book, ids = weakref.ref(a.state.book), weakref.ref(a.state.book.ids)
    a.close()
    del a
    (o,) = b.submit([cmd("openCustomer", "late", customerId="LATE", name="L",
                         currency="EUR", openedDate="2026-03-01")])
    assert o.status == "ACCEPTED"  # b folded (and froze the GC's generations) after a closed
    gc.collect()
    assert book() is None and ids() is None
    b.close()


def _fed(where, **kw) -> tuple[str, str, int]:
    """A ledger at `where` fed the replay tests' stream, then opened again (a replay);
    (state digest, book digest, head) of both, which must agree."""
    ticks = itertools.count(T0_US, 1_000)
    led = open_ledger(where, clock=lambda: next(ticks))
    fill(led)
    live = (led.state.digest(), _book_digest(led.state.book), led.state.head_position)
    led.close()
    again = open_ledger(where, clock=lambda: next(ticks))
    try:
        assert (again.state.digest(), _book_digest(again.state.book),
                again.state.head_position) == live
    finally:
        again.close()
    return live


@pytest.mark.parametrize("how", ["relaid at every growth", "twice the capacity",
                                 "no reservation"])
def test_a_ledger_grown_any_way_holds_the_same_state(tmp_path, monkeypatch, how):
    want = _fed(tmp_path / "default")
    copied = []  # (table, rows) of each layout that moved filled rows to new arrays
    layout = bk.Book._layout

    def counting(self, tables=None, caps=None):  # type: ignore[no-untyped-def]
        before = {t: [id(self.flat[dt][self.tables[t]._code]) for dt in bk.DTYPES]
                  for t in (tables or self.tables)}
        layout(self, tables, caps)
        for t, ids in before.items():
            n = self.tables[t].n
            if n and ids != [id(self.flat[dt][self.tables[t]._code]) for dt in bk.DTYPES]:
                copied.append((t, n))

    monkeypatch.setattr(bk.Book, "_layout", counting)
    if how == "no reservation":
        monkeypatch.setattr(room, "ENABLED", False)
    else:  # every table reserved at every layout: a fresh map one row past its capacity
        # (so laid out again at every growth), or at twice its capacity
        monkeypatch.setattr(room, "ENABLED", True)
        monkeypatch.setattr(bk, "stride_for", (lambda cap: cap + 1) if how.startswith("relaid")
                            else (lambda cap: 2 * cap))
    reserved = []
    zeros = room.zeros
    monkeypatch.setattr(room, "zeros", lambda dtype, n: reserved.append(n) or zeros(dtype, n))
    assert _fed(tmp_path / "grown") == want
    if how != "no reservation":
        assert len(reserved) > 100, len(reserved)
    # the growing tables were laid out again with rows in them, in every variant
    assert {"invoices", "payments", "allocs", "requests"} <= {t for t, _ in copied}, copied
    assert len(copied) >= 10, copied
