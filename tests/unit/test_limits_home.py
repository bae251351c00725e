"""Every limit lives in domain/limits.py (TigerBeetle's "put a limit on everything, in one
place"): page sizes, chunk sizes, message sizes and row caps of the server and the
workspace are named there, with the relations between them asserted, and never defined
again in a server or web module."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted((ROOT / "src" / "arledger" / "server").glob("*.py")) + sorted(
    (ROOT / "src" / "arledger" / "web").glob("*.py"))
# A module-level name like these, bound to a number, is a limit.
LIMIT_NAME = re.compile(r"max|min|limit|page|chunk|size|bytes|length|inflight|default|cap",
                        re.IGNORECASE)
# Literals that are unit conversions, not limits (micro/nanoseconds, a byte's bits...).
UNITS = {1000, 1_000_000, 1_000_000_000, 1024}
SMALL = 9  # a literal up to this in a comparison or a slice is an index or an arity
# Named sizes that are a format, not a bound on anything a caller sends or receives.
FORMATS = {"src/arledger/server/tokens.py: _MAC_BYTES"}  # a page token's MAC: 16 bytes
SIZE_KEYWORDS = {"page_size", "limit", "maximum", "default", "chunk_size", "max_size"}


def _number(node: ast.AST) -> int | None:
    """The int a constant expression (a literal, or products and sums of them) evaluates to."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Add | ast.Pow |
                                                  ast.LShift):
        a, b = _number(node.left), _number(node.right)
        if a is not None and b is not None:
            return {ast.Mult: a * b, ast.Add: a + b, ast.Pow: a ** b,
                    ast.LShift: a << b}[type(node.op)]
    return None


def _is_cap(node: ast.AST | None) -> bool:
    n = _number(node) if node is not None else None
    return n is not None and n > SMALL and n not in UNITS


def _byte_size(node: ast.BinOp) -> bool:
    """A product of powers of two (64 * 1024 * 1024): how message and file sizes are
    written (a duration such as 30 * 86400 is not one)."""
    def leaves(n: ast.AST) -> list[ast.AST]:
        return leaves(n.left) + leaves(n.right) if isinstance(n, ast.BinOp) and \
            isinstance(n.op, ast.Mult) else [n]
    values = [_number(x) for x in leaves(node)] if isinstance(node.op, ast.Mult) else []
    return len(values) > 1 and all(v is not None and v > 1 and v & (v - 1) == 0
                                   for v in values)


def _not_a_bound(node: ast.AST) -> bool:
    """Literals that are not limits: an HTTP status compared, the first characters of a
    random or hashed id (uuid4().hex[:12], sha[:40]) taken as a name."""
    if isinstance(node, ast.Compare):
        return any(isinstance(x, ast.Attribute) and x.attr == "status_code"
                   for x in [node.left, *node.comparators])
    if isinstance(node, ast.Subscript):
        v = node.value
        return (isinstance(v, ast.Attribute) and v.attr == "hex") or (
            isinstance(v, ast.Name) and "sha" in v.id)
    return False


def _limits_defined_in(path: Path, rel: str) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    skip = {id(n.slice) for n in ast.walk(tree) if _not_a_bound(n) and
            isinstance(n, ast.Subscript)}
    skip |= {id(n) for n in ast.walk(tree) if isinstance(n, ast.Compare) and _not_a_bound(n)}
    for stmt in tree.body:  # module constants
        targets = stmt.targets if isinstance(stmt, ast.Assign) else \
            [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        value = getattr(stmt, "value", None)
        values = value.elts if isinstance(value, ast.Tuple) else [value]
        names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
        if any(LIMIT_NAME.search(n) for n in names) and any(
                _number(v) is not None for v in values if v is not None):
            found.append(f"{rel}:{stmt.lineno}: {', '.join(names)}")
    for node in ast.walk(tree):  # literal caps where they are used
        if id(node) in skip:
            bad = []
        elif isinstance(node, ast.Compare):
            bad = [c for c in [node.left, *node.comparators] if _is_cap(c)]
        elif isinstance(node, ast.Slice):
            bad = [b for b in (node.lower, node.upper) if _is_cap(b)]
        elif isinstance(node, ast.keyword):
            bad = [node.value] if node.arg in SIZE_KEYWORDS and _is_cap(node.value) else []
        elif isinstance(node, ast.BinOp) and _byte_size(node):  # 64 * 1024 * 1024
            bad = [node] if not any(isinstance(p, ast.BinOp) and _byte_size(p) and
                                    node in ast.walk(p) and p is not node
                                    for p in ast.walk(tree)) else []
        else:
            bad = []
        found += [f"{rel}:{b.lineno}: literal {ast.unparse(b)}" for b in bad]
    return sorted(found, key=lambda f: int(f.split(":")[1]))


def test_no_server_or_web_module_defines_a_limit_of_its_own():
    found = [f for path in MODULES for f in _limits_defined_in(path,
                                                                 str(path.relative_to(ROOT)))
             if re.sub(r":\d+:", ":", f) not in FORMATS]
    assert not found, "name these in domain/limits.py instead:\n" + "\n".join(found)


def test_the_check_finds_a_limit_defined_in_a_server_module(tmp_path):
    """The test above can fail: each shape of a limit it looks for is found."""
    probe = tmp_path / "probe.py"
    probe.write_text("PAGE_DEFAULT, PAGE_MAX = 50, 1000\n"
                     "def f(request, rows):\n"
                     "    if request.page_size > 500:\n"
                     "        return rows[:250]\n"
                     "    return g(page_size=200, n=64 * 1024 * 1024, id=uuid4().hex[:12])\n")
    found = _limits_defined_in(probe, "probe.py")
    assert sorted(f.split(": ", 1)[1] for f in found) == sorted([
        "PAGE_DEFAULT, PAGE_MAX", "literal 500", "literal 250", "literal 200",
        "literal 64 * 1024 * 1024"]), found
