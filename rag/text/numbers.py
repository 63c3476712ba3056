"""Numbers as values: German and English notations, scale words, number words, and matching."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from rag.text.normalise import fold

# Scale words after a number ("2 Milliarden", "62 Mio.", "2 billion"). "Billionen" is the German 10^12;
# a singular "Billion" reads as the English 10^9 unless the text is known to be German (GERMAN_SCALES).
SCALES = {
    "tausend": 1e3, "thousand": 1e3, "thousands": 1e3, "tsd": 1e3,
    "million": 1e6, "millionen": 1e6, "millions": 1e6, "mio": 1e6, "mn": 1e6,
    "milliarde": 1e9, "milliarden": 1e9, "mrd": 1e9, "billion": 1e9, "billions": 1e9, "bn": 1e9,
    "billionen": 1e12, "trillion": 1e12, "trillions": 1e12,
}
# A German text's "Billion" is 10^12 (a "Milliarde" is the English billion); "Billiarde" is 10^15.
GERMAN_SCALES = {**SCALES, "billion": 1e12, "billiarde": 1e15, "billiarden": 1e15}
# Number words. "ein"/"eine"/"one"/"a" are articles too, so they count only before a scale word.
_ARTICLE_ONES = frozenset({"a", "an", "one", "ein", "eine", "einer", "einen", "einem"})
NUMBER_WORDS = {
    "eins": 1, "zwei": 2, "drei": 3, "vier": 4, "funf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9,
    "zehn": 10, "elf": 11, "zwolf": 12, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
# Words that state a quantity; the number they belong to is checked as a value, not as a word.
QUANTITY_WORDS = frozenset(GERMAN_SCALES) | frozenset(NUMBER_WORDS)
GLUED = re.compile(r"(\d+(?:[.,]\d+)?)(st|nd|rd|th|bn|mrd|mio|mn)", re.IGNORECASE)  # "30th", "2bn", "2.5bn"
_SEPARATOR = re.compile(r"[.,]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def parse_number(token: str) -> float | None:
    """The value of a numeric token in German or English notation: "100.000" = "100,000" = 100000,
    "2,5" = "2.5" = 2.5, "1.234,5" = 1234.5. None when the separators make no number (29.09.2024)."""
    if not _NUMBER.fullmatch(token):
        return None
    seps = _SEPARATOR.findall(token)
    groups = _SEPARATOR.split(token)
    if not seps:
        return float(token)
    if len(set(seps)) == 1:
        if _thousands(groups):
            return float("".join(groups))
        if len(seps) == 1 and seps[0] in ".,":
            return float(f"{groups[0]}.{groups[1]}")  # "2,5", "2.5", "0.125"
        return None
    # Two kinds ("1.234,5", "1,234.5"): the last separator is the decimal point, the others group thousands.
    decimal, grouping = seps[-1], set(seps[:-1])
    if decimal not in ".," or decimal in grouping or len(grouping) != 1 or not _thousands(groups[:-1]):
        return None
    return float("".join(groups[:-1]) + "." + groups[-1])


def _thousands(groups: list[str]) -> bool:
    # "1.600" groups thousands; "0.125" and "1.60" do not.
    return (
        len(groups) > 1
        and 1 <= len(groups[0]) <= 3
        and groups[0] != "0"
        and all(len(g) == 3 for g in groups[1:])
    )


def number_term(value: float) -> str:
    """The index term of a number: one spelling for every notation of the same value."""
    return str(int(value)) if value == int(value) and abs(value) < 1e18 else repr(value)


def values_of(words: Sequence[str], language: str | None = None) -> list[float]:
    """The numeric values stated by a run of words, in order (see rag.text.tokens.extract_numbers)."""
    return [value for value, _, _ in numbers_in(words, language)]


def numbers_in(words: Sequence[str], language: str | None = None) -> list[tuple[float, int, int]]:
    """Each number a run of words states: (value, index of its first word, words it uses). With `language`
    'de', "Billion" is 10^12."""
    scales = GERMAN_SCALES if language == "de" else SCALES
    found: list[tuple[float, int, int]] = []
    i = 0
    while i < len(words):
        value, used = _number_at(words, i, scales)
        if value is not None:
            found.append((value, i, used))
        i += used
    return found


def _number_at(tokens: Sequence[str], i: int, scales: dict[str, float] = SCALES) -> tuple[float | None, int]:
    """The number starting at tokens[i] (with a following scale word) and how many tokens it used."""
    token, folded = tokens[i], fold(tokens[i])
    nxt = fold(tokens[i + 1]).rstrip(".") if i + 1 < len(tokens) else ""
    if GLUED.fullmatch(folded):
        return glued_value(folded), 1
    value = parse_number(token)
    if value is None:
        if folded in NUMBER_WORDS:
            value = float(NUMBER_WORDS[folded])
        elif folded in _ARTICLE_ONES and nxt in SCALES:
            value = 1.0
        else:
            return None, 1
    if nxt in scales:
        return value * scales[nxt], 2
    return value, 1


def glued_value(folded: str) -> float:
    # "30th" -> 30, "2bn" -> 2e9, "2.5mrd" -> 2.5e9
    match = GLUED.fullmatch(folded)
    assert match is not None
    return (parse_number(match.group(1)) or 0.0) * SCALES.get(match.group(2), 1.0)


def numbers_match(a: float, b: float) -> bool:
    """Whether two stated values are the same number (relative tolerance 1e-6)."""
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)
