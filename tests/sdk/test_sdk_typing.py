"""The SDK is held to `mypy --strict` with zero findings, against its own wire stubs
(mypy-protobuf) and its dependencies' stubs (types-protobuf, types-grpcio, and the .pyi files
googleapis-common-protos ships for google.rpc without a py.typed marker): run with a config
of its own, so the result is the SDK's own whatever the repository's mypy settings are."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_strict_finds_nothing_in_the_sdk(tmp_path):
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\nstrict = True\n\n"
                      "[mypy-google.rpc.*]\nfollow_untyped_imports = True\n")
    ran = subprocess.run([sys.executable, "-m", "mypy", f"--config-file={config}",
                          "--no-incremental", "clients/arledger_client"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Success: no issues found" in ran.stdout


def test_the_sdk_ships_its_py_typed_marker_and_the_wire_stubs():
    package = ROOT / "clients" / "arledger_client"
    assert (package / "py.typed").is_file()
    protos = {p.stem for p in (ROOT / "proto" / "arledger" / "v1").glob("*.proto")}
    stubs = {p.name for p in (package / "v1").glob("*.pyi")}
    assert stubs == {f"{n}_pb2{s}.pyi" for n in protos for s in ("", "_grpc")}
