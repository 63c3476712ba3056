"""Answers from evidence: prompt the LLM, parse cited sentences, keep the verified ones, else quote or refuse."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from rag.text import content_terms, extract_numbers
from rag.chunking import split_sentences
from rag.evidence import EvidenceSelection
from rag.question import Question, states
from rag.llm import LLMError, LLMProvider
from rag.llm.prompt import build_messages
from rag.schema import Answer, AnswerEvent, AnswerSentence, Delta, Evidence, Final
from rag.verify import verify_sentence

_CITATION = re.compile(r"\[(\d{1,2}(?:\s*,\s*\d{1,2})*)\]")
_LEADING_CITATIONS = re.compile(r"(?:\s*\[\d{1,2}(?:\s*,\s*\d{1,2})*\][.,;:]?)+\s*")
MAX_GENERATED_SENTENCES = 3
# Refuse when at least this share of the question's concept weight (nouns weigh most) occurs nowhere retrieved, in
# either language. Chosen on the dev splits (evals/quality.py).
MISSING_WEIGHT_REFUSE = 0.6
EXTRACTIVE_RELATIVE = 0.85  # quote a further sentence only if it scores at least this share of the best
REFUSAL = {
    "de": "Die Dokumente beantworten diese Frage nicht.",
    "en": "The documents do not answer this question.",
}


@dataclass
class Draft:
    """The LLM's sentences after verification, before the answer object is assembled."""

    kept: list[AnswerSentence]
    rejected: list[AnswerSentence]


def parse_sentences(text: str) -> list[tuple[str, list[int]]]:
    """Split generated text into sentences and the evidence numbers each cites. Citations written after
    a sentence's full stop ("… Chips. [1] Next …") belong to the sentence before them."""
    parsed: list[tuple[str, list[int]]] = []
    for start, end in split_sentences(text):
        sentence = text[start:end]
        lead = _LEADING_CITATIONS.match(sentence)
        if lead and parsed:
            prev = parsed[-1][0]
            parsed[-1] = (f"{prev} {lead.group(0).strip()}", _cited(f"{prev} {lead.group(0)}"))
            sentence = sentence[lead.end() :]
        if _CITATION.sub("", sentence).strip(" .,;:"):
            parsed.append((sentence, _cited(sentence)))
    return parsed


def _cited(sentence: str) -> list[int]:
    return list(dict.fromkeys(int(n) for group in _CITATION.findall(sentence) for n in group.split(",")))


def verify_draft(text: str, evidence: Sequence[Evidence], question: Question) -> Draft:
    """Keep each sentence that cites only given evidence, is supported by what it cites, and answers
    something: it says more than the question, and states a number or a date where one is asked for."""
    by_id = {e.id: e for e in evidence}
    asked = content_terms(question.text)
    kept: list[AnswerSentence] = []
    rejected: list[AnswerSentence] = []
    for sentence, cited in parse_sentences(text):
        plain = _CITATION.sub("", sentence).strip()
        if not plain:
            continue
        valid = [n for n in cited if n in by_id]
        ok = (
            bool(valid)
            and len(valid) == len(cited)
            and (question.asks not in ("quantity", "date") or states(question.asks, plain, "", question))
            and bool(content_terms(plain) - asked or extract_numbers(plain))
            and verify_sentence(plain, [by_id[n].quote for n in valid], question.text).supported
        )
        (kept if ok else rejected).append(AnswerSentence(text=sentence, citations=valid, supported=ok))
    return Draft(kept, rejected)


def extractive(evidence: Sequence[Evidence], k: int) -> list[AnswerSentence]:
    """The best evidence sentences, verbatim, each citing itself: up to k, and only those scoring close to
    the best one, so a clear answer is not diluted by a merely related sentence."""
    if not evidence:
        return []
    floor = evidence[0].score * EXTRACTIVE_RELATIVE
    return [
        AnswerSentence(text=f"{e.quote} [{e.id}]", citations=[e.id], supported=True)
        for e in evidence[:k]
        if e.score >= floor
    ]


def assemble(
    sentences: list[AnswerSentence],
    evidence: Sequence[Evidence],
    *,
    mode: str,
    language: str,
    timings: dict[str, float],
    rejected: list[AnswerSentence] | None = None,
) -> Answer:
    """Renumber the cited evidence 1..n in order of first use and build the answer object."""
    if mode == "refused":
        return Answer(REFUSAL.get(language, REFUSAL["en"]), False, "refused", language, [], [], timings, rejected or [])
    by_id = {e.id: e for e in evidence}
    order: dict[int, int] = {}
    for s in sentences:
        for n in s.citations:
            order.setdefault(n, len(order) + 1)
    renumbered = [
        AnswerSentence(
            text=renumber_text(s.text, order),
            citations=[order[n] for n in s.citations],
            supported=s.supported,
        )
        for s in sentences
    ]
    citations = [replace(by_id[old], id=new) for old, new in order.items()]
    text = " ".join(s.text for s in renumbered)
    return Answer(text, True, mode, language, citations, renumbered, timings, rejected or [])  # type: ignore[arg-type]


def renumber_text(text: str, order: dict[int, int]) -> str:
    """Citation markers rewritten to the answer's numbering (evidence id -> citation id)."""
    return _CITATION.sub(
        lambda m: "".join(f"[{order[int(n)]}]" for n in m.group(1).split(",") if int(n) in order), text
    )


class Answerer:
    """Turns a question and its evidence into a verified answer, with the LLM or without it."""

    def __init__(self, llm: LLMProvider, *, extractive_k: int = 2, refuse_below: float = 0.35,
                 max_tokens: int | None = None) -> None:
        self.llm = llm
        self.extractive_k = extractive_k
        self.refuse_below = refuse_below
        self.max_tokens = max_tokens

    def refuses(self, selection: EvidenceSelection) -> bool:
        """Too weak to answer: no evidence, low support, the question names something the documents don't, asks
        about things they never mention, or asks for a kind of answer (a number, a date, a reason, …) that the
        best evidence does not state."""
        return (
            not selection.evidence
            or selection.support < self.refuse_below
            or bool(selection.missing_names)
            or selection.missing_weight >= MISSING_WEIGHT_REFUSE
            or not selection.answers_kind
        )

    def answer(self, question: Question, selection: EvidenceSelection, timings: dict[str, float]) -> Answer:
        return final_answer(self.stream(question, selection, timings))

    def stream(
        self, question: Question, selection: EvidenceSelection, timings: dict[str, float]
    ) -> Iterator[AnswerEvent]:
        """Yield verified answer text as it is produced (Delta), then the answer (Final). Unverified text is never yielded:
        the LLM's output is checked sentence by sentence before it is passed on."""
        evidence = selection.evidence
        language = question.language
        if self.refuses(selection):
            yield Final(assemble([], evidence, mode="refused", language=language, timings=timings))
            return
        kept: list[AnswerSentence] = []
        rejected: list[AnswerSentence] = []
        verify_ms = 0.0
        order: dict[int, int] = {}
        if self.llm.generates:
            started = time.perf_counter()
            try:
                for count, sentence in enumerate(self._generated_sentences(question, evidence, language), 1):
                    checked = time.perf_counter()
                    draft = verify_draft(sentence, evidence, question)
                    verify_ms += (time.perf_counter() - checked) * 1000
                    seen = {_CITATION.sub("", s.text).strip() for s in kept}
                    draft.kept = [s for s in draft.kept if _CITATION.sub("", s.text).strip() not in seen]
                    for good in draft.kept:
                        for n in good.citations:  # the same first-use numbering assemble() applies
                            order.setdefault(n, len(order) + 1)
                        yield Delta(("" if not kept and good is draft.kept[0] else " ") + renumber_text(good.text, order))
                    kept += draft.kept
                    rejected += draft.rejected
                    if count >= MAX_GENERATED_SENTENCES:
                        break  # answers are one or two sentences; stop a rambling model early
            except LLMError:
                pass  # the LLM failed: keep what was verified (already streamed), else quote the evidence
            timings["generate"] = round((time.perf_counter() - started) * 1000 - verify_ms, 1)
        timings["verify"] = round(verify_ms, 1)
        if kept:
            yield Final(assemble(kept, evidence, mode="generated", language=language, timings=timings,
                                 rejected=rejected))
            return
        quoted = extractive(evidence, self.extractive_k)
        for i, s in enumerate(quoted):
            yield Delta(("" if i == 0 else " ") + s.text)
        yield Final(assemble(quoted, evidence, mode="extractive", language=language, timings=timings, rejected=rejected))

    def _generated_sentences(self, question: Question, evidence: Sequence[Evidence], language: str) -> Iterator[str]:
        """Complete sentences (with their trailing citations) from the LLM's token stream."""
        messages = build_messages(question.text, [(e.id, e.quote) for e in evidence], language)
        buffer = ""
        for token in self.llm.stream(messages, max_tokens=self.max_tokens):
            buffer += token
            while (cut := _complete_sentence_end(buffer)) is not None:
                yield buffer[:cut].strip()
                buffer = buffer[cut:]
        if buffer.strip():
            yield buffer.strip()


def final_answer(events: Iterable[AnswerEvent]) -> Answer:
    """The answer at the end of an answer stream."""
    for event in events:
        if isinstance(event, Final):
            return event.answer
    raise RuntimeError("the answer stream ended without its answer")


def _complete_sentence_end(text: str) -> int | None:
    """Where the first sentence, with any citations written after it, surely ends; None while it may still
    grow (the last sentence is held back until another one starts)."""
    spans = split_sentences(text)
    if len(spans) < 2:
        return None
    lead = _LEADING_CITATIONS.match(text, spans[1][0])
    cut = lead.end() if lead else spans[1][0]
    return cut if text[cut:].strip() else None
