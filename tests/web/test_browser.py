"""The workspace and the portal in a real browser: Debian's chromium, headless, driven by
Playwright for Python, against the workspace served by uvicorn over a real arledger server
with the demo portfolio. The workspace's flows: log in, search a customer, open it, record a
promise from the worklist and see it on the customer page, a past as-of view that differs
from today's, the portal's dispute flow, a read-only role with no buttons, a portal link for
one customer that cannot reach another. Every page visited is saved as a screenshot (in
$ARLEDGER_SCREENSHOTS when set, else a temporary directory).

.ci/run installs chromium (apt) when it is missing; a browser downloaded by Playwright
would not run here, so the launch names /usr/bin/chromium."""

import os
import re
import shutil
from pathlib import Path

import pytest

from arledger_client import ArledgerClient, SearchClient
from tests.web.conftest import WEB_NOW, WebServer, make_config

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("ARLEDGER_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def chromium():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"the browser tests need Debian's chromium at {CHROMIUM}: "
                    "`apt-get install -y chromium` (.ci/run does it)", pytrace=False)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    d = os.environ.get("ARLEDGER_SCREENSHOTS")
    path = Path(d) if d else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def web(demo):
    s = WebServer(make_config(demo[1]))
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def ro_web(demo):
    s = WebServer(make_config(demo[1], read_only=True))
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def facts(demo):
    """Customers A (most overdue) and B, an open invoice of each, names."""
    with SearchClient(demo[1]) as s:
        rows = s.list_customers_page(as_of=WEB_NOW.date(), order_by="overdue desc",
                                     page_size=5).items
        a, b = rows[0], rows[1]
        a_inv = s.list_invoices_page(as_of=WEB_NOW.date(), customer_id=a["customer_id"],
                                     statuses=["OPEN"], page_size=1).items[0]
        b_inv = s.list_invoices_page(as_of=WEB_NOW.date(), customer_id=b["customer_id"],
                                     statuses=["OPEN"], page_size=1).items[0]
        pay = s.list_payments_page(as_of=WEB_NOW.date(), page_size=1).items[0]
    return {"a": a, "b": b, "a_inv": a_inv, "b_inv": b_inv, "pay": pay}


def _page(chromium, url: str, name: str = "ann"):  # type: ignore[no-untyped-def]
    ctx = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    page.goto(url + "/login")
    page.fill("#user", name)
    page.keyboard.press("Enter")
    page.wait_for_url(url + "/")
    return page


def _shot(page, shots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def _entries_after(target: str, position: int) -> list:
    with ArledgerClient(target) as c:
        return [e for e in c.stream_entries() if e.position > position]


def _head(target: str) -> int:
    with ArledgerClient(target) as c:
        return c.get_log_head().position


def test_log_in_search_a_customer_and_open_it(chromium, web, facts, shots):
    page = _page(chromium, web.url)
    assert page.locator("h1").first.inner_text().startswith("Portfolio")
    assert page.locator("svg.chart").count() >= 2  # aging per currency and the DSO trend
    _shot(page, shots, "01-portfolio")
    name = facts["a"]["name"]
    word = name.split()[0]
    page.fill("#top-search", word)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/customers\?.*query="))
    assert page.locator(f"a:text-is('{facts['a']['customer_id']}')").count() == 1
    names = page.locator("#cu tbody tr td:nth-child(2)").all_inner_texts()
    assert names and all(word.lower() in n.lower() for n in names)
    _shot(page, shots, "02-customer-search")
    page.click(f"a:text-is('{facts['a']['customer_id']}')")
    page.wait_for_url(re.compile(rf".*/customers/{facts['a']['customer_id']}"))
    assert name in page.locator("h1").inner_text()
    assert page.get_by_text("Risk score").count() == 1
    _shot(page, shots, "03-customer")
    for path, shot in (("/invoices", "05-invoices"), ("/payments", "07-payments")):
        page.goto(web.url + path)
        assert page.locator("table tbody tr").count() > 1
        _shot(page, shots, shot)
    page.goto(f"{web.url}/invoices/{facts['a_inv']['invoice_id']}")
    assert "Verified in the log" in page.locator(".proof").inner_text()
    _shot(page, shots, "06-invoice")
    page.goto(f"{web.url}/payments/{facts['pay']['payment_id']}")
    assert "Verified in the log" in page.locator(".proof").inner_text()
    _shot(page, shots, "08-payment")
    page.context.close()


def test_record_a_promise_from_the_worklist_and_see_it_on_the_customer(chromium, web, demo,
                                                                       shots):
    page = _page(chromium, web.url)
    page.goto(web.url + "/worklist")
    row = page.locator("#wl tbody tr").first
    cid = row.locator("td:nth-child(2) a").inner_text()
    _shot(page, shots, "04-worklist")
    # With the keyboard: open the row's actions, fill the promise, submit.
    row.locator("summary").focus()
    page.keyboard.press("Enter")
    form = row.locator("form[action$='/promise']")
    form.locator("input[name=amount]").fill("123.45")
    form.locator("input[name=due_date]").fill("2026-12-18")
    since = _head(demo[1])
    form.locator("button").click()
    page.wait_for_load_state()
    assert "Promise of 123.45" in page.locator(".flash").first.inner_text()
    (e,) = _entries_after(demo[1], since)
    assert e.type == "PromiseMade" and e.actor == "ann" and e.fields["customer_id"] == cid
    page.goto(f"{web.url}/customers/{cid}")
    promises = page.locator("#promises").inner_text()
    assert "123.45" in promises and "2026-12-18" in promises and "ACTIVE" in promises
    _shot(page, shots, "09-customer-with-promise")
    page.context.close()


def test_a_past_as_of_view_differs_from_today(chromium, web, demo, facts, shots):
    cid = facts["a"]["customer_id"]
    with ArledgerClient(demo[1]) as c:
        now, then = c.get_balance(cid, WEB_NOW.date()), c.get_balance(cid, "2026-04-30")
    assert now.balance_minor != then.balance_minor
    from arledger.web.view import money
    page = _page(chromium, web.url)
    page.goto(f"{web.url}/customers/{cid}")
    assert page.locator(".banner").count() == 0
    today = page.locator("#bal-h + dl").inner_text()
    assert money(now.balance_minor, now.currency) in today
    page.fill("#as_of", "2026-04-30")
    page.click("text=Show this view")
    page.wait_for_url(re.compile(r".*as_of=2026-04-30"))
    assert "Past view" in page.locator(".banner").inner_text()
    past = page.locator("#bal-h + dl").inner_text()
    assert money(then.balance_minor, then.currency) in past and past != today
    _shot(page, shots, "10-customer-past-view")
    page.click("nav >> text=Invoices")  # links keep the clocks
    assert "as_of=2026-04-30" in page.url and page.locator(".banner").count() == 1
    page.context.close()


def test_the_portal_dispute_flow(chromium, web, demo, facts, shots):
    cid = facts["a"]["customer_id"]
    url = web.url + web.app.state.workspace.portal.path_for(cid)
    ctx = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    page.goto(url)
    assert facts["a"]["name"] in page.locator("h1").inner_text()
    _shot(page, shots, "11-portal")
    since = _head(demo[1])
    page.select_option("#p-inv", facts["a_inv"]["invoice_id"])
    page.fill("#p-amt", "5.00")
    page.select_option("#p-code", "QUALITY")
    page.fill("#p-text", "Two of the ten boxes arrived crushed.")
    page.click("text=Send dispute")
    page.wait_for_load_state()
    assert "is recorded" in page.locator(".flash").inner_text()
    _shot(page, shots, "12-portal-dispute-sent")
    (e,) = _entries_after(demo[1], since)
    assert e.type == "DisputeOpened" and e.actor == f"portal:{cid}"
    assert e.reason == "Two of the ten boxes arrived crushed."
    ctx.close()
    ws = _page(chromium, web.url)  # the collections team sees it on the customer page
    ws.goto(f"{web.url}/customers/{cid}")
    assert facts["a_inv"]["invoice_id"] in ws.locator("#disputes").inner_text()
    ws.context.close()


def test_a_read_only_role_sees_no_action_buttons(chromium, ro_web, facts, shots):
    page = _page(chromium, ro_web.url, "auditor")
    assert "read-only" in page.locator("header").inner_text()
    for path in (f"/customers/{facts['a']['customer_id']}", "/worklist"):
        page.goto(ro_web.url + path)
        assert page.locator("main form[method=post]").count() == 0, path
        assert page.locator("details.act").count() == 0, path
        assert page.get_by_role("button", name=re.compile("promise|hold|note|dispute",
                                                          re.I)).count() == 0
    _shot(page, shots, "13-read-only-worklist")
    page.context.close()


def test_a_portal_link_cannot_reach_another_customer(chromium, web, demo, facts, shots):
    a, b = facts["a"]["customer_id"], facts["b"]["customer_id"]
    portal = web.app.state.workspace.portal
    url = web.url + portal.path_for(a)
    ctx = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    page.goto(url)
    body = page.locator("main").inner_text()
    assert facts["b_inv"]["invoice_id"] not in body and b not in body
    # Tampered link: refused.
    resp = page.goto(url[:-4] + ("AAAA" if not url.endswith("AAAA") else "BBBB"))
    assert resp.status == 404 and "not valid" in page.locator("main").inner_text()
    _shot(page, shots, "14-portal-tampered-link")
    # A form changed in the browser to name B's invoice: refused, nothing recorded.
    page.goto(url)
    page.evaluate("([v]) => { const o = document.querySelector('#p-inv option'); "
                  "o.value = v; o.selected = true; }", [facts["b_inv"]["invoice_id"]])
    page.fill("#p-amt", "1.00")
    page.fill("#p-text", "not ours")
    since = _head(demo[1])
    page.click("text=Send dispute")
    page.wait_for_load_state()
    assert "not one of your open invoices" in page.locator(".flash").inner_text()
    assert _entries_after(demo[1], since) == []
    _shot(page, shots, "15-portal-other-customer-refused")
    ctx.close()


# ---- with authentication on the server ---------------------------------------------

@pytest.fixture(scope="module")
def secured_web(secured):
    s = WebServer(make_config(secured[1]))
    try:
        yield s
    finally:
        s.stop()


def _token_page(chromium, url: str, token: str):  # type: ignore[no-untyped-def]
    """Logged in with a credential only: the server names the user."""
    ctx = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    page.goto(url + "/login")
    page.fill("#token", token)
    page.keyboard.press("Enter")
    page.wait_for_url(url + "/")
    return page


def test_roles_from_the_server_decide_the_buttons(chromium, secured_web, secured, idp, facts,
                                                  shots):
    led = secured[0]
    cid = facts["a"]["customer_id"]
    # A reader: no action anywhere, and a form forged in the browser is refused.
    page = _token_page(chromium, secured_web.url, idp.token("rita", "reader"))
    assert "rita (reader)" in page.locator("header").inner_text()
    assert "read-only" in page.locator("header").inner_text()
    for path in (f"/customers/{cid}", "/worklist"):
        page.goto(secured_web.url + path)
        assert page.locator("main form[method=post]").count() == 0, path
        assert page.locator("details.act").count() == 0, path
        assert page.get_by_role("button", name=re.compile("promise|hold|note|dispute|portal",
                                                          re.I)).count() == 0
    _shot(page, shots, "16-reader-customer")
    page.goto(f"{secured_web.url}/customers/{cid}")
    since = led.state.head_position
    page.evaluate("([cid]) => { const f = document.createElement('form'); f.method = 'post';"
                  " f.action = '/customers/' + cid + '/note';"
                  " for (const [k, v] of [['csrf', document.querySelector('input[name=csrf]')"
                  ".value], ['text', 'forged'], ['back', location.pathname]]) {"
                  " const i = document.createElement('input'); i.type = 'hidden'; i.name = k;"
                  " i.value = v; f.appendChild(i); } document.body.appendChild(f); f.submit(); }",
                  [cid])
    page.wait_for_url(re.compile(rf".*/customers/{cid}$"))
    flash = page.locator(".flash").first.inner_text()
    assert flash.startswith("Not done") and "rita (reader) may not act on accounts" in flash
    assert list(led.entries(since + 1)) == []
    _shot(page, shots, "17-reader-forged-note-refused")
    page.context.close()
    # A writer: the buttons, and what they record is the principal's.
    page = _token_page(chromium, secured_web.url, idp.token("wanda", "writer", "reader"))
    page.goto(f"{secured_web.url}/customers/{cid}")
    assert page.locator("details.act").count() == 1
    form = page.locator("form[action$='/note']")
    form.locator("textarea[name=text]").fill("spoke to accounts payable")
    since = led.state.head_position
    form.locator("button").click()
    page.wait_for_load_state()
    assert "Note added" in page.locator(".flash").first.inner_text()
    (e,) = led.entries(since + 1)
    assert (e["type"], e["actor"]) == ("NoteAdded", "wanda")
    assert "spoke to accounts payable" in page.locator("#notes").inner_text()
    _shot(page, shots, "18-writer-note")
    page.context.close()
    # An auditor: proofs verified, no action.
    page = _token_page(chromium, secured_web.url, idp.token("otto", "auditor"))
    page.goto(f"{secured_web.url}/invoices/{facts['a_inv']['invoice_id']}")
    assert "Verified in the log" in page.locator(".proof").inner_text()
    _shot(page, shots, "19-auditor-invoice")
    page.goto(f"{secured_web.url}/customers/{cid}")
    assert page.locator("main form[method=post]").count() == 0
    assert page.locator("details.act").count() == 0
    page.context.close()
