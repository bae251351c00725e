"""The `arledger` command (console script `arledger = "arledger.cli:main"`).

    app.py        the parser (global options; each noun module adds its subcommands) and
                  main (one-line errors, exit codes)
    args.py       value types that refuse bad input while parsing, shared options
    output.py     tables (rich), JSON, CSV, money in major units in tables, progress bars
    connect.py    the SDK clients every command that talks to a server goes through
    server.py     serve, follow, replay, verify --data-dir: the ledger run on this machine
    customer.py invoice.py payment.py (and credit notes) dispute.py views.py (balance,
    open-items, aging) log.py (events, head, verify, submit, demo) credit.py (terms,
    credit, promises, dunning, account, bad debt, refunds) reports.py risk.py audit.py
    search.py valuation.py (allowance, fx, consolidated) bank.py auth.py web.py
"""

from arledger.cli.app import build_parser, main
from arledger.cli.server import load_demo

__all__ = ["build_parser", "load_demo", "main"]
