"""The customer portal: a customer's own statement, open invoices and payments, and two
actions (dispute an invoice, promise to pay), behind a signed, expiring link.

- The link is `/portal/<token>`: the customer id signed with the workspace's secret
  (itsdangerous, HMAC-SHA1 over a timestamped payload, salt "arledger-portal-v1") and
  refused after `portal_max_age_s`. A changed character, another secret or an expired
  link is refused (404, no detail). The customer id comes only from the token: nothing in a
  URL or a form names a customer, so no other customer's data can be asked for.
- Every action is a ledger command whose actor is `portal:<customer_id>` (on a server with
  authentication, under the principal of the portal's credential:
  `<principal>/portal:<customer_id>`, as the server requires). A form names an
  invoice; it is checked to be one of the token's customer's own open invoices before any
  command is sent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from arledger.domain import limits
from arledger.web import auth
from arledger.web.view import Col, money, table, to_minor, when
from arledger_client import ArledgerError

if TYPE_CHECKING:
    from arledger.web.app import App

SALT = "arledger-portal-v1"


class Portal:
    def __init__(self, app: App) -> None:
        self.app = app
        self.signer = URLSafeTimedSerializer(app.config.secret, salt=SALT)

    def path_for(self, customer_id: str) -> str:
        """The portal path of a customer (signed now; valid portal_max_age_s)."""
        return f"/portal/{self.signer.dumps({'c': customer_id})}"

    def customer_of(self, token: str) -> str:
        try:
            d = self.signer.loads(token, max_age=self.app.config.portal_max_age_s)
        except BadSignature:  # also SignatureExpired
            raise HTTPException(404, "This link is not valid, or it has expired. Ask your "
                                "account manager for a new one.") from None
        if not isinstance(d, dict) or not isinstance(d.get("c"), str):
            raise HTTPException(404, "This link is not valid.")
        return d["c"]

    def routes(self) -> list[Route]:
        return [Route("/portal/{token}", self.home),
                Route("/portal/{token}/statement.{fmt:str}", self.statement_file),
                Route("/portal/{token}/{action}", self.act, methods=["POST"])]

    def _backend(self):
        return self.app.servers.backend(self.app.config.portal_token)

    def _today(self) -> str:
        return self.app.today().isoformat()

    async def home(self, request: Request) -> Response:
        token = request.path_params["token"]
        cid = self.customer_of(token)
        q = request.query_params
        today = dt.date.fromisoformat(self._today())
        s_from = _date(q.get("from")) or (today - dt.timedelta(days=180)).isoformat()
        s_to = _date(q.get("to")) or today.isoformat()
        d = await run_in_threadpool(self._home, cid, s_from, s_to)
        base = f"/portal/{token}"
        keep = {"from": q.get("from"), "to": q.get("to")}
        cur = d["currency"]
        invoices = table("open", "Open invoices", [
            Col("invoice_id", "Invoice"), Col("issue_date", "Issued"), Col("due_date", "Due"),
            Col("amount_minor", "Amount", "money"), Col("open_minor", "Open", "money"),
            Col("disputed_minor", "Disputed", "money"),
            Col("days_past_due", "Days past due", "int")], d["open"], q, base=base,
            clocks=None, default_sort="due_date", extra=keep, empty="Nothing is open. Thank you!")
        payments = table("paid", "Payments received and how they were applied", [
            Col("payment_id", "Payment"), Col("value_date", "Received"),
            Col("amount_minor", "Amount", "money"), Col("applied", "Applied to",
                                                        sortable=False, wrap=True),
            Col("unapplied_minor", "Not yet applied", "money")], d["payments"], q, base=base,
            clocks=None, default_sort="value_date", default_desc=True, extra=keep,
            empty="No payments received.")
        lines = table("lines", f"Statement {s_from} to {s_to}", [
            Col("effective_date", "Date"), Col("type", "Entry"), Col("document_id", "Document"),
            Col("debit_minor", "Debit", "money"), Col("credit_minor", "Credit", "money"),
            Col("balance_minor", "Balance", "money")], d["lines"], q, base=base, clocks=None,
            default_sort="effective_date", extra=keep, empty="No entries in this period.")
        del cur
        disputes = table("disputes", "Your disputes", [
            Col("invoice_id", "Invoice"), Col("amount_minor", "Amount", "money"),
            Col("reason_code", "Reason"), Col("opened_date", "Opened"), Col("state", "State"),
            Col("resolved_date", "Resolved")], d["disputes"], q, base=base, clocks=None,
            default_sort="opened_date", default_desc=True, extra=keep, empty="No disputes.")
        promises = table("promises", "Your promises to pay", [
            Col("made_date", "Made"), Col("due", "Due", sortable=False),
            Col("promised_minor", "Promised", "money"), Col("paid_minor", "Paid since", "money"),
            Col("status", "Status")], d["promises"], q, base=base, clocks=None,
            default_sort="made_date", default_desc=True, extra=keep, empty="No promises.")
        return self.app.render(request, "portal.html", d=d, token=token, base=base,
                               invoices=invoices, payments=payments, lines=lines,
                               disputes=disputes, promises=promises,
                               s_from=s_from, s_to=s_to, today=self._today(), portal=True,
                               user=None)

    def _home(self, cid: str, s_from: str, s_to: str) -> dict:
        b = self._backend()
        p = b.of(cid)
        info = p.ledger.get_customer(cid)
        cur = info.currency
        bal = p.ledger.get_balance(cid)
        st = p.reports.statement(cid, s_from, s_to)
        open_ = list(p.search.list_invoices(customer_id=cid, statuses=["OPEN"],
                                            page_size=limits.search_page_size_max))
        pays = list(p.search.list_payments(customer_id=cid, page_size=limits.search_page_size_max))
        payments = []
        for r in pays:
            applied = p.search.get_payment(r["payment_id"])["applied"]
            payments.append(dict(r, applied=", ".join(
                f"{a['invoice_id']} ({money(a['amount_minor'], cur)})" for a in applied)
                or "—"))
        for r in open_:
            r["currency"] = cur
        lines = [dict(ln, currency=cur) for ln in st["lines"]]
        acct = p.ledger.get_account(cid)
        disputes = [dict(x, currency=cur) for x in acct.get("disputes", [])]
        promises = [dict(x, currency=cur, due=", ".join(
            f"{i['due_date']}: {money(i['amount_minor'], cur)}" for i in x["installments"]))
            for x in acct.get("promises", [])]
        return {"cid": cid, "info": info, "balance": bal, "statement": st, "open": open_,
                "payments": payments, "lines": lines, "currency": cur, "disputes": disputes,
                "promises": promises}

    async def statement_file(self, request: Request) -> Response:
        from arledger.web import statement
        from arledger.web.app import _download
        cid = self.customer_of(request.path_params["token"])
        fmt = request.path_params["fmt"]
        if fmt not in ("csv", "pdf"):
            raise HTTPException(404, "A statement downloads as .csv or .pdf")
        today = dt.date.fromisoformat(self._today())
        s_from = _date(request.query_params.get("from")) or (
            today - dt.timedelta(days=180)).isoformat()
        s_to = _date(request.query_params.get("to")) or today.isoformat()

        def make() -> bytes:
            p = self._backend().of(cid)
            st = p.reports.statement(cid, s_from, s_to)
            name = p.ledger.get_customer(cid).name
            if fmt == "csv":
                return statement.to_csv(st, name, "")
            return statement.to_pdf(st, name, "", when(self.app.config.clock()))
        return _download(await run_in_threadpool(make), fmt, f"statement-{s_from}-{s_to}")

    async def act(self, request: Request) -> Response:
        token = request.path_params["token"]
        cid = self.customer_of(token)
        what = request.path_params["action"]
        data = await self.app.form(request)
        try:
            msg = await run_in_threadpool(self._act, cid, what, data)
            self.app.flash(request, msg)
        except (ValueError, ArledgerError) as e:
            text = e.message if isinstance(e, ArledgerError) else str(e)
            self.app.flash(request, f"We could not record that: {text}", "error")
        return RedirectResponse(f"/portal/{token}", 303)

    def _act(self, cid: str, what: str, data: dict[str, Any]) -> str:
        b = self._backend()
        p = b.of(cid)
        cur = p.ledger.get_customer(cid).currency
        # On a server with authentication the actor must be the portal credential's
        # principal or under it: "<principal>/portal:<customer_id>".
        principal = auth.principal([p.ledger.get_log_head()])[0]
        actor = f"{principal}/portal:{cid}" if principal else f"portal:{cid}"
        today = self._today()
        if what == "dispute":
            iid = data.get("invoice_id", "")
            mine = {r["invoice_id"]: r for r in p.search.list_invoices(
                customer_id=cid, statuses=["OPEN"], page_size=limits.search_page_size_max)}
            if iid not in mine:  # never another customer's invoice, nor a closed one
                raise ValueError("that is not one of your open invoices")
            amount = to_minor(data.get("amount", ""), cur)
            if amount > mine[iid]["open_minor"]:
                raise ValueError(f"you can dispute at most the open amount, "
                                 f"{money(mine[iid]['open_minor'], cur)}")
            text = data.get("text", "").strip()
            if not text:
                raise ValueError("tell us what is wrong with the invoice")
            code = data.get("reason_code", "OTHER")
            from arledger.web.app import REASON_CODES
            if code not in REASON_CODES:
                code = "OTHER"
            p.ledger.open_dispute(f"PD-{uuid.uuid4().hex[:12]}", iid, amount, code, today,
                                  actor=actor, reason=text[:limits.text_length_max])
            return (f"Your dispute of {money(amount, cur)} on invoice {iid} is recorded; "
                    "we will get back to you.")
        if what == "promise":
            amount = to_minor(data.get("amount", ""), cur)
            due = _date(data.get("due_date"))
            if not due:
                raise ValueError("choose the date you will pay by")
            p.ledger.record_promise(f"PP-{uuid.uuid4().hex[:12]}", cid, today,
                                    [{"due_date": due, "amount_minor": amount}], actor=actor,
                                    reason="promised in the customer portal")
            return f"Thank you: your promise to pay {money(amount, cur)} by {due} is recorded."
        raise HTTPException(404, "No such action")


def _date(text: str | None) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat() if text else ""
    except ValueError:
        return ""
