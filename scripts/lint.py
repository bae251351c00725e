"""Lint: ruff with the rule set in pyproject.toml, run by scripts/test before pytest.

- Zero findings in the packages held to it (domain, engine, projections, audit, clients).
- Everywhere else a ratchet: the number of findings may not exceed the count recorded in
  scripts/ruff-ratchet.txt, and when it drops the recorded count must be lowered with it
  (this script says to what), so it only ever goes down.
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


def findings(paths: list[str], exclude: tuple[str, ...] = ()) -> list[dict]:
    cmd = [sys.executable, "-m", "ruff", "check", "--output-format", "json", "--quiet",
           *[f"--extend-exclude={e}" for e in exclude], *paths]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"ruff failed: {out.stderr.strip()}")
    return json.loads(out.stdout or "[]")


def main() -> int:
    clean = findings(CLEAN)
    for f in clean:
        print(f"{Path(f['filename']).relative_to(ROOT)}:{f['location']['row']}: "
              f"{f['code']} {f['message']}")
    if clean:
        print(f"lint: {len(clean)} findings in {', '.join(CLEAN)}, which are held to zero")
        return 1
    rest = findings(RATCHETED, exclude=tuple(CLEAN))
    recorded = int(RECORD.read_text().split()[0])
    if len(rest) > recorded:
        for f in rest:
            print(f"{Path(f['filename']).relative_to(ROOT)}:{f['location']['row']}: "
                  f"{f['code']} {f['message']}")
        print(f"lint: {len(rest)} findings outside the clean packages, more than the "
              f"{recorded} recorded in {RECORD.relative_to(ROOT)}: fix the new ones")
        return 1
    if len(rest) < recorded:
        print(f"lint: {len(rest)} findings outside the clean packages, fewer than the "
              f"{recorded} recorded: write {len(rest)} in {RECORD.relative_to(ROOT)}")
        return 1
    print(f"lint: clean packages 0 findings; elsewhere {len(rest)} (the recorded ratchet)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
