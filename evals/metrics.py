"""Answer, retrieval and citation metrics for the eval runner: pure functions over plain text."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from rag.text import extract_numbers, numbers_match

FailureKind = Literal[
    "ok", "retrieval_miss", "evidence_dropped", "wrong_despite_evidence", "false_refusal", "false_answer"
]

# A passage and a gold quote "overlap" when they share a run of at least this many characters
# and at least this fraction of the shorter of the two (or one contains the other outright).
MIN_SHARED_CHARS = 20
MIN_SHARED_FRACTION = 0.5

_QUOTES = str.maketrans(
    "\u201e\u201c\u201d\u201f\u00ab\u00bb\u201a\u2018\u2019\u201b\u2039\u203a\u00b4`", '""""""' + "'" * 8
)
_DASHES = re.compile(r"[\u2010-\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d]")
# Words that may surround a number in a purely numeric variant ("2 Milliarden Dollar", "eine Million").
_NUMBER_WORDS = frozenset(
    {
        "ein",
        "eine",
        "einer",
        "one",
        "a",
        "tausend",
        "thousand",
        "million",
        "millionen",
        "millions",
        "mio",
        "milliarde",
        "milliarden",
        "mrd",
        "billion",
        "billions",
        "dollar",
        "dollars",
        "us",
        "usd",
        "euro",
        "eur",
        "prozent",
        "percent",
    }
)
_WORD = re.compile(r"[^\W\d_]+")


def normalize_for_match(text: str) -> str:
    """Case-fold, NFKC-normalise, unify quotes and dashes, collapse whitespace."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    text = _DASHES.sub("-", text.translate(_QUOTES)).casefold()
    return " ".join(text.split())


def _loose(text: str) -> str:
    # "KI-Chips" and "KI Chips", "Netzwerk- und" and "Netzwerk und" should match each other.
    return " ".join(normalize_for_match(text).replace("-", " ").split())


def _ws(text: str) -> str:
    return " ".join(text.split())


def _is_number_word(word: str) -> bool:
    # currency/unit words, number words ("zwei"), scale words in any spelling `rag.text` reads ("mn")
    if word.casefold() in _NUMBER_WORDS or extract_numbers(word):
        return True
    return any(value != 1.0 for value in extract_numbers("1 " + word))


@lru_cache(maxsize=4096)
def _numeric_value(variant: str) -> float | None:
    """The value of a variant that is nothing but one number (with scale/currency words), else None."""
    if not all(_is_number_word(word) for word in _WORD.findall(variant)):
        return None
    values = extract_numbers(variant)
    return values[0] if len(values) == 1 else None


def _phrase_in(haystack: str, needle: str, prefix: bool) -> bool:
    if not needle:
        return False
    # "600" is not in "1.600", and "2 milliarden" is not in "12 milliarden".
    left = r"(?<!\w)(?<!\d[.,])" if needle[0].isalnum() else ""
    right = r"(?!\w)(?![.,]\d)" if needle[-1].isalnum() and not prefix else ""
    return re.search(left + re.escape(needle) + right, haystack) is not None


def contains(answer: str, variant: str) -> bool:
    """Whether `answer` states `variant`.

    Text variants match as whole words or phrases, case- and hyphen-insensitively; a trailing `*`
    makes the variant a word prefix ("dementi*" matches "dementierte"). A variant that is a number
    ("1.600", "2 billion", "2 Milliarden") also matches the same value written in any German or
    English format ("1,600", "2 Mrd. Dollar" as far as `rag.text` reads it).
    """
    prefix = variant.endswith("*")
    core = variant[:-1] if prefix else variant
    value = None if prefix else _numeric_value(core)
    if value is not None and any(numbers_match(found, value) for found in extract_numbers(answer)):
        return True
    return _phrase_in(_loose(answer), _loose(core), prefix)


def must_contain_ok(answer: str, groups: Sequence[Sequence[str]]) -> bool:
    """Every group has at least one variant in the answer."""
    return all(any(contains(answer, variant) for variant in group) for group in groups)


def must_not_contain_ok(answer: str, items: Sequence[str]) -> bool:
    """None of the forbidden items (distractor values, wrong names) is in the answer."""
    return not any(contains(answer, item) for item in items)


def answer_correct(answer: str, item: Mapping[str, Any], refused: bool = False) -> bool:
    """Answerable: not refused, every fact, no distractor. Unanswerable: refused."""
    if not item.get("answerable", True):
        return refused
    if refused:
        return False
    return must_contain_ok(answer, item.get("must_contain") or []) and must_not_contain_ok(
        answer, item.get("must_not_contain") or []
    )


def numeric_exact(answer: str, value: float) -> bool:
    """Some number in the answer (any German/English format) equals `value`."""
    return any(numbers_match(found, value) for found in extract_numbers(answer))


# ---------------------------------------------------------------- retrieval


def hit_at_k(ranked_relevance: Sequence[bool], k: int) -> float:
    """1.0 when a relevant passage is among the first `k`, else 0.0."""
    return 1.0 if any(ranked_relevance[:k]) else 0.0


def reciprocal_rank(ranked_relevance: Sequence[bool], k: int = 10) -> float:
    """1/rank of the first relevant passage within the first `k`, else 0.0 (MRR@k is the mean)."""
    for rank, relevant in enumerate(ranked_relevance[:k], start=1):
        if relevant:
            return 1.0 / rank
    return 0.0


def evidence_recall(gold_quotes: Sequence[str], retrieved_texts: Sequence[str]) -> float:
    """Fraction of gold quotes found whole (whitespace-normalised) in some retrieved text; 1.0 if none."""
    if not gold_quotes:
        return 1.0
    texts = [_ws(text) for text in retrieved_texts]
    found = sum(any(_ws(quote) in text for text in texts) for quote in gold_quotes)
    return found / len(gold_quotes)


def spans_overlap(passage: str, gold_quote: str) -> bool:
    """The passage contains the gold quote, or they share a substantial run of characters.

    Substantial: at least MIN_SHARED_CHARS characters and MIN_SHARED_FRACTION of the shorter text,
    so a passage that is a long enough piece of the gold quote counts, a stray name does not.
    """
    p, g = normalize_for_match(passage), normalize_for_match(gold_quote)
    if not p or not g:
        return False
    if g in p:
        return True
    match = SequenceMatcher(None, p, g, autojunk=False).find_longest_match(0, len(p), 0, len(g))
    return match.size >= max(MIN_SHARED_CHARS, MIN_SHARED_FRACTION * min(len(p), len(g)))


def passage_relevant(passage: str, gold_quotes: Sequence[str]) -> bool:
    """Whether a retrieved passage carries gold evidence (for building `ranked_relevance`)."""
    return any(spans_overlap(passage, quote) for quote in gold_quotes)


# ---------------------------------------------------------------- citations


def citation_valid(quote: str, body: str, start: int, end: int) -> bool:
    """Invariant 1: a non-empty quote that is exactly `body[start:end]`."""
    return bool(quote) and 0 <= start < end <= len(body) and body[start:end] == quote


def citation_precision(
    cited_texts: Sequence[str], gold_quotes: Sequence[str], must_contain_groups: Sequence[Sequence[str]] = ()
) -> float:
    """Fraction of cited passages that are relevant; 0.0 when nothing is cited.

    Relevant: overlaps a gold quote (see `spans_overlap`), or states the answer on its own
    (satisfies all must_contain groups, when there are any).
    """
    if not cited_texts:
        return 0.0

    def relevant(text: str) -> bool:
        if any(spans_overlap(text, quote) for quote in gold_quotes):
            return True
        return bool(must_contain_groups) and must_contain_ok(text, must_contain_groups)

    return sum(relevant(text) for text in cited_texts) / len(cited_texts)


def citation_recall(cited_texts: Sequence[str], gold_quotes: Sequence[str]) -> float:
    """Fraction of gold quotes overlapped by some citation; 1.0 when there is no gold quote."""
    if not gold_quotes:
        return 1.0
    covered = sum(any(spans_overlap(text, quote) for text in cited_texts) for quote in gold_quotes)
    return covered / len(gold_quotes)


# ---------------------------------------------------------------- statistics


def bootstrap_ci(
    values: Sequence[float], n_resamples: int = 2000, alpha: float = 0.05, seed: int = 0
) -> tuple[float, float, float]:
    """(mean, low, high): percentile bootstrap interval of the mean; NaNs for no values."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return (math.nan, math.nan, math.nan)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(n_resamples, data.size))].mean(axis=1)
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return (float(data.mean()), float(low), float(high))


# ---------------------------------------------------------------- failure attribution


def attribute_failure(
    *, answerable: bool, retrieved_has_gold: bool, evidence_has_gold: bool, correct: bool, refused: bool
) -> FailureKind:
    """The first stage that went wrong, walking the pipeline from retrieval to answer.

    For answerable questions the root cause wins: a refusal after a retrieval miss is a
    `retrieval_miss`, not a `false_refusal`.
    """
    if not answerable:
        return "ok" if refused else "false_answer"
    if correct and not refused:
        return "ok"
    if not retrieved_has_gold:
        return "retrieval_miss"
    if not evidence_has_gold:
        return "evidence_dropped"
    if refused:
        return "false_refusal"
    return "wrong_despite_evidence"


def _collapsed(text: str) -> str:
    return " ".join(text.split()).casefold()


def gold_spans(body: str, quotes: Sequence[str]) -> list[tuple[int, int]]:
    """Where each gold quote lies in the body, matched with every run of whitespace as one space."""
    spans = []
    for quote in quotes:
        words = [re.escape(w) for w in quote.split()]
        if not words:
            continue
        match = re.search(r"\s+".join(words), body)
        if match:
            spans.append((match.start(), match.end()))
    return spans


def cites_gold(start: int, end: int, section: str | None, spans: Sequence[tuple[int, int]],
               gold_section: str | None) -> bool:
    """A citation lies in the gold: it overlaps a gold evidence span, or its heading path holds the gold section."""
    if any(start < g_end and g_start < end for g_start, g_end in spans):
        return True
    if not gold_section or not section:
        return False
    parts = {_unnumbered(p) for p in section.split(" › ")}
    return _unnumbered(gold_section) in parts


def _unnumbered(heading: str) -> str:
    """A heading without its section number: "4.2. IRC-Kanäle" and "IRC-Kanäle" name the same section."""
    return re.sub(r"^((kapitel|chapter|anhang|appendix)\s+)?[0-9a-z]?(\.?[0-9]+)*\.?\s+(?=\S)", "",
                  _collapsed(heading)).strip()


def quotes_context(quote: str, question: str, title: str, headings: Sequence[str]) -> bool:
    """An answer quote that is only context: a question, the question itself, the title, or a heading."""
    text = _collapsed(quote)
    if text.endswith("?") or text == _collapsed(title) or text == _collapsed(question):
        return True
    return text in {_collapsed(h) for h in headings}
