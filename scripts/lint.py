"""Lint: ruff and mypy with the settings in pyproject.toml, run by scripts/test before pytest.

- Zero findings in the packages held to it (domain, engine, projections, audit, clients).
- Everywhere else a ratchet: the number of findings may not exceed the count recorded in
  scripts/ruff-ratchet.txt (ruff) or scripts/mypy-ratchet.txt (mypy), and when it drops the
  recorded count must be lowered with it (this script says to what), so it only ever goes down.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLEAN = ["src/arledger/domain", "src/arledger/engine", "src/arledger/projections",
         "src/arledger/audit", "clients"]
RATCHETED = ["src", "tests", "bench", "scripts"]
RECORD = ROOT / "scripts" / "ruff-ratchet.txt"
MYPY_RECORD = ROOT / "scripts" / "mypy-ratchet.txt"


def findings(paths: list[str], exclude: tuple[str, ...] = ()) -> list[dict]:
    cmd = [sys.executable, "-m", "ruff", "check", "--output-format", "json", "--quiet",
           *[f"--extend-exclude={e}" for e in exclude], *paths]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"ruff failed: {out.stderr.strip()}")
    return json.loads(out.stdout or "[]")


def mypy_findings() -> list[dict]:
    """Every mypy error over the files [tool.mypy] names, as mypy's JSON lines."""
    cmd = [sys.executable, "-m", "mypy", "--output", "json", "--no-error-summary"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"mypy failed: {out.stderr.strip() or out.stdout.strip()}")
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    return [r for r in rows if r["severity"] == "error"]


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def ratchet(tool: str, rest: list[str], record: Path) -> int:
    """The count outside the clean packages against the recorded one; `rest` prints them."""
    recorded = int(record.read_text().split()[0])
    if len(rest) > recorded:
        print("\n".join(rest))
        print(f"lint: {len(rest)} {tool} findings outside the clean packages, more than the "
              f"{recorded} recorded in {record.relative_to(ROOT)}: fix the new ones")
        return 1
    if len(rest) < recorded:
        print(f"lint: {len(rest)} {tool} findings outside the clean packages, fewer than the "
              f"{recorded} recorded: write {len(rest)} in {record.relative_to(ROOT)}")
        return 1
    print(f"lint: {tool}: clean packages 0 findings; elsewhere {len(rest)} "
          f"(the recorded ratchet)")
    return 0


def ruff() -> int:
    clean = findings(CLEAN)
    for f in clean:
        print(f"{Path(f['filename']).relative_to(ROOT)}:{f['location']['row']}: "
              f"{f['code']} {f['message']}")
    if clean:
        print(f"lint: {len(clean)} ruff findings in {', '.join(CLEAN)}, which are held to zero")
        return 1
    rest = findings(RATCHETED, exclude=tuple(CLEAN))
    return ratchet("ruff", [f"{Path(f['filename']).relative_to(ROOT)}:{f['location']['row']}: "
                            f"{f['code']} {f['message']}" for f in rest], RECORD)


def mypy() -> int:
    held = mypy_findings()
    line = [f"{f['file']}:{f['line']}: {f['message']}  [{f['code']}]" for f in held]
    clean = [s for f, s in zip(held, line) if _under(f["file"], CLEAN)]
    if clean:
        print("\n".join(clean))
        print(f"lint: {len(clean)} mypy findings in {', '.join(CLEAN)}, which are held to "
              "zero")
        return 1
    return ratchet("mypy", line, MYPY_RECORD)


def main() -> int:
    return ruff() or mypy()


if __name__ == "__main__":
    sys.exit(main())
