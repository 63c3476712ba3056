"""Tests for rag/verify.py: planted numbers and names are caught, faithful German and English pass."""

from __future__ import annotations

import dataclasses

import pytest

from rag.chunking import split_sentences
from rag.verify import MIN_TERM_SUPPORT, Verdict, verify_sentence

SPEND = "Laut Reuters hat Bytedance im vergangenen Jahr 2 Milliarden Dollar für Nvidia-Chips ausgegeben."
BAIDU = (
    "So soll Baidu 1.600 Huawei Ascend 910B KI-Chips im Wert von rund 62 Millionen US-Dollar bestellt haben, "
    "um sich auf eine Zukunft vorzubereiten, in der es aufgrund von US-Exportbeschränkungen möglicherweise "
    "keine Nvidia-Chips mehr kaufen kann."
)
ORDER = (
    "Bytedance soll bereits über 100.000 Huawei Ascend 910B Chips bestellt, aber bis Juli weniger als 30.000 "
    "erhalten haben."
)
H20 = (
    "Nvidia soll in diesem Jahr mehr als eine Million H20-GPUs in China ausliefern und damit einen Umsatz "
    "von circa 12 Milliarden US-Dollar erzielen."
)
SUPPORT = (
    "Chinesische Hersteller seien an Nvidias technischem Support und Wartungsdiensten interessiert, "
    "so eine Quelle der SCMP."
)
SOURCES = (
    "Huawei hat damit begonnen, Muster seines neuen Prozessors Ascend 910C an große chinesische Serverfirmen "
    "für Hardwaretests und Konfigurationen zu versenden, wie zwei Quellen der South China Morning Post "
    "berichteten."
)


def test_verdict_is_a_frozen_dataclass() -> None:
    verdict = Verdict(True)
    assert verdict.reasons == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        verdict.supported = False  # type: ignore[misc]


# ---------------------------------------------------------------- numbers


def test_planted_wrong_number_is_rejected() -> None:
    verdict = verify_sentence("Bytedance hat 3 Milliarden Dollar ausgegeben.", [SPEND])
    assert not verdict.supported
    assert verdict.reasons == ("number 3000000000 not in cited evidence",)


def test_correct_number_is_accepted() -> None:
    assert verify_sentence("Bytedance hat 2 Milliarden Dollar ausgegeben.", [SPEND]).supported


def test_english_sentence_citing_german_evidence_is_accepted() -> None:
    verdict = verify_sentence("ByteDance spent 2 billion dollars on Nvidia chips last year.", [SPEND])
    assert verdict.supported, verdict.reasons


def test_english_sentence_with_million_for_milliarden_is_rejected() -> None:
    # The failure the small local models actually make: "2 Milliarden" turned into "2 million".
    verdict = verify_sentence("ByteDance spent 2 million dollars on Nvidia chips last year.", [SPEND])
    assert not verdict.supported
    assert "number 2000000 not in cited evidence" in verdict.reasons


@pytest.mark.parametrize(
    ("sentence", "evidence"),
    [
        ("Nvidia could make about 2 billion US dollars with the H20.", H20),  # 12 billion, not 2
        ("ByteDance has ordered more than 10,000 Ascend 910B chips.", ORDER),
        ("Baidu ordered 1,600 chips worth 62 billion dollars.", BAIDU),
        ("Bytedance hat bis Juli 3.000 Chips erhalten.", ORDER),
        ("In 2023, ByteDance spent 2 billion dollars on Nvidia chips.", SPEND),
    ],
)
def test_numbers_not_in_evidence_are_rejected(sentence: str, evidence: str) -> None:
    verdict = verify_sentence(sentence, [evidence])
    assert not verdict.supported
    assert any(reason.startswith("number ") for reason in verdict.reasons)


# ---------------------------------------------------------------- names


def test_right_model_token_accepted_and_wrong_one_rejected() -> None:
    assert verify_sentence("Baidu ordered 1,600 Ascend 910B chips.", [BAIDU]).supported
    verdict = verify_sentence("Baidu ordered 1,600 Ascend 910C chips.", [BAIDU])
    assert not verdict.supported
    assert verdict.reasons == ("name '910c' not in cited evidence",)


@pytest.mark.parametrize(
    "sentence",
    [
        "Alibaba ordered 1,600 Ascend 910B chips.",
        "Tencent hat 1.600 Chips bestellt.",
        "Intel is the largest customer of Nvidia.",
    ],
)
def test_invented_company_is_rejected(sentence: str) -> None:
    verdict = verify_sentence(sentence, [BAIDU])
    assert not verdict.supported
    assert any(reason.startswith("name ") for reason in verdict.reasons)


def test_names_from_the_question_are_not_a_free_pass() -> None:
    question = "Wie viele Ascend-Chips soll der TikTok-Mutterkonzern bei Huawei geordert haben?"
    sentence = "Der TikTok-Mutterkonzern Bytedance soll über 100.000 Ascend-910B-Chips bestellt haben."
    verdict = verify_sentence(sentence, [ORDER], question)
    assert not verdict.supported
    assert verdict.reasons == ("name 'tiktok' not in cited evidence",)


# ---------------------------------------------------------------- key terms


def test_sentence_about_something_else_is_rejected() -> None:
    verdict = verify_sentence("Apple plans to buy chips.", [BAIDU])
    assert not verdict.supported
    assert "name 'apple' not in cited evidence" in verdict.reasons


def test_german_sentence_with_mostly_unsupported_words_is_rejected() -> None:
    verdict = verify_sentence("Huawei verkauft Smartphones und Tablets in Europa.", [SOURCES])
    assert not verdict.supported
    assert any(reason.startswith("only ") for reason in verdict.reasons)


def test_german_paraphrase_with_compound_parts_is_accepted() -> None:
    sentence = "Bytedance soll über 100.000 Ascend-910B-Chips bestellt haben."
    assert verify_sentence(sentence, [ORDER]).supported


def test_english_paraphrase_shares_cognates_with_german_evidence() -> None:
    sentence = "Chinese manufacturers are interested in Nvidia's technical support and maintenance services."
    assert verify_sentence(sentence, [SUPPORT]).supported


def test_cross_language_sentence_without_number_needs_a_shared_word() -> None:
    verdict = verify_sentence("Nvidia is losing customers.", [H20])
    assert not verdict.supported
    assert verdict.reasons[0].startswith("no key word shared")


def test_cross_language_sentence_with_checked_numbers_and_names_is_accepted() -> None:
    sentence = "By July, ByteDance had received fewer than 30,000 of them."
    assert verify_sentence(sentence, [ORDER]).supported


def test_words_restating_the_question_are_neutral() -> None:
    question = "Auf wie viele Informanten der Zeitung stützt sich die Meldung über die 910C-Muster?"
    sentence = "Die Meldung stützt sich auf zwei Informanten."
    assert verify_sentence(sentence, [SOURCES], question).supported
    # Without the question those words are unsupported and sink the sentence.
    assert not verify_sentence(sentence, [SOURCES]).supported


def test_sentence_without_any_grounding_is_rejected() -> None:
    verdict = verify_sentence("Ja.", [SPEND])
    assert verdict == Verdict(False, ("nothing in the sentence is found in the cited evidence",))


def test_min_term_support_is_a_fraction() -> None:
    assert 0 < MIN_TERM_SUPPORT <= 1


# ---------------------------------------------------------------- citations


@pytest.mark.parametrize("cited", [[], [""], ["   "]])
def test_sentence_without_citation_is_unsupported(cited: list[str]) -> None:
    verdict = verify_sentence("Bytedance hat 2 Milliarden Dollar ausgegeben.", cited)
    assert verdict == Verdict(False, ("no cited evidence",))


def test_several_cited_texts_are_pooled() -> None:
    sentence = "Baidu ordered 1,600 Ascend 910B chips; ByteDance spent 2 billion dollars on Nvidia chips."
    assert not verify_sentence(sentence, [BAIDU]).supported
    assert verify_sentence(sentence, [BAIDU, SPEND]).supported


@pytest.mark.slow
def test_every_seed_sentence_supports_itself_and_rarely_another(seed_doc) -> None:  # type: ignore[no-untyped-def]
    text = seed_doc.text
    sentences = [text[start:end] for start, end in split_sentences(text)]
    assert all(verify_sentence(s, [s]).supported for s in sentences)
    accepted = sum(verify_sentence(a, [b]).supported for a in sentences for b in sentences if a is not b)
    pairs = len(sentences) * (len(sentences) - 1)
    # 3 of 930 here, all near-paraphrases ("Diese Lücke will Huawei nun füllen").
    assert accepted / pairs < 0.01
