"""numba keys a cached kernel by its own file only; arledger keys the cache directory by a
digest of every module the kernels are built from (engine/jit.py), so a changed callee or
constant in another file can never load old machine code."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from arledger.engine import jit

PACKAGE = Path(jit.__file__).resolve().parent.parent


def _copy(tmp: Path) -> Path:
    pkg = tmp / "arledger"
    for part in ("engine", "domain"):
        shutil.copytree(PACKAGE / part, pkg / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return pkg


def test_the_digest_follows_the_content_of_every_kernel_source(tmp_path):
    pkg = _copy(tmp_path)
    same = jit.sources_digest(pkg)
    assert same == jit.sources_digest(PACKAGE)
    # a constant in a module no kernel lives in, but kernels read (a column's position)
    book = pkg / "engine" / "book.py"
    book.write_bytes(book.read_bytes() + b"\n# moved a column\n")
    changed = jit.sources_digest(pkg)
    assert changed != same
    # a domain rule (reason codes, limits) counts too; a touch alone does not
    limits = pkg / "domain" / "limits.py"
    os.utime(limits, (1, 1))
    assert jit.sources_digest(pkg) == changed
    limits.write_bytes(limits.read_bytes().replace(b"=", b"= ", 1))
    assert jit.sources_digest(pkg) != changed
    # a new module is part of it
    (pkg / "engine" / "decide" / "more.py").write_text("X = 1\n")
    assert len({same, changed, jit.sources_digest(pkg)}) == 3


def test_a_process_caches_under_the_digest_in_a_private_directory(tmp_path):
    env = dict(os.environ, ARLEDGER_JIT_CACHE=str(tmp_path))
    env.pop("NUMBA_CACHE_DIR", None)
    out = subprocess.run(
        [sys.executable, "-c",
         "import os; from arledger.engine import jit; print(os.environ['NUMBA_CACHE_DIR'])"],
        env=env, check=True, capture_output=True, text=True)
    where = Path(out.stdout.strip())
    assert where == tmp_path / jit.sources_digest()
    assert where.is_dir() and (where.stat().st_mode & 0o777) == 0o700


def test_caches_of_other_sources_are_pruned_only_when_long_unused(tmp_path):
    current = tmp_path / jit.sources_digest()
    current.mkdir()
    old, recent = tmp_path / "0123456789abcdef", tmp_path / "fedcba9876543210"
    other = tmp_path / "not-a-digest"
    for d in (old, recent, other):
        d.mkdir()
        (d / "k.nbi").write_text("x")
    month_ago = time.time() - 30 * 86400
    for d in (old, other):
        os.utime(d, (month_ago, month_ago))
    os.utime(current, (month_ago, month_ago))
    assert jit.prune(current) == [old]
    assert not old.exists() and recent.exists() and other.exists() and current.exists()
