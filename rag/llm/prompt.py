"""The answer prompt: the top evidence sentences and the question, answered briefly in the question's language."""

from __future__ import annotations

from rag.llm.base import Message

# Short on purpose: small models lose the thread in longer instructions. No [n] is asked for: the verifier
# attributes each sentence to the evidence that supports it (rag.verify.attribute). Numbers and their
# qualifiers ("weniger als", "über", "rund") are what small models get wrong most, so the prompt names them.
SYSTEM_PROMPT = {
    "de": (
        "Beantworte die Frage in einem kurzen Satz auf Deutsch, nur mit dem Kontext. Übernimm Zahlen, Einheiten "
        "und Wörter wie 'über', 'weniger als', 'rund' genau. Steht die Antwort nicht im Kontext, sage: "
        "Die Dokumente beantworten diese Frage nicht."
    ),
    "en": (
        "Answer the question in one short sentence in English, using only the context. Keep numbers, units and "
        "words like 'more than', 'less than', 'about' exact. If the context does not contain the answer, say: "
        "The documents do not answer this question."
    ),
}
# The evidence is in another language than the question: say so, or small models answer in the evidence's.
TRANSLATE = {
    "de": " Der Kontext ist auf Englisch; antworte trotzdem auf Deutsch.",
    "en": " The context is in German; translate the answer into English.",
}
USER_TEMPLATE = "Context:\n{evidence}\n\nQuestion: {question}"


def format_evidence(evidence: list[tuple[int, str]]) -> str:
    """One line per evidence sentence: '[n] text'."""
    return "\n".join(f"[{n}] {' '.join(text.split())}" for n, text in evidence)


def build_messages(question: str, evidence: list[tuple[int, str]], language: str,
                   evidence_language: str | None = None) -> list[Message]:
    """Chat messages asking for a short answer to `question` from `evidence` ([(n, sentence)]) in `language`
    ('de' or 'en'; any other gets English). An `evidence_language` other than it adds a line asking for a
    translation."""
    language = language if language in SYSTEM_PROMPT else "en"
    system = SYSTEM_PROMPT[language]
    if evidence_language and evidence_language != language:
        system += TRANSLATE[language]
    user = USER_TEMPLATE.format(evidence=format_evidence(evidence), question=" ".join(question.split()))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
