"""Index and match terms: stopwords, Snowball stems in both languages, cross-language equivalents."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import Stemmer

from rag.text.language import LANGUAGES
from rag.text.normalise import fold, words_of
from rag.text.numbers import GLUED, glued_value, number_term, parse_number
from rag.text.tokens import RAW, is_model_token, split_raw

_STOPWORDS_DE = words_of(
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
_STOPWORDS_EN = words_of(
    """
    a about above according after again against all also am among an and any are around as at be because
    been before being below between both but by can could did do does doing done down during each either
    else ever few for from further had has have having he her here hers him his how however i if in into
    is it its itself just last least less let like ll many may me might more most much must my no nor not
    now of off on once only or other our ours out over own per re same shall she should since so some such
    than that the their theirs them then there these they this those through thus to too under until up
    upon us ve very was we were what when where whether which while who whom whose why will with would yes
    yet you your
    aren couldn didn doesn don hadn hasn haven isn shouldn wasn weren won wouldn
    """
)
STOPWORDS = _STOPWORDS_DE | _STOPWORDS_EN
# Words that differ between the languages but name the same thing; stemming cannot join them.
_EQUIVALENT_PAIRS = (
    ("ki", "ai"), ("usa", "us"), ("peking", "beijing"), ("asien", "asia"), ("europa", "europe"),
    ("amerika", "america"), ("russland", "russia"), ("indien", "india"), ("januar", "january"),
    ("februar", "february"), ("marz", "march"), ("juni", "june"), ("juli", "july"), ("oktober", "october"),
    ("dezember", "december"),
)
EQUIVALENTS = {a: b for a, b in _EQUIVALENT_PAIRS} | {b: a for a, b in _EQUIVALENT_PAIRS}
_ACRONYM_PLURAL = re.compile(r"[A-Z]{2,}s")


class _Stemmers(threading.local):
    """PyStemmer objects are not thread-safe: one pair per thread."""

    def __init__(self) -> None:
        self.by_lang = {"de": Stemmer.Stemmer("german"), "en": Stemmer.Stemmer("english")}


_STEMMERS = _Stemmers()


def stem(word: str, lang: str) -> str:
    """The Snowball stem of a folded word in `lang` ('de' or 'en'). German verb forms in "-t" keep Snowball's
    stem of their infinitive: "überschreibt" and "überschreiben" both give "uberschreib", "sortiert" and
    "sortieren" "sorti" (Snowball leaves a final "t" and "iert" alone)."""
    stemmed = str(_STEMMERS.by_lang[lang].stemWord(word))
    if lang != "de" or len(stemmed) < GERMAN_T_STEM:
        return stemmed
    if stemmed.endswith("iert"):
        return stemmed[:-3]
    return stemmed[:-1] if stemmed.endswith("t") else stemmed


GERMAN_T_STEM = 5  # a German stem this long loses a final "t" (shorter ones, "zeit", "wert", keep it)


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
    for raw in RAW.findall(unicodedata.normalize("NFKC", chunk)):
        for part in split_raw(raw):
            terms.extend(_terms_of(part, langs))
    return tuple(terms)


def _terms_of(token: str, langs: tuple[str, ...]) -> list[str]:
    folded = fold(token)
    value = parse_number(token) if token[0].isdigit() else None
    if value is None and GLUED.fullmatch(folded):
        value = glued_value(folded)
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

