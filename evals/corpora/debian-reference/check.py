"""Check evals/sets/debian-reference.yaml against the chapters in this folder (the checks: evals/set_check.py).

Run from the repository root:  .venv/bin/python evals/corpora/debian-reference/check.py
The two HTML chapters' quotes are written as a browser shows them; where the loader's body differs, its version
is printed as a finding about the loader. At most 3 answerable items per section.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from evals.set_check import SetCheck  # noqa: E402

if __name__ == "__main__":
    sys.exit(SetCheck(HERE).run())
