"""`arledger serve` makes every compiled kernel ready before it listens (engine/warmup.py),
so no caller's first command waits for numba's compiler. Checked in a fresh process: after
warm(), deciding a batch of every volume kind and others, and replaying, loads or compiles
no kernel that warm() did not."""

import json
import subprocess
import sys

CHILD = r'''
import json, sys, tempfile
from pathlib import Path
from numba.core.registry import CPUDispatcher

def compiled():
    out = {}
    for name, mod in list(sys.modules.items()):
        if name.startswith("arledger"):
            for attr, v in list(vars(mod).items()):
                if isinstance(v, CPUDispatcher):
                    out[f"{name}.{attr}"] = len(v.signatures)
    return out

from arledger.engine import open_ledger
from arledger.engine.warmup import warm
from tests.engine.test_warmup_data import commands
before = sum(compiled().values())
warm()
after_warm = compiled()
with tempfile.TemporaryDirectory() as d:
    led = open_ledger(Path(d), clock=lambda: 1)
    outs = led.submit(commands())
    led.close()
    open_ledger(Path(d), clock=lambda: 1).close()
print(json.dumps({"before": before, "warm": after_warm, "after": compiled(),
                  "statuses": [o.status for o in outs]}))
'''


def test_after_the_warm_up_no_command_or_replay_waits_for_the_compiler():
    out = subprocess.run([sys.executable, "-c", CHILD], check=True, capture_output=True,
                         text=True)
    rep = json.loads(out.stdout.strip().splitlines()[-1])
    assert rep["before"] == 0  # nothing compiled or loaded at import
    assert rep["warm"]["arledger.engine.decide.volume.decide"] >= 1
    assert "ACCEPTED" in rep["statuses"] and "REJECTED" in rep["statuses"]
    grew = {k: (rep["warm"].get(k, 0), n) for k, n in rep["after"].items()
            if n > rep["warm"].get(k, 0)}
    assert grew == {}, f"kernels first compiled after the warm-up: {grew}"
