"""Tests for evals/report.py: number formatting and Markdown tables."""

from __future__ import annotations

from evals.report import fmt, main_table, table


def test_fmt_numbers_missing_values_and_flags() -> None:
    assert fmt(None) == "–"
    assert fmt(0.87654) == "0.877"
    assert fmt(1234.5) == "1234"
    assert fmt(True) == "yes"
    assert fmt(12) == "12"


def test_table_is_markdown() -> None:
    assert table(["a", "b"], [[1, 0.5], ["x", None]]).splitlines() == [
        "| a | b |", "| --- | --- |", "| 1 | 0.500 |", "| x | – |"
    ]


def test_main_table_marks_the_system_retriever() -> None:
    metrics = {"n": 2, "hit@1": 0.5, "hit@3": 1.0, "hit@5": 1.0, "mrr@10": 0.75, "evidence_recall@5": 1.0,
               "chars@5": 850.0}
    results = {
        "config": {"system_retriever": "hybrid"},
        "retrieval": {"hybrid": {"all": metrics, "de": metrics}, "bm25": {"all": metrics}},
    }
    lines = main_table(results).splitlines()
    assert lines[0].startswith("| retriever | lang | n | hit@1 |")
    assert lines[2] == "| hybrid (system) | all | 2 | 0.500 | 1.000 | 1.000 | 0.750 | 1.000 | 850 |"
    assert lines[4].startswith("| bm25 | all |")
