"""Growth in place (engine/room.py): columns, id arrays, records and the undo log grow by
raising a capacity inside address space reserved at a stride, and are laid out again (rows
copied) only past the stride, or at every growth where no space can be reserved.

Whichever way a book grows, it must hold the same thing: a ledger fed the same stream with
the default stride, with a stride of a few rows (every table laid out again and again, in
both books) and with no reservation at all (tight arrays, copied at each doubling) ends in
the same state digest and the same book bytes, and so does its replay."""

from __future__ import annotations

import hashlib
import itertools
import mmap

import numpy as np
import pytest

from arledger.engine import book as bk
from arledger.engine import open_ledger, room
from tests.conftest import T0_US
from tests.engine.test_replay import fill


def _book_digest(book: bk.Book) -> str:
    return hashlib.sha256(b"".join(bytes(x) for x in book.digest_bytes())).hexdigest()


def test_grown_keeps_the_filled_rows_and_returns_the_same_array_while_it_fits() -> None:
    a = np.arange(12, dtype=np.int64).reshape(6, 2)
    assert room.grown(a, 6, 6) is a
    b = room.grown(a, 4, 7)
    assert b.shape[1:] == (2,) and len(b) >= 4 * 7 and b.dtype == a.dtype
    assert b[:4].tolist() == a[:4].tolist()
    assert not b[4:].any()  # past what was kept: zeros (untouched reserved pages)
    assert room.grown(b, 4, len(b)) is b
    assert b.flags.writeable and b.flags.c_contiguous and b.flags.aligned


def test_without_a_reservation_growth_falls_back_to_a_plain_doubling(monkeypatch) -> None:
    monkeypatch.setattr(room, "zeros", lambda dtype, n: None)
    a = np.arange(5, dtype=np.uint8)
    b = room.grown(a, 5, 6)
    assert not isinstance(b.base, mmap.mmap)
    assert len(b) == 10 and b[:5].tolist() == [0, 1, 2, 3, 4]


def test_a_table_grows_in_place_within_its_stride_and_is_copied_past_it(monkeypatch) -> None:
    monkeypatch.setattr(bk, "STRIDE_ROWS", 4096)
    book = bk.Book()
    t = book.invoices
    flat = book.flat[bk.I8][t._code]
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


@pytest.mark.parametrize("how", ["stride of 64 rows", "no reservation"])
def test_a_ledger_grown_any_way_holds_the_same_state(tmp_path, monkeypatch, how):
    want = _fed(tmp_path / "default")
    if how == "no reservation":
        monkeypatch.setattr(room, "zeros", lambda dtype, n: None)
    else:
        monkeypatch.setattr(bk, "STRIDE_ROWS", 64)
    assert _fed(tmp_path / "grown") == want
