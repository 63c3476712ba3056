"""Grounding verifier: does evidence support a sentence's numbers, qualifiers, negation, dates, names and key terms?
And attribution: which evidence sentences support a generated sentence that cites none."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

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
    numbers_match,
    word_forms,
)
from rag.text.claims import NEGATION, months, negated, quantities, stances

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
    reasons = [*_missing_numbers(sentence, language, evidence), *_missing_names(sentence, language, evidence)]
    reasons += _changed_qualifiers(sentence, language, texts)
    reasons += _changed_negation(sentence, texts)
    reasons += _turned_stance(sentence, texts)
    reasons += _missing_months(sentence, texts)
    reasons += _weak_terms(sentence, language, evidence, question)
    return Verdict(not reasons, tuple(reasons))


def _missing_numbers(sentence: str, language: str, evidence: TermMatcher) -> list[str]:
    # The sentence's own language reads its scale words: an English "billion" is 10^9, a German "Billion" 10^12.
    return [
        f"number {number_term(value)} not in cited evidence"
        for value in dict.fromkeys(extract_numbers(sentence, language))
        if not evidence.has_number(value)
    ]


def _changed_qualifiers(sentence: str, language: str, texts: Sequence[str]) -> list[str]:
    """A number must keep the evidence's qualifier: "weniger als 30.000" is not "30,000", "über 100.000" not
    "100,000", "rund 62 Millionen" not "62 million". Adding "about" to an exact number is allowed."""
    stated = [q for text in texts for q in quantities(text, detect_language(text))]
    reasons: list[str] = []
    for claim in quantities(sentence, language):
        found = {q.qualifier for q in stated if numbers_match(q.value, claim.value)}
        if not found or claim.qualifier in found or (claim.qualifier == "about" and None in found):
            continue
        said = " or ".join(sorted(k or "exact" for k in found))
        reasons.append(f"number {number_term(claim.value)} stated as {claim.qualifier or 'exact'}, "
                       f"the evidence says {said}")
    return reasons


# Words this close after a negation ("keine Nvidia-Chips", "not a customer") are what it denies.
_NEGATED_SCOPE_CHARS = 40


def _changed_negation(sentence: str, texts: Sequence[str]) -> list[str]:
    """A negated sentence needs negated evidence; an affirmative one must not restate what the evidence denies."""
    if negated(sentence):
        return [] if any(negated(t) for t in texts) else ["negation not in cited evidence"]
    said = TermMatcher.of([sentence])
    for text in texts:
        for match in NEGATION.finditer(text):
            denied = _key_words(text[match.end():match.end() + _NEGATED_SCOPE_CHARS], detect_language(text))[:3]
            if denied and sum(said.has_word(w) for w in denied) >= min(2, len(denied)):
                return [f"the evidence denies what the sentence states ({match.group(0)} {' '.join(denied)})"]
    return []


def _turned_stance(sentence: str, texts: Sequence[str]) -> list[str]:
    """That someone confirmed or denied something is a claim the cited evidence must make too: "ByteDance confirmed
    the reports" is not supported by "Der … Mutterkonzern plant, ein neues KI-Modell … zu trainieren", and is
    contradicted by "Ein Bytedance-Sprecher dementierte die Pläne"."""
    stated = set().union(*(stances(t) for t in texts))
    reasons = []
    for mine in sorted(stances(sentence) - stated):
        other = ({"confirm", "deny"} - {mine}).pop()
        reasons.append(f"the sentence says {mine}, the evidence says {other}" if other in stated
                       else f"the sentence says {mine}, the cited evidence does not")
    return reasons


def _missing_months(sentence: str, texts: Sequence[str]) -> list[str]:
    """Every month the sentence names must be named by the evidence (years are numbers, checked above)."""
    found = set().union(*(months(t) for t in texts))
    return [f"month {m} not in cited evidence" for m in sorted(months(sentence) - found)]


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


@dataclass(frozen=True)
class Attribution:
    """Which evidence supports a sentence (by evidence id); no citations means none does, and `reasons` say why."""

    citations: tuple[int, ...]
    reasons: tuple[str, ...] = ()

    @property
    def supported(self) -> bool:
        return bool(self.citations)


# Evidence sentences tried alone, and pairs among the best few (a sentence may join facts of two sentences).
ATTRIBUTION_SINGLES = 4
ATTRIBUTION_PAIRS_OF = 3


def attribute(sentence: str, evidence: Mapping[int, str], question: str = "", cited: Sequence[int] = ()) -> Attribution:
    """The evidence sentences (id -> text) that support `sentence`, checked by verify_sentence. Markers the model
    wrote (`cited`) are checked as written: if what they cite does not support the sentence, it is unsupported.
    Without markers the sentences sharing most with it are tried alone, then in pairs; the first that supports it
    is cited."""
    if cited:
        unknown = [n for n in cited if n not in evidence]
        if unknown:
            return Attribution((), tuple(f"cites [{n}], which is no evidence" for n in unknown))
        verdict = verify_sentence(sentence, [evidence[n] for n in cited], question)
        return Attribution(tuple(cited) if verdict.supported else (), verdict.reasons)
    ranked = _ranked(sentence, evidence)
    tries: list[tuple[int, ...]] = [(n,) for n in ranked[:ATTRIBUTION_SINGLES]]
    tries += list(combinations(ranked[:ATTRIBUTION_PAIRS_OF], 2))
    reasons: tuple[str, ...] = ("no evidence shares a word, number or name with it",)
    for ids in tries:
        verdict = verify_sentence(sentence, [evidence[n] for n in ids], question)
        if verdict.supported:
            return Attribution(ids)
        if len(ids) == 1 and ids[0] == ranked[0]:
            reasons = verdict.reasons
    return Attribution((), reasons)


def _ranked(sentence: str, evidence: Mapping[int, str]) -> list[int]:
    """Evidence ids that share anything with the sentence, most shared first (ties: evidence order)."""
    language = detect_language(sentence)
    words = _key_words(sentence, language) + sorted(names(sentence, language))
    values = extract_numbers(sentence, language)
    overlap: dict[int, int] = {}
    for n, text in evidence.items():
        matcher = TermMatcher.of([text])
        score = sum(matcher.has_word(w) for w in words) + 2 * sum(matcher.has_number(v) for v in values)
        if score:
            overlap[n] = score
    return sorted(overlap, key=lambda n: -overlap[n])


_MARKERS = re.compile(r"\s*\[\d{1,2}(?:\s*,\s*\d{1,2})*\]")


def without_markers(sentence: str) -> str:
    """The sentence with its [n] markers removed."""
    return _MARKERS.sub("", sentence).strip()
