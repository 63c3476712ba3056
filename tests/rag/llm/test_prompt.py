"""The answer prompt: evidence numbered as given, instructions in the question's language."""

from __future__ import annotations

from rag.llm.prompt import SYSTEM_PROMPT, build_messages

EVIDENCE = [
    (1, "Laut Reuters hat Bytedance im vergangenen Jahr 2 Milliarden Dollar\nfür Nvidia-Chips ausgegeben."),
    (3, "Nvidia soll in diesem Jahr mehr als eine Million H20-GPUs in China ausliefern."),
]


def test_messages_carry_numbered_evidence_and_question() -> None:
    system, user = build_messages("Wie viel gab Bytedance aus?", EVIDENCE, "de")
    assert system == {"role": "system", "content": SYSTEM_PROMPT["de"]}
    assert user["role"] == "user"
    assert (
        "[1] Laut Reuters hat Bytedance im vergangenen Jahr 2 Milliarden Dollar für Nvidia-Chips ausgegeben."
        in user["content"]
    )
    assert "[3] Nvidia soll" in user["content"]
    assert user["content"].rstrip().endswith("Wie viel gab Bytedance aus?")


def test_instructions_ask_for_language_exact_qualifiers_and_refusal() -> None:
    de, en = SYSTEM_PROMPT["de"], SYSTEM_PROMPT["en"]
    assert "[n]" not in de and "[n]" not in en  # the verifier attributes sentences; markers are optional
    assert "Deutsch" in de and "English" in en
    assert "weniger als" in de and "less than" in en
    assert "Die Dokumente beantworten diese Frage nicht." in de
    assert "The documents do not answer this question." in en


def test_unknown_language_falls_back_to_english() -> None:
    assert build_messages("Combien?", EVIDENCE, "fr")[0]["content"] == SYSTEM_PROMPT["en"]


def test_english_question_over_german_evidence_asks_for_a_translation() -> None:
    system = build_messages("How much did ByteDance spend?", EVIDENCE, "en", "de")[0]["content"]
    assert system.startswith(SYSTEM_PROMPT["en"]) and "translate the answer into English" in system
    assert build_messages("Wie viel?", EVIDENCE, "de", "de")[0]["content"] == SYSTEM_PROMPT["de"]
