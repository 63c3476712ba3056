"""Answers from evidence: a quoted draft, the LLM's sentences attributed and verified, else the quote or a refusal."""

from __future__ import annotations

import re
import time
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from rag.chunking import split_sentences
from rag.config import AnswerSettings, LLMSettings
from rag.evidence import EvidenceSelection
from rag.llm import LLMError, LLMProvider
from rag.llm.prompt import build_messages
from rag.question import Question, states
from rag.schema import Answer, AnswerEvent, AnswerSentence, Delta, Draft, Evidence, Final
from rag.text import content_terms, detect_language, extract_numbers
from rag.verify import attribute, without_markers

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
class Checked:
    """Generated sentences after attribution and verification, before the answer object is assembled."""

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


def check_generated(text: str, evidence: Sequence[Evidence], question: Question) -> Checked:
    """Attribute each generated sentence to the evidence that supports it (rag.verify.attribute) and keep it, with
    those citations, if it also answers something: it says more than the question, and states a number or a date
    where one is asked for. A sentence needs no [n]; the markers a model does write are checked as written."""
    quotes = {e.id: e.quote for e in evidence}
    asked = content_terms(question.text)
    kept: list[AnswerSentence] = []
    rejected: list[AnswerSentence] = []
    for sentence, cited in parse_sentences(text):
        plain = without_markers(sentence)
        if not plain.strip(" .,;:"):
            continue
        answers = (
            (question.asks not in ("quantity", "date") or states(question.asks, plain, "", question))
            and bool(content_terms(plain) - asked or extract_numbers(plain))
        )
        found = attribute(plain, quotes, question.text, cited) if answers else None
        if found is not None and found.supported:
            kept.append(AnswerSentence(text=with_markers(plain, found.citations), citations=list(found.citations),
                                       supported=True))
        else:
            rejected.append(AnswerSentence(text=sentence, citations=cited, supported=False))
    return Checked(kept, rejected)


def with_markers(sentence: str, citations: Sequence[int]) -> str:
    """The sentence with its citations as [n] before its closing full stop: "… bestellt [1][2]." """
    markers = "".join(f"[{n}]" for n in citations)
    body = sentence.rstrip()
    if body[-1:] in ".!?":
        return f"{body[:-1].rstrip()} {markers}{body[-1]}"
    return f"{body} {markers}"


def extractive(evidence: Sequence[Evidence], k: int) -> list[AnswerSentence]:
    """The best evidence sentences, verbatim, each citing itself, up to k: the best one, those scoring close to it
    (a merely related sentence elsewhere would dilute a clear answer), and any of the best one's own section, which
    answers as a whole ("Es gibt … sogenannte Release-kritische Fehler." is followed by the severities that are)."""
    if not evidence:
        return []
    best = evidence[0]
    floor = best.score * EXTRACTIVE_RELATIVE
    return [
        AnswerSentence(text=f"{e.quote} [{e.id}]", citations=[e.id], supported=True)
        for e in evidence[:k]
        if e is best or e.score >= floor or (best.section and (e.doc_id, e.section) == (best.doc_id, best.section))
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
    """Turns a question and its evidence into a verified answer, with the LLM or without it. Settings are the only
    source of its figures (rag.config.AnswerSettings, LLMSettings.max_tokens)."""

    def __init__(self, llm: LLMProvider, settings: AnswerSettings, llm_settings: LLMSettings) -> None:
        self.llm = llm
        self.extractive_k = settings.extractive_k
        self.refuse_below = settings.refuse_below
        self.prompt_k = settings.prompt_k
        self.max_tokens = llm_settings.max_tokens
        self.generate_when = llm_settings.generate_when

    def generates(self, question: Question, evidence: Sequence[Evidence]) -> bool:
        """Whether the LLM phrases this answer (see LLMSettings.generate_when)."""
        if not self.llm.generates or not evidence:
            return False
        return self.generate_when == "always" or evidence_language(evidence) != question.language

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
        """Yield the answer as it is produced, verified: without an LLM the quoted evidence (Delta) and the answer
        (Final). With one, the quoted evidence first as a Draft (an extractive answer, ready in milliseconds),
        then the generated sentences that pass attribution and verification (Delta), then the answer (Final):
        the generated one if any sentence was kept, else the draft's extractive answer."""
        evidence = selection.evidence
        language = question.language
        if self.refuses(selection):
            yield Final(assemble([], evidence, mode="refused", language=language, timings=timings))
            return
        quoted = extractive(evidence, self.extractive_k)
        if not self.generates(question, evidence):
            for i, s in enumerate(quoted):
                yield Delta(("" if i == 0 else " ") + s.text)
            yield Final(assemble(quoted, evidence, mode="extractive", language=language, timings=timings))
            return
        yield Draft(assemble(quoted, evidence, mode="extractive", language=language, timings=dict(timings)))
        kept, rejected = yield from self._generated(question, evidence, timings)
        if kept:
            yield Final(assemble(kept, evidence, mode="generated", language=language, timings=timings,
                                 rejected=rejected))
        else:
            yield Final(assemble(quoted, evidence, mode="extractive", language=language, timings=timings,
                                 rejected=rejected))

    def _generated(
        self, question: Question, evidence: Sequence[Evidence], timings: dict[str, float]
    ) -> Generator[Delta, None, tuple[list[AnswerSentence], list[AnswerSentence]]]:
        """Stream the LLM's sentences that pass (as Delta, numbered as assemble() will number them); return the
        kept and the rejected ones. An LLM failure ends generation with what was kept so far."""
        kept: list[AnswerSentence] = []
        rejected: list[AnswerSentence] = []
        order: dict[int, int] = {}
        verify_ms = 0.0
        started = time.perf_counter()
        prompted = list(evidence[: self.prompt_k])
        try:
            for count, sentence in enumerate(self._generated_sentences(question, prompted), 1):
                checked_at = time.perf_counter()
                checked = check_generated(sentence, evidence, question)
                verify_ms += (time.perf_counter() - checked_at) * 1000
                seen = {without_markers(s.text) for s in kept}
                for good in checked.kept:
                    if without_markers(good.text) in seen:
                        continue
                    for n in good.citations:  # the same first-use numbering assemble() applies
                        order.setdefault(n, len(order) + 1)
                    yield Delta(("" if not kept else " ") + renumber_text(good.text, order))
                    kept.append(good)
                rejected += checked.rejected
                if count >= MAX_GENERATED_SENTENCES:
                    break  # answers are one or two sentences; stop a rambling model early
        except LLMError:
            pass  # the LLM failed: keep what was verified (already streamed), else the quoted draft stands
        timings["generate"] = round((time.perf_counter() - started) * 1000 - verify_ms, 1)
        timings["verify"] = round(verify_ms, 1)
        return kept, rejected

    def _generated_sentences(self, question: Question, evidence: Sequence[Evidence]) -> Iterator[str]:
        """Complete sentences (with any trailing citations) from the LLM's token stream."""
        quotes = [(e.id, e.quote) for e in evidence]
        messages = build_messages(question.text, quotes, question.language, evidence_language(evidence))
        buffer = ""
        for token in self.llm.stream(messages, max_tokens=self.max_tokens):
            buffer += token
            while (cut := _complete_sentence_end(buffer)) is not None:
                yield buffer[:cut].strip()
                buffer = buffer[cut:]
        if buffer.strip():
            yield buffer.strip()


def evidence_language(evidence: Sequence[Evidence]) -> str:
    """The language the evidence is written in."""
    return detect_language(" ".join(e.quote for e in evidence))


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
