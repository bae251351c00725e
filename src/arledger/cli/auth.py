"""`arledger auth ...`: API keys, secret files, and the permission table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from arledger.cli.args import UsageError


def _new_api_key(args: argparse.Namespace) -> int:
    from arledger.server.auth import PRINCIPAL_NAME, hash_api_key, new_api_key
    if not PRINCIPAL_NAME.fullmatch(args.principal):
        raise UsageError("principal", f"{args.principal!r} is not a principal name "
                         f"({PRINCIPAL_NAME.pattern})")
    key = new_api_key()
    roles = ", ".join(f'"{r}"' for r in args.role)
    parts = (", partitions = [" + ", ".join(f'"{p}"' for p in args.partition) + "]"
             if args.partition else "")
    print(key)
    print(f"# give the key above to {args.principal} (it is shown once); put this in the "
          f"server's config file:\n[auth.api_keys.{args.principal}]\n"
          f'sha256 = "{hash_api_key(key)}"\nroles = [{roles}]{parts}', file=sys.stderr)
    return 0


def _hash_api_key(args: argparse.Namespace) -> int:
    from arledger.server.auth import hash_api_key
    print(hash_api_key(sys.stdin.readline().strip()))
    return 0


def _new_secret(args: argparse.Namespace) -> int:
    from arledger.server.runtime import new_secret_file
    try:
        new_secret_file(Path(args.file))
    except FileExistsError:
        raise UsageError("file", f"{args.file} exists; not overwritten") from None
    print(f"wrote {args.file} (mode 0600)", file=sys.stderr)
    return 0


def _permissions(args: argparse.Namespace) -> int:
    from arledger.cli.output import emit
    from arledger.server.auth import PERMISSIONS, ROLE_PERMISSIONS
    rows = [{"rpc": m.lstrip("/"), "permission": p or "(none: public)",
             "roles": ",".join(r for r, ps in ROLE_PERMISSIONS.items() if p in ps) or
             ("anyone" if not p else "")} for m, p in PERMISSIONS.items()]
    emit(rows, args.format, ["rpc", "permission", "roles"])
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from arledger.server.auth import ROLES
    a = sub.add_parser("auth", help="API keys, secret files and the permission table")
    s = a.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = s.add_parser("new-api-key", help="make an API key for a principal: the key on "
                     "stdout, its config-file entry (hash only) on stderr")
    p.add_argument("principal")
    p.add_argument("--role", action="append", choices=ROLES, required=True)
    p.add_argument("--partition", action="append", default=[], help="scope to I/N (repeat)")
    p.set_defaults(func=_new_api_key)
    p = s.add_parser("hash-api-key", help="the SHA-256 the config keeps of a key read from "
                     "stdin")
    p.set_defaults(func=_hash_api_key)
    p = s.add_parser("new-secret", help="write a random 32-byte secret (hex), mode 0600: an "
                     "HS256 JWT secret or a page-token key")
    p.add_argument("file")
    p.set_defaults(func=_new_secret)
    p = s.add_parser("permissions", help="every RPC, the permission it needs, the roles "
                     "that hold it")
    p.add_argument("--format", choices=("table", "json", "csv"), default=argparse.SUPPRESS)
    p.set_defaults(func=_permissions)
