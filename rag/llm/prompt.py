"""The answer prompt: numbered evidence and a question, answered in the question's language, citing [n]."""

from __future__ import annotations

from rag.llm.base import Message

# Short on purpose: the bundled 135M/270M models lose the thread in longer instructions, and written in the
# answer's language they answer in it more often (evals/llm_compare.py measures both).
SYSTEM_PROMPT = {
    "de": (
        "Antworte in einem Satz auf Deutsch. Nutze nur den Kontext und nenne die Quelle als [n]. "
        "Steht die Antwort nicht im Kontext, sage: Die Dokumente beantworten diese Frage nicht."
    ),
    "en": (
        "Answer in one sentence in English. Use only the context and cite the source as [n]. "
        "If the context does not contain the answer, say: The documents do not answer this question."
    ),
}
USER_TEMPLATE = "Context:\n{evidence}\n\nQuestion: {question}"


def format_evidence(evidence: list[tuple[int, str]]) -> str:
    """One line per evidence sentence: '[n] text'."""
    return "\n".join(f"[{n}] {' '.join(text.split())}" for n, text in evidence)


def build_messages(question: str, evidence: list[tuple[int, str]], language: str) -> list[Message]:
    """Chat messages asking for a short answer to `question` from `evidence` ([(n, sentence)]), citing [n].
    `language` is 'de' or 'en'; any other falls back to English."""
    system = SYSTEM_PROMPT.get(language, SYSTEM_PROMPT["en"])
    user = USER_TEMPLATE.format(evidence=format_evidence(evidence), question=" ".join(question.split()))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
