"""`pip install clients/` in a fresh venv brings the SDK alone: no server, numpy, numba,
matplotlib or eventsourcing; and the SDK so installed talks to a real server (started here,
from the main venv, on a free port): commands, queries and a typed error."""

import itertools
import json
import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest
from sdk_server import T0_US, serve

from arledger.engine import open_ledger

ROOT = Path(__file__).resolve().parents[2]
# The server's own dependencies (cryptography is the SDK's too: AuditClient checks signatures).
SERVER_ONLY = {"arledger", "numpy", "numba", "matplotlib", "eventsourcing", "lxml",
               "starlette", "uvicorn", "rapidfuzz", "psycopg"}

CLIENT_SCRIPT = r"""
import importlib.util, json, sys
from arledger_client import ArledgerClient, NotFound
import arledger_client

out = {"sdk": arledger_client.__file__,
       "server_importable": importlib.util.find_spec("arledger") is not None,
       "numpy_importable": importlib.util.find_spec("numpy") is not None}
with ArledgerClient(sys.argv[1]) as client:
    client.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01", payment_terms_net_days=30)
    r = client.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=119_000)
    out["invoice_status"] = r.status
    out["balance"] = client.get_balance("ACME", as_of="2026-04-01").balance_minor
    try:
        client.get_balance("NOBODY", as_of="2026-04-01")
    except NotFound as e:
        out["error"] = [type(e).__name__, e.reason]
# AuditClient checks signatures itself: its key handling works with what was installed.
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from arledger_client.audit import key_id, load_public_key
pem = Ed25519PrivateKey.generate().public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
out["key_id_length"] = len(key_id(load_public_key(pem)))
print(json.dumps(out))
"""


def _run(cmd: list, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900, **kw)


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory):
    """A venv without system site packages, with `pip install` of a copy of clients/ (a copy:
    a build leaves build/ and egg-info behind in its source tree)."""
    base = tmp_path_factory.mktemp("sdk-venv")
    src = base / "clients"
    shutil.copytree(ROOT / "clients", src, ignore=shutil.ignore_patterns(
        "__pycache__", "*.egg-info", "build", "dist"))
    env_dir = base / "venv"
    venv.EnvBuilder(system_site_packages=False, with_pip=True, clear=True).create(env_dir)
    python = env_dir / "bin" / "python"
    done = _run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                 str(src)], cwd=base)
    assert done.returncode == 0, done.stdout + done.stderr
    return python


@pytest.mark.slow
def test_the_sdk_installs_alone_in_a_fresh_venv(fresh_venv):
    listed = _run([str(fresh_venv), "-m", "pip", "list", "--format", "json"])
    assert listed.returncode == 0, listed.stderr
    installed = {p["name"].lower().replace("_", "-"): p["version"]
                 for p in json.loads(listed.stdout)}
    assert installed.get("arledger-client") == "0.1.0"
    assert {"grpcio", "protobuf", "grpcio-status", "googleapis-common-protos",
            "cryptography"} <= set(installed)
    assert not SERVER_ONLY & set(installed), sorted(SERVER_ONLY & set(installed))
    where = _run([str(fresh_venv), "-I", "-c",
                  "import arledger_client, pathlib; print(pathlib.Path("
                  "arledger_client.__file__).parent)"], cwd=fresh_venv.parents[1])
    assert where.returncode == 0, where.stderr
    package = Path(where.stdout.strip())
    assert fresh_venv.parents[1] in package.parents  # the venv's copy, not this clone's
    assert (package / "py.typed").is_file()
    assert (package / "v1" / "ledger_pb2.pyi").is_file()
    assert (package / "v1" / "ledger_pb2_grpc.pyi").is_file()


@pytest.mark.slow
def test_the_sdk_from_the_fresh_venv_calls_a_real_server(fresh_venv, tmp_path):
    ticks = itertools.count(T0_US, 1_000)
    ledger = open_ledger(tmp_path / "data", clock=lambda: next(ticks))
    server, target = serve(ledger)
    try:
        ran = _run([str(fresh_venv), "-I", "-c", CLIENT_SCRIPT, target], cwd=tmp_path)
    finally:
        server.stop(0)
        ledger.close()
    assert ran.returncode == 0, ran.stdout + ran.stderr
    out = json.loads(ran.stdout)
    assert fresh_venv.parents[1] in Path(out["sdk"]).parents
    assert out["server_importable"] is False and out["numpy_importable"] is False
    assert out["invoice_status"] == "ACCEPTED"
    assert out["balance"] == 119_000
    assert out["error"] == ["NotFound", "CUSTOMER_NOT_FOUND"]
    assert out["key_id_length"] == 64
