"""Make the engine's kernels ready in a fresh process, as `arledger serve` does first;
print the seconds (import of the engine included).

    ARLEDGER_JIT_CACHE=DIR python bench/_cold_child.py

With an empty cache this is what the first start on a new machine pays (every kernel of the
volume loop, the Python decider's fold and the replay compiled by numba and cached to DIR);
with a warm cache it is what every later start pays (arledger/engine/warmup.py).
"""

import json
import time

t0 = time.perf_counter()

from arledger.engine.warmup import warm  # noqa: E402


def main() -> None:
    warm()
    print(json.dumps({"seconds": time.perf_counter() - t0}))


if __name__ == "__main__":
    main()
