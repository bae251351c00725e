"""The committed generated code in clients/arledger_client/v1 is what the protos produce, and
the server's arledger.v1 is those very modules (one registration per .proto file)."""

import filecmp
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WIRE = ROOT / "clients" / "arledger_client" / "v1"


def test_committed_generated_code_matches_the_protos(tmp_path):
    subprocess.run(["bash", str(ROOT / "scripts" / "gen-proto"), str(tmp_path)], check=True,
                   env={"PYTHON": sys.executable, "PATH": "/usr/bin:/bin"})
    fresh = tmp_path / "arledger_client" / "v1"
    names = sorted(p.name for p in fresh.iterdir() if p.is_file())
    assert "ledger_pb2.py" in names and "commands_pb2_grpc.py" in names
    assert "ledger_pb2_grpc.pyi" in names  # the typed service stubs
    committed = sorted(p.name for p in WIRE.iterdir() if p.is_file())
    assert names == committed, "regenerate with scripts/gen-proto: the file lists differ"
    stale = [n for n in names if not filecmp.cmp(fresh / n, WIRE / n, shallow=False)]
    assert not stale, f"regenerate with scripts/gen-proto: {stale} differ from the protos"


def test_every_proto_has_its_generated_module():
    protos = {p.stem for p in (ROOT / "proto" / "arledger" / "v1").glob("*.proto")}
    generated = {p.name[: -len("_pb2.py")] for p in WIRE.glob("*_pb2.py")}
    assert protos == generated


def test_the_generated_code_imports_only_its_own_package():
    wrong = [f"{p.name}: {line}" for p in sorted(WIRE.glob("*.py*"))
             for line in p.read_text().splitlines()
             if line.startswith(("from arledger.", "import arledger."))]
    assert not wrong, "\n".join(wrong)


def test_the_server_package_holds_no_generated_module_of_its_own():
    """arledger.v1 aliases the client's modules: a copy there would register each .proto
    file twice in the descriptor pool."""
    own = sorted(p.name for p in (ROOT / "src" / "arledger" / "v1").iterdir()
                 if p.name != "__pycache__")
    assert own == ["__init__.py"]


def test_arledger_v1_is_the_clients_modules_each_proto_registered_once():
    from google.protobuf import descriptor_pool

    import arledger.v1
    import arledger.v1.ledger_pb2
    import arledger_client.v1.ledger_pb2
    from arledger.v1 import commands_pb2 as server_side
    from arledger_client.v1 import commands_pb2 as client_side

    assert server_side is client_side
    assert arledger.v1.ledger_pb2 is arledger_client.v1.ledger_pb2
    assert sys.modules["arledger.v1.ledger_pb2_grpc"] is \
        sys.modules["arledger_client.v1.ledger_pb2_grpc"]
    assert set(arledger.v1.MODULES) == set(arledger.v1.__all__) == \
        {p.stem for p in WIRE.glob("*.py")} - {"__init__"}
    pool = descriptor_pool.Default()
    for proto in sorted((ROOT / "proto" / "arledger" / "v1").glob("*.proto")):
        name = f"arledger/v1/{proto.name}"
        registered = pool.FindFileByName(name)
        module = sys.modules[f"arledger_client.v1.{proto.stem}_pb2"]
        assert registered is module.DESCRIPTOR, name
    assert server_side.IssueInvoiceRequest.__module__ == "arledger_client.v1.commands_pb2"
