"""`arledger web`: the collections workspace and customer portal in a browser, talking to
running arledger servers (a writer, a follower, or one per partition) through the SDK."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

from arledger.cli.args import readable_file


def load_secret(path: str | None) -> bytes:
    """The key that signs sessions and portal links: from the file (made, mode 0600, when
    missing), from ARLEDGER_WEB_SECRET, or a new one for this run (portal links and logins
    then end with it)."""
    if path:
        p = Path(path)
        if not p.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        text = p.read_text().strip()
        if len(text) < 32:
            raise SystemExit(f"arledger: {p} holds no usable secret (32+ characters)")
        return text.encode()
    env = os.environ.get("ARLEDGER_WEB_SECRET", "")
    if env:
        return env.encode()
    return secrets.token_bytes(32)


def _config(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from arledger.web.app import Config
    targets = [t.strip() for t in (args.targets or args.target).split(",") if t.strip()]
    pem = Path(args.public_key).read_text() if args.public_key else None
    return Config(targets=targets, secret=load_secret(args.secret_file),
                  read_only=args.read_only, public_key_pem=pem,
                  portal_max_age_s=args.portal_days * 86400,
                  portal_token=os.environ.get("ARLEDGER_PORTAL_TOKEN", ""),
                  credentials=_tls(args))


def _tls(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """TLS to the servers from the client credential options (--ca-file, --client-cert,
    --client-key, --server-name, --client-config and their environment): every user's
    calls go over it. A token among them is not used: each user logs in with their own."""
    from arledger_client import Credentials
    return Credentials.load(ca=getattr(args, "ca_file", None),
                            cert=getattr(args, "client_cert", None),
                            key=getattr(args, "client_key", None),
                            server_name=getattr(args, "server_name", None),
                            config_file=getattr(args, "client_config", None) or None)


def cmd_web(args: argparse.Namespace) -> int:
    config = _config(args)
    if args.portal_link:
        from arledger.web.app import App
        base = args.base_url or f"http://{args.listen}"
        print(base.rstrip("/") + App(config).portal.path_for(args.portal_link))
        return 0
    import uvicorn

    from arledger.cli.args import check_port_free
    check_port_free("--listen", args.listen)

    from arledger.web.app import create_app
    host, _, port = args.listen.rpartition(":")
    app = create_app(config)
    print(f"arledger: workspace on http://{host}:{port} for {', '.join(config.targets)}"
          f"{' (read-only)' if config.read_only else ''}; Ctrl-C stops", file=sys.stderr,
          flush=True)
    uvicorn.run(app, host=host, port=int(port), log_level=args.log_level, access_log=False)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    w = sub.add_parser("web", help="the collections workspace and customer portal in a "
                       "browser (talks to the server at --target)")
    w.add_argument("--listen", default="127.0.0.1:8080",
                   help="HTTP address (default 127.0.0.1:8080)")
    w.add_argument("--targets", help="one server per partition, comma-separated, in partition "
                   "order (default: --target)")
    w.add_argument("--secret-file", help="key that signs sessions and portal links (created "
                   "with mode 0600 when missing; default ARLEDGER_WEB_SECRET, else a new one "
                   "per run)")
    w.add_argument("--public-key", type=readable_file,
                   help="the ledger's audit public key (PEM) that inclusion "
                   "proofs are checked against (default: the server's, trusted on first use)")
    w.add_argument("--read-only", action="store_true",
                   help="no action buttons for anyone (a workspace for readers or auditors)")
    w.add_argument("--portal-days", type=int, default=30,
                   help="how long a portal link is valid, in days (default 30)")
    w.add_argument("--portal-link", metavar="CUSTOMER",
                   help="print a signed portal link for CUSTOMER and exit")
    w.add_argument("--base-url", help="the workspace's public URL, for --portal-link "
                   "(default http://LISTEN)")
    w.add_argument("--log-level", default="warning", help=argparse.SUPPRESS)
    w.set_defaults(func=cmd_web)
