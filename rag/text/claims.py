"""What a sentence claims besides its words: numbers with their qualifiers, negation, and calendar dates."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text.normalise import fold
from rag.text.numbers import numbers_in
from rag.text.tokens import iter_tokens

# Words before a number (or a date) that change what it claims, by kind; German and English, folded.
# "uber" is "über" folded; before a number it means "more than".
QUALIFIERS: dict[str, tuple[str, ...]] = {
    "less": ("weniger als", "unter", "knapp unter", "less than", "fewer than", "under", "below", "nicht mehr als",
             "no more than", "hochstens", "at most"),
    "more": ("mehr als", "uber", "more than", "over", "above", "upwards of", "in excess of", "exceeding",
             "mindestens", "at least"),
    "about": ("rund", "circa", "ca", "etwa", "ungefahr", "knapp", "fast", "beinahe", "nahezu", "about", "around",
              "approximately", "roughly", "nearly", "almost", "approx", "some", "an estimated"),
    "until": ("bis", "bis zu", "bis spatestens", "bis ende", "up to", "by", "until", "till", "by the end of"),
}
_BY_PHRASE = {tuple(phrase.split()): kind for kind, phrases in QUALIFIERS.items() for phrase in phrases}
_LONGEST = max(len(p) for p in _BY_PHRASE)

NEGATION = re.compile(
    r"\b(nicht|nichts|kein|keine|keinen|keinem|keiner|keines|nie|niemals|weder|not|no|never|none|nothing|neither|"
    r"nor|cannot)\b|n['\u2019]t\b",
    re.IGNORECASE,
)

MONTHS = {
    "januar": 1, "jan": 1, "january": 1, "februar": 2, "feb": 2, "february": 2, "marz": 3, "march": 3, "april": 4,
    "apr": 4, "mai": 5, "may": 5, "juni": 6, "june": 6, "jun": 6, "juli": 7, "july": 7, "jul": 7, "august": 8,
    "aug": 8, "september": 9, "sept": 9, "sep": 9, "oktober": 10, "october": 10, "oct": 10, "okt": 10,
    "november": 11, "nov": 11, "dezember": 12, "december": 12, "dec": 12, "dez": 12,
}
# Short month names are ordinary words too ("may", "mai" is fine, "jan" a name): only full names count alone.
_FULL_MONTHS = {name: n for name, n in MONTHS.items() if len(name) > 4 or name in ("mai", "may", "juni", "june",
                                                                                    "juli", "july", "marz")}
# "may" is a verb far more often than a month: it counts only next to a number or a qualifier ("in May 2024").
_AMBIGUOUS_MONTHS = frozenset({"may"})


@dataclass(frozen=True)
class Quantity:
    """A number as a sentence states it: its value and the qualifier before it (None: stated as exact)."""

    value: float
    qualifier: str | None


def quantities(text: str, language: str | None = None) -> list[Quantity]:
    """The numbers a text states, each with its qualifier: "weniger als 30.000" is (30000, 'less')."""
    words = [t.text for t in iter_tokens(text)]
    folded = [fold(w) for w in words]
    return [Quantity(value, _qualifier_before(folded, start)) for value, start, _ in numbers_in(words, language)]


def _qualifier_before(folded: list[str], end: int) -> str | None:
    """The kind of the longest qualifier phrase ending right before folded[end]."""
    for size in range(min(_LONGEST, end), 0, -1):
        kind = _BY_PHRASE.get(tuple(folded[end - size:end]))
        if kind is not None:
            return kind
    return None


# Verbs that say a report is true or false. "dementierte" denies as surely as "nicht": a sentence that has ByteDance
# confirm what its evidence says ByteDance denied turns the evidence around. ("verified" is left out: in technical
# text a signature or a checksum is verified, which confirms no report.)
_STANCES = {
    "deny": re.compile(
        r"\b(dementier\w*|bestreit\w*|bestritt\w*|widerspr\w*|widersproch\w*|verneint\w*|leugne\w*|deny|denies|denied|"
        r"denying|denial|refut\w*|disputes?|disputed|rebutt?\w*)\b",
        re.IGNORECASE),
    "confirm": re.compile(
        r"\b(bestätig\w*|bekräftig\w*|confirm\w*|affirm\w*|corroborat\w*)\b", re.IGNORECASE),
}


def stances(text: str) -> set[str]:
    """Whether the text denies ("dementierte", "denied") or confirms ("bestätigte", "confirmed") something."""
    return {stance for stance, pattern in _STANCES.items() if pattern.search(text)}


def negated(text: str) -> bool:
    """Whether the text says no, not, never (German or English)."""
    return NEGATION.search(text) is not None


def months(text: str) -> set[int]:
    """The calendar months a text names (1-12); "Juli" and "July" are both 7."""
    folded = [fold(t.text) for t in iter_tokens(text)]
    found: set[int] = set()
    for i, word in enumerate(folded):
        number = _FULL_MONTHS.get(word)
        if number is None:
            continue
        if word in _AMBIGUOUS_MONTHS and not _dated(folded, i):
            continue
        found.add(number)
    return found


def _dated(folded: list[str], i: int) -> bool:
    near = folded[max(i - 1, 0):i] + folded[i + 1:i + 2]
    return any(w[:1].isdigit() for w in near) or (i > 0 and folded[i - 1] in ("in", "im", "until", "by", "bis"))
