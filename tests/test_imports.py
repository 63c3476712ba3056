"""Every module of evals/ and benchmarks/ imports, the corpora's check scripts too: the fast lane catches a broken
import in code that only a slow run or a manual command would otherwise load."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(p.relative_to(ROOT) for folder in ("evals", "benchmarks") for p in (ROOT / folder).rglob("*.py"))
# Modules that import the eval extra (llama-index, matplotlib) when loaded: seconds each, so `make test` checks them
# and the fast lane does not.
HEAVY = re.compile(r"^(from|import) (llama_index|matplotlib)\b", re.MULTILINE)


def _param(path: Path) -> object:
    heavy = HEAVY.search((ROOT / path).read_text(encoding="utf-8"))
    return pytest.param(path, marks=pytest.mark.slow) if heavy else path


@pytest.mark.parametrize("path", [_param(p) for p in MODULES], ids=str)
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
    assert isinstance(_param(Path("evals/baseline.py")), type(pytest.param(0)))  # llama-index: the slow lane
