"""Tests for rag/verify.py: planted numbers, names, qualifiers, negations and dates are caught, faithful German and
English pass, and uncited sentences are attributed to the evidence that supports them."""

from __future__ import annotations

import pytest

from rag.chunking import split_sentences
from rag.verify import Verdict, attribute, verify_sentence

PLAN = "Der chinesische TikTok-Mutterkonzern plant, ein neues KI-Modell hauptsächlich mit Huawei-Chips zu trainieren."
DENIAL = "Ein Bytedance-Sprecher dementierte die Pläne für ein neues Modell."
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


# ---------------------------------------------------------------- wrong outputs of Qwen2.5-Coder (issue 13)


@pytest.mark.parametrize(
    ("sentence", "evidence", "reason"),
    [
        ("ByteDance spent 2 million dollars on Nvidia chips last year.", SPEND, "number 2000000 not"),
        ("Baidu ordered 1.6 million Ascend 910B chips.", BAIDU, "number 1600000 not"),
        ("ByteDance received 30.000 Ascend 910B chips by July.", ORDER, "number 30000 stated as exact"),
        ("ByteDance spent 2 billion dollars on Nvidia chips on 12 March 2024.", SPEND, "number 2024 not"),
        ("ByteDance spent 2 billion dollars on Nvidia chips in March last year.", SPEND, "month 3 not"),
        # both Qwen2.5-Coder models, asked "Did ByteDance confirm the reports about a new model?" (seed dev split)
        ("Yes, ByteDance confirmed the reports about a new model [1].", DENIAL, "the sentence says confirm"),
        ("ByteDance confirmed the reports about a new model [1].", DENIAL, "the sentence says confirm"),
        # the same output, cited to the sentence it took its words from
        ("ByteDance confirmed the reports about a new model [1].", PLAN, "the sentence says confirm"),
    ],
)
def test_real_wrong_outputs_are_rejected(sentence: str, evidence: str, reason: str) -> None:
    verdict = verify_sentence(sentence, [evidence])
    assert not verdict.supported
    assert any(r.startswith(reason) for r in verdict.reasons), verdict.reasons


# ---------------------------------------------------------------- qualifiers and magnitudes


@pytest.mark.parametrize(
    "sentence",
    [
        "ByteDance ordered 100,000 Ascend 910B chips.",  # über 100.000
        "ByteDance ordered less than 100,000 Ascend 910B chips.",
        "By July, ByteDance had received more than 30,000 chips.",  # weniger als 30.000
        "Nvidia will ship one million H20 GPUs in China this year.",  # mehr als eine Million
        "Baidu's order of 1,600 chips was worth 62 million US dollars.",  # rund 62 Millionen
        "Nvidia soll einen Umsatz von 12 Milliarden US-Dollar erzielen.",  # circa 12 Milliarden
    ],
)
def test_dropped_or_changed_qualifiers_are_rejected(sentence: str) -> None:
    verdict = verify_sentence(sentence, [ORDER, H20, BAIDU])
    assert not verdict.supported
    assert any(" stated as " in r for r in verdict.reasons), verdict.reasons


@pytest.mark.parametrize(
    "sentence",
    [
        "ByteDance ordered more than 100,000 Ascend 910B chips.",
        "ByteDance ordered over 100,000 Ascend 910B chips.",
        "By July, ByteDance had received fewer than 30,000 chips.",
        "Baidu's order of 1,600 chips was worth about 62 million US dollars.",
        "Nvidia soll einen Umsatz von rund 12 Milliarden US-Dollar erzielen.",
        "Baidu ordered about 1,600 Ascend 910B chips.",  # "about" over an exact number claims no more
    ],
)
def test_kept_qualifiers_are_accepted(sentence: str) -> None:
    verdict = verify_sentence(sentence, [ORDER, H20, BAIDU])
    assert verdict.supported, verdict.reasons


def test_german_billion_is_the_english_trillion() -> None:
    evidence = "Der Markt für KI-Chips soll bis 2030 auf 1 Billion Dollar wachsen."
    assert verify_sentence("The market for AI chips is expected to grow to 1 trillion dollars by 2030.",
                           [evidence]).supported
    verdict = verify_sentence("The market for AI chips is expected to grow to 1 billion dollars by 2030.", [evidence])
    assert "number 1000000000 not in cited evidence" in verdict.reasons
    assert verify_sentence("Der Markt soll bis 2030 auf 1.000 Milliarden Dollar wachsen.", [evidence]).supported


def test_german_abbreviated_scales_match_english_words() -> None:
    evidence = "Huawei investierte 2,5 Mrd. Euro und 300 Mio. Euro in Forschung."
    assert verify_sentence("Huawei invested 2.5 billion euros in research.", [evidence]).supported
    assert verify_sentence("Huawei invested 300 million euros in research.", [evidence]).supported
    assert not verify_sentence("Huawei invested 2.5 million euros in research.", [evidence]).supported


def test_until_and_by_are_qualifiers_of_dates() -> None:
    hbm = ("Das Unternehmen hat zudem ein Konsortium chinesischer Chiphersteller gebildet, um bis 2026 "
           "High-Bandwidth Memory (HBM)-Chips zu produzieren.")
    assert verify_sentence("A consortium is to produce HBM chips by 2026.", [hbm]).supported
    verdict = verify_sentence("A consortium is to produce HBM chips from 2026 on.", [hbm])
    assert any("2026 stated as exact" in r for r in verdict.reasons), verdict.reasons


# ---------------------------------------------------------------- negation


def test_added_negation_is_rejected() -> None:
    verdict = verify_sentence("Bytedance hat keine Nvidia-Chips gekauft.", [SPEND])
    assert "negation not in cited evidence" in verdict.reasons
    assert not verify_sentence("ByteDance did not spend 2 billion dollars on Nvidia chips.", [SPEND]).supported


def test_dropped_negation_is_rejected() -> None:
    verdict = verify_sentence("Baidu kann in Zukunft Nvidia-Chips kaufen.", [BAIDU])
    assert not verdict.supported
    assert any(r.startswith("the evidence denies") for r in verdict.reasons), verdict.reasons


def test_a_kept_stance_is_accepted_and_a_turned_one_rejected() -> None:
    assert verify_sentence("A ByteDance spokesperson denied the plans for a new model.", [DENIAL]).supported
    assert verify_sentence("Ein Sprecher von Bytedance dementierte die Pläne.", [DENIAL]).supported
    confirmed = "Reuters bestätigte die Pläne von Bytedance für ein neues Modell."
    assert not verify_sentence("Reuters denied ByteDance's plans for a new model.", [confirmed]).supported


def test_kept_negation_is_accepted() -> None:
    sentence = "Baidu kann in Zukunft möglicherweise keine Nvidia-Chips mehr kaufen."
    assert verify_sentence(sentence, [BAIDU]).supported
    # An affirmative sentence about another part of a negated evidence sentence is fine.
    assert verify_sentence("Baidu hat 1.600 Ascend-910B-Chips bestellt.", [BAIDU]).supported


# ---------------------------------------------------------------- attribution


EVIDENCE = {1: ORDER, 2: SPEND, 3: BAIDU, 4: H20}


def test_uncited_sentence_is_attributed_to_its_evidence() -> None:
    assert attribute("Baidu ordered 1,600 Ascend 910B chips.", EVIDENCE).citations == (3,)
    assert attribute("ByteDance spent 2 billion dollars on Nvidia chips last year.", EVIDENCE).citations == (2,)


def test_a_sentence_joining_two_facts_cites_both() -> None:
    sentence = "Baidu ordered 1,600 Ascend 910B chips and ByteDance spent 2 billion dollars on Nvidia chips."
    assert set(attribute(sentence, EVIDENCE).citations) == {2, 3}


def test_unsupported_sentence_is_not_attributed() -> None:
    found = attribute("ByteDance spent 2 million dollars on Nvidia chips.", EVIDENCE)
    assert not found.supported
    assert "number 2000000 not in cited evidence" in found.reasons


def test_markers_the_model_writes_are_checked() -> None:
    assert attribute("Baidu ordered 1,600 Ascend 910B chips.", EVIDENCE, cited=[3]).citations == (3,)
    wrong = attribute("Baidu ordered 1,600 Ascend 910B chips.", EVIDENCE, cited=[2])
    assert not wrong.supported and wrong.reasons
    assert attribute("Baidu ordered 1,600 Ascend 910B chips.", EVIDENCE, cited=[9]).reasons == (
        "cites [9], which is no evidence",)


def test_words_restating_the_question_are_neutral() -> None:
    question = "Auf wie viele Informanten der Zeitung stützt sich die Meldung über die 910C-Muster?"
    sentence = "Die Meldung stützt sich auf zwei Informanten."
    assert verify_sentence(sentence, [SOURCES], question).supported
    # Without the question those words are unsupported and sink the sentence.
    assert not verify_sentence(sentence, [SOURCES]).supported


def test_sentence_without_any_grounding_is_rejected() -> None:
    verdict = verify_sentence("Ja.", [SPEND])
    assert verdict == Verdict(False, ("nothing in the sentence is found in the cited evidence",))


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
