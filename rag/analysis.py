"""Language-aware text analysis for German and English: tokens, terms, numbers and names."""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"  # the collection is German; a question without any signal gets German

# ---------------------------------------------------------------- word lists


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOPWORDS_DE = _words(
    """
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes auch auf
    aus bei beim bin bis bisher bist bzw ca da dabei dadurch dafür damit dann daran darauf daraus darin
    darum das dass dazu dem demnach den denen denn der deren des deshalb dessen die dies diese diesem
    diesen dieser dieses doch dort du durch ein eine einem einen einer eines einige einigen einiger er es
    etwa euch fur für gegen gegenüber gewesen hab habe haben hat hatte hatten hier hin hinter ich ihm ihn
    ihnen ihr ihre ihrem ihren ihrer ihres im in ins ist ja je jedoch jetzt kann kannst konnen können
    konnte könnte laut man mehr mein meine mit muss musste nach nachdem nein nicht noch nun nur ob oder
    ohne rund schon sehr sei seien sein seine seinem seinen seiner seit selbst sich sie sind so soll
    sollen sollte sollten sondern sowie über um und uns unser unter vom von vor wann war waren warum was
    weil weiter welche welchem welchen welcher welches wenn wer werde werden weshalb wessen wie wieso
    wieviel wieviele viel viele vielen will wir wird wo wurde wurden zu zum zur zwar zwischen zufolge
    """
)
_STOPWORDS_EN = _words(
    """
    a about above according after again against all also am among an and any are around as at be because
    been before being below between both but by can could did do does doing done down during each either
    else ever few for from further had has have having he her here hers him his how however i if in into
    is it its itself just last least less let like ll many may me might more most much must my no nor not
    now of off on once only or other our ours out over own per re same shall she should since so some such
    than that the their theirs them then there these they this those through thus to too under until up
    upon us ve very was we were what when where whether which while who whom whose why will with would yes
    yet you your
    """
)
STOPWORDS = _STOPWORDS_DE | _STOPWORDS_EN

# Words that only one of the two languages uses; the shared ones ("in", "was", "will", "die") say nothing.
_MARKERS = {
    "de": _words(
        "der die das und ist nicht mit von für auf dem den des ein eine einen einem einer zu sich auch wie "
        "viele welche welcher welches wer wann warum hat haben wird wurde werden sind bei nach über aus im "
        "vom zum zur dass sie es er noch nur oder aber als um bis sein seine ihr ihre kann soll sollen "
        "wieviel wessen weshalb gibt hatte diese dieser dieses jahr heißt laut"
    ),
    "en": _words(
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
# a singular "Billion" reads as the English 10^9, which is what it means in answers we check.
_SCALES = {
    "tausend": 1e3, "thousand": 1e3, "thousands": 1e3, "tsd": 1e3,
    "million": 1e6, "millionen": 1e6, "millions": 1e6, "mio": 1e6, "mn": 1e6,
    "milliarde": 1e9, "milliarden": 1e9, "mrd": 1e9, "billion": 1e9, "billions": 1e9, "bn": 1e9,
    "billionen": 1e12, "trillion": 1e12, "trillions": 1e12,
}
# Number words. "ein"/"eine"/"one"/"a" are articles too, so they count only before a scale word.
_ARTICLE_ONES = frozenset({"a", "an", "one", "ein", "eine", "einer", "einen", "einem"})
_NUMBER_WORDS = {
    "eins": 1, "zwei": 2, "drei": 3, "vier": 4, "funf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9,
    "zehn": 10, "elf": 11, "zwolf": 12, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
# Words that differ between the languages but name the same thing; stemming cannot join them.
_EQUIVALENT_PAIRS = (
    ("ki", "ai"), ("usa", "us"), ("peking", "beijing"), ("asien", "asia"), ("europa", "europe"),
    ("amerika", "america"), ("russland", "russia"), ("indien", "india"), ("januar", "january"),
    ("februar", "february"), ("marz", "march"), ("juni", "june"), ("juli", "july"), ("oktober", "october"),
    ("dezember", "december"),
)
EQUIVALENTS = {a: b for a, b in _EQUIVALENT_PAIRS} | {b: a for a, b in _EQUIVALENT_PAIRS}
# Words that state a quantity; the number they belong to is checked as a value, not as a word.
QUANTITY_WORDS = frozenset(_SCALES) | frozenset(_NUMBER_WORDS)
_GLUED = re.compile(r"(\d+(?:[.,]\d+)?)(st|nd|rd|th|bn|mrd|mio|mn)", re.IGNORECASE)  # "30th", "2bn", "2.5bn"

# A raw token: letter/digit runs joined by hyphens, apostrophes, dots or commas ("Nvidia-Chips", "1.600",
# "Nvidia's"); the joins are resolved per token (numbers keep theirs, "z.B" splits).
_RAW = re.compile(r"[^\W_]+(?:[-.,'\u2019\u2010\u2011][^\W_]+)*")
_HYPHEN = re.compile(r"[-\u2010\u2011]")
_APOSTROPHE = re.compile(r"['\u2019]")
_SEPARATOR = re.compile(r"[.,]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_ENGLISH_INFLECTION = re.compile(r"(?:ed|ing|ly|[^su]s|tion|sion|ment|ity|ness|ance|ence|ive|ous|er)$")
_FOREIGN_C = re.compile(r"c(?![hk])")
_ACRONYM_PLURAL = re.compile(r"[A-Z]{2,}s")
_OPENING_MARKS = frozenset(" \t\r\u00a0\"'\u201e\u201c\u201a\u2018\u00bb\u00ab([")
_SENTENCE_ENDS = frozenset(".!?:;\n\u2022*\u2013\u2014")


# ---------------------------------------------------------------- languages


def detect_language(text: str, default: str = DEFAULT_LANGUAGE) -> str:
    """'de' or 'en', by counting words only one of the two languages uses; letter patterns break ties."""
    words = [w.casefold() for w in re.findall(r"[^\W\d_]+", text)]
    scores = {lang: sum(w in markers for w in words) for lang, markers in _MARKERS.items()}
    scores["de"] += 2 * sum(any(c in "äöüß" for c in w) for w in words)
    if scores["de"] == scores["en"]:
        lowered = " ".join(words)
        scores = {lang: len(trait.findall(lowered)) for lang, trait in _MARKER_TRAITS.items()}
    if scores["de"] == scores["en"]:
        return default
    return "de" if scores["de"] > scores["en"] else "en"


def fold(text: str) -> str:
    """Lowercase and strip accents: ä→a, ö→o, ü→u, ß→ss, é→e; compatibility forms unified (NFKC)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


class _Stemmers(threading.local):
    """PyStemmer objects are not thread-safe: one pair per thread."""

    def __init__(self) -> None:
        self.by_lang = {"de": Stemmer.Stemmer("german"), "en": Stemmer.Stemmer("english")}


_STEMMERS = _Stemmers()


def stem(word: str, lang: str) -> str:
    """The Snowball stem of a folded word in `lang` ('de' or 'en')."""
    return str(_STEMMERS.by_lang[lang].stemWord(word))


# ---------------------------------------------------------------- tokens


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
    for match in _RAW.finditer(text):
        initial = _opens_sentence(text, match.start())
        parts = _parts(match.group(0))
        if compounds and len(parts) > 1 and _HYPHEN.search(match.group(0)):
            yield Token(match.group(0), initial, compound=True)
        for i, part in enumerate(parts):
            yield Token(part, initial and i == 0)


def _opens_sentence(text: str, pos: int) -> bool:
    # Skip spaces and opening quotes backwards; a sentence end, a bullet or the text start opens a sentence.
    while pos > 0 and text[pos - 1] in _OPENING_MARKS:
        pos -= 1
    return pos == 0 or text[pos - 1] in _SENTENCE_ENDS


def _parts(raw: str) -> list[str]:
    """The words of a raw token: "Ascend-910B-Chips" -> Ascend, 910B, Chips; "Nvidia's" -> Nvidia;
    "1.600" stays whole; a dotted run that is no number ("29.09.2024", "z.B") falls apart."""
    parts: list[str] = []
    for part in _HYPHEN.split(_APOSTROPHE.split(raw)[0]):
        if not _SEPARATOR.search(part) or parse_number(part) is not None or _GLUED.fullmatch(part):
            parts.append(part)
        else:
            parts.extend(p for p in _SEPARATOR.split(part) if p)
    return [p for p in parts if p]


def tokenize(text: str) -> list[str]:
    """Word tokens in their original case. Numbers and model names stay whole ("100.000", "910B", "H20");
    a hyphenated compound yields itself and its parts ("Nvidia-Chips", "Nvidia", "Chips")."""
    return [t.text for t in iter_tokens(text, compounds=True)]


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


def is_model_token(token: str) -> bool:
    """Letters and digits mixed: product and model names like 910B, H20, A100 (not numbers)."""
    return (
        any(c.isdigit() for c in token)
        and any(c.isalpha() for c in token)
        and _GLUED.fullmatch(token) is None
    )


# ---------------------------------------------------------------- terms


def analyze(text: str, lang: str | None = None) -> list[str]:
    """BM25 terms: tokens folded, stopwords dropped, numbers normalised, words stemmed.

    With `lang` 'de' or 'en', words are stemmed in that language (the query form). With None, each word
    yields its distinct German and English stems plus cross-language equivalents (KI/AI, Juni/June): the
    index form, which any query stemmer can meet. See rag/lexical.py for the measurements behind this."""
    langs = (lang,) if lang in LANGUAGES else LANGUAGES
    terms: list[str] = []
    for chunk in text.split():
        terms.extend(_chunk_terms(chunk, langs))
    return terms


@lru_cache(maxsize=200_000)
def _chunk_terms(chunk: str, langs: tuple[str, ...]) -> tuple[str, ...]:
    # Cached per whitespace-free chunk: words repeat (Zipf), so indexing 10k chunks stays fast.
    terms: list[str] = []
    for raw in _RAW.findall(unicodedata.normalize("NFKC", chunk)):
        for part in _parts(raw):
            terms.extend(_terms_of(part, langs))
    return tuple(terms)


def _terms_of(token: str, langs: tuple[str, ...]) -> list[str]:
    folded = fold(token)
    value = parse_number(token) if token[0].isdigit() else None
    if value is None and _GLUED.fullmatch(folded):
        value = _glued_value(folded)
    if value is not None:
        return [number_term(value)]
    if not folded or _is_stopword(token, folded) or (len(folded) < 2 and not folded.isdigit()):
        return []
    if is_model_token(folded):
        return [folded]  # "910b", "h20": names, never stemmed
    words = [folded]
    if len(langs) > 1 and folded in EQUIVALENTS:
        words.append(EQUIVALENTS[folded])
    return list(dict.fromkeys(stem(word, lang) for word in words for lang in langs))


def _is_stopword(token: str, folded: str) -> bool:
    # An all-caps acronym is kept even when it spells a stopword: "US" in "US-Chips" is no "us".
    return folded in STOPWORDS and not (len(token) > 1 and token.isupper())


def content_terms(text: str, lang: str | None = None) -> set[str]:
    """The distinct key terms of a text (folded, stemmed, no stopwords); see `analyze` for `lang`."""
    return set(analyze(text, lang))


def word_forms(word: str) -> set[str]:
    """Every form under which a word can match another text: folded, its equivalent in the other
    language, and their German and English stems."""
    folded = fold(word)
    if is_model_token(folded):
        return {folded}
    words = {folded, EQUIVALENTS.get(folded, folded)}
    if _ACRONYM_PLURAL.fullmatch(word):
        words.add(folded[:-1])  # "LLMs" also matches "LLM"
    return words | {stem(w, lang) for w in words for lang in LANGUAGES}


# ---------------------------------------------------------------- numbers


def extract_numbers(text: str) -> list[float]:
    """The numeric values a text states, in order: "100.000", "100,000" and "100000" are 100000;
    "2 Milliarden", "2 Mrd." and "2 billion" are 2e9; "eine Million" and "a million" are 1e6.
    Model names (910B, H20) are no numbers; "one"/"eine" counts only before a scale word."""
    tokens = [t.text for t in iter_tokens(text)]
    values: list[float] = []
    i = 0
    while i < len(tokens):
        value, used = _number_at(tokens, i)
        if value is not None:
            values.append(value)
        i += used
    return values


def _number_at(tokens: list[str], i: int) -> tuple[float | None, int]:
    """The number starting at tokens[i] (with a following scale word) and how many tokens it used."""
    token, folded = tokens[i], fold(tokens[i])
    nxt = fold(tokens[i + 1]).rstrip(".") if i + 1 < len(tokens) else ""
    if _GLUED.fullmatch(folded):
        return _glued_value(folded), 1
    value = parse_number(token)
    if value is None:
        if folded in _NUMBER_WORDS:
            value = float(_NUMBER_WORDS[folded])
        elif folded in _ARTICLE_ONES and nxt in _SCALES:
            value = 1.0
        else:
            return None, 1
    if nxt in _SCALES:
        return value * _SCALES[nxt], 2
    return value, 1


def _glued_value(folded: str) -> float:
    # "30th" -> 30, "2bn" -> 2e9, "2.5mrd" -> 2.5e9
    match = _GLUED.fullmatch(folded)
    assert match is not None
    return (parse_number(match.group(1)) or 0.0) * _SCALES.get(match.group(2), 1.0)


def numbers_match(a: float, b: float) -> bool:
    """Whether two stated values are the same number (relative tolerance 1e-6)."""
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)


# ---------------------------------------------------------------- names

# German common nouns ending in a vowel other than e, which the foreign-name heuristic would take for names.
_GERMAN_VOWEL_NOUNS = _words(
    "auto autos foto fotos video videos radio kino konto risiko tempo motto saldo firma thema klima agenda "
    "kamera skala info infos taxi menu modus bonus status kasino porto lotto cello euro euros prozent"
)
# Sentence openers that are capitalised only because they open the sentence.
_COMMON_OPENERS = _words(
    "according however also yes no roughly approximately around overall currently meanwhile together "
    "instead still only both since because although while so thus hence therefore"
)


def names(text: str, lang: str | None = None) -> set[str]:
    """Folded names a faithful sentence must not invent: model tokens (910b, h20, a100), acronyms (hbm,
    llm), inner-capital names (bytedance), and capitalised words that are names in `lang`'s casing:
    in English any capitalised word but an inflected sentence opener; in German, where every noun is
    capitalised, only words that look foreign (Nvidia, Huawei, Alibaba, Tencent; see _looks_foreign)."""
    lang = lang if lang in LANGUAGES else detect_language(text)
    found: set[str] = set()
    for token in iter_tokens(text):
        name = name_of(token, lang)
        if name:
            found.add(name)
    return found


def name_of(token: Token, lang: str) -> str | None:
    """The folded name a token stands for in a `lang` text, or None for common words and numbers."""
    word = token.text
    folded = fold(word)
    if parse_number(word) is not None or len(word) < 2:
        return None
    if is_model_token(folded):
        return folded
    if sum(c.isupper() for c in word) >= 2:
        # Acronyms and inner capitals (HBM, LLMs, ByteDance); an acronym's plural "s" is no part of the name.
        return folded[:-1] if _ACRONYM_PLURAL.fullmatch(word) else folded
    if not word[0].isupper() or folded in STOPWORDS:
        return None
    if lang == "en":
        return None if token.sentence_start and _common_opener(folded) else folded
    return folded if _looks_foreign(folded) else None


def _common_opener(folded: str) -> bool:
    # A capitalised sentence opener is a common word when listed or inflected ("Limited", "Sales",
    # "Analysts"); an uninflected one is taken for a name ("Apple", "Nvidia"), to be safe.
    return folded in _COMMON_OPENERS or _ENGLISH_INFLECTION.search(folded) is not None


def _looks_foreign(folded: str) -> bool:
    # Native German nouns rarely end in a, i, o, u or y, or use a "c" outside "ch"/"ck"; brand and place
    # names often do (Nvidia, Baidu, Huawei, Tencent, Microsoft). Intel, Apple or Samsung slip through:
    # the key-word share still has to hold for them.
    if len(folded) < 3 or folded in _GERMAN_VOWEL_NOUNS:
        return False
    return folded[-1] in "aiouy" or _FOREIGN_C.search(folded) is not None
