"""Words of a German or English text, each with its context: the one token model of Quelle."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from rag.text.numbers import GLUED, parse_number, values_of

# A raw token: letter/digit runs joined by hyphens, apostrophes, dots or commas ("Nvidia-Chips", "1.600",
# "Nvidia's"); the joins are resolved per token (numbers keep theirs, "z.B" splits).
RAW = re.compile(r"[^\W_]+(?:[-.,'\u2019\u2010\u2011][^\W_]+)*")
_HYPHEN = re.compile(r"[-\u2010\u2011]")
_APOSTROPHE = re.compile(r"['\u2019]")
_SEPARATOR = re.compile(r"[.,]")

_OPENING_MARKS = frozenset(" \t\r\u00a0\"'\u201e\u201c\u201a\u2018\u00bb\u00ab([")
_SENTENCE_ENDS = frozenset(".!?:;\n\u2022*\u2013\u2014")


@dataclass(frozen=True)
class Token:
    """One word of a text: its surface form, whether it opens a sentence, whether it is part of a compound."""

    text: str
    sentence_start: bool
    compound: bool = False


def iter_tokens(text: str, compounds: bool = False) -> Iterator[Token]:
    """Tokens with their context. A hyphenated compound yields its parts (and itself, with `compounds`);
    an English possessive "'s" is dropped; a number keeps its separators ("1.600", "2,5")."""
    text = unicodedata.normalize("NFKC", text)
    for match in RAW.finditer(text):
        initial = _opens_sentence(text, match.start())
        parts = split_raw(match.group(0))
        if compounds and len(parts) > 1 and _HYPHEN.search(match.group(0)):
            yield Token(match.group(0), initial, compound=True)
        for i, part in enumerate(parts):
            yield Token(part, initial and i == 0)


def _opens_sentence(text: str, pos: int) -> bool:
    # Skip spaces and opening quotes backwards; a sentence end, a bullet or the text start opens a sentence.
    while pos > 0 and text[pos - 1] in _OPENING_MARKS:
        pos -= 1
    return pos == 0 or text[pos - 1] in _SENTENCE_ENDS


def split_raw(raw: str) -> list[str]:
    """The words of a raw token: "Ascend-910B-Chips" -> Ascend, 910B, Chips; "Nvidia's" -> Nvidia;
    "1.600" stays whole; a dotted run that is no number ("29.09.2024", "z.B") falls apart."""
    parts: list[str] = []
    for part in _HYPHEN.split(_APOSTROPHE.split(raw)[0]):
        if not _SEPARATOR.search(part) or parse_number(part) is not None or GLUED.fullmatch(part):
            parts.append(part)
        else:
            parts.extend(p for p in _SEPARATOR.split(part) if p)
    return [p for p in parts if p]


def tokenize(text: str) -> list[str]:
    """Word tokens in their original case. Numbers and model names stay whole ("100.000", "910B", "H20");
    a hyphenated compound yields itself and its parts ("Nvidia-Chips", "Nvidia", "Chips")."""
    return [t.text for t in iter_tokens(text, compounds=True)]


def is_model_token(token: str) -> bool:
    """Letters and digits mixed: product and model names like 910B, H20, A100 (not numbers)."""
    return (
        any(c.isdigit() for c in token)
        and any(c.isalpha() for c in token)
        and GLUED.fullmatch(token) is None
    )



def extract_numbers(text: str, language: str | None = None) -> list[float]:
    """The numeric values a text states, in order: "100.000", "100,000" and "100000" are 100000;
    "2 Milliarden", "2 Mrd." and "2 billion" are 2e9; "eine Million" and "a million" are 1e6; in a text known
    to be German (`language` 'de') "2 Billionen" and "2 Billion" are 2e12.
    Model names (910B, H20) are no numbers; "one"/"eine" counts only before a scale word."""
    return values_of([t.text for t in iter_tokens(text)], language)
