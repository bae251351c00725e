"""Start an engine in a fresh process and decide one small columnar batch; print seconds.

    ARLEDGER_JIT_CACHE=DIR python bench/_cold_child.py

With an empty cache this is what the first start on a new machine pays: importing the
engine, compiling every kernel the volume path and the fold call (numba, cached to DIR),
opening a ledger and deciding, storing and folding a first batch. With a warm cache it is
an ordinary start.
"""

import json
import sys
import tempfile
import time
from pathlib import Path

t0 = time.perf_counter()
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "clients"))

from arledger.engine import columnar, open_ledger  # noqa: E402
from arledger_client.columnar import ColumnarBatch  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        ledger = open_ledger(Path(d))
        cb = ColumnarBatch()
        cb.open_customer("C1", "Acme", "EUR", "2026-01-01", credit_limit_minor=10**9)
        cb.issue_invoice("I1", "C1", "2026-01-02", amount_minor=1000, due_date="2026-02-01")
        cb.issue_invoice("I2", "C1", "2026-01-03", amount_minor=500, due_date="2026-02-02")
        cb.record_payment("P1", "C1", 700, "EUR", "2026-01-10", allocations=[("I1", 700)])
        cb.record_payment("P2", "C1", 300, "EUR", "2026-01-11")
        cb.issue_credit_note("N1", "C1", 100, "EUR", "2026-01-12", invoice_id="I2")
        out = ledger.submit_columnar_async(columnar.from_wire(cb.message()), False).result()
        assert out.counts()[0] == 6, out.errors
        ledger.close()
        ledger = open_ledger(Path(d))
        ledger.close()
    print(json.dumps({"seconds": time.perf_counter() - t0}))


if __name__ == "__main__":
    main()
