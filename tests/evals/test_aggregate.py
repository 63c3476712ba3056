"""Tests for evals/aggregate.py: metrics, slices and failure counts from hand-made item records."""

from __future__ import annotations

import math

import pytest

from evals.aggregate import (
    FAILURE_KINDS,
    AnswerRun,
    ItemResult,
    RetrievalRun,
    answer_metrics,
    by_language,
    ci,
    clean,
    failure_counts,
    retrieval_metrics,
    slice_metrics,
)


def _run(relevant: list[bool], recall: float = 1.0) -> RetrievalRun:
    return RetrievalRun(ids=[f"c{i}" for i in range(len(relevant))], relevant=relevant, evidence_recall=recall)


def _item(id: str, lang: str, answerable: bool = True, tags: tuple[str, ...] = (), **kw: object) -> ItemResult:
    return ItemResult(id=id, lang=lang, tags=list(tags), answerable=answerable, question=f"q {id}", **kw)  # type: ignore[arg-type]


F, T = False, True


def test_retrieval_metrics_hand_computed() -> None:
    items = [
        _item("a", "de", retrieval={"hybrid": _run([T, F, F], 1.0)}),
        _item("b", "de", retrieval={"hybrid": _run([F, F, T], 0.5)}),
        _item("c", "en", retrieval={"hybrid": _run([F] * 10, 0.0)}),
        _item("u", "en", answerable=False, retrieval={"hybrid": _run([T])}),  # unanswerable: not counted
    ]
    m = retrieval_metrics(items, "hybrid")
    assert m["n"] == 3
    assert m["hit@1"] == pytest.approx(1 / 3)
    assert m["hit@3"] == pytest.approx(2 / 3)
    assert m["hit@5"] == pytest.approx(2 / 3)
    assert m["mrr@10"] == pytest.approx((1 + 1 / 3 + 0) / 3)
    assert m["evidence_recall@5"] == pytest.approx(0.5)
    assert m["hit_curve"][:3] == pytest.approx([1 / 3, 1 / 3, 2 / 3])
    assert len(m["hit_curve"]) == 10
    assert retrieval_metrics(items, "bm25")["hit@1"] is None  # no runs: no number, not zero


def test_answer_metrics_rates_and_modes() -> None:
    items = [
        _item("a", "de", answer=AnswerRun("x", "extractive", True, numeric_exact=True, citations=2, citations_valid=2,
                                          citation_precision=0.5, citation_recall=1.0, latency_ms=10.0)),
        _item("b", "de", answer=AnswerRun("x", "generated", False, numeric_exact=False, citations=1,
                                          citations_valid=1, citation_precision=1.0, citation_recall=0.0,
                                          llm_kept=1, llm_rejected=3, latency_ms=30.0)),
        _item("c", "en", answer=AnswerRun("no", "refused", False, latency_ms=20.0)),
        _item("u", "en", answerable=False, answer=AnswerRun("no", "refused", True, latency_ms=40.0)),
        _item("v", "en", answerable=False, answer=AnswerRun("x", "extractive", False, citations=1, citations_valid=0,
                                                            latency_ms=50.0)),
    ]
    m = answer_metrics(items)
    assert m["n"] == 5
    assert m["accuracy"] == pytest.approx(2 / 5)
    assert m["accuracy_answerable"] == pytest.approx(1 / 3)
    assert m["numeric_exact"] == pytest.approx(0.5)
    assert m["citation_validity"] == pytest.approx(3 / 4)
    assert m["citation_precision"] == pytest.approx(0.75)
    assert m["citation_recall"] == pytest.approx(0.5)
    assert m["refusal_recall"] == pytest.approx(0.5)
    assert m["false_refusal_rate"] == pytest.approx(1 / 3)
    assert m["verifier_rejection_rate"] == pytest.approx(3 / 4)
    assert m["latency_p50_ms"] == pytest.approx(30.0)
    assert m["latency_p95_ms"] == pytest.approx(48.0)
    assert list(m["modes"]) == ["generated", "extractive", "refused"]
    assert m["modes"]["extractive"] == {"n": 2, "accuracy": 0.5}
    assert m["modes"]["refused"] == {"n": 2, "accuracy": 0.5}


def test_answer_metrics_without_llm_or_citations_reports_none() -> None:
    m = answer_metrics([_item("a", "de", answer=AnswerRun("x", "extractive", True))])
    assert m["verifier_rejection_rate"] is None
    assert m["citation_validity"] is None
    assert m["refusal_recall"] is None  # no unanswerable item


def test_slices_by_tag_have_intervals_around_the_mean() -> None:
    items = [
        _item(str(i), "de" if i % 2 else "en", tags=("numbers",) if i < 6 else ("names",),
              retrieval={"hybrid": _run([i % 3 == 0])}, answer=AnswerRun("x", "extractive", i % 2 == 0))
        for i in range(10)
    ]
    slices = slice_metrics(items, lambda r: r.tags, "hybrid")
    assert list(slices) == ["names", "numbers"]
    numbers = slices["numbers"]
    assert numbers["n"] == 6
    assert numbers["accuracy"]["mean"] == pytest.approx(0.5)
    assert numbers["accuracy"]["low"] <= 0.5 <= numbers["accuracy"]["high"]
    assert numbers["hit@5"]["mean"] == pytest.approx(2 / 6)
    assert slice_metrics(items, lambda r: [r.lang], "hybrid")["de"]["n"] == 5


def test_ci_is_deterministic_and_empty_is_none() -> None:
    values = [1.0, 0.0, 1.0, 1.0, 0.0]
    assert ci(values) == ci(values)
    assert ci([]) == {"mean": None, "low": None, "high": None, "n": 0}


def test_failure_counts_list_every_kind() -> None:
    items = [_item("a", "de", failure="ok"), _item("b", "de", failure="retrieval_miss"), _item("c", "en", failure="ok")]
    counts = failure_counts(items)
    assert list(counts) == list(FAILURE_KINDS)
    assert counts["ok"] == 2 and counts["retrieval_miss"] == 1 and counts["false_answer"] == 0


def test_by_language_puts_all_first() -> None:
    groups = by_language([_item("a", "en"), _item("b", "de"), _item("c", "en")])
    assert list(groups) == ["all", "de", "en"]
    assert [i.id for i in groups["en"]] == ["a", "c"]


def test_clean_rounds_and_nulls_nan() -> None:
    assert clean({"a": 1 / 3, "b": math.nan, "c": (1, 2.0), 4: [0.123456]}) == {
        "a": 0.3333, "b": None, "c": [1, 2.0], "4": [0.1235]
    }
