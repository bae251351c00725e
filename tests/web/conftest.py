"""A real arledger server with the demo portfolio, and the workspace over it.

The gRPC server (with its ledger on SQLite) is made once per module; the workspace app
talks to it through the SDK only, as `arledger web` does. The workspace's clock is fixed
(2026-11-30 12:00 UTC), a month after the demo's last day, so pages are the same on every
run; the ledger records real times."""

import datetime as dt
import re
import socket
import threading
import time

import pytest

from arledger.cli import load_demo
from arledger.engine import open_ledger
from arledger.server import create_server

WEB_NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
DEMO_CUSTOMERS = 80


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    led = open_ledger(tmp_path_factory.mktemp("web") / "data")
    load_demo(led, DEMO_CUSTOMERS, 7)
    server, port = create_server(led, "127.0.0.1:0")
    server.start()
    try:
        yield led, f"127.0.0.1:{port}"
    finally:
        server.stop(0)
        led.close()


def make_config(target, **kw):  # type: ignore[no-untyped-def]
    from arledger.web.app import Config
    kw.setdefault("secret", b"s" * 32)
    return Config(targets=[target], clock=lambda: WEB_NOW, **kw)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF field on the page"
    return m.group(1)


def login(client, name: str = "ann") -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login")
    r = client.post("/login?next=/", data={"csrf": csrf_of(page.text), "user": name,
                                           "token": ""}, follow_redirects=False)
    assert r.status_code == 303, r.text


@pytest.fixture
def client(demo):
    from starlette.testclient import TestClient

    from arledger.web.app import create_app
    with TestClient(create_app(make_config(demo[1]))) as c:
        login(c)
        yield c


class WebServer:
    """The workspace served by uvicorn on a free port, in a thread."""

    def __init__(self, config) -> None:  # type: ignore[no-untyped-def]
        import uvicorn

        from arledger.web.app import create_app
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.app = create_app(config)
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning",
                                                    access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            assert time.time() < deadline, "the workspace did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


# ---- the same ledger behind a server with authentication ------------------------

ISSUER, AUDIENCE = "https://idp.web-test", "arledger-web-test"


class Idp:
    """An identity provider of the tests: a signing key whose public half the server
    trusts, and the JWTs it issues; one API key too (a writer's, for a service)."""

    def __init__(self, tmp) -> None:  # type: ignore[no-untyped-def]
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        from arledger.server.auth import new_api_key
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.public = tmp / "idp.pub"
        self.public.write_bytes(self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        self.api_key = new_api_key()

    def token(self, sub: str, *roles: str) -> str:
        import jwt
        now = int(time.time())
        return jwt.encode({"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "iat": now,
                           "exp": now + 3600, "roles": list(roles)}, self.key,
                          algorithm="ES256")

    def settings(self):  # type: ignore[no-untyped-def]
        from arledger.server.auth import AuthSettings, Grant, hash_api_key, load_jwt_key
        from arledger.server.runtime import ServerSettings
        key, algs = load_jwt_key(self.public)
        return ServerSettings(auth=AuthSettings(
            jwt_key=key, jwt_algorithms=algs, jwt_issuer=ISSUER, jwt_audience=AUDIENCE,
            api_keys={hash_api_key(self.api_key): (
                "svc-desk", Grant(frozenset({"writer", "reader"})))}))


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    return Idp(tmp_path_factory.mktemp("idp"))


@pytest.fixture(scope="module")
def secured(demo, idp):
    """A second server on the demo ledger, with authentication on (JWTs and an API key;
    plaintext on loopback, which the server allows): (ledger, target)."""
    server, port = create_server(demo[0], "127.0.0.1:0", settings=idp.settings())
    server.start()
    try:
        yield demo[0], f"127.0.0.1:{port}"
    finally:
        server.stop(0)


def login_with(client, token: str, name: str = ""):  # type: ignore[no-untyped-def]
    """Log in with a credential (and a name, or none); the response of the POST."""
    page = client.get("/login")
    return client.post("/login?next=/", data={"csrf": csrf_of(page.text), "user": name,
                                              "token": token}, follow_redirects=False)
