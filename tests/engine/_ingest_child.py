"""Child process for the crash test: ingests batches until killed, printing what was acknowledged.

    python _ingest_child.py LOCATION NAMESPACE CUSTOMERS SEED BATCH_SIZE

LOCATION is a SQLite data directory or a postgresql:// URL (NAMESPACE: its table prefix).

After each submit returns, prints "<batch number> <last request id of the batch>" (flushed):
everything up to that batch is acknowledged. The batches are those of
synthetic.generate_batches(PortfolioSpec(customers, seed), batch_size), so the parent can
rebuild every request id of an acknowledged batch.
"""

import sys

from arledger import synthetic
from arledger.engine import open_ledger


def main() -> None:
    where, ns = sys.argv[1], sys.argv[2]
    customers, seed, size = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    ledger = open_ledger(where, namespace=ns)
    spec = synthetic.PortfolioSpec(customers=customers, seed=seed)
    for n, batch in enumerate(synthetic.generate_batches(spec, size)):
        outs = ledger.submit(batch)
        refused = [(o.request_id, o.error.reason) for o in outs if o.status != "ACCEPTED"]
        if refused:
            print(f"REFUSED {refused[:3]}", flush=True)
            sys.exit(1)
        # one write of one line: unbuffered (PYTHONUNBUFFERED, as on CI) print writes its
        # parts apart, and a kill between them left a torn line "60" in the pipe
        print(f"{n} {outs[-1].request_id}", flush=True)
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
