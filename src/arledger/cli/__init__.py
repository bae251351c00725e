"""The `arledger` command (console script `arledger = "arledger.cli:main"`)."""

from arledger.cli.app import build_parser, load_demo, main

__all__ = ["build_parser", "load_demo", "main"]
