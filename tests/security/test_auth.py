"""Authentication beyond the matrix: the actor is the principal, batches are checked per
command, partition scopes, reflection, the listening policy, TLS reload, and credentials
in the SDK and the CLI."""

from __future__ import annotations

import logging
import os
import shutil
import time

import grpc
import pytest

from arledger.server import create_server
from arledger.server.runtime import InsecureListen, ServerSettings
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb
from arledger.v1 import ledger_pb2_grpc as lgrpc
from arledger_client import ArledgerClient, Credentials, PermissionDenied, Unauthenticated
from arledger_client.errors import from_rpc_error
from security_helpers import CA, start, stop, write_private


def open_customer(rid: str = "o-1", actor: str = "", cid: str = "ACME") -> cpb.OpenCustomerRequest:
    return cpb.OpenCustomerRequest(request_id=rid, customer_id=cid, name="Acme", currency="EUR",
                                   payment_terms_net_days=30, opened_date="2026-01-01",
                                   actor=actor)


def creds(pki, token: str) -> Credentials:
    return Credentials(ca_pem=pki.ca.pem, token=token)


def actors(ledger) -> list[str]:
    return [e["actor"] for e in ledger.entries()]


def test_the_actor_recorded_is_the_principal_or_detail_under_it(tls_server, pki):
    tok = pki.token("svc-billing", ["writer"])
    ch = creds(pki, tok).channel(tls_server.target)
    led = lgrpc.LedgerServiceStub(ch)
    led.OpenCustomer(open_customer("o-1"))                               # no actor: the principal
    led.OpenCustomer(open_customer("o-2", "svc-billing/alice", "BETA"))  # detail under it
    led.SubmitBatch(cpb.Batch(commands=[cpb.Command(open_customer=open_customer(
        "o-3", "", "GAMMA"))]))
    led.SubmitBatchStream(iter([cpb.Batch(commands=[cpb.Command(open_customer=open_customer(
        "o-4", "svc-billing/bob", "DELTA"))])]))
    for bad, how in (("mallory", "unary"), ("svc-billing-evil", "unary"),
                     ("svc-other/alice", "batch"), ("mallory", "stream")):
        req = open_customer(f"x-{bad}-{how}", bad, "EPS")
        with pytest.raises(grpc.RpcError) as e:
            if how == "unary":
                led.OpenCustomer(req)
            elif how == "batch":
                led.SubmitBatch(cpb.Batch(commands=[cpb.Command(open_customer=req)]))
            else:
                led.SubmitBatchStream(iter([cpb.Batch(commands=[cpb.Command(open_customer=req)])]))
        err = from_rpc_error(e.value)
        assert (err.code, err.reason) == ("PERMISSION_DENIED", "ACTOR_NOT_PRINCIPAL")
        assert err.metadata["principal"] == "svc-billing"
    ch.close()
    assert actors(tls_server.ledger) == ["svc-billing", "svc-billing/alice", "svc-billing",
                                         "svc-billing/bob"]


def test_a_retry_by_another_principal_is_not_a_duplicate(tls_server, pki):
    a = lgrpc.LedgerServiceStub(creds(pki, pki.token("svc-a", ["writer"])).channel(
        tls_server.target))
    b = lgrpc.LedgerServiceStub(creds(pki, pki.token("svc-b", ["writer"])).channel(
        tls_server.target))
    assert a.OpenCustomer(open_customer("same")).status == lpb.ACCEPTED
    assert a.OpenCustomer(open_customer("same")).status == lpb.DUPLICATE
    with pytest.raises(grpc.RpcError) as e:  # same request id, another recorded actor
        b.OpenCustomer(open_customer("same"))
    assert from_rpc_error(e.value).reason == "REQUEST_ID_REUSED"


def test_each_command_of_a_batch_needs_its_own_permission(tls_server, pki):
    led = lgrpc.LedgerServiceStub(creds(pki, pki.token("svc-billing", ["writer"])).channel(
        tls_server.target))
    policy = cpb.Command(define_credit_policy=cpb.DefineCreditPolicyRequest(
        request_id="p-1", reason="r", over_limit_action=cpb.HOLD, effective_date="2026-01-01"))
    model = cpb.Command(register_risk_model=cpb.RegisterRiskModelRequest(
        request_id="m-1", reason="r", model_version="x", model_json="{}",
        effective_date="2026-01-01"))
    for cmd, perm in ((policy, "ledger.policy"), (model, "risk.models")):
        batch = cpb.Batch(commands=[cpb.Command(open_customer=open_customer()), cmd])
        for send in (lambda: led.SubmitBatch(batch),
                     lambda: led.SubmitBatchStream(iter([batch]))):
            with pytest.raises(grpc.RpcError) as e:
                send()
            err = from_rpc_error(e.value)
            assert isinstance(err, PermissionDenied) and err.permission == perm
            assert err.metadata["command_index"] == "1"
    assert actors(tls_server.ledger) == []  # nothing of a refused batch was written
    admin = lgrpc.LedgerServiceStub(creds(pki, pki.token("ops", ["admin"])).channel(
        tls_server.target))
    admin.DefineCreditPolicy(policy.define_credit_policy)
    assert actors(tls_server.ledger) == ["ops"]


def test_a_principal_scoped_to_other_partitions_is_refused(tls_server, pki):
    ch = creds(pki, pki.token("svc-eu", ["reader"], partitions=["1/2"])).channel(
        tls_server.target)
    with pytest.raises(grpc.RpcError) as e:
        lgrpc.LogServiceStub(ch).GetLogHead(lpb.GetLogHeadRequest())
    err = from_rpc_error(e.value)
    assert (err.code, err.reason, err.metadata["partition"]) == (
        "PERMISSION_DENIED", "PARTITION_NOT_ALLOWED", "0/1")
    ok = creds(pki, pki.token("svc-all", ["reader"], partitions=["0/1"])).channel(
        tls_server.target)
    assert lgrpc.LogServiceStub(ok).GetLogHead(lpb.GetLogHeadRequest()).role == "writer"


def test_rescore_records_the_principal_and_needs_request_id_and_reason(tls_server, pki):
    from arledger.v1 import risk_pb2 as rpb
    from arledger.v1 import risk_pb2_grpc as rgrpc
    ch = creds(pki, pki.token("risk-bot", ["risk"])).channel(tls_server.target)
    risk = rgrpc.RiskServiceStub(ch)
    for req, reason in ((rpb.RescorePortfolioRequest(as_of="2026-02-01", reason="r"),
                         "MISSING_FIELD"),
                        (rpb.RescorePortfolioRequest(as_of="2026-02-01", request_id="r-1"),
                         "REASON_REQUIRED"),
                        (rpb.RescorePortfolioRequest(as_of="2026-02-01", request_id="r-1",
                                                     reason="r", actor="someone"),
                         "ACTOR_NOT_PRINCIPAL")):
        with pytest.raises(grpc.RpcError) as e:
            list(risk.RescorePortfolio(req))
        assert from_rpc_error(e.value).reason == reason
    list(risk.RescorePortfolio(rpb.RescorePortfolioRequest(as_of="2026-02-01",
                                                           request_id="r-1", reason="month")))
    assert actors(tls_server.ledger) == ["risk-bot"]
    dry = list(risk.RescorePortfolio(rpb.RescorePortfolioRequest(as_of="2026-02-01",
                                                                 dry_run=True)))
    assert dry and actors(tls_server.ledger) == ["risk-bot"]  # a dry run records nothing


def test_reflection_can_be_turned_off(tmp_path, pki):
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
    s = start(tmp_path, ServerSettings(tls_cert=pki.server_cert, tls_key=pki.server_key,
                                       auth=pki.auth(), reflection=False), pki)
    try:
        ch = creds(pki, pki.token("ops", ["admin"])).channel(s.target)
        with pytest.raises(grpc.RpcError) as e:
            next(reflection_pb2_grpc.ServerReflectionStub(ch).ServerReflectionInfo(iter([
                reflection_pb2.ServerReflectionRequest(list_services="")])))
        assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED
    finally:
        stop(s)


def test_listening_beyond_loopback_needs_tls_and_auth_or_an_explicit_insecure(
        tmp_path, pki, caplog, sqlite_ledger):
    with pytest.raises(InsecureListen, match="without TLS"):
        create_server(sqlite_ledger, "0.0.0.0:0")
    with pytest.raises(InsecureListen, match="authentication"):
        create_server(sqlite_ledger, "0.0.0.0:0", settings=ServerSettings(
            tls_cert=pki.server_cert, tls_key=pki.server_key))
    with caplog.at_level(logging.WARNING, logger="arledger"):
        server, _ = create_server(sqlite_ledger, "0.0.0.0:0",
                                  settings=ServerSettings(insecure=True))
    server.stop(0)
    assert any("listening without TLS" in r.getMessage() and "authentication" in r.getMessage()
               for r in caplog.records)
    server, _ = create_server(sqlite_ledger, "0.0.0.0:0", settings=ServerSettings(
        tls_cert=pki.server_cert, tls_key=pki.server_key, auth=pki.auth()))
    server.stop(0)
    for loopback in ("127.0.0.1:0", "localhost:0", "[::1]:0"):
        assert is_loopback(loopback)


def is_loopback(address: str) -> bool:
    from arledger.server.runtime import is_loopback_address
    return is_loopback_address(address)


def test_cli_serve_refuses_a_public_address_without_tls(tmp_path):
    from arledger.cli import main
    with pytest.raises(SystemExit, match="refusing to listen on 0.0.0.0:0 without TLS"):
        main(["serve", "--data-dir", str(tmp_path / "d"), "--listen", "0.0.0.0:0"])
    assert not (tmp_path / "d").exists()  # refused before anything was opened


def test_the_server_certificate_is_reloaded_without_a_restart(tmp_path, pki):
    cert, key = tmp_path / "server.pem", tmp_path / "server.key"
    shutil.copy(pki.server_cert, cert)
    write_private(key, pki.server_key.read_bytes())
    s = start(tmp_path, ServerSettings(tls_cert=cert, tls_key=key, auth=pki.auth()), pki)
    try:
        tok = pki.token("r", ["reader"])

        def head(ca_pem: bytes) -> str:
            ch = Credentials(ca_pem=ca_pem, token=tok).channel(s.target)
            try:
                return lgrpc.LogServiceStub(ch).GetLogHead(lpb.GetLogHeadRequest(),
                                                           timeout=5).role
            except grpc.RpcError as e:
                return e.code().name
            finally:
                ch.close()
        assert head(pki.ca.pem) == "writer"
        new_ca = CA.make("rotated CA")
        c2, k2 = new_ca.issue("localhost", server=True)
        # A half-written pair (new certificate, old key) is not taken.
        cert.write_bytes(c2)
        assert head(pki.ca.pem) == "writer"
        write_private(key, k2)
        os.utime(cert)
        deadline = time.monotonic() + 5
        while head(new_ca.pem) != "writer" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert head(new_ca.pem) == "writer"
        assert head(pki.ca.pem) == "UNAVAILABLE"  # the old certificate is gone
        assert s.server.tls_reloader.reloads == 1
    finally:
        stop(s)


def test_a_tls_key_readable_by_others_is_refused(tmp_path, pki, sqlite_ledger):
    key = tmp_path / "server.key"
    key.write_bytes(pki.server_key.read_bytes())
    key.chmod(0o640)
    with pytest.raises(Exception, match="readable by group or others"):
        create_server(sqlite_ledger, "127.0.0.1:0", settings=ServerSettings(
            tls_cert=pki.server_cert, tls_key=key, auth=pki.auth()))


def test_sdk_credentials_from_arguments_environment_and_config_file(tls_server, pki, tmp_path,
                                                                    monkeypatch):
    ca = pki.dir / "ca.pem"
    tok_file = write_private(tmp_path / "token", pki.token("reader-1", ["reader"]).encode())
    # arguments
    with ArledgerClient(tls_server.target, credentials=Credentials.load(
            ca=str(ca), token_file=str(tok_file)), retries=0) as c:
        assert c.get_log_head().role == "writer"
        with pytest.raises(PermissionDenied) as e:  # a reader sends a command
            c.open_customer("ACME", "Acme", "EUR", "2026-01-01")
        assert e.value.permission == "ledger.command"
    # environment
    monkeypatch.setenv("ARLEDGER_CA", str(ca))
    monkeypatch.setenv("ARLEDGER_TOKEN", pki.token("reader-2", ["reader"]))
    with ArledgerClient(tls_server.target, retries=0) as c:
        assert c.get_log_head().role == "writer"
    monkeypatch.setenv("ARLEDGER_TOKEN", pki.token("reader-2", ["reader"], exp_s=-3600))
    with ArledgerClient(tls_server.target, retries=0) as c, pytest.raises(Unauthenticated) as e:
        c.get_log_head()
    assert e.value.reason == "CREDENTIALS_EXPIRED"
    monkeypatch.delenv("ARLEDGER_CA")
    monkeypatch.delenv("ARLEDGER_TOKEN")
    # config file (relative paths are relative to it)
    conf = tmp_path / "client.toml"
    shutil.copy(ca, tmp_path / "ca.pem")
    conf.write_text('[client]\nca = "ca.pem"\ntoken_file = "token"\n')
    monkeypatch.setenv("ARLEDGER_CLIENT_CONFIG", str(conf))
    with ArledgerClient(tls_server.target, retries=0) as c:
        assert c.get_log_head().role == "writer"
    conf.write_text('[client]\nca = "ca.pem"\ntokn_file = "token"\n')
    with pytest.raises(ValueError, match="unknown keys"):
        Credentials.load()


def test_the_sdk_never_sends_a_token_in_plaintext_beyond_loopback():
    with pytest.raises(ValueError, match="plaintext"):
        Credentials(token="t").channel("ledger.example.com:50051")
    Credentials(token="t").channel("127.0.0.1:1").close()  # loopback: allowed


def test_cli_credentials_from_flags_env_and_config(tls_server, pki, tmp_path, capsys,
                                                   monkeypatch):
    from arledger.cli import main
    tok = write_private(tmp_path / "tok", pki.token("cli-reader", ["reader"]).encode())
    base = ["--target", tls_server.target, "--format", "json"]
    assert main(base + ["--ca-file", str(pki.dir / "ca.pem"), "--token-file", str(tok),
                        "head"]) == 0
    assert '"role": "writer"' in capsys.readouterr().out
    # the refusal names the missing permission
    assert main(base + ["--ca-file", str(pki.dir / "ca.pem"), "--token-file", str(tok),
                        "customer", "open", "ACME", "--name", "A", "--currency", "EUR",
                        "--opened", "2026-01-01"]) == 2
    assert "PERMISSION_DENIED" in capsys.readouterr().err
    monkeypatch.setenv("ARLEDGER_CA", str(pki.dir / "ca.pem"))
    monkeypatch.setenv("ARLEDGER_TOKEN_FILE", str(tok))
    assert main(base + ["head"]) == 0
    monkeypatch.delenv("ARLEDGER_CA")
    monkeypatch.delenv("ARLEDGER_TOKEN_FILE")
    conf = tmp_path / "c.toml"
    conf.write_text(f'[client]\ntarget = "{tls_server.target}"\nca = "{pki.dir / "ca.pem"}"\n'
                    f'token_file = "{tok}"\n')
    assert main(["--client-config", str(conf), "--format", "json", "head"]) == 0
    assert main(["--target", tls_server.target, "head"]) == 2  # no credentials at all
    assert "UNAVAILABLE" in capsys.readouterr().err
