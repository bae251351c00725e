"""The docs are true about the files they name: every relative link in README.md and
docs/*.md resolves to a file of the repository, and every docs/<name>.md a doc, a
docstring or a comment mentions exists (no page promised that was never written, none
outside the repository)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# [text](target) and [label]: target
LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|^\s*\[[^\]]+\]:\s*(\S+)",
                  re.MULTILINE)
MENTION = re.compile(r"(?<![\w/.-])((?:\.\./)*(?:[\w-]+/)*docs/[\w-]+\.md)")
MENTIONED_IN = [ROOT / "src", ROOT / "clients", ROOT / "tests", ROOT / "bench",
                ROOT / "scripts", ROOT / "docs"]


def relative_links(text: str) -> list[str]:
    out = []
    for m in LINK.finditer(text):
        target = m.group(1) or m.group(2)
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a URL, a mail address, an anchor on the same page
        out.append(target.split("#", 1)[0])
    return out


def test_every_relative_link_in_the_readme_and_the_docs_resolves():
    broken = [f"{page.relative_to(ROOT)}: {t}" for page in PAGES
              for t in relative_links(page.read_text())
              if not (page.parent / t).exists()]
    assert not broken, "links to files that do not exist:\n" + "\n".join(broken)


def test_every_docs_page_named_anywhere_exists_in_the_repository():
    files = [ROOT / "README.md", ROOT / "pyproject.toml"] + [
        p for base in MENTIONED_IN for p in base.rglob("*")
        if p.suffix in (".py", ".md", ".toml", ".proto", ".sh") and ".venv" not in p.parts
        and p != Path(__file__).resolve()]  # this file names broken ones on purpose
    missing = [f"{p.relative_to(ROOT)}: {m}" for p in files
               for m in MENTION.findall(p.read_text(errors="replace"))
               if m.startswith("..") or not (ROOT / m.split("docs/", 1)[0] / "docs" /
                                               m.split("docs/", 1)[1]).exists()]
    assert not missing, "docs pages named but not in the repository:\n" + "\n".join(missing)


def test_the_checks_find_a_broken_link_and_a_page_outside_the_repository():
    text = ("see [the API](docs/api.md), [design](design.md#map), [web](https://x.org/a.md)\n"
            "[ref]: entries.md\n")
    assert relative_links(text) == ["docs/api.md", "design.md", "entries.md"]
    assert MENTION.findall("rules in ../shared/docs/domain.md and docs/design.md") == [
        "../shared/docs/domain.md", "docs/design.md"]
