"""The quality gate of `make test`: the seed set in-process, default retriever, no LLM (extractive, deterministic).

Thresholds sit a little below what the system measured (floored to the next 0.05; upper bounds ceiled), so a
regression fails and noise does not. Raise them when the system gets better; never lower one without saying why.
Measured 2026-11-29 on the seed set (104 items: 82 answerable, 22 unanswerable), hybrid retrieval, provider none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evals.runner import run_eval
from rag.config import load_settings

pytestmark = pytest.mark.slow  # the whole seed set through the real embedding model

ROOT = Path(__file__).resolve().parents[2]

# Each threshold with the value measured on 2026-11-29 (rag/ as of 08:35 that day). Re-measure with
# `quelle eval evals/sets/seed.yaml --llm none --no-baselines --out reports/gate` (the same run as this gate).
HYBRID_HIT_AT_5_MIN = 0.95  # measured 1.000
HYBRID_MRR_MIN = 0.85  # measured 0.874; 0.880 on 2026-11-30 (commit e988176)
ACCURACY_MIN = 0.70  # measured 0.673; 0.712 on 2026-11-30 (extractive: the best evidence sentences quoted)
NUMERIC_EXACT_MIN = 0.95  # measured 0.941; 1.000 on 2026-11-30 (items that state a number; refused ones are wrong)
CITATION_PRECISION_MIN = 0.70  # measured 0.654; 0.713 on 2026-11-30
CITATION_RECALL_MIN = 0.75  # measured 0.753; 0.787 on 2026-11-30
REFUSAL_RECALL_MIN = 0.35  # measured 0.273; 0.364 on 2026-11-30 (8 of 22 unanswerable items refused)
# measured 0.012; 0.024 on 2026-11-30 (2 of 82 answerable items refused); 0.061 on 2026-12-07 (5 of 82), raised from
# 0.05 then: a date must be stated in a sentence about the question (rag.evidence.KIND_COVERAGE), which refuses "An
# welchem Tag kam die Ergänzung … hinzu?" (its date sentence holds a third of the question) and one more unanswerable
# seed question, and on the four sets' test splits raised accuracy from 0.656 to 0.678 (refusal recall 0.636 here).
FALSE_REFUSAL_MAX = 0.10


@pytest.fixture(scope="module")
def gate_run(tmp_path_factory: pytest.TempPathFactory, embedder) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    import torch

    from rag import compute

    tmp = tmp_path_factory.mktemp("gate")
    settings = load_settings(data_dir=tmp / "data", llm={"provider": "none"})
    # The gate checks quality, not speed: one torch thread keeps it fast (~20 s) when other processes share the
    # two cores, where two threads slow single-query encodes about 30-fold.
    threads = compute.run(torch.get_num_threads)
    compute.run(torch.set_num_threads, 1)  # on the compute thread, where every encode runs
    try:
        return run_eval(ROOT / "evals" / "sets" / "seed.yaml", out_dir=tmp / "report", baselines=False,
                        settings=settings, embedder=embedder, documents=ROOT / "documents", show_progress=False)
    finally:
        compute.run(torch.set_num_threads, threads)


def _system(results: dict[str, Any]) -> dict[str, Any]:
    return results["answers"]["system"]["all"]


def test_gate_runs_the_whole_seed_set_with_the_default_retriever(gate_run) -> None:  # type: ignore[no-untyped-def]
    assert gate_run["set"]["items"] == 104
    assert gate_run["config"]["system_retriever"] == "hybrid"
    assert gate_run["config"]["llm_provider"] == "none"


def test_every_citation_is_exact(gate_run) -> None:  # type: ignore[no-untyped-def]
    system = _system(gate_run)
    assert system["citation_validity"] == 1.0  # invariant 1: quote == body[start:end]
    assert sum(i["answer"]["citations"] for i in gate_run["items"]) > 0


def test_hybrid_retrieval(gate_run) -> None:  # type: ignore[no-untyped-def]
    hybrid = gate_run["retrieval"]["hybrid"]["all"]
    assert hybrid["hit@5"] >= HYBRID_HIT_AT_5_MIN
    assert hybrid["mrr@10"] >= HYBRID_MRR_MIN


def test_answers(gate_run) -> None:  # type: ignore[no-untyped-def]
    system = _system(gate_run)
    assert system["accuracy"] >= ACCURACY_MIN
    assert system["numeric_exact"] >= NUMERIC_EXACT_MIN
    assert system["citation_precision"] >= CITATION_PRECISION_MIN
    assert system["citation_recall"] >= CITATION_RECALL_MIN


def test_refusals(gate_run) -> None:  # type: ignore[no-untyped-def]
    system = _system(gate_run)
    assert system["refusal_recall"] >= REFUSAL_RECALL_MIN
    assert system["false_refusal_rate"] <= FALSE_REFUSAL_MAX

