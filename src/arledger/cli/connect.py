"""The SDK clients a command talks to the server through, made from the global options:
--target and the credentials of the flags, the environment or the client config file.
Every command that talks to a server goes through these (the public `arledger_client`
API); the CLI holds no gRPC stub of its own."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

import grpc

from arledger.cli.args import UsageError
from arledger.cli.output import emit
from arledger_client import ArledgerClient, CommandResult, Credentials, command
from arledger_client.audit import AuditClient
from arledger_client.bank import BankClient
from arledger_client.reports import ReportsClient
from arledger_client.risk import RiskClient
from arledger_client.search import SearchClient
from arledger_client.valuation import ValuationClient

_CREDENTIAL_FLAGS = "--ca-file/--client-cert/--client-key/--token-file/--client-config"


def credentials(args: argparse.Namespace) -> Credentials:
    try:
        return Credentials.load(
            ca=getattr(args, "ca_file", None), cert=getattr(args, "client_cert", None),
            key=getattr(args, "client_key", None), token_file=getattr(args, "token_file", None),
            server_name=getattr(args, "server_name", None),
            config_file=getattr(args, "client_config", None) or None)
    except (ValueError, OSError) as e:
        raise UsageError(_CREDENTIAL_FLAGS, str(e)) from None


def channel(args: argparse.Namespace) -> grpc.Channel:
    """A channel to --target (plaintext when no credentials are given), made once per run."""
    made = getattr(args, "_channel", None)
    if made is None:
        try:
            made = credentials(args).channel(args.target, options=[
                ("grpc.max_send_message_length", 64 << 20),
                ("grpc.max_receive_message_length", 64 << 20)])
        except (ValueError, OSError) as e:
            raise UsageError(_CREDENTIAL_FLAGS, str(e)) from None
        args._channel = made
    return made


def _timeout(args: argparse.Namespace, default: float) -> float:
    return float(getattr(args, "timeout", None) or default)


def ledger(args: argparse.Namespace) -> ArledgerClient:
    return ArledgerClient(args.target, channel=channel(args), timeout_s=_timeout(args, 30.0))


def search(args: argparse.Namespace) -> SearchClient:
    return SearchClient(args.target, channel=channel(args), timeout_s=_timeout(args, 120.0))


def reports(args: argparse.Namespace) -> ReportsClient:
    return ReportsClient(args.target, channel=channel(args), timeout_s=_timeout(args, 120.0))


def risk(args: argparse.Namespace) -> RiskClient:
    return RiskClient(args.target, channel=channel(args), timeout_s=_timeout(args, 600.0))


def valuation(args: argparse.Namespace) -> ValuationClient:
    return ValuationClient(args.target, channel=channel(args), timeout_s=_timeout(args, 120.0))


def bank(args: argparse.Namespace) -> BankClient:
    return BankClient(args.target, channel=channel(args), timeout_s=_timeout(args, 600.0))


def audit(args: argparse.Namespace, public_key_pem: str | None,
          log: str | None) -> AuditClient:
    return AuditClient(args.target, channel=channel(args), public_key_pem=public_key_pem,
                       timeout_s=_timeout(args, 300.0), log=log)


def result_dict(r: CommandResult) -> dict[str, Any]:
    """A command's result without its empty fields (status and position always)."""
    out = dataclasses.asdict(r)
    return {k: v for k, v in out.items()
            if v not in ("", [], (), 0) or k in ("status", "position")}


def send(args: argparse.Namespace, kind: str, **fields: Any) -> int:
    """Send one command (fields by the request's names; None = not given) with the
    envelope of the flags (--request-id, --actor, --reason) and print its result."""
    env = {"request_id": getattr(args, "request_id", "") or None,
           "actor": getattr(args, "actor", ""), "reason": getattr(args, "reason", "")}
    try:
        cmd = command(kind, **{**env, **fields})
    except (TypeError, ValueError) as e:  # a value the message cannot hold (e.g. > int64)
        print(f"arledger: error: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    emit(result_dict(ledger(args).send(cmd)), args.format)
    return 0
