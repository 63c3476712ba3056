"""Tests for evals/metrics.py against hand-computed values, and consistency checks of the seed eval set."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from evals.harness import read_yaml
from evals.metrics import (
    answer_correct,
    attribute_failure,
    bootstrap_ci,
    citation_precision,
    citation_recall,
    citation_valid,
    contains,
    evidence_recall,
    hit_at_k,
    must_contain_ok,
    must_not_contain_ok,
    normalize_for_match,
    numeric_exact,
    passage_relevant,
    reciprocal_rank,
    spans_overlap,
)

ROOT = Path(__file__).resolve().parents[2]
SEED_SET = ROOT / "evals" / "sets" / "seed.yaml"
SEED_FALLBACK = Path("/work/shared/seed/000_a72d3fc20d34990a.txt")

T, F = True, False


# ---------------------------------------------------------------- matching


def test_normalize_for_match_folds_case_quotes_dashes_and_space() -> None:
    assert normalize_for_match("\u201eGroß\u201c \u2013  Welt\u00a0\n ÄB") == '"gross" - welt äb'
    assert normalize_for_match("\u2019A\u2014b\u2019") == "'a-b'"


@pytest.mark.parametrize(
    ("answer", "variant"),
    [
        ("Baidu bestellte 1.600 Chips.", "1,600"),
        ("Baidu ordered 1,600 chips.", "1.600"),
        ("Baidu ordered 1600 chips.", "1.600"),
        ("Baidu ordered 1.600 chips.", "1600"),
        ("über 100.000 Chips", "100000"),
        ("more than 100000 chips", "100.000"),
        ("more than 100,000 chips", "100.000"),
        ("Bytedance gab 2 Milliarden Dollar aus.", "2 billion"),
        ("ByteDance spent 2 billion dollars.", "2 Milliarden"),
        ("im Wert von rund 62 Millionen US-Dollar", "62 million"),
        ("mehr als eine Million H20-GPUs", "one million"),
        ("more than one million H20 GPUs", "eine Million"),
        ("Bytedance gab 2 Mrd. Dollar aus.", "2 Milliarden"),
        ("ByteDance spent $2bn on Nvidia chips.", "2 billion"),
        ("two billion dollars", "2 Milliarden"),
        ("rund 62 Mio. US-Dollar", "62 million"),
    ],
)
def test_contains_matches_numbers_across_german_and_english_formats(answer: str, variant: str) -> None:
    assert contains(answer, variant)


@pytest.mark.parametrize(
    ("answer", "variant"),
    [
        ("einen Umsatz von 12 Milliarden US-Dollar", "2 Milliarden"),
        ("revenue of 12 billion dollars", "2 billion"),
        ("über 100.000 Chips", "30.000"),
        ("1.600 Chips", "16"),
        ("1.600 Chips", "600"),
        ("2 Millionen", "2 Milliarden"),
    ],
)
def test_contains_rejects_other_numbers(answer: str, variant: str) -> None:
    assert not contains(answer, variant)


def test_contains_text_variants_are_whole_words_unless_starred() -> None:
    assert contains("BYTEDANCE ist Großkunde", "Bytedance")
    assert contains("Ein Sprecher dementierte die Pläne.", "dementi*")
    assert not contains("Ein Sprecher dementierte die Pläne.", "dementi")
    assert not contains("on behalf of Huawei", "half")
    assert not contains("Bytedance hat bestellt", "beste")
    assert contains("die größten Kunden", "größte*")
    assert contains("Huawei-Chips", "Huawei Chips")
    assert contains("Netzwerk- und Speicherlösungen", "Netzwerk")
    assert contains("the Ascend 910C-chip", "910C")
    assert not contains("the Ascend 910C chip", "910B")
    assert contains("South China Morning Post", "south china morning post")
    assert contains("published on September 30th, 2024", "September 30th")
    assert not contains("published on September 30th, 2024", "September 3")


def test_must_contain_needs_every_group_and_any_variant() -> None:
    groups = [["1.600", "1600"], ["62 Millionen", "62 million"]]
    assert must_contain_ok("Baidu ordered 1,600 chips worth about 62 million dollars.", groups)
    assert must_contain_ok("Baidu bestellte 1600 Chips für rund 62 Millionen Dollar.", groups)
    assert not must_contain_ok("Baidu ordered 1,600 chips.", groups)
    assert not must_contain_ok("Chips worth 62 million dollars.", groups)
    assert must_contain_ok("anything", [])


def test_must_not_contain_catches_distractors_in_any_format() -> None:
    assert not must_not_contain_ok("Baidu ordered 100,000 chips.", ["100.000", "30.000"])
    assert must_not_contain_ok("Baidu ordered 1,600 chips.", ["100.000", "30.000"])
    assert must_not_contain_ok("anything", [])


def test_answer_correct_for_answerable_and_unanswerable_items() -> None:
    item: dict[str, Any] = {
        "answerable": True,
        "must_contain": [["1.600", "1600"]],
        "must_not_contain": ["100.000"],
    }
    assert answer_correct("Baidu hat 1.600 Chips bestellt.", item)
    assert not answer_correct("Baidu hat 1.600 Chips bestellt.", item, refused=True)
    assert not answer_correct("Baidu hat 1.600 von 100.000 Chips bestellt.", item)
    assert not answer_correct("Baidu hat Chips bestellt.", item)
    unanswerable = {"answerable": False}
    assert answer_correct("Dazu steht nichts in den Dokumenten.", unanswerable, refused=True)
    assert not answer_correct("Ein 910C kostet 20.000 Dollar.", unanswerable, refused=False)


def test_numeric_exact() -> None:
    assert numeric_exact("im Wert von rund 62 Millionen US-Dollar", 62_000_000)
    assert numeric_exact("ByteDance spent $2 billion.", 2e9)
    assert numeric_exact("Baidu ordered 1,600 chips.", 1600)
    assert not numeric_exact("Nvidia could make 12 billion dollars.", 2e9)
    assert not numeric_exact("no numbers here", 1600)


# ---------------------------------------------------------------- retrieval


def test_reciprocal_rank_hand_examples() -> None:
    assert reciprocal_rank([F, T, F]) == 0.5
    assert reciprocal_rank([T, T]) == 1.0
    assert reciprocal_rank([F, F, T]) == pytest.approx(1 / 3)
    assert reciprocal_rank([F, F, F]) == 0.0
    assert reciprocal_rank([]) == 0.0
    assert reciprocal_rank([F] * 10 + [T]) == 0.0
    assert reciprocal_rank([F] * 10 + [T], k=11) == pytest.approx(1 / 11)
    mrr = sum(reciprocal_rank(r) for r in ([F, T, F], [T], [F, F, F, T])) / 3
    assert mrr == pytest.approx((0.5 + 1.0 + 0.25) / 3)


def test_hit_at_k() -> None:
    assert hit_at_k([F, T, F], 1) == 0.0
    assert hit_at_k([F, T, F], 2) == 1.0
    assert hit_at_k([F, F, F], 3) == 0.0
    assert hit_at_k([], 5) == 0.0


def test_evidence_recall_is_whitespace_normalised_and_exact() -> None:
    gold = ["Baidu soll 1.600\n Chips", "keine Nvidia-Chips mehr"]
    retrieved = ["So soll Baidu soll 1.600 Chips bestellt haben", "etwas anderes"]
    assert evidence_recall(gold, retrieved) == 0.5
    assert evidence_recall(gold, [*retrieved, "dass es keine  Nvidia-Chips mehr kaufen kann"]) == 1.0
    assert evidence_recall(gold, []) == 0.0
    assert evidence_recall([], ["x"]) == 1.0


def test_spans_overlap_and_passage_relevance() -> None:
    gold = "Bytedance soll bereits über 100.000 Huawei Ascend 910B Chips bestellt"
    sentence = gold + ", aber bis Juli weniger als 30.000 erhalten haben."
    assert spans_overlap(sentence, gold)  # contains it
    assert spans_overlap("über 100.000 Huawei Ascend 910B Chips", gold)  # 37 of 70 characters, inside it
    assert not spans_overlap("Huawei Ascend 910B", gold)  # 18 characters: too short to count
    assert not spans_overlap("Baidu bestellte 1.600 Huawei Ascend 910B KI-Chips für 62 Millionen", gold)
    assert passage_relevant(sentence, ["nicht im Text", gold])
    assert not passage_relevant("Nvidia verkauft den H20.", [gold])


# ---------------------------------------------------------------- citations


def test_citation_valid() -> None:
    body = "Hallo Welt. Zweiter Satz."
    assert citation_valid("Welt", body, 6, 10)
    assert citation_valid(body, body, 0, len(body))
    assert not citation_valid("Welt", body, 5, 9)
    assert not citation_valid("Welt ", body, 6, 10)
    assert not citation_valid("", body, 0, 0)
    assert not citation_valid("Satz.", body, 20, 99)
    assert not citation_valid("Welt", body, -4, 10)


def test_citation_precision_and_recall() -> None:
    gold = [
        "So soll Baidu 1.600 Huawei Ascend 910B KI-Chips im Wert von rund 62 Millionen US-Dollar bestellt "
        "haben",
        "um sich auf eine Zukunft vorzubereiten",
    ]
    cited = [
        "Analysten zufolge ... " + gold[0] + ", um sich",  # contains gold 0
        "Nvidia soll in diesem Jahr mehr als eine Million H20-GPUs in China ausliefern",  # unrelated
        "1.600 Huawei Ascend 910B KI-Chips im Wert",  # 41 chars inside gold 0
    ]
    assert citation_precision(cited, gold, []) == pytest.approx(2 / 3)
    assert citation_recall(cited, gold) == 0.5
    # A passage that states the whole answer counts even without overlapping a gold quote.
    assert citation_precision(["Baidu kaufte 1,600 Chips."], gold, [["1.600"]]) == 1.0
    assert citation_precision(["Baidu kaufte Chips."], gold, [["1.600"]]) == 0.0
    assert citation_precision([], gold, [["1.600"]]) == 0.0
    assert citation_recall([], gold) == 0.0
    assert citation_recall(cited, []) == 1.0


# ---------------------------------------------------------------- statistics


def test_bootstrap_constant_values_give_zero_width_interval() -> None:
    assert bootstrap_ci([1.0] * 20) == (1.0, 1.0, 1.0)
    assert bootstrap_ci([0.0] * 5) == (0.0, 0.0, 0.0)


def test_bootstrap_known_mean_deterministic_and_plausible_width() -> None:
    values = [0.0, 1.0] * 50  # mean 0.5, standard error 0.05: 95% interval about 0.40..0.60
    mean, low, high = bootstrap_ci(values)
    assert mean == 0.5
    assert 0.38 <= low <= 0.45 and 0.55 <= high <= 0.62
    assert bootstrap_ci(values) == (mean, low, high)
    skewed = [float(i) ** 2 for i in range(30)]
    assert bootstrap_ci(skewed, seed=1) == bootstrap_ci(skewed, seed=1)
    assert bootstrap_ci(skewed, seed=1) != bootstrap_ci(skewed, seed=2)
    assert all(math.isnan(x) for x in bootstrap_ci([]))



@pytest.mark.parametrize(
    ("answerable", "retrieved", "evidence", "correct", "refused", "expected"),
    [
        (True, T, T, T, F, "ok"),
        (True, F, F, T, F, "ok"),
        (True, F, F, F, F, "retrieval_miss"),
        (True, F, F, F, T, "retrieval_miss"),
        (True, T, F, F, F, "evidence_dropped"),
        (True, T, F, F, T, "evidence_dropped"),
        (True, T, T, F, F, "wrong_despite_evidence"),
        (True, T, T, F, T, "false_refusal"),
        (True, T, T, T, T, "false_refusal"),
        (False, F, F, F, T, "ok"),
        (False, F, F, F, F, "false_answer"),
    ],
)
def test_attribute_failure(
    answerable: bool, retrieved: bool, evidence: bool, correct: bool, refused: bool, expected: str
) -> None:
    kind = attribute_failure(
        answerable=answerable,
        retrieved_has_gold=retrieved,
        evidence_has_gold=evidence,
        correct=correct,
        refused=refused,
    )
    assert kind == expected


# ---------------------------------------------------------------- the seed eval set


def _document_texts() -> list[str]:
    paths = sorted(p for p in (ROOT / "documents").rglob("*") if p.suffix in {".txt", ".md"})
    if SEED_FALLBACK.exists():
        paths.append(SEED_FALLBACK)
    return [p.read_text(encoding="utf-8") for p in paths]


@pytest.fixture(scope="module")
def items() -> list[dict[str, Any]]:
    loaded = read_yaml(SEED_SET)
    assert isinstance(loaded, list)
    return loaded


@pytest.fixture(scope="module")
def documents() -> list[str]:
    texts = _document_texts()
    assert texts, "no seed document found in documents/ or at the fallback path"
    return texts


def _answerable(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for item in items if item["answerable"]]


def test_seed_set_shape(items: list[dict[str, Any]]) -> None:
    assert len(items) >= 60
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    langs = Counter(item["lang"] for item in items)
    assert set(langs) == {"de", "en"}
    assert min(langs.values()) >= 0.4 * len(items), langs
    unanswerable = [item for item in items if not item["answerable"]]
    assert len(unanswerable) >= 15
    assert {item["lang"] for item in unanswerable} == {"de", "en"}
    for item in items:
        assert item["id"].startswith(item["lang"] + "-"), item["id"]
        assert item["question"].strip() and item["tags"], item["id"]
        assert isinstance(item["answerable"], bool), item["id"]


def test_seed_set_item_fields(items: list[dict[str, Any]]) -> None:
    for item in items:
        if item["answerable"]:
            assert item["must_contain"] and item["evidence"], item["id"]
            assert all(group and all(isinstance(v, str) for v in group) for group in item["must_contain"])
            assert "unanswerable" not in item["tags"], item["id"]
        else:
            assert "unanswerable" in item["tags"], item["id"]
            assert not item.get("must_contain") and not item.get("evidence"), item["id"]


def test_every_evidence_quote_is_verbatim_in_the_seed_document(
    items: list[dict[str, Any]], documents: list[str]
) -> None:
    missing = [
        (item["id"], quote)
        for item in _answerable(items)
        for quote in item["evidence"]
        if not any(quote in text for text in documents)
    ]
    assert not missing


def test_must_contain_groups_are_satisfied_by_the_evidence(items: list[dict[str, Any]]) -> None:
    # The document is German and every group carries the German form, so the evidence itself passes.
    failures = [
        (item["id"], group)
        for item in _answerable(items)
        for group in item["must_contain"]
        if not must_contain_ok(" ".join(item["evidence"]), [group])
    ]
    assert not failures


def test_numeric_answers_are_in_the_evidence(items: list[dict[str, Any]]) -> None:
    numeric = [item for item in _answerable(items) if "numeric" in item]
    assert len(numeric) >= 10
    for item in numeric:
        assert numeric_exact(" ".join(item["evidence"]), item["numeric"]), item["id"]
        variants = [variant for group in item["must_contain"] for variant in group]
        assert any(numeric_exact(variant, item["numeric"]) for variant in variants), item["id"]


def test_distractors_are_not_in_the_evidence_paragraph(
    items: list[dict[str, Any]], documents: list[str]
) -> None:
    # An extractive answer quotes the whole paragraph around the evidence: it must not trip must_not_contain.
    lines = [line for text in documents for line in text.splitlines()]
    for item in _answerable(items):
        forbidden = item.get("must_not_contain") or []
        paragraphs = [line for line in lines if any(quote in line for quote in item["evidence"])]
        assert paragraphs, item["id"]
        for paragraph in paragraphs:
            assert must_not_contain_ok(paragraph, forbidden), (item["id"], paragraph)
        for group in item["must_contain"]:
            assert must_not_contain_ok(" ".join(group), forbidden), item["id"]


# Every fact of the seed article, as it is written there; some answerable item must quote each one.
KEY_FACTS = [
    "30. September 2024",
    "29. September 2024",
    "Großkunde von Huawei",
    "Doubao",
    "dementierte",
    "100.000",
    "30.000",
    "Verfügbarkeit",
    "H20 AI-Chip",
    "Microsofts größter Kunde",
    "2 Milliarden Dollar",
    "Direktive",
    "Ascend 910C",
    "Alternative",
    "Serverfirmen",
    "South China Morning Post",
    "Weiterentwicklung",
    "Internetunternehmen",
    "Sanktionen",
    "leistungsstärksten Grafikprozessoren",
    "A100",
    "Hälfte der 70",
    "1.600",
    "62 Millionen",
    "Exportbeschränkungen",
    "Abhängigkeit",
    "Netzwerk- und Speicherlösungen",
    "2026",
    "schleppenden Start",
    "Wartungsdiensten",
    "eine Million H20-GPUs",
    "12 Milliarden",
    "vorantreiben",
]


@pytest.mark.parametrize("fact", KEY_FACTS)
def test_every_key_fact_of_the_article_is_asked_about(items: list[dict[str, Any]], fact: str) -> None:
    assert any(fact in quote for item in _answerable(items) for quote in item["evidence"])
