"""Tests for evals/report.py: the retrieval table, the per-language quality table and the summary of all sets."""

from __future__ import annotations

import json
from pathlib import Path

from evals.report import main_table, quality_table, write_summary


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


def _results(name: str, split: str | None) -> dict:  # type: ignore[type-arg]
    figures = {"items": 4, "accuracy": 0.75, "first_citation_in_gold": 0.5, "context_quoted": 1,
               "refusal_recall": 1.0, "false_refusal": 0.0, "citations_exact": 1.0}
    return {
        "set": {"path": f"evals/sets/{name}.yaml", "split": split},
        "config": {"system_retriever": "hybrid", "llm_provider": "none"},
        "retrieval": {"hybrid": {"all": {"hit@5": 1.0, "mrr@10": 0.75}, "de": {"hit@5": 0.5, "mrr@10": 0.5}}},
        "quality": {"all": figures, "de": figures, "en": None},
    }


def test_quality_table_has_one_row_per_judged_language() -> None:
    lines = quality_table(_results("seed", "test")).splitlines()
    assert lines[0].startswith("| lang | n | accuracy | first citation in gold")
    assert lines[2] == "| all | 4 | 0.750 | 0.500 | 1 | 1.000 | 0.000 | 1.000 | 1.000 | 0.750 |"
    assert lines[3].startswith("| de | 4 |") and lines[3].endswith("| 0.500 | 0.500 |")
    assert len(lines) == 4  # 'en' was not judged
    assert "not judged" in quality_table({**_results("seed", None), "quality": {}})


def test_summary_lists_every_report_under_the_folder(tmp_path: Path) -> None:
    for folder, name, split in (("seed", "seed", "test"), ("haystack", "seed", None)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "results.json").write_text(json.dumps(_results(name, split)), encoding="utf-8")
    text = write_summary(tmp_path).read_text(encoding="utf-8")
    assert "2 reports (LLM provider `none`, retriever hybrid)" in text
    assert "| [haystack](haystack/report.md) | seed | all | all | 4 |" in text
    assert "| [seed](seed/report.md) | seed | test | de | 4 |" in text
