"""The server's name for the wire modules: the very module objects of `arledger_client.v1`.

The generated modules live in the client distribution (arledger-client installs without the
server; scripts/gen-proto writes them). A second copy would register each .proto file in
the descriptor pool a second time, so this package holds no code of its own: it imports
each of the client's modules once and enters it in `sys.modules` under this package's name
too, so `from arledger.v1 import ledger_pb2` and `import arledger.v1.ledger_pb2` give the
same objects as `arledger_client.v1.ledger_pb2`, and no module can be loaded from here
twice (this directory holds no other file).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from arledger_client import v1 as _wire

MODULES = tuple(sorted(m.name for m in pkgutil.iter_modules(_wire.__path__)
                       if m.name.endswith(("_pb2", "_pb2_grpc"))))

for _name in MODULES:
    _module = importlib.import_module(f"{_wire.__name__}.{_name}")
    sys.modules[f"{__name__}.{_name}"] = _module
    globals()[_name] = _module

del _name, _module
