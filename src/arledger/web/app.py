"""The collections workspace and the customer portal: server-rendered pages
(Starlette + Jinja2) over the SDK.

Every workspace page shows the two clocks (as of a date, as known at a time), a banner when
the view is not today's as known now, and keeps both in every link. Actions (promise,
dispute, hold, note) are ledger commands with the logged-in user as actor; they show only
to users whose permissions (web/auth.py) include "write", and only in a view as known now.
The portal (web/portal.py) is the customer's own view behind a signed, expiring link.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from arledger.domain import limits
from arledger.web import auth
from arledger.web.backend import Backend, Servers
from arledger.web.view import (
    Clocks,
    Col,
    aging_chart,
    link,
    major,
    money,
    num,
    pct,
    server_table,
    table,
    to_minor,
    trend_chart,
    when,
)
from arledger_client import ArledgerError, NotFound, Unavailable, VerificationFailed

HERE = Path(__file__).resolve().parent
REASON_CODES = ("PRICING", "QUALITY", "NOT_RECEIVED", "DAMAGED_GOODS", "DUPLICATE_BILLING",
                "OTHER")


@dataclass
class Config:
    """What `arledger web` starts the workspace with."""

    targets: list[str]
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    read_only: bool = False
    public_key_pem: str | None = None
    portal_max_age_s: int = 30 * 86400
    # The credential the portal's calls carry (a principal with writer and reader roles).
    portal_token: str = ""
    # TLS to the servers (a CA; a client certificate for mTLS); None: plaintext.
    credentials: Any = None
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))


class App:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.servers = Servers(config.targets, config.public_key_pem, config.credentials)
        if config.portal_token and self.servers.plaintext_beyond_loopback():
            raise ValueError("the portal's credential would cross the network in plaintext "
                             "to " + ", ".join(self.servers.plaintext_beyond_loopback())
                             + ": give a CA (--ca-file) for TLS")
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        env = self.templates.env
        env.globals.update(link=link, money=money, pct=pct, num=num, when=when, major=major,
                           reason_codes=REASON_CODES)
        env.filters.update(money=money, pct=pct, num=num, when=when)
        from arledger.web.portal import Portal
        self.portal = Portal(self)

    # ---- plumbing -------------------------------------------------------------------------------

    def today(self) -> dt.date:
        return self.config.clock().date()

    def user(self, request: Request) -> dict | None:
        return request.session.get("user")

    def backend(self, request: Request) -> Backend:
        u = self.user(request) or {}
        return self.servers.backend(u.get("token", ""))

    def csrf(self, request: Request) -> str:
        tok = request.session.get("csrf")
        if not tok:
            tok = request.session["csrf"] = secrets.token_urlsafe(24)
        return tok

    async def form(self, request: Request) -> dict:
        form = await request.form()
        data = {k: str(v) for k, v in form.items()}
        if not secrets.compare_digest(data.get("csrf", ""), request.session.get("csrf", "-")):
            raise HTTPException(403, "This form has expired; open the page again.")
        return data

    def flash(self, request: Request, text: str, kind: str = "ok") -> None:
        request.session.setdefault("flash", []).append({"text": text, "kind": kind})

    def render(self, request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        clocks = ctx.get("clocks") or Clocks.from_query(request.query_params, self.today())
        base = {"request": request, "clocks": clocks, "user": self.user(request),
                "csrf": self.csrf(request), "flashes": request.session.pop("flash", []),
                "perms": ctx.get("perms", frozenset()), "path": request.url.path,
                "now": when(self.config.clock()), "read_only": self.config.read_only}
        base.update(ctx)
        return self.templates.TemplateResponse(request, name, base, status_code=status)

    def clocks(self, request: Request) -> Clocks:
        return Clocks.from_query(request.query_params, self.today())

    def perms(self, b: Backend) -> frozenset[str]:
        return auth.permissions(b.heads(), read_only=self.config.read_only)

    def refused(self, request: Request, permission: str, why: str) -> HTMLResponse:
        """The page shown instead of one the user's permissions do not reach."""
        return self.render(request, "error.html", 403, title="Not allowed",
                           message=f"You may not open this page: {why}.",
                           reason="PERMISSION_DENIED")

    # ---- login ----------------------------------------------------------------------------------

    async def login(self, request: Request) -> Response:
        nxt = request.query_params.get("next") or "/"
        if not nxt.startswith("/") or nxt.startswith("//"):
            nxt = "/"
        if request.method == "GET":
            return self.render(request, "login.html", nxt=nxt)
        data = await self.form(request)
        name = data.get("user", "").strip()
        token = data.get("token", "").strip()
        if len(name) > limits.id_length_max or not name.isprintable():
            return self.render(request, "login.html", status=400, nxt=nxt,
                               error="Enter your name (at most 64 characters).")
        if token and self.servers.plaintext_beyond_loopback():
            return self.render(request, "login.html", status=400, nxt=nxt, error=(
                "This workspace talks to its servers in plaintext: it will not send your "
                "credential over the network (start it with --ca-file for TLS)."))
        try:
            heads = await run_in_threadpool(lambda: self.servers.backend(token).heads())
        except ArledgerError as e:
            msg = (f"The server does not accept this credential ({e.reason})."
                   if getattr(e, "code", "") == "UNAUTHENTICATED" else
                   "This credential may not read the ledger: it needs a reader's or an "
                   "auditor's role on the server." if auth.login_refused(e)
                   else f"The server cannot be reached ({e.reason}).")
            return self.render(request, "login.html", status=401, nxt=nxt, error=msg)
        principal, roles = auth.principal(heads)
        if principal:
            # The server knows who this is: that name is the actor of what they do.
            if name and name != principal:
                return self.render(request, "login.html", status=401, nxt=nxt, error=(
                    f"This credential is {principal}'s: enter that name, or leave the "
                    "name empty."))
            name = principal
        elif not name:
            return self.render(request, "login.html", status=400, nxt=nxt,
                               error="Enter your name (at most 64 characters).")
        request.session.clear()
        request.session["user"] = {"name": name, "token": token,
                                   "role": heads[0].role if heads else "",
                                   "principal": principal, "roles": list(roles)}
        self.csrf(request)
        return RedirectResponse(nxt, 303)

    async def logout(self, request: Request) -> Response:
        await self.form(request)
        request.session.clear()
        return RedirectResponse("/login", 303)

    def guard(self, handler: Callable) -> Callable:
        """Log-in required; the SDK's errors become pages (404 for what is not found)."""
        async def wrapped(request: Request) -> Response:
            if self.user(request) is None:
                return RedirectResponse(link("/login", None, next=str(request.url.path) + (
                    "?" + request.url.query if request.url.query else "")), 303)
            try:
                return await handler(request)
            except NotFound as e:
                return self.render(request, "error.html", 404, title="Not found",
                                   message=e.message, reason=e.reason)
            except Unavailable as e:
                return self.render(request, "error.html", 503, title="Server unavailable",
                                   message=e.message, reason=e.reason)
            except ArledgerError as e:
                return self.render(request, "error.html", 400, title="Refused",
                                   message=e.message, reason=e.reason)
        return wrapped

    # ---- portfolio --------------------------------------------------------------------------------

    async def portfolio(self, request: Request) -> Response:
        c = self.clocks(request)
        q = request.query_params
        data = await run_in_threadpool(self._portfolio, request, c)
        exc = table("exceptions", "Weekly exception list", [
            Col("kind", "Kind"), Col("customer_id", "Customer", "link",
                                     href=lambda r: link(f"/customers/{r['customer_id']}", c)),
            Col("item_id", "Item"), Col("amount_minor", "Amount", "money"),
            Col("days", "Days", "int"), Col("detail", "Detail", sortable=False, wrap=True)],
            data["exceptions"], q, base="/", clocks=c, default_sort="amount_minor",
            default_desc=True, empty="No exceptions as of this day.")
        notices = table("notices", "Notices of the last dunning run", [
            Col("customer_id", "Customer", "link",
                href=lambda r: link(f"/customers/{r['customer_id']}", c)),
            Col("name", "Name"), Col("action", "Action"), Col("items", "Items", "int"),
            Col("oldest_days", "Most days past due", "int"),
            Col("open_minor", "Open in notice", "money"), Col("fee_minor", "Fees", "money"),
            Col("interest_minor", "Interest", "money")], data["notices"], q, base="/", clocks=c,
            default_sort="oldest_days", default_desc=True,
            empty="No dunning run on or before this day.")
        kpi = table("kpis", "KPIs for the period", data["kpi_cols"], data["kpi_rows"], q,
                    base="/", clocks=c, default_sort="currency",
                    page_size=limits.workspace_kpi_rows)
        return self.render(request, "portfolio.html", clocks=c, perms=data["perms"],
                           aging=data["aging"], labels=data["labels"], exceptions=exc,
                           notices=notices, kpis=kpi, trend=data["trend"],
                           period=data["period"], run_date=data["run_date"],
                           position=data["position"])

    def _portfolio(self, request: Request, c: Clocks) -> dict:
        b = self.backend(request)
        perms = self.perms(b)
        totals: dict[str, dict] = {}
        labels: list[str] = []
        position = 0
        for p in b.parts:
            rep = p.ledger.get_aging(None, as_of=c.day, known_at=c.known_datetime)
            labels = list(rep.bucket_labels)
            position += rep.position
            for r in rep.rows:
                t = totals.setdefault(r.currency, {"currency": r.currency,
                                                   "buckets": [0] * len(r.buckets_minor),
                                                   "unapplied": 0, "disputed": 0, "balance": 0,
                                                   "count": 0})
                t["buckets"] = [a + x for a, x in zip(t["buckets"], r.buckets_minor)]
                t["unapplied"] += r.unapplied_minor
                t["disputed"] += r.disputed_minor
                t["balance"] += r.balance_minor
                t["count"] += r.open_item_count
        aging = []
        for cur in sorted(totals):
            t = totals[cur]
            t["chart"] = aging_chart(labels, t["buckets"], cur)
            aging.append(t)
        day = dt.date.fromisoformat(c.day)
        first = dt.date(day.year, day.month, 1)
        for _ in range(5):
            first = (first - dt.timedelta(days=1)).replace(day=1)
        kpi_rows: list[dict] = []
        months: dict[str, dict[str, float | None]] = {}
        for p in b.parts:
            rows = p.reports.kpis(first, day, c.known_datetime, monthly=True)
            avg = {r["currency"]: r for r in p.reports.kpis(first, day, c.known_datetime,
                                                            cei_variant="monthly_average")}
            for r in rows:
                if r["scope"] == "period":
                    r = dict(r, cei_monthly_average=avg.get(r["currency"], {}).get("cei"),
                             partition=len(b.parts) > 1 and p.ledger.target or "")
                    kpi_rows.append(r)
                else:
                    months.setdefault(r["currency"], {})[r["period_from"][:7]] = r["dso_simple"]
        kpi_cols = [Col("currency", "Currency"),
                    Col("receivables_end_minor", "Receivables", "money"),
                    Col("credit_sales_minor", "Credit sales", "money"),
                    Col("dso_simple", "DSO (simple), days", "num"),
                    Col("dso_countback", "DSO (countback), days", "num"),
                    Col("best_possible_dso", "Best possible DSO", "num"),
                    Col("add", "ADD, days", "num"),
                    Col("cei", "CEI (total), %", "num"),
                    Col("cei_monthly_average", "CEI (monthly average), %", "num"),
                    Col("pct_current", "% current", "pct"),
                    Col("pct_over_90", "% over 90", "pct"),
                    Col("disputes_open_end", "Open disputes", "int"),
                    Col("promises_kept_rate", "Promises kept", "pct"),
                    Col("write_offs_minor", "Written off", "money")]
        if len(b.parts) > 1:
            kpi_cols.insert(1, Col("partition", "Partition"))
        trend = [{"currency": cur, "chart": trend_chart(sorted(m.items()),
                                                        f"DSO (simple), {cur}", " d")}
                 for cur, m in sorted(months.items())]
        exceptions: list[dict] = []
        notices: list[dict] = []
        run_date = ""
        for p in b.parts:
            for e in p.reports.exceptions(c.day, c.known_datetime):
                if e["kind"] in ("OVER_LIMIT", "BROKEN_PROMISE"):  # amounts in major units
                    e["detail"] = re.sub(r"-?\d+", lambda m: money(int(m.group()),
                                                                   e["currency"]), e["detail"])
                exceptions.append(e)
            dn = p.search.dunning_notices(as_of=c.day, known_at=c.known_datetime,
                                          page_size=limits.search_page_size_max)
            run_date = max(run_date, dn.get("run_date", ""))
            for n in dn["notices"]:
                notices.append({"customer_id": n["customer_id"], "name": n["name"],
                                "currency": n["currency"], "action": n["action"],
                                "items": len(n["items"]),
                                "oldest_days": max((i["days_past_due"] for i in n["items"]),
                                                   default=0),
                                "open_minor": sum(i["open_minor"] for i in n["items"]),
                                "fee_minor": n["fee_minor"],
                                "interest_minor": n["interest_minor"]})
        return {"perms": perms, "aging": aging, "labels": labels, "exceptions": exceptions,
                "notices": notices, "kpi_rows": kpi_rows, "kpi_cols": kpi_cols, "trend": trend,
                "period": (first.isoformat(), day.isoformat()), "run_date": run_date,
                "position": position}

    # ---- worklist --------------------------------------------------------------------------------

    async def worklist(self, request: Request) -> Response:
        c = self.clocks(request)
        q = request.query_params
        f = {"currency": q.get("currency", ""), "disputes": q.get("disputes", "any"),
             "promises": q.get("promises", "any"), "dunning_min": q.get("dunning_min", "")}
        if f["disputes"] not in ("any", "with", "without"):
            f["disputes"] = "any"
        if f["promises"] not in ("any", "active", "none-active", "broken"):
            f["promises"] = "any"
        try:
            dmin = max(int(f["dunning_min"] or 0), 0)
        except ValueError:
            dmin = 0
        cust_link = lambda r: link(f"/customers/{r['customer_id']}", c)  # noqa: E731
        t = table("wl", "", [
            Col("rank", "Rank", "int"), Col("customer_id", "Customer", "link", href=cust_link),
            Col("currency", "Currency"), Col("pd", "PD", "prob"),
            Col("exposure_minor", "Exposure", "money"),
            Col("expected_loss_minor", "Expected loss", "money"),
            Col("dunning_level", "Dunning level", "int"),
            Col("promise", "Promise"), Col("open_disputes", "Open disputes", "int"),
            Col("why", "Why (top features)", sortable=False, wrap=True)], [], q, base="/worklist",
            clocks=c, extra={k: v for k, v in f.items() if v and v != "any"})
        token = q.get("wl_token", "")
        back = [x for x in (q.get("wl_back") or "").split(",") if x]

        def load() -> dict:
            b = self.backend(request)
            heads = b.heads()
            why = auth.refusal(heads, auth.RISK, read_only=self.config.read_only)
            if why:
                return {"refused": why}
            page = b.worklist_page(as_of=c.day, known_at=c.known_datetime,
                                   currency=f["currency"], disputes=f["disputes"],
                                   promises=f["promises"], dunning_level_min=dmin,
                                   page_size=limits.workspace_page_size, page_token=token)
            return {"page": page, "perms": auth.permissions(heads,
                                                            read_only=self.config.read_only)}
        data = await run_in_threadpool(load)
        if "refused" in data:
            return self.refused(request, auth.RISK, data["refused"])
        page = data["page"]
        rows = []
        for r in page["rows"]:
            rows.append(dict(r, promise="active" if r.get("active_promise") else (
                f"{r['broken_promises']} broken" if r.get("broken_promises") else ""),
                why=", ".join(f"{x['feature']} {x['value']:.3g}" for x in r["top_features"]
                              if x["contribution"] > 0) or "nothing above average"))
        # Sorting here orders the rows of this page; the ranking itself is the server's.
        t2 = table("wl", "Customers ranked by expected loss", t.cols, rows, q, base="/worklist",
                   clocks=c, page_size=limits.worklist_page_size_max, extra=t.extra)
        t2.server_sorted = True
        t2.next_token, t2.token, t2.back = page.get("next_page_token", ""), token, back
        t2.total = int(page.get("total_size", 0))
        return self.render(request, "worklist.html", clocks=c, perms=data["perms"], table=t2,
                           f=f)

    # ---- customers --------------------------------------------------------------------------------

    async def customers(self, request: Request) -> Response:
        c = self.clocks(request)
        q = request.query_params
        f = {k: q.get(k, "") for k in ("query", "currency", "on_hold", "over_limit",
                                         "past_due_days", "dunning_min", "promise", "disputes",
                                         "with_risk")}
        cust_link = lambda r: link(f"/customers/{r['customer_id']}", c)  # noqa: E731
        cols = [Col("customer_id", "Customer", "link", href=cust_link, order="customer_id"),
                Col("name", "Name", order="name"), Col("currency", "Currency", sortable=False),
                Col("balance_minor", "Balance", "money", order="balance"),
                Col("overdue_minor", "Overdue", "money", order="overdue"),
                Col("oldest_past_due_days", "Oldest past due, days", "int",
                    order="oldest_past_due"),
                Col("credit_limit_minor", "Limit", "limit", sortable=False),
                Col("on_hold", "On hold", "bool", sortable=False),
                Col("dunning_level", "Dunning", "int", sortable=False),
                Col("promise_status", "Promise", sortable=False)]
        if f["with_risk"]:
            cols.append(Col("expected_loss_minor", "Expected loss", "money",
                            order="expected_loss"))
        t, order_by, token = server_table("cu", "Customers", cols, q, base="/customers",
                                          clocks=c, default_order="balance desc",
                                          extra={k: v for k, v in f.items() if v},
                                          empty="No customer matches.")

        def num_(k: str) -> int:
            try:
                return max(int(f[k] or 0), 0)
            except ValueError:
                return 0
        tri = {"yes": True, "no": False}

        def load() -> dict:
            b = self.backend(request)
            page = b.list_page("customers", as_of=c.day, known_at=c.known_datetime,
                               query=f["query"], currency=f["currency"],
                               on_hold=tri.get(f["on_hold"]), over_limit=tri.get(f["over_limit"]),
                               past_due_days_min=num_("past_due_days"),
                               dunning_level_min=num_("dunning_min"),
                               promise=f["promise"] if f["promise"] in (
                                   "active", "none-active", "broken") else "any",
                               disputes=f["disputes"] if f["disputes"] in ("with", "without")
                               else "any", order_by=order_by, with_risk=bool(f["with_risk"]),
                               page_size=limits.workspace_page_size, page_token=token)
            return {"page": page, "perms": self.perms(b)}
        data = await run_in_threadpool(load)
        t.rows, t.next_token, t.total = data["page"].items, data["page"].next_page_token, \
            data["page"].total_size
        return self.render(request, "customers.html", clocks=c, perms=data["perms"], table=t,
                           f=f)

    async def customer(self, request: Request) -> Response:
        cid = request.path_params["customer_id"]
        c = self.clocks(request)
        q = request.query_params
        day = dt.date.fromisoformat(c.day)
        s_from = q.get("from") or (day - dt.timedelta(days=90)).isoformat()
        s_to = q.get("to") or c.day
        try:
            dt.date.fromisoformat(s_from)
            dt.date.fromisoformat(s_to)
        except ValueError:
            s_from, s_to = (day - dt.timedelta(days=90)).isoformat(), c.day
        d = await run_in_threadpool(self._customer, request, cid, c, s_from, s_to)
        base = f"/customers/{cid}"
        keep = {"from": q.get("from"), "to": q.get("to")}
        inv_link = lambda r: link(f"/invoices/{r['item_id']}", c)  # noqa: E731
        items = table("items", "Open items by installment", [
            Col("item_id", "Item", "link", href=lambda r: link(
                f"/{'invoices' if r['kind'] == 'INVOICE' else 'payments'}/{r['item_id']}", c)
                if r["kind"] in ("INVOICE", "PAYMENT") else ""),
            Col("kind", "Kind"), Col("installment", "Installment", "int"),
            Col("issue_date", "Issued"), Col("due_date", "Due"),
            Col("days", "Days past due", "int"), Col("amount_minor", "Amount", "money"),
            Col("open_minor", "Open", "money"), Col("disputed_minor", "Disputed", "money")],
            d["items"], q, base=base, clocks=c, default_sort="due_date", extra=keep,
            empty="Nothing open.")
        del inv_link
        lines = table("lines", f"Statement {s_from} to {s_to}", [
            Col("effective_date", "Date"), Col("position", "Position", "int"),
            Col("type", "Entry"), Col("document_id", "Document"),
            Col("debit_minor", "Debit", "money"), Col("credit_minor", "Credit", "money"),
            Col("balance_minor", "Balance", "money")], d["lines"], q, base=base, clocks=c,
            default_sort="position", extra=keep, empty="No entries in this period.")
        entries = table("entries", "Every entry, in log order", [
            Col("position", "Position", "int"), Col("type", "Entry"),
            Col("effective_date", "Effective"), Col("recorded", "Recorded (UTC)"),
            Col("actor", "Actor"), Col("reason", "Reason"),
            Col("summary", "What", sortable=False, wrap=True)], d["entries"], q, base=base, clocks=c,
            default_sort="position", extra=keep, empty="No entries in this view.")
        notes = table("notes", "Notes", [
            Col("effective_date", "Date"), Col("recorded", "Recorded (UTC)"),
            Col("actor", "By"), Col("text", "Note", sortable=False, wrap=True)], d["notes"], q, base=base,
            clocks=c, default_sort="effective_date", default_desc=True, extra=keep,
            empty="No notes.")
        disputes = table("disputes", "Disputes", [
            Col("dispute_id", "Dispute"), Col("invoice_id", "Invoice", "link",
                                              href=lambda r: link(f"/invoices/{r['invoice_id']}",
                                                                  c)),
            Col("amount_minor", "Amount", "money"), Col("reason_code", "Reason"),
            Col("opened_date", "Opened"), Col("state", "State"),
            Col("resolved_date", "Resolved")], d["disputes"], q, base=base, clocks=c,
            default_sort="opened_date", default_desc=True, extra=keep, empty="No disputes.")
        promises = table("promises", "Promises to pay", [
            Col("promise_id", "Promise"), Col("made_date", "Made"),
            Col("promised_minor", "Promised", "money"), Col("paid_minor", "Paid since", "money"),
            Col("due", "Due"), Col("status", "Status")], d["promises"], q, base=base,
            clocks=c, default_sort="made_date", default_desc=True, extra=keep,
            empty="No promises.")
        dunning = table("dunning", "Dunning history", [
            Col("date", "Date"), Col("invoice_id", "Invoice"),
            Col("installment", "Installment", "int"), Col("level", "Level", "int"),
            Col("action", "Action"), Col("policy", "Ladder"),
            Col("fee_minor", "Fee", "money"), Col("interest_minor", "Interest", "money")],
            d["dunning"], q, base=base, clocks=c, default_sort="date", default_desc=True,
            extra=keep, empty="No dunning steps.")
        invoices = table("invoices", "Invoices", [
            Col("invoice_id", "Invoice", "link", href=lambda r: link(
                f"/invoices/{r['invoice_id']}", c)),
            Col("issue_date", "Issued"), Col("due_date", "Due"),
            Col("amount_minor", "Amount", "money"), Col("open_minor", "Open", "money"),
            Col("status", "Status")], d["invoices"], q, base=base, clocks=c,
            default_sort="issue_date", default_desc=True, extra=keep, empty="No invoices.")
        payments = table("payments", "Payments", [
            Col("payment_id", "Payment", "link", href=lambda r: link(
                f"/payments/{r['payment_id']}", c)),
            Col("value_date", "Value date"), Col("amount_minor", "Amount", "money"),
            Col("unapplied_minor", "Unapplied", "money"), Col("status", "Status")],
            d["payments"], q, base=base, clocks=c, default_sort="value_date",
            default_desc=True, extra=keep, empty="No payments.")
        return self.render(request, "customer.html", clocks=c, perms=d["perms"], d=d,
                           items=items, lines=lines, entries=entries, notes=notes,
                           disputes=disputes, promises=promises, dunning=dunning,
                           invoices=invoices, payments=payments, s_from=s_from, s_to=s_to,
                           portal_url=request.session.pop("portal_url", None))

    def _customer(self, request: Request, cid: str, c: Clocks, s_from: str, s_to: str) -> dict:
        b = self.backend(request)
        p = b.of(cid)
        kw = c.sdk()
        info = p.ledger.get_customer(cid)
        bal = p.ledger.get_balance(cid, c.day, c.known_datetime)
        acct = p.ledger.get_account(cid, c.day, c.known_datetime)
        aging = p.ledger.get_aging(cid, as_of=c.day, known_at=c.known_datetime)
        items = p.reports.aging_items("", c.day, c.known_datetime, customer_id=cid)
        st = p.reports.statement(cid, s_from, s_to, c.known_datetime)
        perms = self.perms(b)
        score = p.risk.score(cid, **kw) if auth.RISK in perms else None
        entries = []
        try:
            if auth.AUDIT not in perms:  # GetHistory reads the log: an auditor's permission
                raise PermissionError
            digest, records = p.audit.history(customer_id=cid, unverified=True)
            known_us = int(c.known_datetime.timestamp() * 1e6) if c.known_datetime else None
            for r in records:
                if r.get("effective_date", "") > c.day or (
                        known_us is not None and r.get("recorded_at_us", 0) > known_us):
                    continue
                entries.append({"position": r["position"], "type": r["type"],
                                "effective_date": r.get("effective_date", ""),
                                "recorded": when(r.get("recorded_at_us")),
                                "actor": r.get("actor", ""), "reason": r.get("reason", ""),
                                "summary": _summary(r, info.currency)})
        except (ArledgerError, PermissionError):
            digest = None
        notes = [dict(n, recorded=when(n.get("recorded_at"))) for n in
                 p.search.list_notes(cid, page_size=limits.search_page_size_max, **kw).items]
        most = limits.search_page_size_max
        invoices = list(p.search.list_invoices(customer_id=cid, page_size=most, **kw))
        payments = list(p.search.list_payments(customer_id=cid, page_size=most, **kw))
        cur = info.currency
        for it in items:
            it["currency"] = cur
            it["installment"] = it.get("installment") or None
            if it.get("kind") != "INVOICE":  # unapplied cash or credit: no due date to pass
                it["days"] = None
        lines = [dict(ln, currency=cur) for ln in st["lines"]]
        disputes = [dict(x, currency=cur) for x in acct.get("disputes", [])]
        promises = [dict(x, currency=cur, due=", ".join(
            f"{i['due_date']}: {money(i['amount_minor'], cur)}" for i in x.get("installments",
                                                                               [])))
            for x in acct.get("promises", [])]
        dunning = [dict(x, currency=cur, policy=f"{x['policy_id']} v{x['policy_version']}")
                   for x in acct.get("dunning", [])]
        open_invoices = [i for i in invoices if i["status"] == "OPEN"]
        return {"info": info, "balance": bal, "account": acct, "aging": aging,
                "aging_chart": aging_chart(list(aging.bucket_labels),
                                           list(aging.rows[0].buckets_minor), cur)
                if aging.rows else None,
                "items": items, "statement": st, "lines": lines, "entries": entries,
                "notes": notes, "disputes": disputes, "promises": promises, "dunning": dunning,
                "invoices": invoices, "payments": payments, "open_invoices": open_invoices,
                "score": score, "perms": perms, "currency": cur, "digest": digest}

    async def statement_file(self, request: Request) -> Response:
        cid = request.path_params["customer_id"]
        fmt = request.path_params["fmt"]
        if fmt not in ("csv", "pdf"):
            raise HTTPException(404, "A statement downloads as .csv or .pdf")
        c = self.clocks(request)
        q = request.query_params
        s_from = q.get("from") or (dt.date.fromisoformat(c.day) - dt.timedelta(days=90)).isoformat()
        s_to = q.get("to") or c.day
        body = await run_in_threadpool(self._statement_file, self.backend(request), cid, c,
                                       s_from, s_to, fmt)
        return _download(body, fmt, f"statement-{cid}-{s_from}-{s_to}")

    def _statement_file(self, b: Backend, cid: str, c: Clocks, s_from: str, s_to: str,
                        fmt: str) -> bytes:
        from arledger.web import statement
        p = b.of(cid)
        st = p.reports.statement(cid, s_from, s_to, c.known_datetime)
        name = p.ledger.get_customer(cid).name
        known = when(c.known_datetime) if c.known_datetime else ""
        if fmt == "csv":
            return statement.to_csv(st, name, known)
        return statement.to_pdf(st, name, known, when(self.config.clock()))

    # ---- actions ---------------------------------------------------------------------------------

    async def act(self, request: Request) -> Response:
        """One action on a customer: promise, dispute, hold, release, note, portal link."""
        if self.user(request) is None:
            return RedirectResponse("/login", 303)
        cid = request.path_params["customer_id"]
        what = request.path_params["action"]
        data = await self.form(request)
        back = data.get("back") or f"/customers/{cid}"
        if not back.startswith("/") or back.startswith("//"):
            back = "/"
        actor = self.user(request)["name"]
        try:
            msg = await run_in_threadpool(self._act, request, cid, what, data, actor)
            self.flash(request, msg)
        except (ValueError, ArledgerError) as e:
            text = e.message if isinstance(e, ArledgerError) else str(e)
            reason = f" ({e.reason})" if isinstance(e, ArledgerError) else ""
            self.flash(request, f"Not done: {text}{reason}", "error")
        return RedirectResponse(back, 303)

    def _act(self, request: Request, cid: str, what: str, data: dict, actor: str) -> str:
        b = self.backend(request)
        why = auth.refusal(b.heads(), auth.WRITE, read_only=self.config.read_only)
        if why:  # refused here, before any command is sent (the server would refuse it too)
            raise ValueError(f"you may not act on accounts here: {why}")
        p = b.of(cid)
        cur = p.ledger.get_customer(cid).currency
        day = self.today().isoformat()  # actions take effect today (today's view only)
        reason = data.get("reason", "").strip()
        if what == "promise":
            amount = to_minor(data.get("amount", ""), cur)
            due = data.get("due_date", "")
            p.ledger.record_promise(f"PR-{uuid.uuid4().hex[:12]}", cid, day,
                                    [{"due_date": due, "amount_minor": amount}], actor=actor,
                                    reason=reason or "promise recorded in the workspace")
            return f"Promise of {money(amount, cur)} by {due} recorded for {cid}."
        if what == "dispute":
            iid = data.get("invoice_id", "").strip()
            inv = p.search.get_invoice(iid)
            if inv["invoice"]["customer_id"] != cid:
                raise ValueError(f"invoice {iid} is not one of {cid}'s invoices")
            amount = to_minor(data.get("amount", ""), cur)
            p.ledger.open_dispute(f"D-{uuid.uuid4().hex[:12]}", iid, amount,
                                  data.get("reason_code") or "OTHER", day, actor=actor,
                                  reason=reason)
            return f"Dispute of {money(amount, cur)} on {iid} opened."
        if what == "hold":
            p.ledger.place_hold(cid, day, actor=actor, reason=reason)
            return f"{cid} is on hold."
        if what == "release":
            p.ledger.release_hold(cid, day, actor=actor, reason=reason)
            return f"The hold on {cid} is released."
        if what == "note":
            p.ledger.add_note(cid, data.get("text", "").strip(), day, actor=actor,
                              reason=reason)
            return f"Note added to {cid}."
        if what == "portal-link":
            url = str(request.base_url).rstrip("/") + self.portal.path_for(cid)
            request.session["portal_url"] = url
            return (f"Portal link for {cid} made (valid "
                    f"{self.config.portal_max_age_s // 86400} days).")
        raise ValueError(f"unknown action {what!r}")

    # ---- the bank exceptions queue ----------------------------------------------

    async def bank(self, request: Request) -> Response:
        """Statement lines waiting for a person, with their ranked candidates; actions on
        each line (today's view only: the queue is the ledger's current state)."""
        c = self.clocks(request)

        def load() -> dict:
            b = self.backend(request)
            parts = []
            for k, p in enumerate(b.parts):
                counts = {st: p.bank.count(st)
                          for st in ("NEW", "QUEUED", "APPLIED", "DISMISSED", "DEBIT")}
                parts.append({"index": k, "queue": p.bank.queue(), "counts": counts})
            return {"parts": parts, "perms": self.perms(b), "many": b.count > 1}
        data = await run_in_threadpool(load)
        return self.render(request, "bank.html", clocks=c, **data)

    async def bank_act(self, request: Request) -> Response:
        if self.user(request) is None:
            return RedirectResponse("/login", 303)
        data = await self.form(request)
        actor = self.user(request)["name"]
        try:
            msg = await run_in_threadpool(self._bank_act, request, data, actor)
            self.flash(request, msg)
        except (ValueError, ArledgerError) as e:
            text = e.message if isinstance(e, ArledgerError) else str(e)
            reason = f" ({e.reason})" if isinstance(e, ArledgerError) else ""
            self.flash(request, f"Not done: {text}{reason}", "error")
        return RedirectResponse("/bank", 303)

    def _bank_act(self, request: Request, data: dict, actor: str) -> str:
        b = self.backend(request)
        if auth.BANK not in self.perms(b):
            raise ValueError("you may not decide bank lines here (it needs bank.apply, and "
                             "writes: not on a follower or a read-only workspace)")
        k = int(request.path_params["part"])
        if not 0 <= k < b.count:
            raise ValueError("no such partition")
        bank = b.parts[k].bank
        line = request.path_params["line_id"]
        what = request.path_params["action"]
        reason = data.get("reason", "").strip()
        cust = data.get("customer_id", "").strip()
        if what == "accept":
            rank = int(data.get("rank") or "1")
            bank.confirm(line, rank=rank, actor=actor, reason=reason)
            return f"{line}: candidate {rank} applied."
        if what == "apply":
            cur = data.get("currency", "")
            allocs = {}
            for part in data.get("allocations", "").replace(";", ",").split(","):
                if part.strip():
                    iid, sep, amt = part.partition("=")
                    if not sep:
                        raise ValueError("allocations are INVOICE=AMOUNT, separated by commas")
                    allocs[iid.strip()] = to_minor(amt, cur)
            bank.apply_to_invoices(line, cust, allocs, actor=actor, reason=reason)
            return f"{line}: applied to {', '.join(allocs)} of {cust}."
        if what == "assign":
            bank.assign_customer(line, cust, actor=actor, reason=reason)
            return f"{line}: assigned to {cust}."
        if what == "unapplied":
            bank.leave_unapplied(line, cust, actor=actor, reason=reason)
            return f"{line}: left unapplied on {cust}."
        if what == "dismiss":
            bank.dismiss(line, actor=actor, reason=reason)
            return f"{line}: dismissed."
        raise ValueError(f"unknown action {what!r}")

    # ---- invoices, payments -----------------------------------------------------------------------

    async def items(self, request: Request) -> Response:
        kind = request.path_params["kind"]  # invoices or payments
        c = self.clocks(request)
        q = request.query_params
        f = {k: q.get(k, "") for k in ("query", "status", "currency", "customer")}
        if kind == "invoices":
            cols = [Col("invoice_id", "Invoice", "link", href=lambda r: link(
                        f"/invoices/{r['invoice_id']}", c), order="invoice_id"),
                    Col("customer_id", "Customer", "link", href=lambda r: link(
                        f"/customers/{r['customer_id']}", c), sortable=False),
                    Col("issue_date", "Issued", order="issue_date"),
                    Col("due_date", "Due", order="due_date"),
                    Col("days_past_due", "Days past due", "int", order="days_past_due"),
                    Col("amount_minor", "Amount", "money", order="amount"),
                    Col("open_minor", "Open", "money", order="open"),
                    Col("status", "Status", sortable=False)]
            default, statuses = "due_date", ("OPEN", "PAID", "WRITTEN_OFF", "SOLD", "VOIDED")
        else:
            cols = [Col("payment_id", "Payment", "link", href=lambda r: link(
                        f"/payments/{r['payment_id']}", c), order="payment_id"),
                    Col("customer_id", "Customer", "link", href=lambda r: link(
                        f"/customers/{r['customer_id']}", c), sortable=False),
                    Col("value_date", "Value date", order="value_date"),
                    Col("amount_minor", "Amount", "money", order="amount"),
                    Col("unapplied_minor", "Unapplied", "money", order="unapplied"),
                    Col("status", "Status", sortable=False)]
            default, statuses = "value_date desc", ("UNAPPLIED", "APPLIED", "REVERSED")
        t, order_by, token = server_table("it", kind.capitalize(), cols, q, base=f"/{kind}",
                                          clocks=c, default_order=default,
                                          extra={k: v for k, v in f.items() if v},
                                          empty=f"No {kind} match.")

        def load() -> dict:
            b = self.backend(request)
            kw = dict(as_of=c.day, known_at=c.known_datetime, query=f["query"],
                      currency=f["currency"], order_by=order_by,
                      page_size=limits.workspace_page_size,
                      page_token=token,
                      statuses=[f["status"]] if f["status"] in statuses else [])
            if f["customer"]:
                kw["customer_id"] = f["customer"]
            return {"page": b.list_page(kind, **kw), "perms": self.perms(b)}
        data = await run_in_threadpool(load)
        t.rows, t.next_token, t.total = data["page"].items, data["page"].next_page_token, \
            data["page"].total_size
        return self.render(request, "items.html", clocks=c, perms=data["perms"], table=t, f=f,
                           kind=kind, statuses=statuses)

    async def item(self, request: Request) -> Response:
        kind = request.path_params["kind"][:-1]  # invoice or payment
        iid = request.path_params["item_id"]
        c = self.clocks(request)
        d = await run_in_threadpool(self._item, request, kind, iid, c)
        q = request.query_params
        base = f"/{kind}s/{iid}"
        cur = d["row"]["currency"]
        for k in ("installments", "allocations", "history", "applied"):
            d[k] = [dict(x, currency=cur) for x in d.get(k, [])]
        hist = table("history", "History", [
            Col("position", "Position", "int"), Col("effective_date", "Effective"),
            Col("recorded", "Recorded (UTC)"), Col("entry_type", "Entry"),
            Col("delta_minor", "Change", "money"),
            Col("balance_after_minor", "Open after" if kind == "invoice" else "Unapplied after",
                "money"), Col("actor", "Actor"), Col("reason", "Reason"),
            Col("detail", "Detail", sortable=False, wrap=True), Col("proof", "In the log", sortable=False)],
            d["history"], q, base=base, clocks=c, default_sort="position")
        alloc = table("alloc", "Allocations", [
            Col("effective_date", "Date"), Col("source_kind", "From"),
            Col("source_id", "Document", "link", href=lambda r: link(
                f"/payments/{r['source_id']}", c) if r["source_kind"] == "PAYMENT" else ""),
            Col("invoice_id", "Invoice", "link",
                                             href=lambda r: link(f"/invoices/{r['invoice_id']}",
                                                                 c)),
            Col("amount_minor", "Amount", "money"), Col("position", "Position", "int")],
            d["allocations"], q, base=base, clocks=c, default_sort="position",
            empty="Nothing applied.")
        inst = table("inst", "Installments", [
            Col("number", "No.", "int"), Col("due_date", "Due"),
            Col("amount_minor", "Amount", "money"), Col("open_minor", "Open", "money"),
            Col("disputed_minor", "Disputed", "money"),
            Col("days_past_due", "Days past due", "int")], d["installments"], q, base=base,
            clocks=c, default_sort="number", empty="")
        applied = table("applied", "Applied, net per invoice", [
            Col("invoice_id", "Invoice", "link", href=lambda r: link(
                f"/invoices/{r['invoice_id']}", c)),
            Col("amount_minor", "Amount", "money")], d["applied"], q, base=base, clocks=c,
            default_sort="invoice_id", empty="Nothing applied.")
        return self.render(request, "item.html", clocks=c, perms=d["perms"], kind=kind, d=d,
                           row=d["row"], history=hist, alloc=alloc, inst=inst, applied=applied)

    def _item(self, request: Request, kind: str, iid: str, c: Clocks) -> dict:
        b = self.backend(request)
        perms = self.perms(b)
        p, d = b.partition_of_item(kind, iid, as_of=c.day, known_at=c.known_datetime,
                                   full=True)
        by_pos = {e["position"]: e for e in d.get("entries", [])}
        proof: dict[str, Any] = {"checked": False}
        if auth.AUDIT in perms and by_pos:
            try:
                audit = b.audit_for(p)
                # The digest the proofs come with (GetSignedDigest is the admin's alone).
                digest, proven = audit.prove_with_digest(sorted(by_pos))
                proof = {"checked": True, "ok": True, "digest": digest,
                         "positions": {r["position"] for r in proven}}
            except (VerificationFailed, ArledgerError) as e:
                proof = {"checked": True, "ok": False, "problem": str(e)}
        for h in d["history"]:
            e = by_pos.get(h["position"], {})
            h["actor"], h["reason"] = e.get("actor", ""), e.get("reason", "")
            h["recorded"] = when(h.get("recorded_at"))
            h["proof"] = ("verified" if proof.get("ok") and h["position"] in proof["positions"]
                          else "NOT verified" if proof.get("checked") else "")
        row = d[kind]
        return dict(d, row=row, perms=perms, proof=proof)


def _summary(r: dict, cur: str) -> str:
    """A log entry's fields in a few words (money in the customer's currency)."""
    f = r.get("fields", r)
    parts = []
    for k in ("invoice_id", "payment_id", "credit_note_id", "dispute_id", "promise_id",
              "text"):
        if f.get(k):
            parts.append(f"{f[k]}" if k != "text" else f"“{f[k]}”")
    for k, label in (("amount_minor", ""), ("open_minor", "open "),
                     ("new_limit_minor", "new limit "), ("credit_limit_minor", "limit ")):
        if isinstance(f.get(k), int) and cur:
            parts.append(label + money(f[k], cur))
    if f.get("allocations"):
        parts.append("applied to " + ", ".join(a["invoice_id"] for a in f["allocations"][:4]))
    return " · ".join(parts)


def _download(body: bytes, fmt: str, name: str) -> Response:
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/pdf"
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


def create_app(config: Config) -> Starlette:
    """The workspace and portal as an ASGI app (serve it with uvicorn)."""
    a = App(config)
    g = a.guard
    def kind_of(handler: Callable, kind: str) -> Callable:
        async def h(request: Request) -> Response:
            request.path_params["kind"] = kind
            return await handler(request)
        return h
    routes = [
        Route("/login", a.login, methods=["GET", "POST"]),
        Route("/logout", a.logout, methods=["POST"]),
        Route("/", g(a.portfolio)),
        Route("/worklist", g(a.worklist)),
        Route("/customers", g(a.customers)),
        Route("/customers/{customer_id}", g(a.customer)),
        Route("/customers/{customer_id}/statement.{fmt:str}", g(a.statement_file)),
        Route("/customers/{customer_id}/{action}", a.act, methods=["POST"]),
        Route("/bank", g(a.bank)),
        Route("/bank/{part:int}/{line_id}/{action}", a.bank_act, methods=["POST"]),
        Route("/invoices", g(kind_of(a.items, "invoices"))),
        Route("/payments", g(kind_of(a.items, "payments"))),
        Route("/invoices/{item_id}", g(kind_of(a.item, "invoices"))),
        Route("/payments/{item_id}", g(kind_of(a.item, "payments"))),
        *a.portal.routes(),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return a.render(request, "error.html", exc.status_code,
                        title="Not found" if exc.status_code == 404 else "Refused",
                        message=exc.detail, reason="", user=None if request.url.path.startswith(
                            "/portal/") else a.user(request),
                        portal=request.url.path.startswith("/portal/"))
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error}, middleware=[
        Middleware(SessionMiddleware, secret_key=config.secret.hex(),
                   session_cookie="arledger_session", same_site="lax", max_age=12 * 3600)])
    app.state.workspace = a
    return app
