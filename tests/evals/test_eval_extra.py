"""The `eval` extra (llama-index, matplotlib) is for evals only: the service and the shared harness never import it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVAL_ONLY = ("llama_index", "matplotlib")


def _imported_after(modules: list[str]) -> set[str]:
    code = (f"import sys\nfor name in {modules!r}:\n    __import__(name)\n"
            "print('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                          timeout=300)
    return set(done.stdout.split())


@pytest.mark.slow  # imports the whole service (torch, chromadb) in a fresh interpreter
def test_the_service_and_the_cli_do_not_import_the_eval_extra() -> None:
    loaded = _imported_after(["rag.service", "api.app", "api.cli", "api.serve"])
    assert "rag" in loaded and "fastapi" in loaded
    assert not loaded & set(EVAL_ONLY)


def test_the_harness_stays_light() -> None:
    loaded = _imported_after(["evals.harness"])
    assert "httpx" in loaded
    assert not loaded & {*EVAL_ONLY, "torch", "rag"}
