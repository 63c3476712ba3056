"""Which of Quelle's two languages, German or English, a text is written in."""

from __future__ import annotations

import re

from rag.text.normalise import words_of

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"  # the collection is German; a question without any signal gets German

# Words that only one of the two languages uses; the shared ones ("in", "was", "will", "die") say nothing.
_MARKERS = {
    "de": words_of(
        "der die das und ist nicht mit von für auf dem den des ein eine einen einem einer zu sich auch wie "
        "viele welche welcher welches wer wann warum hat haben wird wurde werden sind bei nach über aus im "
        "vom zum zur dass sie es er noch nur oder aber als um bis sein seine ihr ihre kann soll sollen "
        "wieviel wessen weshalb gibt hatte diese dieser dieses jahr heißt laut"
    ),
    "en": words_of(
        "the and is are were of to on for with by from how many much what which who when why did does do "
        "has have had it its this that these those be been at or not their they he she we you about into "
        "than there would should could can whose year get got"
    ),
}
_MARKER_TRAITS = {
    # Weak letter patterns, used only to break a tie of marker words (short questions).
    "de": re.compile(r"sch|ei|ie|ung\b|en\b|tz|[äöüß]"),
    "en": re.compile(r"th|wh|ing\b|ed\b|ou|ea|[wy]\b|'s\b"),
}

# Scale words after a number ("2 Milliarden", "62 Mio.", "2 billion"). "Billionen" is the German 10^12;


def marker_language(text: str) -> str | None:
    """'de' or 'en' when words only one of the two languages uses (or umlauts) decide, else None."""
    words = [w.casefold() for w in re.findall(r"[^\W\d_]+", text)]
    scores = {lang: sum(w in markers for w in words) for lang, markers in _MARKERS.items()}
    scores["de"] += 2 * sum(any(c in "äöüß" for c in w) for w in words)
    if scores["de"] == scores["en"]:
        return None
    return "de" if scores["de"] > scores["en"] else "en"


def detect_language(text: str, default: str = DEFAULT_LANGUAGE) -> str:
    """'de' or 'en', by counting words only one of the two languages uses; letter patterns break ties."""
    found = marker_language(text)
    if found is not None:
        return found
    lowered = " ".join(w.casefold() for w in re.findall(r"[^\W\d_]+", text))
    scores = {lang: len(trait.findall(lowered)) for lang, trait in _MARKER_TRAITS.items()}
    if scores["de"] == scores["en"]:
        return default
    return "de" if scores["de"] > scores["en"] else "en"
