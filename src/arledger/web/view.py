"""What the pages share: the two clocks, money and dates, sortable paged tables, and charts
drawn as inline SVG on the server (no JavaScript, no chart library)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup

from arledger.domain import limits
from arledger.domain.money import MINOR_UNITS, format_minor

# ---- the two clocks ----------------------------------------------------------------------------

@dataclass
class Clocks:
    """The view the user looks at: as of an effective date, as known at a recorded time.
    Empty = today / now (the default view). Every link keeps them."""

    as_of: str = ""
    known_at: str = ""      # "YYYY-MM-DDTHH:MM" (UTC), as a datetime-local input sends it
    today: str = ""

    @classmethod
    def from_query(cls, q: Any, today: dt.date) -> Clocks:
        as_of = (q.get("as_of") or "").strip()
        known = (q.get("known_at") or "").strip()
        try:
            if as_of:
                dt.date.fromisoformat(as_of)
        except ValueError:
            as_of = ""
        try:
            if known:
                known = dt.datetime.fromisoformat(known.replace("Z", "")).strftime(
                    "%Y-%m-%dT%H:%M")
        except ValueError:
            known = ""
        return cls(as_of, known, today.isoformat())

    @property
    def day(self) -> str:
        """The as-of date in force (today when none is set)."""
        return self.as_of or self.today

    @property
    def known_datetime(self) -> dt.datetime | None:
        if not self.known_at:
            return None
        return dt.datetime.fromisoformat(self.known_at).replace(tzinfo=dt.UTC)

    @property
    def past(self) -> bool:
        """A view other than today's as known now."""
        return bool((self.as_of and self.as_of != self.today) or self.known_at)

    @property
    def live(self) -> bool:
        """Today's view as known now: the only one actions are offered in (what they record
        takes effect today and shows at once)."""
        return not self.past

    def params(self) -> dict[str, str]:
        out = {}
        if self.as_of:
            out["as_of"] = self.as_of
        if self.known_at:
            out["known_at"] = self.known_at
        return out

    def sdk(self) -> dict[str, Any]:
        """as_of / known_at arguments for the SDK."""
        return {"as_of": self.day, "known_at": self.known_datetime}


def link(path: str, clocks: Clocks | None = None, **params: Any) -> str:
    """A URL to `path` that keeps the clocks; params of None or "" are left out."""
    q = dict(clocks.params()) if clocks is not None else {}
    for k, v in params.items():
        if v is None or v == "" or v is False:
            q.pop(k, None)
        else:
            q[k] = v
    return path + ("?" + urlencode(q) if q else "")


# ---- money and dates ---------------------------------------------------------------------------

def money(amount: int | None, currency: str) -> str:
    """Major units with the currency: 123456 EUR -> '1,234.56 EUR'."""
    if amount is None:
        return ""
    return format_minor(int(amount), currency)


def to_minor(text: str, currency: str) -> int:
    """'1,234.56' (major units) -> 123456 minor units of the currency; ValueError if not a
    positive amount with at most the currency's decimals."""
    t = (text or "").replace(",", "").replace(" ", "").strip()
    digits = MINOR_UNITS.get(currency, 2)
    if not t or t.startswith("-"):
        raise ValueError("enter a positive amount")
    whole, _, frac = t.partition(".")
    if not whole.isdigit() and whole != "" or (frac and not frac.isdigit()) or \
            len(frac) > digits:
        raise ValueError(f"enter an amount with at most {digits} decimals")
    value = int(whole or "0") * 10**digits + int((frac or "0").ljust(digits, "0")[:digits] or 0)
    if value <= 0:
        raise ValueError("enter a positive amount")
    return value


def major(amount: int, currency: str) -> str:
    """An amount in major units without grouping, for a form's default value."""
    d = MINOR_UNITS.get(currency, 2)
    if d == 0:
        return str(amount)
    sign = "-" if amount < 0 else ""
    a = abs(amount)
    return f"{sign}{a // 10**d}.{a % 10**d:0{d}d}"


def when(ts: Any) -> str:
    """A recorded time as 'YYYY-MM-DD HH:MM:SS UTC' (from an RFC 3339 string or datetime)."""
    if not ts:
        return ""
    if isinstance(ts, str):
        try:
            ts = dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
        except ValueError:
            return ts
    if isinstance(ts, (int, float)):
        ts = dt.datetime.fromtimestamp(ts / 1e6, dt.UTC)
    return ts.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def pct(x: float | None, digits: int = 1) -> str:
    return "" if x is None else f"{x:.{digits}f} %"


def num(x: float | None, digits: int = 1) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


# ---- tables ------------------------------------------------------------------------------------

@dataclass
class Col:
    key: str
    label: str
    kind: str = "text"        # text, money, date, int, pct, num, bool, link
    sortable: bool = True
    # For money: the row key holding the currency. For link: a function row -> URL.
    currency_key: str = "currency"
    href: Any = None
    order: str = ""           # the API's order_by field (lists sorted by the server)
    wrap: bool = False        # long text: may wrap (other cells keep to one line)


@dataclass
class Table:
    """A sortable, paged table: sorted and paged here (rows in memory) or by the server
    (rows of one API page; `server_sorted`, with page tokens)."""

    id: str
    caption: str
    cols: list[Col]
    rows: list[dict]
    sort: str = ""
    desc: bool = False
    page: int = 1
    pages: int = 1
    total: int = 0
    base: str = ""                       # path of the page the table is on
    clocks: Clocks | None = None
    extra: dict = field(default_factory=dict)   # other query parameters to keep
    next_token: str = ""
    back: list[str] = field(default_factory=list)  # tokens of the pages before (server paging)
    token: str = ""
    server_sorted: bool = False
    empty: str = "Nothing to show."

    def url(self, **params: Any) -> str:
        q = dict(self.extra)
        q.update(params)
        return link(self.base, self.clocks, **q)

    def sort_url(self, col: Col) -> str:
        desc = not self.desc if self.sort == (col.order or col.key) else col.kind in (
            "money", "int", "num", "pct")
        key = col.order or col.key
        p = self.id + "_"
        return self.url(**{p + "sort": key, p + "dir": "desc" if desc else "asc",
                           p + "page": None, p + "token": None, p + "back": None}) + \
            f"#{self.id}"

    def aria_sort(self, col: Col) -> str:
        if self.sort != (col.order or col.key):
            return "none"
        return "descending" if self.desc else "ascending"

    def page_url(self, page: int) -> str:
        return self.url(**{self.id + "_page": page}) + f"#{self.id}"

    def next_url(self) -> str:
        back = ",".join(self.back + [self.token or "-"])
        return self.url(**{self.id + "_token": self.next_token,
                           self.id + "_back": back}) + f"#{self.id}"

    def prev_url(self) -> str:
        prev = self.back[-1] if self.back else ""
        return self.url(**{self.id + "_token": "" if prev == "-" else prev,
                           self.id + "_back": ",".join(self.back[:-1]) or None}) + \
            f"#{self.id}"

    def first_url(self) -> str:
        return self.url(**{self.id + "_token": None, self.id + "_back": None}) + f"#{self.id}"

    @property
    def page_number(self) -> int:
        return len(self.back) + 1 if self.server_sorted else self.page

    def cell(self, col: Col, row: dict) -> Markup:
        v = row.get(col.key)
        if col.kind == "money":
            return Markup(escape(money(v, row.get(col.currency_key, ""))))
        if col.kind == "int":
            return Markup("" if v is None else f"{int(v):,}")
        if col.kind == "pct":
            return Markup(escape(pct(v)))
        if col.kind == "limit":
            return Markup(escape(money(v, row.get(col.currency_key, "")) if v else "none"))
        if col.kind == "prob":
            return Markup("" if v is None else f"{100 * v:.1f} %")
        if col.kind == "num":
            return Markup(escape(num(v, 4 if abs(v or 0) < 1 else 1)))
        if col.kind == "bool":
            return Markup("yes" if v else "no")
        if col.kind == "when":
            return Markup(escape(when(v)))
        if col.kind == "link" and col.href is not None and v:
            url = col.href(row)
            if url:
                return Markup(f'<a href="{escape(url)}">{escape(str(v))}</a>')
        return Markup(escape("" if v is None else str(v)))

    def numeric(self, col: Col) -> bool:
        return col.kind in ("money", "int", "num", "pct", "limit", "prob")


def table(id: str, caption: str, cols: list[Col], rows: list[dict], q: Any, *, base: str,
          clocks: Clocks | None, page_size: int = limits.workspace_table_rows,
          default_sort: str = "", default_desc: bool = False, extra: dict | None = None,
          empty: str = "") -> Table:
    """A table sorted and paged here, from the request's `<id>_sort/_dir/_page`."""
    keys = {c.key for c in cols if c.sortable}
    sort = q.get(f"{id}_sort") or default_sort
    if sort not in keys:
        sort = default_sort if default_sort in keys else ""
    desc = (q.get(f"{id}_dir") == "desc") if q.get(f"{id}_sort") else default_desc
    if sort:
        def key(r: dict) -> Any:
            v = r.get(sort)
            if isinstance(v, str):
                return (0, v.casefold())
            return (0 if v is not None else 1, v if v is not None else 0)
        rows = sorted(rows, key=key, reverse=desc)
    pages = max(1, -(-len(rows) // page_size))
    try:
        page = min(max(int(q.get(f"{id}_page") or 1), 1), pages)
    except ValueError:
        page = 1
    return Table(id, caption, cols, rows[(page - 1) * page_size: page * page_size], sort, desc,
                 page, pages, len(rows), base, clocks, dict(extra or {}),
                 empty=empty or "Nothing to show.")


def server_table(id: str, caption: str, cols: list[Col], q: Any, *, base: str,
                 clocks: Clocks | None, default_order: str, extra: dict | None = None,
                 empty: str = "") -> tuple[Table, str, str]:
    """A table the server sorts and pages; returns it (rows to fill in) with the order_by
    and page token to ask for."""
    orders = {c.order for c in cols if c.order}
    sort = q.get(f"{id}_sort") or ""
    if sort in orders:
        desc = q.get(f"{id}_dir") == "desc"
    else:
        parts = default_order.split()
        sort, desc = parts[0], len(parts) > 1
    back = [b for b in (q.get(f"{id}_back") or "").split(",") if b]
    token = q.get(f"{id}_token") or ""
    t = Table(id, caption, cols, [], sort, desc, base=base, clocks=clocks,
              extra=dict(extra or {}, **{f"{id}_sort": sort if q.get(f"{id}_sort") else None,
                                         f"{id}_dir": q.get(f"{id}_dir")}),
              back=back, token=token, server_sorted=True, empty=empty or "Nothing to show.")
    return t, f"{sort} desc" if desc else sort, token


# ---- charts (inline SVG) -----------------------------------------------------------------------

_BUCKET_COLOURS = ("#2e7d32", "#9e9d24", "#f9a825", "#ef6c00", "#d84315", "#b71c1c", "#6a1b9a",
                   "#4a148c")


def aging_chart(labels: list[str], buckets: list[int], currency: str) -> Markup:
    """Bars per aging bucket, amounts in major units, each bar labelled."""
    w, h, left, bottom, top = 560, 220, 70, 40, 16
    n = len(buckets)
    peak = max([b for b in buckets] + [1])
    bw = (w - left - 10) / max(n, 1)
    parts = [f'<svg viewBox="0 0 {w} {h}" width="100%" role="img" class="chart" '
             f'aria-label="Aging by bucket in {escape(currency)}">',
             f'<title>Aging by bucket ({escape(currency)})</title>']
    for k in range(5):
        y = top + (h - top - bottom) * k / 4
        val = peak * (4 - k) / 4
        parts.append(f'<line x1="{left}" x2="{w - 5}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'class="grid"/><text x="{left - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end" class="axis">{escape(_short(val, currency))}</text>')
    for i, (lab, b) in enumerate(zip(labels, buckets)):
        bh = (h - top - bottom) * max(b, 0) / peak
        x = left + i * bw + 6
        y = h - bottom - bh
        colour = _BUCKET_COLOURS[min(i, len(_BUCKET_COLOURS) - 1)]
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw - 12:.1f}" height="{bh:.1f}" '
                     f'fill="{colour}"><title>{escape(lab)}: {escape(money(b, currency))}'
                     f'</title></rect>')
        parts.append(f'<text x="{x + (bw - 12) / 2:.1f}" y="{h - bottom + 16}" '
                     f'text-anchor="middle" class="axis">{escape(lab)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def trend_chart(points: list[tuple[str, float | None]], label: str, unit: str = "") -> Markup:
    """A line through monthly values (None = no value that month)."""
    w, h, left, bottom, top, right = 560, 180, 60, 34, 14, 40
    vals = [v for _, v in points if v is not None]
    if not vals:
        return Markup(f'<p class="muted">No {escape(label)} to draw for these months.</p>')
    lo, hi = min(0.0, min(vals)), max(vals) or 1.0
    span = (hi - lo) or 1.0
    n = len(points)
    step = (w - left - right) / max(n - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i * step, top + (h - top - bottom) * (1 - (v - lo) / span)
    parts = [f'<svg viewBox="0 0 {w} {h}" width="100%" role="img" class="chart" '
             f'aria-label="{escape(label)} by month">', f'<title>{escape(label)} by month</title>']
    for k in range(3):
        v = lo + span * (2 - k) / 2
        y = top + (h - top - bottom) * k / 2
        parts.append(f'<line x1="{left}" x2="{w - 5}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">'
                     f'{v:,.0f}{escape(unit)}</text>')
    pts = [(i, v) for i, (_, v) in enumerate(points) if v is not None]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in pts))
    parts.append(f'<polyline points="{path}" class="line"/>')
    for i, (m, v) in enumerate(points):
        x = left + i * step
        parts.append(f'<text x="{x:.1f}" y="{h - bottom + 16}" text-anchor="middle" '
                     f'class="axis">{escape(m)}</text>')
        if v is not None:
            _, y = xy(i, v)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="dot">'
                         f'<title>{escape(m)}: {v:,.1f}{escape(unit)}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(v: float, currency: str) -> str:
    major_ = v / 10 ** MINOR_UNITS.get(currency, 2)
    for div, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(major_) >= div:
            return f"{major_ / div:,.1f}{suffix}"
    return f"{major_:,.0f}"
