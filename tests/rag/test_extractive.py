"""rag.answer.extractive: which evidence sentences an answer without an LLM quotes."""

from __future__ import annotations

from rag.answer import extractive
from rag.schema import Evidence


def _evidence(n: int, score: float, doc: str = "d", section: str | None = "Kanäle") -> Evidence:
    return Evidence(id=n, doc_id=doc, title="T", source="t.txt", start=10 * n, end=10 * n + 5, quote=f"Satz {n}.",
                    score=score, section=section)


def test_the_best_sections_other_sentences_are_quoted_with_it_up_to_k() -> None:
    ev = [_evidence(1, 0.86), _evidence(2, 0.62), _evidence(3, 0.40, doc="e"), _evidence(4, 0.30)]
    assert [s.citations for s in extractive(ev, 3)] == [[1], [2]]  # 3 is elsewhere and far below; 4 is past k
    assert [s.citations for s in extractive(ev, 4)] == [[1], [2], [4]]
    assert [s.text for s in extractive(ev, 1)] == ["Satz 1. [1]"]


def test_elsewhere_only_a_sentence_close_to_the_best_is_quoted() -> None:
    ev = [_evidence(1, 0.80, section="A"), _evidence(2, 0.70, section="B"), _evidence(3, 0.60, section="C")]
    assert [s.citations for s in extractive(ev, 3)] == [[1], [2]]  # 0.70 >= 0.85 * 0.80; 0.60 is not


def test_without_sections_nothing_counts_as_the_same_section() -> None:
    ev = [_evidence(1, 0.80, section=None), _evidence(2, 0.50, section=None)]
    assert [s.citations for s in extractive(ev, 3)] == [[1]]
    assert extractive([], 3) == []
