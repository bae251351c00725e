"""Child process for the crash test: ingests batches and prints what was acknowledged.

    python _ingest_child.py DATA_DIR

Prints one line per acknowledged batch: the request ids it accepted, comma-joined.
"""

import sys

from arledger import synthetic
from arledger.engine import open_ledger


def main() -> None:
    ledger = open_ledger(sys.argv[1])
    spec = synthetic.PortfolioSpec(customers=3000, seed=5)
    for batch in synthetic.generate_batches(spec, 200):
        outs = ledger.submit(batch)
        acked = [o.request_id for o in outs if o.status == "ACCEPTED"]
        print(",".join(acked), flush=True)
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
