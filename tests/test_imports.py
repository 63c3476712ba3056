"""Every module of evals/ and benchmarks/ imports, the corpora's check scripts too: the fast lane catches a broken
import in code that only a slow run or a manual command would otherwise load."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(p.relative_to(ROOT) for folder in ("evals", "benchmarks") for p in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=str)
def test_module_imports(path: Path) -> None:
    if len(path.parts) == 2:  # a module of the evals or benchmarks package
        name = ".".join(path.with_suffix("").parts).removesuffix(".__init__")
        assert importlib.import_module(name).__name__ == name
        return
    # a script in a data folder (evals/corpora/<set>/check.py): loaded from its file, its main() not run
    spec = importlib.util.spec_from_file_location(f"script_{'_'.join(path.parent.parts)}", ROOT / path)
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))


def test_every_folder_is_covered() -> None:
    assert Path("evals/runner.py") in MODULES and Path("benchmarks/run.py") in MODULES
    assert Path("evals/corpora/manpages-de/check.py") in MODULES
