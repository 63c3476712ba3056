"""Check evals/sets/manpages-de.yaml against the rendered man pages in this folder (the checks: evals/set_check.py).

Run from the repository root:  .venv/bin/python evals/corpora/manpages-de/check.py
This corpus's own rule: at most 5 answerable items per page, however many on one section of it.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from evals.set_check import SetCheck  # noqa: E402


class ManPagesCheck(SetCheck):
    max_per_doc = 5
    max_per_section = None


if __name__ == "__main__":
    sys.exit(ManPagesCheck(HERE).run())
