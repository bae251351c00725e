"""Replay a data directory in a fresh process (as a restart does); print entries, seconds, digest.

The kernels are loaded from numba's cache first (as `arledger serve` does before it opens the
log) and that time is printed apart (`kernels_seconds`): the replay rate is the fold's, the
same at any log size, and the load is a fixed cost of every start (the README's cached
start figure).

    python bench/_replay_child.py DATA_DIR_OR_POSTGRES_URL [NAMESPACE]
"""

import json
import sys
import time
from pathlib import Path

from arledger.engine import Ledger, SegmentStore
from arledger.engine.warmup import warm


def main() -> None:
    where = sys.argv[1]
    kernels_s = warm()
    store = (SegmentStore.postgres(where, namespace=sys.argv[2], writer=False)
             if where.startswith("postgres") else SegmentStore.sqlite(Path(where) / "ledger.db"))
    t0 = time.perf_counter()
    read_bytes = sum(len(b) for _, b in store.read())  # the store's own read rate, for the note
    read_s = time.perf_counter() - t0
    ledger = Ledger(store, lambda: 0)
    t0 = time.perf_counter()
    n = ledger.replay()
    seconds = time.perf_counter() - t0
    print(json.dumps({"entries": n, "seconds": seconds, "digest": ledger.state.digest(),
                      "read_seconds": read_s, "read_bytes": read_bytes,
                      "kernels_seconds": kernels_s}))
    ledger.store.close()


if __name__ == "__main__":
    main()
