"""The answer prompt: numbered evidence sentences and a question, answered in the question's language with [n]."""

from __future__ import annotations

from rag.llm.base import Message

# Instructions in the answer's own language: the small local models follow the language of the prompt far more
# often than an instruction to switch language (see evals/llm_compare.py).
SYSTEM_PROMPT = {
    "de": (
        "Du beantwortest Fragen ausschließlich mit den nummerierten Belegen. Antworte in einem oder zwei Sätzen "
        "auf Deutsch und übernimm Zahlen und Namen genau aus den Belegen. Setze hinter jeden Satz die Nummer "
        "des Belegs in eckigen Klammern, z. B. [2]. Wenn die Belege die Frage nicht beantworten, antworte: "
        "Die Dokumente beantworten diese Frage nicht."
    ),
    "en": (
        "You answer questions using only the numbered evidence. Answer in one or two sentences in English and "
        "copy numbers and names exactly from the evidence. End each sentence with the number of its evidence "
        "in square brackets, e.g. [2]. If the evidence does not answer the question, answer: "
        "The documents do not answer this question."
    ),
}
USER_TEMPLATE = {
    "de": "Belege:\n{evidence}\n\nFrage: {question}",
    "en": "Evidence:\n{evidence}\n\nQuestion: {question}",
}


def format_evidence(evidence: list[tuple[int, str]]) -> str:
    """One line per evidence sentence: '[n] text'."""
    return "\n".join(f"[{n}] {' '.join(text.split())}" for n, text in evidence)


def build_messages(question: str, evidence: list[tuple[int, str]], language: str) -> list[Message]:
    """Chat messages asking for a short answer to `question` from `evidence` ([(n, sentence)]), citing [n].
    `language` is 'de' or 'en'; any other falls back to English."""
    lang = language if language in SYSTEM_PROMPT else "en"
    user = USER_TEMPLATE[lang].format(evidence=format_evidence(evidence), question=question.strip())
    return [{"role": "system", "content": SYSTEM_PROMPT[lang]}, {"role": "user", "content": user}]
