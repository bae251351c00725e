"""What every `arledger` subcommand shares on its command line: the value types that refuse
bad input while parsing (so the error names the flag and the exit code is 2), and the
options common to many commands (--format, --target, the request envelope, the clocks).

A value a type cannot check alone (a file read later, a port found busy) raises UsageError;
`main` prints it as one line naming the flag and exits 2, like argparse does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from typing import Any

from arledger.cli.output import FORMATS


class UsageError(Exception):
    """Bad input found after parsing: `arledger: error: argument FLAG: MESSAGE`, exit 2."""

    def __init__(self, flag: str, message: str) -> None:
        super().__init__(f"argument {flag}: {message}")
        self.flag = flag


# ---- value types (argparse `type=`): a bad value is a one-line error naming its flag ----

def allocation(text: str) -> tuple[str, int]:
    """INVOICE=AMOUNT_MINOR, e.g. INV-1=119000."""
    inv, sep, amount = text.rpartition("=")
    if not sep or not inv or not _is_int(amount):
        raise argparse.ArgumentTypeError(f"{text!r} is not INVOICE=AMOUNT_MINOR "
                                         "(e.g. INV-1=119000)")
    return inv, int(amount)


def invoice_line(text: str) -> tuple[str, int, int]:
    """DESCRIPTION:QUANTITY:UNIT_PRICE_MINOR (the description may hold colons)."""
    parts = text.rsplit(":", 2)
    if len(parts) != 3 or not parts[0] or not all(_is_int(p) for p in parts[1:]):
        raise argparse.ArgumentTypeError(f"{text!r} is not DESCRIPTION:QUANTITY:"
                                         "UNIT_PRICE_MINOR (e.g. 'Widget:3:4500')")
    return parts[0], int(parts[1]), int(parts[2])


def edges(text: str) -> list[int]:
    """Bucket upper edges in days, increasing: 30,60,90,120."""
    parts = [p.strip() for p in text.split(",")]
    if not all(p.isdigit() for p in parts):
        raise argparse.ArgumentTypeError(f"{text!r} is not day counts like 30,60,90")
    days = [int(p) for p in parts]
    if any(b <= a for a, b in zip(days, days[1:])) or days[0] < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: edges are positive and increasing")
    return days


INT64_MAX = 2**63 - 1  # what the wire's int64 fields hold


def whole(text: str) -> int:
    """A whole number the wire can carry (int64): past it, the flag is named here instead
    of the message builder refusing the command without saying which flag."""
    if not _is_int(text) or not -INT64_MAX - 1 <= int(text) <= INT64_MAX:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number within int64")
    return int(text)


def non_negative(text: str) -> int:
    if not _is_int(text) or not 0 <= int(text) <= INT64_MAX:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0 (within int64)")
    return int(text)


def positive(text: str) -> int:
    if not _is_int(text) or not 1 <= int(text) <= INT64_MAX:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1 (within int64)")
    return int(text)


def readable_file(text: str) -> str:
    """A file that exists and can be read (checked before anything is sent)."""
    if not os.path.isfile(text):
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    if not os.access(text, os.R_OK):
        raise argparse.ArgumentTypeError(f"cannot read {text}")
    return text


def known_at(text: str) -> dt.datetime:
    """An ISO 8601 recorded time (naive = UTC), e.g. 2026-11-30T08:44:00Z."""
    try:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time "
                                         "(e.g. 2026-11-30T08:44:00Z)") from None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit() and text.count("-") <= 1


# ---- options many commands share ------------------------------------------------------

def common(p: argparse.ArgumentParser) -> None:
    """--format and --target, also accepted after the command
    (`arledger balance X --format json`)."""
    add_format(p)
    if not has_option(p, "--target"):
        p.add_argument("--target", default=argparse.SUPPRESS, help="server address")


def add_format(p: argparse.ArgumentParser) -> None:
    if not has_option(p, "--format"):
        p.add_argument("--format", choices=FORMATS, default=argparse.SUPPRESS,
                       help="table (default), json or csv")


def has_option(p: argparse.ArgumentParser, flag: str) -> bool:
    return flag in p._option_string_actions


def timeout(p: argparse.ArgumentParser, seconds: float) -> None:
    p.add_argument("--timeout", type=float, default=seconds, help=argparse.SUPPRESS)


def envelope(p: argparse.ArgumentParser) -> None:
    """--request-id, --actor and --reason of a command (and --format, --target)."""
    common(p)
    p.add_argument("--request-id", default="", help="idempotency key (default: a new uuid)")
    p.add_argument("--actor", default="", help="who decides (required for updates, "
                   "write-offs, dispute resolutions)")
    p.add_argument("--reason", default="", help="why (required where a person decides)")


def clocks(p: argparse.ArgumentParser, *, as_of: bool = True) -> None:
    if as_of:
        p.add_argument("--as-of", help="effective date YYYY-MM-DD (default: the server's "
                       "today)")
    p.add_argument("--known-at", type=known_at, help="as known at this recorded time, ISO "
                   "8601 (e.g. 2026-11-30T08:44:00Z; default now)")


def money_received(p: argparse.ArgumentParser, methods: list[str]) -> None:
    """--customer, --amount, --currency, --method and --value-date of money received (a
    payment, or a recovery of written-off debt)."""
    p.add_argument("--customer", required=True)
    p.add_argument("--amount", type=whole, required=True, help="minor units")
    p.add_argument("--currency", required=True)
    p.add_argument("--method", choices=methods, default="BANK_TRANSFER")
    p.add_argument("--value-date", required=True)


def envelope_of(args: argparse.Namespace) -> dict[str, Any]:
    """The request id (empty: the SDK makes one), actor and reason given."""
    return {"request_id": args.request_id or None, "actor": args.actor, "reason": args.reason}


def check_port_free(flag: str, address: str) -> None:
    """A listen address whose port another process holds is a usage error (exit 2), found
    before anything is opened; port 0 (pick a free one) always passes."""
    import socket
    host, _, port = address.rpartition(":")
    if not port.isdigit() or int(port) > 65535:
        raise UsageError(flag, f"{address!r} is not HOST:PORT (a port is 0-65535)")
    if int(port) == 0:
        return
    host = host.strip("[]") or "0.0.0.0"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, int(port)))
        except OSError as e:
            raise UsageError(flag, f"cannot listen on {address}: "
                                   f"{e.strerror or e}") from None
