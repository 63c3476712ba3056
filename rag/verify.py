"""Grounding verifier: does the evidence a sentence cites support its numbers, names and key terms?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag.text import (
    QUANTITY_WORDS,
    STOPWORDS,
    TermMatcher,
    detect_language,
    extract_numbers,
    fold,
    iter_tokens,
    name_of,
    names,
    number_term,
    word_forms,
)

# Same language: at least this share of the sentence's own key words must occur in the cited evidence.
MIN_TERM_SUPPORT = 0.5
# Across languages (an English sentence citing German evidence) few words share a stem; numbers and names
# are checked as strictly as ever, and at least this many key words must still be shared, unless the
# sentence states a number (numbers and names then carry the claim).
MIN_SHARED_TERMS_CROSS = 1


@dataclass(frozen=True)
class Verdict:
    """Whether a sentence is supported by what it cites, and if not, why (for logs and evals)."""

    supported: bool
    reasons: tuple[str, ...] = ()


def verify_sentence(sentence: str, cited_texts: Sequence[str], question: str = "") -> Verdict:
    """Check one answer sentence against the texts it cites.

    Every number must occur (as a value) in the evidence, and every name or model token (910B, H20,
    Nvidia); key words must be supported: a share of MIN_TERM_SUPPORT in the same language, at least
    MIN_SHARED_TERMS_CROSS across languages. Words that only restate the question are neutral: they
    neither support nor sink the sentence. Names and numbers from the question get no such pass."""
    texts = [t for t in cited_texts if t.strip()]
    if not texts:
        return Verdict(False, ("no cited evidence",))
    evidence = TermMatcher.of(texts)
    language = detect_language(sentence)
    reasons = [*_missing_numbers(sentence, evidence), *_missing_names(sentence, language, evidence)]
    reasons += _weak_terms(sentence, language, evidence, question)
    return Verdict(not reasons, tuple(reasons))


def _missing_numbers(sentence: str, evidence: TermMatcher) -> list[str]:
    return [
        f"number {number_term(value)} not in cited evidence"
        for value in dict.fromkeys(extract_numbers(sentence))
        if not evidence.has_number(value)
    ]


def _missing_names(sentence: str, language: str, evidence: TermMatcher) -> list[str]:
    # Model tokens match exactly (word_forms does not stem them): "910C" is no "910B".
    return [
        f"name '{name}' not in cited evidence"
        for name in sorted(names(sentence, language))
        if not evidence.has_word(name)
    ]


def _weak_terms(sentence: str, language: str, evidence: TermMatcher, question: str) -> list[str]:
    words = _key_words(sentence, language)
    asked = {form for word in _key_words(question, detect_language(question)) for form in word_forms(word)}
    supported = [w for w in words if evidence.has_word(w)]
    # Restating the question is neither support nor invention.
    scored = [w for w in words if w in supported or not word_forms(w) & asked]
    unsupported = [w for w in scored if w not in supported]
    # Numbers and names count as grounding: the checks above have already failed any that are not cited.
    if not (supported or extract_numbers(sentence) or names(sentence, language)):
        return ["nothing in the sentence is found in the cited evidence"]
    if not scored:
        return []
    if language != evidence.language:
        # A stated number, checked with all names above, carries the claim where words cannot be compared.
        if len(supported) >= MIN_SHARED_TERMS_CROSS or extract_numbers(sentence):
            return []
        return [f"no key word shared with the cited evidence (unsupported: {', '.join(unsupported)})"]
    share = len(supported) / len(scored)
    if share >= MIN_TERM_SUPPORT:
        return []
    return [f"only {share:.0%} of key words in cited evidence (unsupported: {', '.join(unsupported)})"]


def _key_words(text: str, language: str) -> list[str]:
    """Distinct folded content words of a text; numbers, scale words and names are checked on their own."""
    words: dict[str, None] = {}
    for token in iter_tokens(text):
        folded = fold(token.text)
        if (
            len(folded) < 2
            or folded in STOPWORDS
            or folded in QUANTITY_WORDS
            or folded[0].isdigit()
            or name_of(token, language) is not None
        ):
            continue
        words[folded] = None
    return list(words)
