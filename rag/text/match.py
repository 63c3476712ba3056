"""One neutral term matcher: does a text state this word (in any form) or this number? Used by evidence and verify."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag.text.language import detect_language
from rag.text.normalise import fold
from rag.text.numbers import numbers_match
from rag.text.terms import word_forms
from rag.text.tokens import extract_numbers, is_model_token, iter_tokens

# A word matches a text word sharing this long a prefix: German compounds and inflections
# ("Grafikprozessoren"/"Grafikprozessor"), and English-German cognates ("interested"/"interessiert").
MIN_SHARED_PREFIX = 6


@dataclass(frozen=True)
class TermMatcher:
    """Texts prepared for lookups: their numbers, every word form, folded words, and language."""

    numbers: tuple[float, ...]
    forms: frozenset[str]
    words: frozenset[str]
    language: str

    @classmethod
    def of(cls, texts: Sequence[str]) -> TermMatcher:
        text = "\n".join(texts)
        tokens = list(iter_tokens(text, compounds=True))
        words = {fold(t.text) for t in tokens}
        forms = set().union(*(word_forms(t.text) for t in tokens)) if tokens else set()
        language = detect_language(text)
        return cls(tuple(extract_numbers(text, language)), frozenset(forms), frozenset(words), language)

    def has_number(self, value: float) -> bool:
        return any(numbers_match(value, found) for found in self.numbers)

    def has_word(self, word: str) -> bool:
        """The word, a stem or equivalent of it, or (for longer words) a word sharing its first letters."""
        if word_forms(word) & self.forms:
            return True
        folded = fold(word)
        if is_model_token(folded) or len(folded) < MIN_SHARED_PREFIX:
            return False
        prefix = folded[:MIN_SHARED_PREFIX]
        return any(w.startswith(prefix) for w in self.words)
