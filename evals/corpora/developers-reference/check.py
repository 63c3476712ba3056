"""Check evals/sets/developers-reference.yaml against the chapters in this folder (the checks: evals/set_check.py).

Run from the repository root:  .venv/bin/python evals/corpora/developers-reference/check.py
This corpus's own checks: no evidence is its section's heading; findings (not errors) for evidence that stands
before its section heading, for a section that differs from the innermost heading the loader's outline puts at the
evidence, and for tags outside the listed kinds.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from evals.set_check import SetCheck, Source, collapse  # noqa: E402

KINDS = {"definition", "procedure", "command", "path", "address", "number", "name", "reason", "rule",
         "unanswerable", "heading-question", "date"}
_NUMBER_PREFIX = re.compile(r"^[0-9]+(?:\.[0-9]+)*\.?\s+")


def outline_heading(source: Source, quote: str) -> str | None:
    """The innermost heading (its number dropped) that the loader's outline puts where `quote` starts."""
    match = re.search(r"\s+".join(map(re.escape, quote.split())), source.doc.text)
    if match is None:
        return None
    stack = source.doc.outline.stack_at(match.start())
    if not stack:
        return ""
    return _NUMBER_PREFIX.sub("", collapse(source.doc.text[stack[-1].start : stack[-1].end]))


class DevelopersReferenceCheck(SetCheck):
    def check_item(self, item: dict[str, Any]) -> None:
        unknown = set(item.get("tags") or []) - KINDS
        if unknown:
            self.findings["tags outside the listed kinds"].append(f"{item['id']}: {sorted(unknown)}")

    def check_answerable(self, item: dict[str, Any], source: Source, section: str, quotes: list[str]) -> None:
        section_at = source.body.find(section) if section else -1
        for quote in quotes:
            if quote == section:
                self.error(item, "evidence is the heading")
            at = source.body.find(quote)
            if at < 0:
                continue
            if at < section_at:
                self.findings["evidence before its section heading"].append(str(item["id"]))
            heading = outline_heading(source, quote)
            if heading is not None and heading != section:
                self.findings["section differs from the loader's outline"].append(
                    f"{item['id']}: set says {section!r}, loader outline says {heading!r}")


if __name__ == "__main__":
    sys.exit(DevelopersReferenceCheck(HERE).run())
