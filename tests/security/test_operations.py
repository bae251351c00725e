"""Operations: JSON logs of every call (no secrets), Prometheus metrics over HTTP, the TOML
config file with flags over it."""

from __future__ import annotations

import io
import json
import logging
import socket
import urllib.request

import grpc
import prometheus_client
import pytest

from arledger import config, observability
from arledger.server.runtime import ServerSettings
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb
from arledger.v1 import ledger_pb2_grpc as lgrpc
from arledger_client import Credentials
from security_helpers import start, stop


@pytest.fixture
def json_log():
    buf = io.StringIO()
    observability.setup_logging("json", "info", buf)
    yield buf
    observability.setup_logging("text", "warning", io.StringIO())


def records(buf: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buf.getvalue().splitlines() if line.strip()]


def test_every_call_is_logged_as_json_with_principal_status_reason_and_no_secret(
        tmp_path, pki, json_log):
    s = start(tmp_path, ServerSettings(tls_cert=pki.server_cert, tls_key=pki.server_key,
                                       auth=pki.auth()), pki)
    try:
        token = pki.token("svc-billing", ["writer"])
        ch = Credentials(ca_pem=pki.ca.pem, token=token).channel(s.target)
        led = lgrpc.LedgerServiceStub(ch)
        led.OpenCustomer(cpb.OpenCustomerRequest(request_id="req-77", customer_id="ACME",
                                                 name="A", currency="EUR",
                                                 opened_date="2026-01-01"))
        with pytest.raises(grpc.RpcError):
            lgrpc.QueryServiceStub(ch).GetCustomer(lpb.GetCustomerRequest(customer_id="ACME"))
        key = pki.api_keys["reader"]
        bad = Credentials(ca_pem=pki.ca.pem, token=key[:-3] + "zzz").channel(s.target)
        with pytest.raises(grpc.RpcError):
            lgrpc.LogServiceStub(bad).GetLogHead(lpb.GetLogHeadRequest())
        ch.close()
        bad.close()
    finally:
        stop(s)
    text = json_log.getvalue()
    assert token not in text and key[4:20] not in text and "Bearer" not in text
    rpcs = [r for r in records(json_log) if r.get("event") == "rpc"]
    ok = next(r for r in rpcs if r["method"].endswith("/OpenCustomer"))
    assert (ok["principal"], ok["via"], ok["code"], ok["request_id"]) == (
        "svc-billing", "jwt", "OK", "req-77")
    assert ok["latency_ms"] >= 0 and ok["level"] == "info" and ok["ts"].endswith("Z")
    denied = next(r for r in rpcs if r["method"].endswith("/GetCustomer"))
    assert (denied["code"], denied["reason"], denied["level"]) == (
        "PERMISSION_DENIED", "PERMISSION_DENIED", "warning")
    unauth = next(r for r in rpcs if r["method"].endswith("/GetLogHead"))
    assert (unauth["code"], unauth["reason"], unauth["principal"]) == (
        "UNAUTHENTICATED", "CREDENTIALS_INVALID", "")


def test_secrets_are_masked_in_any_log_line():
    buf = io.StringIO()
    observability.setup_logging("json", "info", buf)
    log = logging.getLogger("arledger.test")
    log.info("store postgresql://u:hunter2@db/x token Bearer abc.def.ghi key arl_ABCDEFGHIJKL",
             extra={"password": "hunter2", "authorization": "Bearer x", "dsn":
                    "postgres://u:hunter2@h/d"})
    observability.setup_logging("text", "warning", io.StringIO())
    line = buf.getvalue()
    assert "hunter2" not in line and "abc.def.ghi" not in line and "ABCDEFGHIJKL" not in line
    d = json.loads(line)
    assert "password" not in d and "authorization" not in d and "***" in d["dsn"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_prometheus_metrics_over_http(tmp_path):
    metrics = observability.Metrics()
    s = start(tmp_path, ServerSettings(metrics=metrics))
    metrics.registry.register(observability._LedgerCollector(s.ledger))
    metrics.instrument(s.ledger)
    port = free_port()
    http = metrics.serve_http(f"127.0.0.1:{port}")
    try:
        ch = grpc.insecure_channel(s.target)
        led = lgrpc.LedgerServiceStub(ch)
        led.OpenCustomer(cpb.OpenCustomerRequest(request_id="o", customer_id="ACME", name="A",
                                                 currency="EUR", opened_date="2026-01-01"))
        led.SubmitBatch(cpb.Batch(commands=[cpb.Command(issue_invoice=cpb.IssueInvoiceRequest(
            request_id=f"i{n}", invoice_id=f"I{n}", customer_id="ACME" if n else "NOPE",
            issue_date="2026-01-05", amount_minor=10)) for n in range(3)]))
        ch.close()
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    finally:
        http.shutdown()
        stop(s)
    for needle in ('arledger_commands_total{kind="open_customer",outcome="ACCEPTED",reason=""} 1.0',
                   'arledger_commands_total{kind="issue_invoice",outcome="ACCEPTED",reason=""} 2.0',
                   'arledger_commands_total{kind="issue_invoice",outcome="REJECTED",'
                   'reason="CUSTOMER_NOT_FOUND"} 1.0',
                   'arledger_rpc_duration_seconds_count{code="OK",method="LedgerService/OpenCustomer"} 1.0',
                   "arledger_append_duration_seconds_count 2.0",
                   "arledger_fold_duration_seconds_count 2.0",
                   "arledger_group_entries_bucket", "arledger_batch_commands_bucket",
                   "arledger_log_entries_total 3.0", "arledger_follower_lag_segments 0.0",
                   "arledger_streams_active", "arledger_serving 1.0",
                   "arledger_writer_lease_held 1.0"):
        assert needle in body, needle


def test_the_config_file_sets_what_flags_set_and_flags_override_it(tmp_path, monkeypatch, pki):
    from arledger.cli import build_parser
    conf_path = tmp_path / "arledger.toml"
    conf_path.write_text(f'''
[server]
listen = "127.0.0.1:6000"
max_workers = 8
stream_idle_timeout_s = 12
shutdown_grace_s = 4
reflection = false

[store]
data_dir = "data"
namespace = "ns_from_file"

[tls]
cert = "{pki.server_cert}"
key = "{pki.server_key}"

[auth]
jwt_key_file = "{pki.jwt_public}"
jwt_issuer = "https://idp.test"
jwt_audience = "arledger-test"

[auth.principals.ops]
roles = ["admin", "auditor"]

[auth.api_keys.svc-billing]
sha256 = "{"ab" * 32}"
roles = ["writer"]
partitions = ["0/2"]

[log]
format = "json"

[metrics]
listen = "127.0.0.1:9464"
''')
    monkeypatch.delenv("ARLEDGER_NAMESPACE", raising=False)
    monkeypatch.setenv("ARLEDGER_DATA_DIR", str(tmp_path / "from-env"))
    parser = build_parser()
    argv = ["serve", "--config", str(conf_path), "--max-workers", "16"]
    args = parser.parse_args(argv)
    conf = config.load(args.config)
    config.apply(parser._arledger_server_parsers["serve"], conf)
    args = parser.parse_args(argv)
    assert args.listen == "127.0.0.1:6000" and args.stream_idle_timeout_s == 12.0
    assert args.max_workers == 16                       # the flag over the file
    assert args.data_dir == str(tmp_path / "from-env")  # the environment over the file
    assert args.namespace == "ns_from_file" and args.reflection is False
    assert args.log_format == "json" and args.metrics_listen == "127.0.0.1:9464"
    s = config.server_settings(args, conf)
    assert s.tls and s.max_workers == 16 and s.shutdown_grace_s == 4.0
    assert s.auth.modes() == ["jwt", "api-key"]
    assert s.auth.principals["ops"].roles == {"admin", "auditor"}
    name, grant = s.auth.api_keys["ab" * 32]
    assert name == "svc-billing" and grant.partitions == {"0/2"}


@pytest.mark.parametrize("text, msg", [
    ("[server]\nlisen = 'x'\n", "unknown key 'lisen'"),
    ("[servr]\nlisten = 'x'\n", "unknown section"),
    ("[server]\nmax_workers = '8'\n", "must be int"),
    ("[auth.principals.ops]\nroles = ['root']\n", "roles must be a list"),
    ("[auth.api_keys.svc]\nsha256 = 'abc'\nroles = ['writer']\n", "sha256 must be"),
    ("[auth.principals.'a/b']\nroles = ['reader']\n", "not a principal name"),
])
def test_a_config_file_with_a_mistake_is_refused(tmp_path, text, msg):
    p = tmp_path / "c.toml"
    p.write_text(text)
    with pytest.raises(config.ConfigError, match=msg):
        config.load(p)


def test_serve_refuses_a_jwt_secret_others_can_read(tmp_path):
    from arledger.cli import main
    secret = tmp_path / "jwt.secret"
    secret.write_text("s" * 40)
    secret.chmod(0o644)
    with pytest.raises(SystemExit, match="readable by group or others"):
        main(["serve", "--data-dir", str(tmp_path / "d"), "--jwt-key-file", str(secret),
              "--jwt-issuer", "i", "--jwt-audience", "a"])


def test_streamed_and_columnar_commands_are_counted_by_kind_outcome_and_reason(tmp_path):
    # The row stream answers from columns (no Outcome per command) and the columnar RPCs
    # counted nothing before: every path now tallies what it decided.
    from arledger_client import ColumnarBatch

    metrics = observability.Metrics()
    s = start(tmp_path, ServerSettings(metrics=metrics))
    try:
        ch = grpc.insecure_channel(s.target)
        led = lgrpc.LedgerServiceStub(ch)
        inv = [cpb.Command(issue_invoice=cpb.IssueInvoiceRequest(
            request_id=f"i{n}", invoice_id=f"I{n}", customer_id="ACME" if n else "NOPE",
            issue_date="2026-01-05", amount_minor=10)) for n in range(3)]
        summary = led.SubmitBatchStream(iter([
            cpb.Batch(commands=[cpb.Command(open_customer=cpb.OpenCustomerRequest(
                request_id="o", customer_id="ACME", name="A", currency="EUR",
                opened_date="2026-01-01"))]),
            cpb.Batch(commands=inv + [cpb.Command(place_hold=cpb.PlaceHoldRequest(
                request_id="h", customer_id="ACME", reason="review", actor="ops",
                effective_date="2026-01-06")),
                cpb.Command(place_hold=cpb.PlaceHoldRequest(
                    request_id="h2", customer_id="NOPE", reason="review", actor="ops"))]),
            cpb.Batch(commands=inv[1:])]))
        assert (summary.accepted, summary.duplicates, summary.rejected) == (4, 2, 2), summary
        assert [(r.batch_index, r.command_index, r.request_id) for r in summary.rejections] \
            == [(1, 0, "i0"), (1, 4, "h2")]
        b = ColumnarBatch()
        b.record_payment("PAY-1", "ACME", 5, "EUR", "2026-01-10", request_id="p1")
        b.record_payment("PAY-2", "NOPE", 5, "EUR", "2026-01-10", request_id="p2")
        led.SubmitColumnar(b.message())
        list(led.SubmitColumnarStream(iter([b.message()])))
        ch.close()
    finally:
        stop(s)
    body = prometheus_client.generate_latest(metrics.registry).decode()
    for kind, outcome, reason, n in (
            ("open_customer", "ACCEPTED", "", 1), ("issue_invoice", "ACCEPTED", "", 2),
            ("issue_invoice", "DUPLICATE", "", 2),
            ("issue_invoice", "REJECTED", "CUSTOMER_NOT_FOUND", 1),
            ("place_hold", "ACCEPTED", "", 1), ("place_hold", "REJECTED", "CUSTOMER_NOT_FOUND", 1),
            ("record_payment", "ACCEPTED", "", 1), ("record_payment", "DUPLICATE", "", 1),
            ("record_payment", "REJECTED", "CUSTOMER_NOT_FOUND", 2)):
        needle = (f'arledger_commands_total{{kind="{kind}",outcome="{outcome}",'
                  f'reason="{reason}"}} {n}.0')
        assert needle in body, needle
    assert "arledger_batch_commands_count 5.0" in body
