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


def test_instructions_ask_for_citations_language_and_refusal() -> None:
    de, en = SYSTEM_PROMPT["de"], SYSTEM_PROMPT["en"]
    assert "[n]" in de and "[n]" in en
    assert "Deutsch" in de and "English" in en
    assert "Die Dokumente beantworten diese Frage nicht." in de
    assert "The documents do not answer this question." in en


def test_unknown_language_falls_back_to_english() -> None:
    assert build_messages("Combien?", EVIDENCE, "fr")[0]["content"] == SYSTEM_PROMPT["en"]
