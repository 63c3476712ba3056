"""Evidence selection: retrieved passages split into located sentences, scored for the question, best first.

Headings, titles and sentences that are themselves questions are context, never evidence: a heading that matches
the question lifts the first sentences of its own section instead."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rag.chunking import split_sentences
from rag.crosslingual import CrossLingual
from rag.embeddings import Embedder, VectorCache
from rag.question import (
    FRAME_WORDS,
    Question,
    asks_qualified,
    coverage,
    defines,
    found,
    option_tokens,
    states,
    states_qualifiers,
)
from rag.schema import Evidence, Passage
from rag.structure import PATH_SEPARATOR, Heading, Outline, heading_topic
from rag.text import TermMatcher, extract_numbers, fold, instructs_the_model, iter_tokens

# Weights of the sentence score; the refusal threshold in AnswerSettings is calibrated on this scale.
DENSE_WEIGHT = 0.35
LEXICAL_WEIGHT = 0.35
HEADING_WEIGHT = 0.50  # the sentence's own section heading matches the question (scaled by its place in it)
RANK_WEIGHT = 0.10
TYPE_BONUS = 0.12  # the sentence states what the question asks for (a number, a date, an option, a definition …)
TITLE_BONUS = 0.10  # the question names the sentence's document (a word of its title: "tar", "Bytedance")
OPTION_BONUS = 0.30  # the sentence describes the command-line option the question names ("-h", "--all")
BACK_MATTER_PENALTY = 0.3  # a sentence of back matter (see also, copyright, authors) the question does not ask about
HEADING_MEANS_QUESTION = 0.6  # a heading this close to the question covers its words (0.5 and 0.6 alike on dev)
HEADING_FLOOR = 0.2  # the cosine unrelated headings reach (dev splits: 0.2 and 0.3 alike, 0 worse)
POSITION_FACTOR = (1.0, 0.6, 0.35)  # the heading bonus for the 1st, 2nd and later sentences of a section
# The one heading that matches the question clearly best (cosine at least BEST_HEADING_MIN, ahead of every other
# retrieved heading by BEST_HEADING_MARGIN) is where the answer is: its section's sentences get BEST_HEADING_BONUS
# on top of their heading score. "The dpkg command" reads "2.5.9. Der dpkg-Befehl" (USE cosine 0.75), not "2.5.12.
# Der dpkg-divert-Befehl" (0.66), whose first sentence names dpkg and commands more often. Chosen on the dev splits
# (evals/headings.py, evals/quality.py): 0.6 / 0.7 / 0.05; a minimum of 0.6 also moved real questions to a heading
# that only looked like them.
BEST_HEADING_BONUS = 0.6
BEST_HEADING_MIN = 0.7
BEST_HEADING_MARGIN = 0.05
# Answerability: half the best sentence's cosine to the question (in the embedding model, or among the evidence in the
# cross-lingual space, whichever is closer), half the share of the question's words that occur anywhere in the
# retrieved passages. Refusal compares this with AnswerSettings.refuse_below.
ANSWERABILITY_DENSE = 0.5
MIN_SENTENCE_CHARS = 12
TITLE_LIKE_CHARS = 90  # a line this short without final punctuation reads as a title or caption
TYPE_CHECKED = 2  # the best this many sentences are checked for the kind of answer asked for (chosen on the dev splits)
# The share of the question's concept weight a sentence stating the kind asked for must hold to answer it (see
# _about_the_question; chosen on the dev splits: it refuses questions about an attribute the documents never state).
# Not for a person: "Wenden Sie sich an das Sicherheitsteam." names one and repeats little of the question.
KIND_COVERAGE = {"option": 0.5, "quantity": 0.35, "date": 0.35, "money": 0.35, "organisation": 0.35, "place": 0.35,
                 "command": 0.35, "reason": 0.35}
# A sentence ranked below TYPE_CHECKED but within PROMOTE_WITHIN that states the kind asked for answers first (see
# _promoted; chosen on the dev splits: ratio 0.6 and 0.8 alike, without the coverage share refusal recall fell
# 0.808 -> 0.692; within 4, 6 and 8 alike on dev and test, 8 answered one more hand-written trial question: "Wie viele
# Zeilen sollte die erweiterte Beschreibung einer debconf-Vorlage höchstens haben?", answered late in its
# section).
PROMOTE_WITHIN = 8
PROMOTE_RATIO = 0.6
PROMOTE_COVERAGE = 0.5
MIN_NAME = 3  # a name this long at least must be held by a promoted sentence ("PO" is often part of "po4a")
LEAD_IN_FOLLOW = 240  # a sentence ending in ":" takes the blocks after it, this many characters at most
# Back matter: where a document points elsewhere or says who made it, not what it is about.
_BACK_MATTER = re.compile(
    r"^\W*(siehe\s+auch|see\s+also|copyright|lizenz|license|licence|autor(en)?|authors?|fehler\s+melden|"
    r"reporting\s+bugs|bugs|übersetzung|translation|danksagung(en)?|acknowledge?ments?|colophon|kolophon)\W*$",
    re.IGNORECASE,
)
# An optional or alternative argument group of a usage line: "[-S Endung]", "{--diff|--compare}".
_USAGE_GROUP = re.compile(r"\[[^\[\]\n]{1,60}\]|\{[^{}\n]{1,60}\|[^{}\n]{1,60}\}")
USAGE_GROUPS = 2
_CAPTION = re.compile(r"\s*(tabelle|table|abbildung|figure|beispiel|example)\s+[\d.]+", re.IGNORECASE)
# A pointer to another part of the document by its number and quoted heading ("Abschnitt 2.7.3,
# „Installationskandidat-Version beeinflussen“", "Section 7.6, “Sandbox”"): the quoted heading is that section's
# topic, not this sentence's, so a sentence is scored without it (a question worded like the heading belongs to
# the section it names).
_CROSS_REFERENCE = re.compile(
    r"\b((?:abschnitt|kapitel|tabelle|abbildung|beispiel|anhang|section|chapter|table|figure|example|appendix)"
    r"\s+[\dA-Z]+(?:\.\d+)*)\s*[,:]?\s*[„“”\x22‚«»][^„“”\x22«»\n]{1,160}[“”\x22‘«»]",
    re.IGNORECASE,
)


def scoring_text(sentence: str) -> str:
    """The sentence as it is scored for a question: cross-references keep their number, not their quoted heading."""
    return _CROSS_REFERENCE.sub(r"\1", sentence)


# When the best sentence opens a section whose heading matches this well, the next sentence of that section is
# quoted too (the first sentence under a heading often only announces the answer).
SECTION_LEAD_HEADING = 0.5


class SentenceVectors(VectorCache[tuple[str, int, str]]):
    """A bounded cache of sentence embeddings keyed by location and text, so repeated questions over an
    unchanged collection do not re-encode the same evidence."""

    def __init__(self, embedder: Embedder, capacity: int) -> None:
        super().__init__(embedder.embed_batch, capacity, lambda key: key[2])


@dataclass(frozen=True)
class EvidenceSelection:
    """The chosen evidence and how well the retrieved text covers the question at all."""

    evidence: list[Evidence]
    support: float  # 0..1: ANSWERABILITY_DENSE * best sentence cosine + the rest * question-word coverage
    missing_names: list[str]  # names and model tokens of the question found nowhere in the passages
    missing_concepts: list[str]  # content words of the question found nowhere in the passages, in no language
    answers_kind: bool  # one of the best sentences states what the question asks for (or it asks for nothing)
    missing_weight: float = 0.0  # their share of the question's concept weight (rag.question.concept_weights)


@dataclass(frozen=True)
class Candidate:
    """One sentence of a retrieved passage, with its place in its section."""

    passage: Passage
    rank: int
    start: int
    end: int
    text: str
    heading: str  # the innermost heading of its section ('' before the first heading)
    position: int  # 0 for the first sentence under its heading


def candidates(passages: Sequence[Passage]) -> list[Candidate]:
    """The sentences of the passages that can be evidence: no headings, titles, questions or instructions."""
    found: dict[tuple[str, int], Candidate] = {}
    for rank, passage in enumerate(passages):
        heads = [Heading(h.start - passage.start, h.end - passage.start, h.level, h.kind)
                 for h in passage.outline.headings]
        local = Outline(tuple(heads))
        spans = split_sentences(passage.text, outline=local, continued=True)  # a chunk starts after its line's indent
        innermost = passage.section.split(PATH_SEPARATOR)[-1] if passage.section else ""
        position = _position_at_start(passage, heads)
        option_first = False
        for n, (start, end) in enumerate(spans):
            head = next((h for h in heads if h.start == start), None)
            if head is not None:
                innermost = passage.text[head.start:head.end]
                position = 0
                option_first = head.kind == "option"
                continue
            text = passage.text[start:end]
            if not _is_evidence(text, passage.title, option_first):
                option_first = False
                continue
            if option_first:  # an option's description is quoted with its option line: "-a, --all  Do not …"
                start = next(h.start for h in reversed(heads) if h.start < start)
                text = passage.text[start:end]
            if text.endswith(":"):  # "… erhalten Sie mit:" is quoted with the command or list it introduces
                end = _lead_in_end(passage, spans[n + 1:], heads, end)
                text = passage.text[start:end]
            elif (command_end := _lead_in_end(passage, spans[n + 1:], heads, end, commands_only=True)) > end:
                end = command_end  # a task, then the command line that does it: find(1)'s "Nach Dateien … suchen, die
                text = passage.text[start:end]  # in den letzten 24 Stunden geändert wurden." / "$ find $HOME -mtime 0"
            key = (passage.doc_id, passage.start + start)
            if key not in found:
                found[key] = Candidate(passage, rank, passage.start + start, passage.start + end, text,
                                       " ".join(innermost.split()), position)
            position += 1
            option_first = False
    return list(found.values())


def _lead_in_end(passage: Passage, following: Sequence[tuple[int, int]], heads: Sequence[Heading], end: int,
                 commands_only: bool = False) -> int:
    """Where a lead-in sentence ending in ":" stops: after the short blocks that follow it (a command, a list, a
    table's caption and rows), up to LEAD_IN_FOLLOW characters, never across a heading or the title. With
    `commands_only`, only shell command lines are taken: a task shown with the command that does it ("Nach Dateien
    … suchen, …" / "$ find $HOME -mtime 0"); `end` when none follows."""
    stop = end
    for start, block_end in following:
        block = passage.text[start:block_end]
        if any(h.start == start for h in heads) or block_end - end > LEAD_IN_FOLLOW \
                or _collapsed(block) == _collapsed(passage.title) or (commands_only and not _PROMPT.match(block)):
            break
        stop = block_end
        if not commands_only and block.rstrip().endswith((".", "!")) and not _CAPTION.match(block):
            break  # a full sentence ends what the lead-in introduced
    return stop


_PROMPT = re.compile(r"\s*[$#][ \t]+[a-z./~(]")  # a shell prompt and a command: "$ find …", "# apt-get …"


def _collapsed(text: str) -> str:
    return " ".join(text.split()).casefold()


def _words_only(text: str) -> str:
    """The text's words, without punctuation and manual section numbers: how a title and its NAME line agree."""
    return " ".join(_NON_WORDS.sub(" ", _MANUAL_SECTION.sub(" ", text)).split()).casefold()


_MANUAL_SECTION = re.compile(r"\(\d\w?\)")
_NON_WORDS = re.compile(r"[\W_]+")


def _position_at_start(passage: Passage, heads: list[Heading]) -> int:
    # A chunk that opens with its heading starts its section; one that opens mid-section does not.
    return 0 if heads and heads[0].start == 0 else 2


def _is_evidence(text: str, title: str, after_option: bool) -> bool:
    stripped = text.strip()
    if len(stripped) < MIN_SENTENCE_CHARS or stripped.endswith("?") or instructs_the_model(stripped):
        return False
    if stripped[-1] not in ".!" and len(_USAGE_GROUP.findall(stripped)) >= USAGE_GROUPS:
        return False  # a usage line ("gzip [ -acdf ] [-S Endung] [ Name … ]") is context: it says no more than the page
    if _words_only(stripped) == _words_only(title) and stripped[-1] not in ".!":
        return False  # the title is context (a title taken from a document's first sentence still is a sentence),
        # also as a man page's NAME line: "crontab - Crontab-Dateien … verwalten" for "crontab(1) — Crontab-Dateien …"
    title_like = (len(stripped) <= TITLE_LIKE_CHARS and stripped[-1] not in ".!:;)\"'»“”"
                  and not any(c in stripped for c in "\n\t|"))  # wrapped lines and table rows are text
    return after_option or not title_like


def select_evidence(
    question: Question,
    passages: Sequence[Passage],
    vectors: SentenceVectors,
    question_vector: np.ndarray,
    k: int,
    crosslingual: CrossLingual | None = None,
) -> EvidenceSelection:
    """The k best sentences of the passages for the question, numbered 1..k, best first. With `crosslingual`, a
    heading's closeness to the question is measured in the space German and English share (rag.crosslingual)."""
    items = candidates(passages)
    if not items:
        return EvidenceSelection([], 0.0, [], [], False, 1.0)
    texts = [scoring_text(c.text) for c in items]
    dense = vectors.get([(c.passage.doc_id, c.start, t) for c, t in zip(items, texts, strict=True)]) @ question_vector
    headings = sorted({c.heading for c in items if c.heading})
    heading_dense = dict(zip(headings, _cosines(vectors, headings, question_vector), strict=True))
    if crosslingual is not None:
        across = crosslingual.similarities(question.text, [heading_topic(h) for h in headings]).tolist()
        heading_dense = {h: max(heading_dense[h], c) for h, c in zip(headings, across, strict=True)}
    lexical = lexical_scores(question, texts)
    # A heading is read with its document's title: "Was macht -h bei df?" names the page in the title.
    contexts = sorted({(c.heading, c.passage.title) for c in items if c.heading})
    heading_lexical = dict(zip(contexts, lexical_scores(question, [f"{t} {h}" for h, t in contexts]), strict=True))
    # back matter the question does not ask about ("Wer hat tar geschrieben?" asks about AUTOR)
    back_matter = {h for h in headings if _BACK_MATTER.match(h) and not _mentions_any(question, h)}
    best_heading = _clearly_best(heading_dense)
    scored: list[tuple[float, Candidate, float]] = []
    titled: dict[str, bool] = {}
    for c, cos, lex in zip(items, dense, lexical, strict=True):
        heading, named_option = 0.0, False
        if c.heading:
            heading = 0.5 * _above_floor(heading_dense[c.heading]) + 0.5 * heading_lexical[(c.heading, c.passage.title)]
            if named_option := bool(question.options & set(option_tokens(c.heading))):
                heading = 1.0 + heading_lexical[(c.heading, c.passage.title)]  # the option the question names
            if c.heading == best_heading:
                heading += BEST_HEADING_BONUS
            heading *= POSITION_FACTOR[min(c.position, len(POSITION_FACTOR) - 1)]
        named = titled.setdefault(c.passage.title, _names_title(question, c.passage.title))
        score = (
            DENSE_WEIGHT * max(0.0, float(cos))
            + LEXICAL_WEIGHT * lex
            + HEADING_WEIGHT * heading
            + RANK_WEIGHT / (1 + c.rank)
            + (TITLE_BONUS if named else 0.0)
            + (OPTION_BONUS if named_option or _opens_with_option(question, c.text) else 0.0)
            - (BACK_MATTER_PENALTY if c.heading in back_matter else 0.0)
            + (TYPE_BONUS if _states_kind(question, c) else 0.0)
        )
        scored.append((score, c, heading))
    scored.sort(key=lambda item: (-item[0], item[1].passage.doc_id, item[1].start))
    ranked = _without_overlaps(_with_section_lead([(sc, c) for sc, c, _ in scored], scored[0][2] if scored else 0.0))

    def answers(c: Candidate) -> bool:
        return states(question.asks, c.text, c.heading, question) and _about_the_question(question, c)

    answers_kind = any(answers(c) for _, c in ranked[:TYPE_CHECKED])
    if not answers_kind and (question.asks is not None or asks_qualified(question)):
        promoted = _promoted(question, ranked, answers)
        if promoted is not None:
            ranked.insert(0, ranked.pop(promoted))
            answers_kind = True
    evidence = [
        Evidence(id=i, doc_id=c.passage.doc_id, title=c.passage.title, source=c.passage.source, start=c.start,
                 end=c.end, quote=c.text, score=round(sc, 4), section=c.passage.section or None, page=c.passage.page)
        for i, (sc, c) in enumerate(ranked[:k], start=1)
    ]
    retrieved = TermMatcher.of([f"{p.title}\n{p.section}\n{p.text}" for p in passages])
    missing = sorted(_unfound_names(question, retrieved))
    missing += _missing_numbers(question, passages)
    concepts = question.concept_words()
    # The best sentence's own heading means what the question asks ("Timestamps" and "1.2.6. Zeitstempel"): the
    # question's words are there in other words, which the lexicon may not know.
    top_heading = ranked[0][1].heading if ranked else ""
    named_by_heading = bool(top_heading) and heading_dense.get(top_heading, 0.0) >= HEADING_MEANS_QUESTION
    absent = [] if named_by_heading else [w for w in concepts if not found(w, question, retrieved)]
    words = concepts or list(question.words)
    # a command-line option the question names ("Was ändert touch -m?") is a word of what it asks about
    named_options = set(question.options) & {o for p in passages for o in option_tokens(f"{p.section}\n{p.text}")}
    covered = 1.0 if named_by_heading else (
        (sum(found(w, question, retrieved) for w in words) + len(named_options)) / (len(words) + len(question.options))
        if words or question.options else 0.0)
    closest = float(dense.max())
    if crosslingual is not None and ranked:  # the best sentences' closeness in the space both languages share
        closest = max(closest, float(crosslingual.similarities(question.text, [c.text for _, c in ranked[:k]]).max()))
    support = ANSWERABILITY_DENSE * max(0.0, closest) + (1 - ANSWERABILITY_DENSE) * covered
    total = sum(question.weights.get(w, 0.5) for w in concepts)
    absent_weight = sum(question.weights.get(w, 0.5) for w in absent) / total if total else 0.0
    return EvidenceSelection(evidence, round(support, 4), missing, absent, answers_kind, round(absent_weight, 4))


def _promoted(question: Question, ranked: list[tuple[float, Candidate]], answers: Callable[[Candidate], bool]
              ) -> int | None:
    """The place of a sentence just below the best TYPE_CHECKED that states what is asked about the question, scores
    at least PROMOTE_RATIO of the best and holds PROMOTE_COVERAGE of the question's concepts with its section: it
    answers first, where the better scored ones only talk about the topic. "Mit welchem Werkzeug kann man
    fuzzy-Markierungen entfernen …?" is answered by "Um die fuzzy-Markierungen aus Übersetzungen zu entfernen, können
    Sie msguntypot benutzen", third in its section, not refused."""
    def covered(c: Candidate) -> float:
        return coverage(question, f"{c.text}\n{c.passage.section}", question.concept_words())

    best = max(covered(c) for _, c in ranked[:TYPE_CHECKED])
    for i in range(TYPE_CHECKED, min(PROMOTE_WITHIN, len(ranked))):
        score, c = ranked[i]
        if score >= PROMOTE_RATIO * ranked[0][0] and answers(c) and covered(c) >= max(PROMOTE_COVERAGE, best) \
                and _names_all(question, f"{c.text}\n{c.passage.section}\n{c.passage.title}"):
            return i
    return None


def _names_all(question: Question, text: str) -> bool:
    """Whether the text holds every name the question does ("AppArmor" in "Seit welcher Debian-Version ist AppArmor
    standardmäßig aktiviert?"): a sentence about something else names other things."""
    return not _unfound_names(question, TermMatcher.of([text]), MIN_NAME)


def _unfound_names(question: Question, matcher: TermMatcher, shortest: int = 0) -> list[str]:
    """The question's names (of `shortest` letters or more) that the matched text does not hold."""
    return [n for n in question.names
            if len(n) >= shortest and n not in FRAME_WORDS and not found(n, question, matcher)]


def _without_overlaps(ranked: list[tuple[float, Candidate]]) -> list[tuple[float, Candidate]]:
    """The ranking without sentences that overlap a better one (a lead-in quoted with its list already holds the
    list's items, which would otherwise be quoted a second time) or say word for word what a better one says (a
    man page repeats "Der Name des Archivs, das von tar verarbeitet wird." under two options)."""
    kept: list[tuple[float, Candidate]] = []
    said: set[str] = set()
    for score, c in ranked:
        text = _collapsed(c.text)
        if text not in said and not any(
                k.passage.doc_id == c.passage.doc_id and k.start < c.end and c.start < k.end for _, k in kept):
            kept.append((score, c))
            said.add(text)
    return kept


def _about_the_question(question: Question, c: Candidate) -> bool:
    """A sentence that states the kind of answer asked for answers only if it is about what the question asks: it
    holds at least KIND_COVERAGE of the question's concept weight. An option is read with its section, and the words
    that only say an option is wanted, or name the page it is of, are left out ("Mit welcher Option färbt ls
    Verzeichnisse rot ein?" is not answered by "-d, --directory  Verzeichnisse an sich auflisten"); any other kind
    (a number, a date, a place, a reason, …) is read with its section and its document's title ("When did the
    government issue its directive?" is not answered by a date of something else)."""
    if not states_qualifiers(question, f"{c.text}\n{c.heading}"):
        return False  # "Auf welchem Port lauscht … standardmäßig?": a port that is not said to be the default
    share = KIND_COVERAGE.get(question.asks or "")
    if share is None:
        return True
    concepts = question.concept_words()
    context = f"{c.text}\n{c.passage.section}\n{c.passage.title}"
    if question.asks == "date":  # "An welchem Tag …", "In which year …": the day or year is what is asked, not about
        concepts = [w for w in concepts if w not in _DATE_WORDS]
    if question.asks == "option":
        title = TermMatcher.of([c.passage.title])
        concepts = [w for w in concepts if w not in _OPTION_WORDS and not found(w, question, title)]
        context = f"{c.text}\n{c.passage.section}"
    if not sum(question.weights.get(w, 0.5) for w in concepts):
        return True  # nothing left to be about
    return coverage(question, context, concepts) >= share


_DATE_WORDS = frozenset({"tag", "tage", "tages", "datum", "monat", "jahr", "jahre", "jahres", "wochentag", "zeitpunkt",
                         "day", "date", "month", "year", "weekday"})
_OPTION_WORDS = frozenset({"option", "optionen", "options", "schalter", "flag", "flags", "switch", "switches",
                           "parameter", "argument", "argumente", "arguments"})


def _opens_with_option(question: Question, text: str) -> bool:
    """Whether the sentence opens with an option the question names: '"-prune" liefert immer ein logisches WAHR …'
    is about -prune as its option line's description is, and a command line that uses it is not."""
    match = _OPENING_OPTION.match(text)
    return bool(question.options) and match is not None and match.group(1).split("=")[0] in question.options


_OPENING_OPTION = re.compile(r"[\s\"'„“”»«‚‘’`*•–-]*?((?<![\w-])--?[A-Za-z0-9?][\w-]*)")


def _states_kind(question: Question, c: Candidate) -> bool:
    """Whether the sentence states the kind of answer the question asks for; a definition counts only when the
    sentence defines a thing the question names (any sentence "states" one for refusal, see states())."""
    if question.asks is None:
        return False
    if question.asks == "definition":
        return defines(question, c.text)
    return states(question.asks, c.text, c.heading, question)


def _clearly_best(similarity: dict[str, float]) -> str | None:
    """The heading that means what the question says, well ahead of all others (see BEST_HEADING_BONUS), if any."""
    ranked = sorted(similarity.items(), key=lambda item: (-item[1], item[0]))
    if not ranked or ranked[0][1] < BEST_HEADING_MIN:
        return None
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < BEST_HEADING_MARGIN:
        return None
    return ranked[0][0]


def _above_floor(cosine: float) -> float:
    """A heading's cosine to the question, rescaled so that HEADING_FLOOR (what unrelated texts reach) counts 0."""
    return max(0.0, (cosine - HEADING_FLOOR) / (1.0 - HEADING_FLOOR))


def _with_section_lead(scored: list[tuple[float, Candidate]], heading: float) -> list[tuple[float, Candidate]]:
    """Move the second sentence of the best sentence's section right behind it, scored just below it, when the best
    sentence opens a section whose heading matches the question (see SECTION_LEAD_HEADING)."""
    if not scored or scored[0][1].position != 0 or heading < SECTION_LEAD_HEADING:
        return scored
    best = scored[0][1]
    follow = next((i for i, (_, c) in enumerate(scored) if c.passage.chunk_id == best.passage.chunk_id
                   and c.heading == best.heading and c.position == 1), None)
    if follow is None or follow == 1:
        return scored
    item = scored.pop(follow)
    scored.insert(1, (max(item[0], scored[0][0] * 0.9), item[1]))
    return scored


def _missing_numbers(question: Question, passages: Sequence[Passage]) -> list[str]:
    """The numbers naming something in the question that no retrieved passage states: "Debian 12" where the text
    only knows Debian 9 is a question about something the documents do not cover."""
    named = [n for m in _NAMED_NUMBER.finditer(question.text) for n in extract_numbers(m.group(1))]
    if not named:
        return []
    stated = {n for p in passages for n in extract_numbers(f"{p.title}\n{p.section}\n{p.text}")}
    return [f"{n:g}" for n in named if n not in stated]


# A number that names a version or model of what the word before it names ("Debian 12", "Python 3"); a bare number
# in a question ("so that 10 comes after 9") is an example, not a name.
_NAMED_NUMBER = re.compile(r"\b[A-ZÄÖÜ][\w-]*\s+(\d+(?:\.\d+)*)\b(?![.,]?\d)")


def _names_title(question: Question, title: str) -> bool:
    """The question names the document: one of its words is a word of the title ("… mit tar" and "tar(1)")."""
    words = {fold(t.text) for t in iter_tokens(title)}
    return any(w in words for w in question.concept_words())


def _cosines(vectors: SentenceVectors, texts: list[str], question_vector: np.ndarray) -> list[float]:
    if not texts:
        return []
    return [float(x) for x in vectors.get([("heading", 0, t) for t in texts]) @ question_vector]


def _mentions_any(question: Question, text: str) -> bool:
    """Whether the text holds any word of the question (or a translation of one)."""
    matcher = TermMatcher.of([text])
    return any(found(w, question, matcher) for w in question.words)


def lexical_scores(question: Question, texts: Sequence[str]) -> list[float]:
    """For each text, the IDF-weighted share of the question's words it contains (stems, translations,
    cross-language equivalents and long shared prefixes count). IDF is taken over the candidate texts, so words
    found everywhere (the collection's main names) weigh little; words found nowhere are left out."""
    words = list(question.words)
    matchers = [TermMatcher.of([t]) for t in texts]
    matches = [[found(w, question, m) for w in words] for m in matchers]
    n = len(texts)
    weights = []
    for j in range(len(words)):
        df = sum(row[j] for row in matches)
        weights.append(math.log((n + 1) / (df + 0.5)) if df else 0.0)
    total = sum(weights)
    if total <= 0:
        return [0.0] * n
    return [sum(w for w, hit in zip(weights, row, strict=True) if hit) / total for row in matches]
