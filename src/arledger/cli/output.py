"""How the `arledger` command prints: a table (rich), JSON or CSV, and a progress bar.

Money: a field named `*_minor` (or named in `money=`) is an integer in minor units. Tables
show it in major units with its currency (`1,190.00 EUR`, `5,000 JPY`, `1.500 KWD`), the
currency taken from the row's `currency` field or the `currency=` given; JSON and CSV keep
the exact integer. CSV is one header line and rows, nothing else: nested values as JSON,
booleans as true/false, None as empty. Anything that is not data (a title, a summary, the
next page token) goes to stderr through `note`, so stdout parses.

The currency data is the domain's ISO 4217 table (arledger.domain.money, pure): the CLI
ships in the server's distribution, so it reads the one table rather than keep a second.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text

from arledger.domain.money import format_minor

FORMATS = ("table", "json", "csv")
MINOR = "_minor"


def plain(obj: Any) -> Any:
    """The SDK's results (dataclasses, tuples, sets, datetimes) as JSON-able data."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted(plain(v) for v in obj)
    if isinstance(obj, (dt.datetime, dt.date)):
        return obj.isoformat()
    return obj


def money(amount_minor: int, currency: str) -> str:
    """Major units with the currency code: 119000 EUR -> '1,190.00 EUR'."""
    return format_minor(int(amount_minor), currency) if currency else f"{int(amount_minor):,}"


def note(text: str) -> None:
    """A line for the reader, not data: on stderr, whatever the format."""
    print(text, file=sys.stderr, flush=True)


def _console() -> Console:
    tty = sys.stdout.isatty()
    return Console(file=sys.stdout, highlight=False, markup=False, emoji=False,
                   soft_wrap=not tty, width=None if tty else 100_000)


def _is_money(key: str, money_keys: Sequence[str]) -> bool:
    return key.endswith(MINOR) or key in money_keys


def _heading(key: str) -> str:
    """A money column's heading drops `_minor`: the cells say the unit."""
    return key[: -len(MINOR)] if key.endswith(MINOR) and key != MINOR else key


def table_cell(row: Mapping[str, Any], key: str, money_keys: Sequence[str] = (),
               currency: str = "") -> str:
    v = row.get(key, "")
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int) and _is_money(key, money_keys):
        return money(v, str(row.get("currency") or currency))
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1 else f"{v:,.2f}"
    if isinstance(v, (list, tuple)):
        return ", ".join(table_cell({"x": x}, "x") for x in v) if all(
            not isinstance(x, (dict, list)) for x in v) else json.dumps(v, default=str)
    if isinstance(v, dict):
        return json.dumps(v, default=str)
    return str(v)


def csv_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple, dict)):
        return json.dumps(v, default=str, separators=(",", ":"))
    return str(v)


def _columns(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None) -> list[str]:
    if columns:
        return list(columns)
    out: dict[str, None] = {}
    for r in rows:
        out.update(dict.fromkeys(r))
    return list(out)


def write_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> None:
    cols = _columns(rows, columns)
    if not cols:
        return
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([csv_cell(r.get(c)) for c in cols])


def print_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None, *,
                money_keys: Sequence[str] = (), currency: str = "", title: str = "") -> None:
    if not rows:
        _console().print(Text(f"{title}: (none)" if title else "(none)"))
        return
    cols = _columns(rows, columns)
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title=title or None,
              title_justify="left", title_style="bold")
    for c in cols:
        numeric = all(isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool)
                      for r in rows if r.get(c) not in (None, ""))
        t.add_column(_heading(c).upper(), justify="right" if numeric else "left",
                     overflow="fold")
    for r in rows:
        t.add_row(*(Text(table_cell(r, c, money_keys, currency)) for c in cols))
    _console().print(t)


def print_record(record: Mapping[str, Any], *, money_keys: Sequence[str] = (),
                 currency: str = "", title: str = "") -> None:
    """One object as a two-column table: field, value."""
    t = Table(box=None, show_header=False, pad_edge=False, title=title or None,
              title_justify="left", title_style="bold")
    t.add_column("field", style="bold")
    t.add_column("value", overflow="fold")
    for k in record:
        t.add_row(Text(_heading(k)), Text(table_cell(record, k, money_keys,
                                                                   currency)))
    _console().print(t)


def emit(obj: Any, fmt: str, columns: Sequence[str] | None = None, *,
         money_keys: Sequence[str] = (), currency: str = "") -> None:
    """A dict (one record) or a list of dicts (rows) in the format asked."""
    obj = plain(obj)
    if fmt == "json":
        print(json.dumps(obj, indent=2, default=str))
        return
    rows = obj if isinstance(obj, list) else [obj]
    if fmt == "csv":
        write_csv(rows, columns)
    elif isinstance(obj, list) or columns is not None:
        print_table(rows, columns, money_keys=money_keys, currency=currency)
    else:
        print_record(obj, money_keys=money_keys, currency=currency)


def emit_sections(fmt: str, sections: Iterable[tuple[str, Any, Sequence[str] | None]], *,
                  currency: str = "") -> None:
    """A document of several parts (a head record, then tables): in a table each part under
    its title; in CSV one table whose first column names the part; in JSON one object."""
    parts = [(name, plain(obj), cols) for name, obj, cols in sections]
    if fmt == "json":
        print(json.dumps({name: obj for name, obj, _ in parts}, indent=2, default=str))
        return
    if fmt == "csv":
        rows: list[dict[str, Any]] = []
        cols: dict[str, None] = {"section": None}
        for name, obj, columns in parts:
            part = obj if isinstance(obj, list) else [obj]
            cols.update(dict.fromkeys(_columns(part, columns)))
            rows += [{"section": name, **{c: r.get(c) for c in _columns(part, columns)}}
                     for r in part]
        write_csv(rows, list(cols))
        return
    for i, (name, obj, columns) in enumerate(parts):
        if i:
            print()
        if isinstance(obj, list):
            print_table(obj, columns, currency=currency, title=name)
        else:
            print_record(obj, currency=currency, title=name)


class Progress:
    """A progress bar on stderr (rich) while a terminal watches; always a summary line at
    the end ("label: N unit in S s (R/s)")."""

    def __init__(self, total: int, label: str, unit: str = "events") -> None:
        self.total = max(total, 1)
        self.label = label
        self.unit = unit
        self.done = 0
        self.t0 = time.perf_counter()
        self._bar: RichProgress | None = None
        if sys.stderr.isatty():
            self._bar = RichProgress(
                TextColumn(f"{label}"), BarColumn(), MofNCompleteColumn(),
                TextColumn(unit), TimeRemainingColumn(),
                console=Console(file=sys.stderr), transient=True)
            self._task = self._bar.add_task(label, total=self.total)
            self._bar.start()

    def update(self, n: int) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)

    def close(self) -> float:
        if self._bar is not None:
            self._bar.stop()
        elapsed = time.perf_counter() - self.t0
        note(f"{self.label}: {self.done:,} {self.unit} in {elapsed:.2f} s "
             f"({self.done / max(elapsed, 1e-9):,.0f}/s)")
        return elapsed
