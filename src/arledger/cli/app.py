"""The `arledger` command: its parser (global options, then one module per noun adds its
subcommands), and `main`, which turns every refusal into one line on stderr and an exit
code: 2 for bad input or a refused command, never a traceback for either."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from typing import NoReturn

from arledger.cli import (
    args,
    audit,
    auth,
    bank,
    credit,
    customer,
    dispute,
    invoice,
    log,
    payment,
    reports,
    risk,
    search,
    server,
    valuation,
    views,
    web,
)
from arledger.cli.output import FORMATS
from arledger.cli.server import DEFAULT_LISTEN

# The modules that add subcommands, in the order `arledger --help` lists them.
NOUNS = (customer, invoice, payment, dispute, views, log, reports, audit, credit, risk, auth,
         search, web, valuation, bank)


class Parser(argparse.ArgumentParser):
    """argparse with its error on one line: `arledger invoice issue: error: argument
    --line: ...` (the usage is one `--help` away), exit code 2."""

    def error(self, message: str) -> NoReturn:
        text = " ".join(message.split())
        self.exit(2, f"{self.prog}: error: {text} (see {self.prog} --help)\n")


def _global_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="output: readable table (default), JSON for scripts, or CSV; also "
                   "accepted after any subcommand (after `bank import` it names the file's "
                   "format)")
    p.add_argument("--target", default=None,
                   help="server address for client commands (env ARLEDGER_TARGET, or the "
                        f"client config file's target; default {DEFAULT_LISTEN})")
    c = p.add_argument_group("credentials of client commands (env or the client config "
                             "file [client] table, ~/.config/arledger/client.toml)")
    c.add_argument("--ca-file", default=None, help="CA of the server's certificate: use TLS "
                   "(env ARLEDGER_CA)")
    c.add_argument("--client-cert", default=None, help="client certificate for mTLS (env "
                   "ARLEDGER_CLIENT_CERT)")
    c.add_argument("--client-key", default=None, help="its key (env ARLEDGER_CLIENT_KEY)")
    c.add_argument("--token-file", default=None, help="file holding a bearer token: a JWT or "
                   "an API key (env ARLEDGER_TOKEN_FILE, or the token in ARLEDGER_TOKEN)")
    c.add_argument("--server-name", default=None, help="TLS name to expect when it differs "
                   "from the target's host (env ARLEDGER_SERVER_NAME)")
    c.add_argument("--client-config", default=None, help="client config file (env "
                   "ARLEDGER_CLIENT_CONFIG)")


def parsers(p: argparse.ArgumentParser) -> Iterable[argparse.ArgumentParser]:
    """This parser and every one below it (each alias once)."""
    yield p
    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            for child in dict.fromkeys(a.choices.values()):
                yield from parsers(child)


def leaves(p: argparse.ArgumentParser) -> Iterable[argparse.ArgumentParser]:
    """Every parser that runs a command (has no subcommands of its own)."""
    return (q for q in parsers(p)
            if not any(isinstance(a, argparse._SubParsersAction) for a in q._actions))


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="arledger", description="Event-sourced accounts-receivable ledger: gRPC "
               "server and command line.")
    _global_options(p)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p._arledger_server_parsers = server.register(sub)  # type: ignore[attr-defined]
    for noun in NOUNS:
        noun.register(sub)
    for q in parsers(p):
        if q is not p:
            args.add_format(q)  # --format wherever a subcommand is
    return p


def main(argv: Iterable[str] | None = None) -> int:
    argv = list(argv) if argv is not None else sys.argv[1:]
    parser = build_parser()
    ns = parser.parse_args(argv)
    if ns.command in ("serve", "follow") and ns.config:
        from arledger import config
        try:
            conf = config.load(ns.config)
        except config.ConfigError as e:
            raise SystemExit(f"arledger: {e}") from None
        config.apply(parser._arledger_server_parsers[ns.command], conf)  # type: ignore[attr-defined]
        ns = parser.parse_args(argv)  # flags (and environment) over the file
        ns.config_data = conf
    if getattr(ns, "target", "") is None:
        ns.target = os.environ.get("ARLEDGER_TARGET") or _client_target(ns) or DEFAULT_LISTEN
    return _run(ns)


def _run(ns: argparse.Namespace) -> int:
    from arledger.domain.errors import LedgerError
    from arledger_client import ArledgerError
    try:
        return int(ns.func(ns) or 0)
    except args.UsageError as e:
        print(f"arledger: error: {e}", file=sys.stderr)
        return 2
    except (LedgerError, ArledgerError) as e:
        print(f"arledger: {e.reason}: {e.message}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


def _client_target(ns: argparse.Namespace) -> str | None:
    from arledger_client import Credentials
    try:
        return Credentials.load(config_file=ns.client_config or None).target
    except (ValueError, OSError):
        return None


if __name__ == "__main__":
    sys.exit(main())
