"""The typed tables (what mypy reads) name exactly the columns the book and the read state
lay out, with the dtype each is laid out in."""

from __future__ import annotations

import typing

import numpy as np

from arledger.engine import book as B
from arledger.engine import state as S

DTYPE_OF = {"U1s": "|u1", "I2s": "<i2", "I4s": "<i4", "I8s": "<i8", "U8s": "<u8"}


def _declared(cls: type) -> dict[str, str]:
    hints = {k: v for c in cls.__mro__ if c not in (B.Table, S.Columns, object)
             for k, v in c.__annotations__.items()}
    return {k: DTYPE_OF[v] for k, v in hints.items()}


def test_each_book_table_type_declares_its_columns_with_their_dtypes() -> None:
    assert set(B.TABLE_TYPES) == set(B.TABLES)
    for name, (_, cols) in B.TABLES.items():
        assert _declared(B.TABLE_TYPES[name]) == {c.name: c.dtype for c in cols}, name
        assert typing.get_type_hints(B.Book)[name] is B.TABLE_TYPES[name]


def test_a_book_builds_each_table_as_its_type_with_the_declared_arrays() -> None:
    for book in (B.Book(), B.Book().copy_core()):
        for name, table in book.tables.items():
            assert type(table) is B.TABLE_TYPES[name]
            assert getattr(book, name) is table
            for c in table.cols:
                assert getattr(table, c.name).dtype == np.dtype(c.dtype)


def test_each_read_state_table_is_built_with_the_columns_its_type_declares() -> None:
    st = S.State()
    seen = 0
    for attr, value in vars(st).items():
        if isinstance(value, S.Columns):
            assert type(value) is not S.Columns, f"{attr}: give it a typed Columns class"
            assert _declared(type(value)) == value.spec, attr
            seen += 1
    assert seen >= 16


def test_the_column_codes_compiled_code_reads_are_declared_for_the_type_checker() -> None:
    from arledger.engine import columnar as C

    declared_b = {k for k, v in B.__annotations__.items() if v == "int"}
    generated_b = ({"T_" + n.upper() for n in B.TABLES} | {"K_" + k.upper() for k in B.ID_KINDS}
                   | {f"{p}_{c.name.upper()}" for p, cols in B.TABLES.values() for c in cols})
    assert declared_b == generated_b
    assert all(type(getattr(B, k)) is int for k in declared_b)
    declared_c = {k for k, v in C.__annotations__.items() if v == "int"}
    prefix = {C.OPEN_CUSTOMER: "OC", C.ISSUE_INVOICE: "II", C.RECORD_PAYMENT: "RP",
              C.ISSUE_CREDIT_NOTE: "CN", C.ALLOCATE_PAYMENT: "AP"}
    generated_c = {f"{prefix[k]}_{n.strip('[]').upper()}" for k, s in C.SPECS.items()
                   for n in s.nums} | {f"{prefix[k]}_S_{n.replace('address.', 'address_').upper()}"
                                       for k, s in C.SPECS.items() for n in s.strs}
    assert declared_c == generated_c
    assert all(type(getattr(C, k)) is int for k in declared_c)
