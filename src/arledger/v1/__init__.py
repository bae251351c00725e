"""The server's name for the wire modules: the very module objects of `arledger_client.v1`.

The generated modules live in the client distribution (arledger-client installs without the
server; scripts/gen-proto writes them). A second copy would register each .proto file in
the descriptor pool a second time, so this package holds no code of its own: it imports
each of the client's modules once and enters it in `sys.modules` under this package's name
too, so `from arledger.v1 import ledger_pb2` and `import arledger.v1.ledger_pb2` give the
same objects as `arledger_client.v1.ledger_pb2`, and no module can be loaded from here
twice (this directory holds no other file). The imports are written out (not found at
run time) and re-exported by __all__ so type checkers see them too;
tests/unit/test_generated_code.py keeps the list whole.
"""

from __future__ import annotations

import sys
from types import ModuleType

from arledger_client.v1 import (
    audit_pb2,
    audit_pb2_grpc,
    bank_pb2,
    bank_pb2_grpc,
    columnar_pb2,
    columnar_pb2_grpc,
    commands_pb2,
    commands_pb2_grpc,
    ledger_pb2,
    ledger_pb2_grpc,
    reports_pb2,
    reports_pb2_grpc,
    risk_pb2,
    risk_pb2_grpc,
    search_pb2,
    search_pb2_grpc,
    valuation_pb2,
    valuation_pb2_grpc,
)

__all__ = [
    "audit_pb2",
    "audit_pb2_grpc",
    "bank_pb2",
    "bank_pb2_grpc",
    "columnar_pb2",
    "columnar_pb2_grpc",
    "commands_pb2",
    "commands_pb2_grpc",
    "ledger_pb2",
    "ledger_pb2_grpc",
    "reports_pb2",
    "reports_pb2_grpc",
    "risk_pb2",
    "risk_pb2_grpc",
    "search_pb2",
    "search_pb2_grpc",
    "valuation_pb2",
    "valuation_pb2_grpc",
]

# name -> module, e.g. "ledger_pb2" -> arledger_client.v1.ledger_pb2
MODULES: dict[str, ModuleType] = {name: globals()[name] for name in __all__}

for _name, _module in MODULES.items():
    sys.modules[f"{__name__}.{_name}"] = _module
