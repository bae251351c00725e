"""The committed generated code in src/arledger/v1 is what the protos produce."""

import filecmp
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_committed_generated_code_matches_the_protos(tmp_path):
    subprocess.run(["bash", str(ROOT / "scripts" / "gen-proto"), str(tmp_path)], check=True,
                   env={"PYTHON": sys.executable, "PATH": "/usr/bin:/bin"})
    fresh = tmp_path / "arledger" / "v1"
    committed = ROOT / "src" / "arledger" / "v1"
    names = sorted(p.name for p in fresh.iterdir() if p.is_file())
    assert "ledger_pb2.py" in names and "commands_pb2_grpc.py" in names
    stale = [n for n in names if not filecmp.cmp(fresh / n, committed / n, shallow=False)]
    assert not stale, f"regenerate with scripts/gen-proto: {stale} differ from the protos"


def test_every_proto_has_its_generated_module():
    protos = {p.stem for p in (ROOT / "proto" / "arledger" / "v1").glob("*.proto")}
    generated = {p.name[: -len("_pb2.py")] for p in (ROOT / "src" / "arledger" / "v1").glob("*_pb2.py")}
    assert protos == generated
