"""Secret files: a server refuses to start on a key others can read."""

from __future__ import annotations

import stat
from pathlib import Path


class InsecureFile(Exception):
    """A secret file is missing or readable (or writable) by group or others."""


def check_private(path: Path, what: str) -> None:
    """Raise InsecureFile unless `path` exists and only its owner may read it."""
    try:
        mode = Path(path).stat().st_mode
    except OSError as e:
        raise InsecureFile(f"{what} {path}: {e.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InsecureFile(f"{what} {path} is readable by group or others "
                           f"(mode {stat.S_IMODE(mode):04o}); chmod 600 it")


__all__ = ["check_private", "InsecureFile"]
