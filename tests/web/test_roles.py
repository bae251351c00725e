"""The workspace on a server with authentication: the server says who a credential
stands for and what it may do (GetLogHead's principal, roles and permissions; the SDK's
`whoami`), and the workspace offers exactly that. A reader sees no action and a posted one
is refused before any call (the server would refuse it too); a writer's actions are
recorded with the principal as their actor; an auditor sees proofs and the log, no action.

The server here is a second one on the demo ledger, with JWTs and an API key, plaintext on
loopback (which the server allows); entries are read from the ledger itself."""

import re
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from arledger.server import auth as server_auth
from arledger.web import auth
from arledger.web.app import create_app
from arledger_client import ArledgerClient, Caller, Credentials, SearchClient
from arledger_client.errors import PermissionDenied
from tests.web.conftest import WEB_NOW, csrf_of, login_with, make_config

sys.path.append(str(Path(__file__).resolve().parents[1] / "security"))
from security_helpers import CA, write_private  # noqa: E402  (the security tests' PKI)

ACTION_FORM = '<form method="post" action="/customers/'


@pytest.fixture(scope="module")
def facts(demo):
    """Customer A (the most overdue), one of its open invoices, and one of its payments."""
    with SearchClient(demo[1]) as s:
        a = s.list_customers_page(as_of=WEB_NOW.date(), order_by="overdue desc",
                                  page_size=1).items[0]["customer_id"]
        inv = s.list_invoices_page(as_of=WEB_NOW.date(), customer_id=a, statuses=["OPEN"],
                                   page_size=1).items[0]["invoice_id"]
    return {"a": a, "a_inv": inv}


def _head(led) -> int:  # type: ignore[no-untyped-def]
    return led.state.head_position


def _entries_after(led, position: int) -> list[dict]:  # type: ignore[no-untyped-def]
    return list(led.entries(position + 1))


def _flashes(html: str) -> list[str]:
    return re.findall(r'class="flash[^"]*"[^>]*>([^<]*)', html)


def _client(target: str, **kw):  # type: ignore[no-untyped-def]
    return TestClient(create_app(make_config(target, **kw)))


def test_the_server_says_who_calls_and_what_it_may(demo, secured, idp):
    creds = Credentials(token=idp.token("rita", "reader"))
    with ArledgerClient(secured[1], credentials=creds) as c:
        who = c.whoami()
    assert who == Caller("rita", frozenset({"reader"}), server_auth.ROLE_PERMISSIONS["reader"])
    assert who.authenticated and who.may("ledger.read") and not who.may("ledger.command")
    with ArledgerClient(secured[1], credentials=Credentials(token=idp.api_key)) as c:
        head = c.get_log_head()
    assert head.role == "writer" and head.caller.name == "svc-desk"
    assert head.caller.roles == {"writer", "reader"}
    assert head.caller.may("ledger.command") and not head.caller.may("audit.read")
    # Without authentication: nobody named, everything allowed.
    with ArledgerClient(demo[1]) as c:
        anon = c.whoami()
    assert anon == Caller("", frozenset(), frozenset({"*"}))
    assert not anon.authenticated and anon.may("ledger.command")
    # A principal that may not read cannot ask (GetLogHead is a reader's call).
    with ArledgerClient(secured[1], credentials=Credentials(
            token=idp.token("rick", "risk"))) as c, pytest.raises(PermissionDenied) as e:
        c.whoami()
    assert e.value.permission == "ledger.read"


def test_a_reader_sees_no_action_and_its_posts_are_refused(secured, idp, facts):
    led, target = secured
    cid = facts["a"]
    reader = idp.token("rita", "reader")
    with _client(target) as c:
        assert login_with(c, reader).status_code == 303
        for path in (f"/customers/{cid}", "/worklist", "/"):
            html = c.get(path).text
            assert "rita" in html and "(reader)" in html and "read-only" in html, path
            assert ACTION_FORM not in html, path
            assert "Record promise" not in html and "Add note" not in html, path
            assert "Place hold" not in html and "Release hold" not in html, path
            assert "portal link" not in html.lower(), path
        # The risk pages a reader's role allows are there.
        assert "Customers ranked by expected loss" in c.get("/worklist").text
        since = _head(led)
        csrf = csrf_of(c.get(f"/customers/{cid}").text)
        for action, form in (("note", {"text": "sneaky"}), ("hold", {"reason": "x"}),
                             ("promise", {"amount": "1.00", "due_date": "2026-12-15"}),
                             ("portal-link", {})):
            r = c.post(f"/customers/{cid}/{action}", data=dict(form, csrf=csrf,
                                                               back=f"/customers/{cid}"),
                       follow_redirects=True)
            msgs = _flashes(r.text)
            assert any(m.startswith("Not done: you may not act on accounts here: rita "
                                    "(reader) may not act on accounts") and "ledger.command"
                       in m for m in msgs), (action, msgs)
            assert "Portal link for" not in r.text
        assert _entries_after(led, since) == []
    # The server refuses the same command sent with the reader's token.
    with ArledgerClient(target, credentials=Credentials(token=reader)) as sdk, \
            pytest.raises(PermissionDenied) as e:
        sdk.add_note(cid, "sneaky", WEB_NOW.date(), actor="rita")
    assert e.value.permission == "ledger.command"
    assert _entries_after(led, since) == []


def test_a_writer_acts_and_the_principal_is_the_actor(secured, idp, facts):
    led, target = secured
    cid = facts["a"]
    wanda = idp.token("wanda", "writer", "reader")
    with _client(target) as c:
        # The name is the one the token stands for: another one is refused.
        r = login_with(c, wanda, name="ann")
        assert r.status_code == 401 and "This credential is wanda&#39;s" in r.text
        assert login_with(c, wanda, name="wanda").status_code == 303
        html = c.get(f"/customers/{cid}").text
        assert "read-only" not in html and ACTION_FORM in html
        assert "Record promise" in html and "Add note" in html
        since = _head(led)
        csrf = csrf_of(html)
        held = "Release hold" in html
        for action, form in (("note", {"text": "called; invoice resent"}),
                             ("promise", {"amount": "3.00", "due_date": "2026-12-20"}),
                             ("release" if held else "hold", {"reason": "checked by phone"})):
            r = c.post(f"/customers/{cid}/{action}", data=dict(
                form, csrf=csrf, back=f"/customers/{cid}"), follow_redirects=True)
            assert not any(m.startswith("Not done") for m in _flashes(r.text)), (
                action, _flashes(r.text))
        new = _entries_after(led, since)
        assert [e["type"] for e in new][:2] == ["NoteAdded", "PromiseMade"] and len(new) == 3
        assert {e["actor"] for e in new} == {"wanda"}
    # A service's API key: no name typed, the principal's is used.
    with _client(target) as c:
        assert login_with(c, idp.api_key).status_code == 303
        html = c.get(f"/customers/{cid}").text
        assert "svc-desk" in html and ACTION_FORM in html
        since = _head(led)
        r = c.post(f"/customers/{cid}/note", data={"csrf": csrf_of(html), "text": "by the desk",
                                                   "back": "/"}, follow_redirects=True)
        assert "Note added" in r.text, _flashes(r.text)
        assert [(e["type"], e["actor"]) for e in _entries_after(led, since)] == [
            ("NoteAdded", "svc-desk")]
    # --read-only still takes the writer's actions away.
    with _client(target, read_only=True) as c:
        assert login_with(c, wanda).status_code == 303
        html = c.get(f"/customers/{cid}").text
        assert ACTION_FORM not in html and "read-only" in html
        since = _head(led)
        r = c.post(f"/customers/{cid}/note", data={"csrf": csrf_of(html), "text": "x",
                                                   "back": "/"}, follow_redirects=True)
        assert "Not done: you may not act on accounts here: this workspace is read-only" \
            in r.text
        assert _entries_after(led, since) == []


def test_an_auditor_sees_proofs_and_the_log_but_no_action(secured, idp, facts):
    led, target = secured
    cid = facts["a"]
    with _client(target) as c:
        assert login_with(c, idp.token("otto", "auditor")).status_code == 303
        inv = c.get(f"/invoices/{facts['a_inv']}").text
        assert "Verified in the log" in inv, re.findall(r'class="proof[^"]*".{0,400}', inv, re.S)
        assert ">verified<" in inv and "NOT verified" not in inv
        html = c.get(f"/customers/{cid}").text
        assert "otto" in html and "(auditor)" in html and "read-only" in html
        assert ACTION_FORM not in html and "Record promise" not in html
        # The log's entries of the customer (GetHistory, an auditor's call) are listed.
        assert "an auditor's to read" not in html
        assert "InvoiceIssued" in html
        since = _head(led)
        r = c.post(f"/customers/{cid}/hold", data={"csrf": csrf_of(html), "reason": "x",
                                                   "back": "/"}, follow_redirects=True)
        assert "otto (auditor) may not act on accounts" in r.text
        assert _entries_after(led, since) == []
    # A reader gets neither the proofs nor the log's entries.
    with _client(target) as c:
        assert login_with(c, idp.token("rita", "reader")).status_code == 303
        inv = c.get(f"/invoices/{facts['a_inv']}").text
        assert "Verified in the log" not in inv and "No proof checked" in inv
        assert "an auditor's to read" in c.get(f"/customers/{cid}").text


def test_the_portal_acts_under_its_credentials_principal(secured, idp, facts):
    led, target = secured
    cid = facts["a"]
    app = create_app(make_config(target, portal_token=idp.token("portal-web", "writer",
                                                                 "reader")))
    path = app.state.workspace.portal.path_for(cid)
    with TestClient(app) as c:
        page = c.get(path)
        assert page.status_code == 200 and facts["a_inv"] in page.text
        since = _head(led)
        r = c.post(f"{path}/dispute", data={"csrf": csrf_of(page.text),
                                            "invoice_id": facts["a_inv"], "amount": "1.00",
                                            "reason_code": "QUALITY", "text": "one box short"},
                   follow_redirects=True)
        assert "is recorded" in r.text, _flashes(r.text)
        assert [(e["type"], e["actor"]) for e in _entries_after(led, since)] == [
            ("DisputeOpened", f"portal-web/portal:{cid}")]


def test_a_login_the_server_refuses(secured, idp):
    with _client(secured[1]) as c:
        r = login_with(c, idp.token("rick", "risk"))
        assert r.status_code == 401 and "may not read the ledger" in r.text
        r = login_with(c, idp.token("rita", "reader") + "x")
        assert r.status_code == 401 and "does not accept this credential" in r.text
        assert "CREDENTIALS_INVALID" in r.text
        r = login_with(c, "")
        assert r.status_code == 401 and "CREDENTIALS_REQUIRED" in r.text
        assert c.get("/", follow_redirects=False).status_code == 303  # still logged out


def test_the_mapping_follows_the_servers_table():
    """SERVER_NEEDS names the server permissions of every call behind a workspace
    permission, and ROLE_PERMISSIONS is that mapping applied to the server's roles."""
    perm = {m.rsplit("/", 1)[1]: p for m, p in server_auth.PERMISSIONS.items()}
    calls = {
        auth.READ: ("GetLogHead", "GetAging", "GetKpis", "GetExceptions", "ListDunningNotices",
                    "ListCustomers", "ListInvoices", "ListPayments", "GetInvoice", "GetPayment",
                    "GetCustomer", "GetBalance", "GetAccount", "GetAgingItems", "GetStatement",
                    "ListNotes"),
        auth.WRITE: ("GetCustomer", "GetInvoice", "RecordPromise", "OpenDispute", "PlaceHold",
                     "ReleaseHold", "AddNote"),
        auth.AUDIT: ("GetPublicKey", "GetInclusionProof", "GetHistory"),
        auth.RISK: ("GetWorklist", "GetScore"),
    }
    for p, names in calls.items():
        assert {perm[n] for n in names} <= auth.SERVER_NEEDS[p], p
        assert auth.SERVER_NEEDS[p] <= server_auth.ALL_PERMISSIONS
    reader = server_auth.ROLE_PERMISSIONS["reader"]
    for role in server_auth.ROLES:
        assert auth.ROLE_PERMISSIONS[role] == auth.from_server(
            server_auth.ROLE_PERMISSIONS[role] | reader), role
    # Alone, only the reading roles reach any page; admin adds no button.
    assert auth.from_server(server_auth.ROLE_PERMISSIONS["writer"]) == frozenset()
    assert auth.WRITE not in auth.from_server(reader | server_auth.ROLE_PERMISSIONS["admin"])
    assert auth.from_server({"*"}) == auth.ALL_PERMISSIONS


def test_over_tls_and_never_a_token_in_plaintext(demo, idp, tmp_path):
    """The workspace reaches a TLS server with a CA (as `arledger web --ca-file`), and
    refuses to send a credential in plaintext beyond loopback."""
    from arledger.server import create_server
    ca = CA.make()
    cert, key = ca.issue("localhost", server=True)
    (tmp_path / "server.pem").write_bytes(cert)
    settings = idp.settings()
    settings.tls_cert = tmp_path / "server.pem"
    settings.tls_key = write_private(tmp_path / "server.key", key)
    server, port = create_server(demo[0], "127.0.0.1:0", settings=settings)
    server.start()
    try:
        target = f"localhost:{port}"
        with _client(target, credentials=Credentials(ca_pem=ca.pem)) as c:
            assert login_with(c, idp.token("rita", "reader")).status_code == 303
            html = c.get("/customers").text
            assert "rita" in html and "read-only" in html and "Customers" in html
        with _client(target) as c:  # plaintext to a TLS server: no answer
            r = login_with(c, idp.token("rita", "reader"))
            assert r.status_code == 401 and "cannot be reached" in r.text
    finally:
        server.stop(0)
    with _client("192.0.2.1:50051") as c:  # TEST-NET: never reached
        r = login_with(c, idp.token("rita", "reader"))
        assert r.status_code == 400 and "will not send your credential" in r.text
    with pytest.raises(ValueError, match="plaintext"):
        create_app(make_config("192.0.2.1:50051", portal_token="t"))


def test_a_collector_works_the_bank_queue_but_not_the_accounts(secured, idp, facts):
    # The collector role (bank.read, bank.apply, reads): the workspace lets its queue
    # decisions through to the server (which authorises them and, for a line that does not
    # exist, says so), offers it no account action; a reader's decision stops in the
    # workspace before any call.
    led, target = secured
    cid = facts["a"]
    since = _head(led)
    for who, role, expect in (("cora", "collector", "BANK_LINE_NOT_FOUND"),
                              ("rita", "reader", "may not decide bank lines")):
        with _client(target) as c:
            assert login_with(c, idp.token(who, role)).status_code == 303
            assert c.get("/bank").status_code == 200
            html = c.get(f"/customers/{cid}").text
            assert ACTION_FORM not in html and "Record promise" not in html, role
            r = c.post("/bank/0/NO-SUCH-LINE/dismiss",
                       data={"csrf": csrf_of(html), "reason": "not ours"},
                       follow_redirects=True)
            msgs = _flashes(r.text)
            assert any(expect in m for m in msgs), (role, msgs)
            assert not any("PERMISSION_DENIED" in m for m in msgs), (role, msgs)
    assert _entries_after(led, since) == []
