"""The distinct texts of a batch's string column (how resolve maps currency codes to the
ledger's): the compiled one-pass path (`_few_short`, at most 7 bytes and 32 distinct
texts) and the Python path it falls back to give the same answer as a plain Python
reference, for columns on either side of both limits."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from arledger.engine.columnar import _FEW, _distinct_texts, _few_short

KEYS = np.empty(_FEW, np.uint64)
_text = st.text(alphabet="ABCEUSDGPéx", min_size=0, max_size=9)


def _column(texts: list[str], gap: int) -> tuple[np.ndarray, np.ndarray]:
    """A buffer holding the texts (NUL-separated, `gap` spare bytes after each) and their
    (start, end) references."""
    buf, refs = bytearray(), []
    for t in texts:
        b = t.encode()
        refs.append((len(buf), len(buf) + len(b)))
        buf += b + b"\0" * (1 + gap)
    return np.frombuffer(bytes(buf) or b"\0", np.uint8).copy(), np.array(refs, np.int64)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(["EUR", "USD", "", "GBP", "é", "ABCDEFG"]),
                          min_size=1, max_size=200),
                 st.lists(_text, min_size=1, max_size=200)),
       st.integers(0, 3))
def test_each_row_maps_to_its_own_text(texts: list[str], gap: int) -> None:
    buf, refs = _column(texts, gap)
    codes, which = _distinct_texts(buf, refs)
    assert len(set(codes)) == len(codes) == len(set(texts))
    assert [codes[k] for k in which.tolist()] == texts


def test_the_one_pass_path_stops_at_its_limits() -> None:
    few = [f"C{k:02d}" for k in range(_FEW)]
    buf, refs = _column(few * 3, 0)
    which, first = np.empty(len(refs), np.int64), np.empty(_FEW, np.int64)
    assert _few_short(buf, refs, which, first, KEYS) == _FEW
    assert which.tolist() == list(range(_FEW)) * 3 and first.tolist() == list(range(_FEW))
    buf, refs = _column([*few, "C99"], 0)  # one distinct text too many
    assert _few_short(buf, refs, np.empty(len(refs), np.int64), first, KEYS) == -1
    buf, refs = _column(["EUR", "EIGHTBYT"], 0)  # a text longer than a key holds
    assert _few_short(buf, refs, np.empty(len(refs), np.int64), first, KEYS) == -1
    codes, which = _distinct_texts(buf, refs)
    assert [codes[k] for k in which.tolist()] == ["EUR", "EIGHTBYT"]


@settings(max_examples=200, deadline=None)
@given(st.lists(_text, min_size=1, max_size=60), st.data())
def test_a_text_column_takes_some_rows_as_its_whole_list_has_them(texts, data) -> None:
    # StrColumn.take cuts few rows out of the bytes and takes many from the split list
    from arledger.engine.text import StrColumn

    rows = data.draw(st.lists(st.integers(0, len(texts) - 1), max_size=len(texts)))
    col = StrColumn("\x00".join(texts).encode(), len(texts))
    assert col.take(rows) == [texts[i] for i in rows]
    assert col.take(rows) == [texts[i] for i in rows]  # the second after any caching
    col.tolist()
    assert col.take(rows) == [texts[i] for i in rows]
