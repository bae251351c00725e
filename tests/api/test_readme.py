"""The README's command lines work, in order, against a real server on a free port."""

import re
import shlex
from pathlib import Path

from arledger import cli

ROOT = Path(__file__).resolve().parents[2]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    usage = text[text.index("## Using it"):]
    block = re.search(r"```sh\n(.*?)```", usage, re.S).group(1)
    return [ln for ln in block.splitlines() if ln.startswith("arledger ")]


def test_every_readme_command_runs_against_a_real_server(served, capsys):
    lines = readme_commands()
    assert len(lines) >= 8
    for line in lines:
        argv = ["--target", served.target] + shlex.split(line)[1:]
        assert cli.main(argv) == 0, line
    out = capsys.readouterr().out
    # The balance line shows what the README's story implies: 1,690.00 EUR invoiced, 1,300.00
    # paid (money in major units with its currency in a table).
    assert "390.00 EUR" in out
    assert re.search(r"^ok\s+yes\s*$", out, re.M)


def test_the_readmes_python_runs_against_a_real_server(served, capsys):
    """Each ```python block of "Using it", in order, with the server's address put in."""
    text = (ROOT / "README.md").read_text()
    usage = text[text.index("## Using it"):text.index("## Finding things")]
    blocks = re.findall(r"```python\n(.*?)```", usage, re.S)
    assert len(blocks) >= 2
    for code in blocks:
        exec(compile(code.replace("127.0.0.1:50051", served.target), "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    # the columnar example: 500 customers opened, then 28 days of 5,000 invoices and a payment
    assert out[-29:] == ["500 0 []"] + ["5001 0 []"] * 28


def test_the_reference_doc_is_generated_from_the_code():
    import io

    from arledger import docgen
    buf = io.StringIO()
    docgen.render(buf)
    committed = (ROOT / "docs" / "reference.md").read_text()
    assert buf.getvalue() == committed, \
        "run: .venv/bin/python -m arledger.docgen > docs/reference.md"
