"""Tests for evals/crosscheck.py: llama-index's RetrieverEvaluator over fixed rankings, against hand values."""

from __future__ import annotations

import pytest

from evals.crosscheck import Ranking, agreement, llamaindex_hit_rate_mrr

RANKINGS: dict[str, Ranking] = {
    "q1": [("a", "A", 0.9), ("b", "B", 0.8), ("c", "C", 0.7)],
    "q2": [("d", "D", 0.9), ("e", "E", 0.8)],
    "q3": [("f", "F", 0.9)],
}


@pytest.mark.slow  # imports llama-index: seconds the fast lane saves
def test_hit_rate_and_mrr_from_retriever_evaluator() -> None:
    got = llamaindex_hit_rate_mrr(RANKINGS.__getitem__, [("q1", ["c", "zz"]), ("q2", ["d"]), ("q3", [])])
    assert got["n"] == 3
    assert got["hit_rate"] == pytest.approx(2 / 3)
    assert got["mrr"] == pytest.approx((1 / 3 + 1 + 0) / 3)  # q3: nothing relevant anywhere is a miss


def test_agreement_tolerance() -> None:
    assert agreement({"hit_rate": 0.5, "mrr": 0.25}, {"hit_rate": 0.5, "mrr": 0.25 + 1e-12})
    assert not agreement({"hit_rate": 0.5, "mrr": 0.25}, {"hit_rate": 0.5, "mrr": 0.26})
