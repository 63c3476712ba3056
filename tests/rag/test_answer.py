"""Answering over the seed article: verified generated sentences, extractive fallback, refusals, offsets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.answer import parse_sentences
from rag.llm import LLMProvider, Message
from rag.schema import Answer, Delta, Draft, Final
from tests.conftest import SEED

pytestmark = pytest.mark.slow  # the seeded service embeds with the real model


class ScriptedLLM(LLMProvider):
    """A fake model that answers with a fixed text, streamed in small pieces like a real one."""

    name = "scripted"

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.prompts: list[list[Message]] = []

    def generate(self, messages: list[Message], *, max_tokens: int | None = None) -> str:
        self.prompts.append(messages)
        return self.reply

    def stream(self, messages: list[Message], *, max_tokens: int | None = None) -> Iterator[str]:
        text = self.generate(messages, max_tokens=max_tokens)
        for i in range(0, len(text), 7):
            yield text[i : i + 7]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, embedder):  # type: ignore[no-untyped-def]
    """One service over the seed article; tests swap its LLM."""
    from rag.config import load_settings
    from rag.service import Quelle

    settings = load_settings(data_dir=tmp_path_factory.mktemp("data"), llm={"provider": "none"})
    quelle = Quelle(settings, embedder=embedder)
    quelle.ingest([SEED], show_progress=False)
    return quelle


def ask_with(quelle, reply: str | None, question: str) -> Answer:  # type: ignore[no-untyped-def]
    from rag.llm.none import NoLLM

    quelle.answerer.llm = ScriptedLLM(reply) if reply is not None else NoLLM()
    return quelle.ask(question)


def assert_offsets_exact(quelle, answer: Answer) -> None:  # type: ignore[no-untyped-def]
    for c in answer.citations:
        _, body = quelle.get_document(c.doc_id)
        assert body[c.start : c.end] == c.quote


def test_parse_sentences_attaches_trailing_citations() -> None:
    parsed = parse_sentences("Baidu bestellte 1.600 Chips. [1] Bytedance gab 2 Milliarden aus [2][3].")
    assert parsed == [("Baidu bestellte 1.600 Chips. [1]", [1]), ("Bytedance gab 2 Milliarden aus [2][3].", [2, 3])]


QUESTIONS = [
    ("Wie viele Ascend-910B-Chips hat Baidu bestellt?", ["1.600"]),
    ("How many Ascend 910B chips did Baidu order?", ["1.600"]),
    ("Wie viel hat Bytedance im vergangenen Jahr für Nvidia-Chips ausgegeben?", ["2 Milliarden"]),
    ("How much did ByteDance spend on Nvidia chips last year?", ["2 Milliarden"]),
    ("Wie viele H20-GPUs soll Nvidia dieses Jahr in China ausliefern?", ["eine Million"]),
    ("How many H20 GPUs is Nvidia expected to ship in China this year?", ["eine Million"]),
]


@pytest.mark.slow
@pytest.mark.parametrize(("question", "facts"), QUESTIONS)
def test_extractive_answers_cite_the_fact_at_exact_offsets(seeded, question: str, facts: list[str]) -> None:  # type: ignore[no-untyped-def]
    answer = ask_with(seeded, None, question)
    assert answer.mode == "extractive" and answer.answerable
    assert answer.language == ("en" if question.startswith(("How", "What")) else "de")
    assert any(all(f in c.quote for f in facts) for c in answer.citations)
    assert_offsets_exact(seeded, answer)
    assert [s.citations for s in answer.sentences] == [[c.id] for c in answer.citations]


@pytest.mark.slow
def test_generated_answer_keeps_the_supported_sentence(seeded) -> None:  # type: ignore[no-untyped-def]
    answer = ask_with(
        seeded, "Baidu hat 1.600 Ascend-910B-Chips bestellt [1].", "Wie viele Ascend-910B-Chips hat Baidu bestellt?"
    )
    assert answer.mode == "generated"
    assert answer.answer == "Baidu hat 1.600 Ascend-910B-Chips bestellt [1]."
    assert "1.600" in answer.citations[0].quote
    assert_offsets_exact(seeded, answer)


@pytest.mark.slow
def test_a_planted_wrong_number_is_dropped(seeded) -> None:  # type: ignore[no-untyped-def]
    reply = "Baidu hat 1.600 Ascend-910B-Chips bestellt [1]. Sie kosteten 99 Millionen US-Dollar [1]."
    answer = ask_with(seeded, reply, "Wie viele Ascend-910B-Chips hat Baidu bestellt?")
    assert answer.mode == "generated"
    assert "99 Millionen" not in answer.answer and "1.600" in answer.answer
    assert [s.text for s in answer.rejected] == ["Sie kosteten 99 Millionen US-Dollar [1]."]


@pytest.mark.slow
def test_nothing_verified_falls_back_to_quoting(seeded) -> None:  # type: ignore[no-untyped-def]
    reply = "Baidu hat 3.200 Chips bestellt [1]. Das steht in Quelle [9]."
    answer = ask_with(seeded, reply, "Wie viele Ascend-910B-Chips hat Baidu bestellt?")
    assert answer.mode == "extractive"
    assert "3.200" not in answer.answer and "1.600" in answer.answer
    assert len(answer.rejected) == 2
    assert_offsets_exact(seeded, answer)


def test_uncited_sentences_are_attributed(seeded) -> None:  # type: ignore[no-untyped-def]
    answer = ask_with(seeded, "Baidu hat 1.600 Chips bestellt.", "Wie viele Ascend-910B-Chips hat Baidu bestellt?")
    assert answer.mode == "generated"
    assert answer.answer == "Baidu hat 1.600 Chips bestellt [1]."
    assert "1.600" in answer.citations[0].quote
    assert_offsets_exact(seeded, answer)


def test_english_answer_over_german_evidence(seeded) -> None:  # type: ignore[no-untyped-def]
    llm = ScriptedLLM("ByteDance spent 2 billion dollars on Nvidia chips last year.")
    seeded.answerer.llm = llm
    answer = seeded.ask("How much did ByteDance spend on Nvidia chips last year?")
    assert answer.mode == "generated" and answer.language == "en"
    assert answer.answer == "ByteDance spent 2 billion dollars on Nvidia chips last year [1]."
    assert "2 Milliarden" in answer.citations[0].quote
    system = llm.prompts[-1][0]["content"]
    assert "in English" in system and "translate" in system


@pytest.mark.parametrize(
    "reply",
    [
        "ByteDance spent 2 million dollars on Nvidia chips last year.",  # Milliarden read as million
        "ByteDance did not spend money on Nvidia chips.",  # an invented negation
    ],
)
def test_wrong_generated_answers_fall_back_to_quoting(seeded, reply: str) -> None:  # type: ignore[no-untyped-def]
    answer = ask_with(seeded, reply, "How much did ByteDance spend on Nvidia chips last year?")
    assert answer.mode == "extractive"
    assert "2 Milliarden" in answer.answer and [s.text for s in answer.rejected] == [reply]


@pytest.mark.parametrize(
    "question",
    ["Wie viele Chips hat Alibaba bei Huawei bestellt?", "How many chips did Tencent order from Huawei?"],
)
@pytest.mark.slow
def test_questions_the_documents_cannot_answer_are_refused(seeded, question: str) -> None:  # type: ignore[no-untyped-def]
    answer = ask_with(seeded, "Alibaba hat 5.000 Chips bestellt [1].", question)
    assert answer.mode == "refused" and not answer.answerable and answer.citations == []
    expected = "Die Dokumente" if question.startswith("Wie") else "The documents"
    assert answer.answer.startswith(expected)


def test_stream_yields_the_quoted_draft_then_only_verified_text_then_the_answer(seeded) -> None:  # type: ignore[no-untyped-def]
    seeded.answerer.llm = ScriptedLLM("Baidu hat 1.600 Ascend-910B-Chips bestellt [1]. Es waren 7 Chips [1].")
    draft, *deltas, final = list(seeded.ask_stream("Wie viele Ascend-910B-Chips hat Baidu bestellt?"))
    assert isinstance(draft, Draft) and draft.answer.mode == "extractive" and "1.600" in draft.answer.answer
    assert isinstance(final, Final) and all(isinstance(d, Delta) for d in deltas)
    pieces = [d.text for d in deltas]
    assert "".join(pieces) == final.answer.answer and final.answer.mode == "generated"
    assert "7 Chips" not in "".join(pieces)


def test_stream_without_a_kept_sentence_ends_with_the_draft_answer(seeded) -> None:  # type: ignore[no-untyped-def]
    seeded.answerer.llm = ScriptedLLM("Es waren 7 Chips.")
    draft, final = list(seeded.ask_stream("Wie viele Ascend-910B-Chips hat Baidu bestellt?"))
    assert isinstance(draft, Draft) and isinstance(final, Final)
    assert final.answer.mode == "extractive" and final.answer.answer == draft.answer.answer


def test_stream_without_an_llm_has_no_draft(seeded) -> None:  # type: ignore[no-untyped-def]
    from rag.llm.none import NoLLM

    seeded.answerer.llm = NoLLM()
    *deltas, final = list(seeded.ask_stream("Wie viele Ascend-910B-Chips hat Baidu bestellt?"))
    assert all(isinstance(d, Delta) for d in deltas) and isinstance(final, Final)
    assert "".join(d.text for d in deltas) == final.answer.answer


def test_every_seed_answer_has_exact_offsets(seeded) -> None:  # type: ignore[no-untyped-def]
    from evals.harness import read_yaml
    from rag.llm.none import NoLLM

    seeded.answerer.llm = NoLLM()
    _, body = seeded.get_document("huawei-ascend-910c-nvidia-china")
    items = read_yaml(Path(__file__).parents[2] / "evals" / "sets" / "seed.yaml")
    cited = 0
    for item in items:
        answer = seeded.ask(item["question"])
        for c in answer.citations:
            assert body[c.start : c.end] == c.quote, item["id"]
            cited += 1
    assert cited >= len(items) // 2


def test_the_llm_only_for_other_language_evidence(seeded) -> None:  # type: ignore[no-untyped-def]
    llm = ScriptedLLM("ByteDance spent 2 billion dollars on Nvidia chips last year.")
    seeded.answerer.llm = llm
    seeded.answerer.generate_when = "other_language"
    try:
        german = seeded.ask("Wie viel hat Bytedance im vergangenen Jahr für Nvidia-Chips ausgegeben?")
        assert german.mode == "extractive" and llm.prompts == []  # a German quote answers a German question
        english = seeded.ask("How much did ByteDance spend on Nvidia chips last year?")
        assert english.mode == "generated" and len(llm.prompts) == 1
    finally:
        seeded.answerer.generate_when = "always"
