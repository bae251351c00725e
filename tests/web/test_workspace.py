"""The workspace over a real server (Starlette's test client, no browser): login, every page,
the clocks in every link, actions as ledger commands, the read-only role, statements as
files, and the portal's isolation of one customer from every other."""

import re
import time
from html import unescape

from arledger.web import auth
from arledger_client import ArledgerClient, SearchClient
from tests.web.conftest import WEB_NOW, csrf_of, login, make_config

PAST = "2026-06-30"


def _pick(target: str) -> dict:
    """Two customers with open invoices (A, B), and one invoice and payment of A."""
    with SearchClient(target) as s:
        rows = s.list_customers_page(as_of=WEB_NOW.date(), order_by="overdue desc",
                                     page_size=10).items
        a, b = rows[0]["customer_id"], rows[1]["customer_id"]
        inv = s.list_invoices_page(as_of=WEB_NOW.date(), customer_id=a, statuses=["OPEN"],
                                   page_size=1).items[0]
        pays = s.list_payments_page(as_of=WEB_NOW.date(), customer_id=a, page_size=1).items
        b_inv = s.list_invoices_page(as_of=WEB_NOW.date(), customer_id=b, statuses=["OPEN"],
                                     page_size=1).items[0]
    return {"a": a, "b": b, "a_inv": inv, "b_inv": b_inv,
            "a_pay": pays[0]["payment_id"] if pays else None}


def _entries(target: str, since: int) -> list:
    with ArledgerClient(target) as c:
        return [e for e in c.stream_entries() if e.position > since]


def _head(target: str) -> int:
    with ArledgerClient(target) as c:
        return c.get_log_head().position


def test_login_is_required_and_forms_need_their_token(demo):
    from starlette.testclient import TestClient

    from arledger.web.app import create_app
    with TestClient(create_app(make_config(demo[1]))) as c:
        r = c.get("/customers", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        c.get("/login")
        assert c.post("/login", data={"csrf": "forged", "user": "ann"}).status_code == 403
        login(c)
        assert "Portfolio" in c.get("/").text


def test_every_page_shows_both_clocks_and_links_keep_them(client, demo):
    t = _pick(demo[1])
    with ArledgerClient(demo[1]) as c:  # a known-at time after the demo was recorded
        k = c.get_log_head().recorded_at + __import__("datetime").timedelta(minutes=1)
    known = k.strftime("%Y-%m-%d %H:%M")
    with SearchClient(demo[1]) as s:  # an invoice and a payment the past view knows
        inv = s.list_invoices_page(as_of=PAST, page_size=1).items[0]["invoice_id"]
        pay = s.list_payments_page(as_of=PAST, page_size=1).items[0]["payment_id"]
    pages = ["/", "/worklist", "/customers", f"/customers/{t['a']}", "/invoices",
             f"/invoices/{inv}", "/payments", f"/payments/{pay}"]
    for p in pages:
        r = client.get(p, params={"as_of": PAST, "known_at": known})
        assert r.status_code == 200, (p, r.text[:500])
        html = r.text
        assert 'id="as_of"' in html and 'id="known_at"' in html, p
        assert f'value="{PAST}"' in html and f'value="{known}"' in html, p
        assert "Past view." in html, p
        for href in re.findall(r'href="(/[^"#]*)', html):
            href = unescape(href)
            if href.startswith("/static") or href in (p, f"{p}?") or "statement." in href:
                continue
            if href.split("?")[0] == p.split("?")[0] and "as_of" not in href:
                continue  # "Back to today"
            assert f"as_of={PAST}" in href and "known_at=" + known.replace(" ", "T").replace(
                ":", "%3A") in href, (p, href)
        # every control is labelled
        ids = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
        for inp in re.findall(r'<(?:input|select|textarea)\b[^>]*>', html):
            if 'type="hidden"' in inp or 'type="submit"' in inp:
                continue
            m = re.search(r'id="([^"]+)"', inp)
            assert m and (m.group(1) in ids or "aria-label" in inp), (p, inp)
    today = client.get("/")
    assert "Past view." not in today.text


def test_a_past_view_differs_from_today(client, demo):
    t = _pick(demo[1])
    with ArledgerClient(demo[1]) as c:
        now = c.get_balance(t["a"], WEB_NOW.date())
        then = c.get_balance(t["a"], "2026-04-30")
    assert now.balance_minor != then.balance_minor
    from arledger.web.view import money
    page_now = client.get(f"/customers/{t['a']}").text
    page_then = client.get(f"/customers/{t['a']}", params={"as_of": "2026-04-30"}).text
    assert money(now.balance_minor, now.currency) in page_now
    assert money(then.balance_minor, then.currency) in page_then
    assert "Past view." in page_then and "Past view." not in page_now


def test_actions_are_ledger_commands_by_the_logged_in_user(client, demo):
    t = _pick(demo[1])
    cid = t["a"]
    page = client.get(f"/customers/{cid}")
    csrf = csrf_of(page.text)
    since = _head(demo[1])
    back = f"/customers/{cid}"
    with ArledgerClient(demo[1]) as c:
        held = c.get_account(cid, WEB_NOW.date())["on_hold"]
    holds = [("release", {"reason": "paid by phone"}), ("hold", {"reason": "no answer"})]
    for action, form in (
            ("promise", {"amount": "12.50", "due_date": "2026-12-15"}),
            ("note", {"text": "called the buyer; invoice was lost"}),
            ("dispute", {"invoice_id": t["a_inv"]["invoice_id"], "amount": "1.00",
                         "reason_code": "PRICING", "reason": "wrong unit price"}),
            *(holds if held else holds[::-1])):
        r = client.post(f"/customers/{cid}/{action}", data=dict(
            form, csrf=csrf, back=back, effective_date="2026-11-30"), follow_redirects=True)
        assert r.status_code == 200
        assert "Not done" not in r.text, (action, re.findall(r'class="flash[^"]*"[^>]*>([^<]*)',
                                                             r.text))
    new = _entries(demo[1], since)
    types = [e.type for e in new]
    assert types[:2] == ["PromiseMade", "NoteAdded"]
    assert {"DisputeOpened", "CustomerHoldPlaced", "CustomerHoldReleased"} <= set(types)
    assert all(e.actor == "ann" for e in new)
    note = next(e for e in new if e.type == "NoteAdded")
    assert note.fields["text"] == "called the buyer; invoice was lost"
    page = client.get(f"/customers/{cid}").text
    assert "called the buyer; invoice was lost" in page and "12.50" in page
    # Another customer's invoice cannot be disputed through this customer's form.
    r = client.post(f"/customers/{cid}/dispute", data=dict(
        csrf=csrf, back=back, invoice_id=t["b_inv"]["invoice_id"], amount="1.00",
        reason_code="OTHER", reason="x"), follow_redirects=True)
    assert "Not done" in r.text
    # A form without its token is refused.
    assert client.post(f"/customers/{cid}/note", data={"text": "x"}).status_code == 403


def test_a_read_only_workspace_shows_no_action_and_refuses_one(demo):
    from starlette.testclient import TestClient

    from arledger.web.app import create_app
    t = _pick(demo[1])
    with TestClient(create_app(make_config(demo[1], read_only=True))) as c:
        login(c, "auditor")
        for p in (f"/customers/{t['a']}", "/worklist"):
            html = c.get(p).text
            assert "read-only" in html
            assert "<form method=\"post\" action=\"/customers/" not in html, p
            assert "Record promise" not in html and "Place hold" not in html
            assert "portal link" not in html.lower()
        since = _head(demo[1])
        r = c.post(f"/customers/{t['a']}/note", data={
            "csrf": csrf_of(c.get("/").text), "text": "sneaky", "back": "/"},
            follow_redirects=True)
        assert "Not done" in r.text and "read-only" in r.text
        assert _entries(demo[1], since) == []


def test_permissions_follow_the_server_and_the_flag():
    class Head:
        def __init__(self, role: str) -> None:
            self.role = role
    assert auth.permissions([Head("writer")]) == auth.ALL_PERMISSIONS
    assert not auth.WRITES & auth.permissions([Head("writer"), Head("follower")])
    assert auth.permissions([Head("writer")], read_only=True) == \
        auth.ALL_PERMISSIONS - {auth.WRITE, auth.BANK}
    # With the caller the server names: its permissions, less writes on a follower.
    from arledger_client import Caller

    class Named(Head):
        def __init__(self, role: str, partition: str, *perms: str) -> None:
            super().__init__(role)
            self.partition = partition
            self.caller = Caller("wanda", frozenset({"writer", "reader"}), frozenset(perms))
    both = ("ledger.read", "ledger.command", "report.read", "risk.read")
    assert auth.permissions([Named("writer", "0/2", *both)]) == {auth.READ, auth.WRITE,
                                                                 auth.RISK}
    heads = [Named("writer", "0/2", *both), Named("follower", "1/2", *both)]
    assert auth.permissions(heads) == {auth.READ, auth.RISK}
    assert "partition 1/2 is a read-only follower" in auth.refusal(heads, auth.WRITE)
    assert auth.refusal(heads, auth.READ) == ""
    assert "may not check proofs" in auth.refusal(heads, auth.AUDIT)


def test_statement_downloads(client, demo):
    t = _pick(demo[1])
    r = client.get(f"/customers/{t['a']}/statement.csv",
                   params={"from": "2026-01-01", "to": "2026-10-31"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    lines = r.text.splitlines()
    assert lines[0].startswith(f"statement,{t['a']}") and "opening balance" in r.text
    rows = [ln for ln in lines if re.match(r"2026-\d\d-\d\d,\d+,", ln)]
    assert rows and all(re.search(r",-?\d+\.\d\d,?", ln) for ln in rows)  # major units
    pdf = client.get(f"/customers/{t['a']}/statement.pdf",
                     params={"from": "2026-01-01", "to": "2026-10-31"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"


def test_portal_shows_one_customer_and_refuses_every_other(client, demo):
    from starlette.testclient import TestClient

    from arledger.web.app import create_app
    t = _pick(demo[1])
    app = create_app(make_config(demo[1]))
    portal = app.state.workspace.portal
    a_path, b_path = portal.path_for(t["a"]), portal.path_for(t["b"])
    with TestClient(app) as c:
        page = c.get(a_path)
        assert page.status_code == 200
        assert t["a_inv"]["invoice_id"] in page.text
        assert t["b_inv"]["invoice_id"] not in page.text and t["b"] not in page.text
        assert "Portfolio" not in page.text and "/customers" not in page.text
        # Tampering with the link: a changed character, another customer's id re-encoded,
        # another secret, an expired link.
        tok = a_path.rsplit("/", 1)[1]
        bad = tok[:-2] + ("AA" if not tok.endswith("AA") else "BB")
        assert c.get(f"/portal/{bad}").status_code == 404
        payload, rest = tok.split(".", 1)
        b_payload = b_path.rsplit("/", 1)[1].split(".", 1)[0]
        assert c.get(f"/portal/{b_payload}.{rest}").status_code == 404
        other = create_app(make_config(demo[1], secret=b"o" * 32)).state.workspace.portal
        assert c.get(other.path_for(t["a"])).status_code == 404
        from itsdangerous import TimestampSigner
        real = TimestampSigner.get_timestamp
        try:
            TimestampSigner.get_timestamp = lambda self: int(time.time()) - 31 * 86400
            old = portal.path_for(t["a"])
        finally:
            TimestampSigner.get_timestamp = real
        assert c.get(old).status_code == 404
        # A form naming another customer's invoice is refused before any command.
        csrf = csrf_of(page.text)
        since = _head(demo[1])
        r = c.post(f"{a_path}/dispute", data={"csrf": csrf, "invoice_id":
                                              t["b_inv"]["invoice_id"], "amount": "1.00",
                                              "reason_code": "PRICING", "text": "not ours"},
                   follow_redirects=True)
        assert "not one of your open invoices" in r.text
        assert _entries(demo[1], since) == []
        # Its own invoice: a dispute whose actor is the portal principal of the customer.
        r = c.post(f"{a_path}/dispute", data={"csrf": csrf, "invoice_id":
                                              t["a_inv"]["invoice_id"], "amount": "2.00",
                                              "reason_code": "QUALITY",
                                              "text": "two items broken"},
                   follow_redirects=True)
        assert "is recorded" in r.text, r.text[:2000]
        r = c.post(f"{a_path}/promise", data={"csrf": csrf, "amount": "10",
                                              "due_date": "2026-12-20"}, follow_redirects=True)
        assert "promise to pay" in r.text
        new = _entries(demo[1], since)
        assert [e.type for e in new] == ["DisputeOpened", "PromiseMade"]
        assert {e.actor for e in new} == {f"portal:{t['a']}"}
        assert new[0].reason == "two items broken"
        # No route takes a customer id: the paths under /portal/<token> are these only.
        assert c.get(f"{a_path}/customers/{t['b']}").status_code in (404, 405)
        st = c.get(f"{a_path}/statement.csv")
        assert st.status_code == 200 and t["a"] in st.text and t["b"] not in st.text
