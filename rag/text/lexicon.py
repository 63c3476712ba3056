"""German–English word lexicon from Debian's Ding and FreeDict dictionaries: words and inflections, both ways."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import Stemmer

from rag.text import normalise
from rag.text.terms import stem

LANGUAGES = ("de", "en")
_SNOWBALL = {"de": "german", "en": "english"}
RESOURCE = "lexicon_de_en.tsv.gz"  # built by scripts/build_lexicon.py; its format is described there


def fold(text: str) -> str:
    """rag.text's fold (NFKC, casefold, accents stripped, ß→ss) with spaces collapsed: "Löschen" → "loschen"."""
    return " ".join(normalise.fold(text).split())


def stem_phrase(phrase: str, lang: str) -> str:
    """The Snowball stems of a folded word or two-word term, space-joined: how the lexicon and its builder
    (scripts/build_lexicon.py) match words by stem."""
    return " ".join(stem(part, lang) for part in phrase.split())


class Lexicon:
    """The word lexicon in memory: per language, folded word → translations (best first), inflected
    form → headword, and Snowball stem → headwords (built on first need, under a lock). Read-only
    after loading, so one instance serves every thread."""

    _default: Lexicon | None = None
    _default_lock = threading.Lock()

    def __init__(self, lines: Iterable[str]) -> None:
        self.header: list[str] = []
        # translations kept as the file's ';'-joined strings: split on lookup, so loading stays fast
        self._words: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
        self._forms: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
        tables = {**self._words, **{f"{lang}=": self._forms[lang] for lang in LANGUAGES}}
        for line in lines:
            if line.startswith("#"):
                self.header.append(line[1:].strip())
                continue
            kind, _, rest = line.partition("\t")
            key, _, value = rest.partition("\t")
            table = tables.get(kind)
            if table is not None and key and value:
                table[key] = value.rstrip("\n")
        self._stems: dict[str, dict[str, tuple[str, ...]]] = {}  # built on first use, see _stem_index
        self._stems_lock = threading.Lock()

    def _stem_index(self, lang: str) -> dict[str, tuple[str, ...]]:
        """Snowball stem → headwords of one language, built on the first lookup that needs it."""
        index = self._stems.get(lang)
        if index is None:
            with self._stems_lock:
                index = self._stems.get(lang)
                if index is None:
                    single = sorted(w for w in self._words[lang] if " " not in w)
                    pairs = sorted(w for w in self._words[lang] if " " in w)
                    stemmer = Stemmer.Stemmer(_SNOWBALL[lang])  # its own: no cache (slower for one big batch)
                    stemmer.maxCacheSize = 0
                    stems = stemmer.stemWords(single)  # one C call for most headwords
                    by_stem: dict[str, list[str]] = {}
                    for word, stem in zip(single + pairs, stems + [stem_phrase(w, lang) for w in pairs], strict=True):
                        by_stem.setdefault(stem, []).append(word)
                    index = {s: tuple(words) for s, words in by_stem.items()}
                    self._stems[lang] = index
        return index

    @classmethod
    def from_file(cls, path: str | Path) -> Lexicon:
        """A lexicon from a .tsv.gz file in the format scripts/build_lexicon.py writes."""
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return cls(f)

    @classmethod
    def default(cls) -> Lexicon:
        """The packaged lexicon, loaded on first use (once, whichever thread asks first)."""
        if cls._default is None:
            with cls._default_lock:
                if cls._default is None:
                    data = resources.files(__package__ or "rag.text").joinpath(RESOURCE).read_bytes()
                    cls._default = cls(gzip.decompress(data).decode("utf-8").split("\n"))
        return cls._default

    def __len__(self) -> int:
        """Number of entries: headwords of both directions (inflected forms not counted)."""
        return sum(len(words) for words in self._words.values())

    def __contains__(self, item: tuple[str, str]) -> bool:
        word, lang = item
        return fold(word) in self._words.get(lang, {})

    def knows(self, word: str, lang: str) -> bool:
        """Whether the word is a headword or an inflected form of one in that language (no stemming)."""
        key = fold(word)
        return key in self._words[lang] or key in self._forms[lang]

    def language_of(self, words: Iterable[str]) -> str | None:
        """'de' or 'en' when more of the words are known in only that language than in only the other, else None:
        "Virtual consoles" is English though it has no English function word."""
        words = list(words)
        # words and their inflected forms first; then words known only by their stem ("fonts": font)
        for known in (self.knows, lambda word, lang: bool(self.headwords(word, lang))):
            only = {lang: 0 for lang in LANGUAGES}
            for word in words:
                langs = [lang for lang in LANGUAGES if known(word, lang)]
                if len(langs) == 1:
                    only[langs[0]] += 1
            if only["de"] != only["en"]:
                return "de" if only["de"] > only["en"] else "en"
        return None

    def headwords(self, word: str, source: str) -> list[str]:
        """The headwords a word is looked up under: the headword of an inflected form it is (then itself,
        if it is a headword too), else itself (and a shorter headword sharing its stem: "Tage" is a headword, a
        period, and the plural of Tag), else the closest headword sharing its Snowball stem
        ("dateien" → datei, "deleted" → delete)."""
        _check(source)
        key = fold(word)
        words = self._words[source]
        if not key:
            return []
        lemma = self._forms[source].get(key)
        if lemma is not None and lemma in words:
            return [lemma, key] if key in words else [lemma]  # "gelöscht": löschen first, then its own
        if key in words:
            # a headword that is also the plural of another ("Tage": a period; Tag: day) is looked up under both
            siblings = [w for w in self._stem_index(source).get(stem_phrase(key, source), ())
                        if w != key and len(w) < len(key)]
            return [key, *sorted(siblings, key=lambda w: (-_common_prefix(w, key), len(w), w))[:1]]
        # the headwords of its stem, closest spelling first: "benutzern" → benutzer (not benutzen)
        similar = self._stem_index(source).get(stem_phrase(key, source), ())
        if not similar and source == "en":  # an English comparative or superlative: "newer", "biggest", "easier"
            return [base for base in _gradation_bases(key) if base in words][:1]
        return sorted(similar, key=lambda w: (-_common_prefix(w, key), len(w), w))[:1]

    def translate(self, word: str, source: str, target: str, limit: int = 3) -> list[str]:
        """Up to `limit` folded translations of `word` from `source` to `target` ('de'/'en'), the
        most common sense first; [] if the word is unknown."""
        _check(source, target)
        if source == target:
            raise ValueError(f"source and target are both {source!r}")
        out: list[str] = []
        for headword in self.headwords(word, source):
            for translation in self._words[source][headword].split(";"):
                if translation not in out:
                    out.append(translation)
            if len(out) >= limit:
                break
        return out[: max(limit, 0)]


def _gradation_bases(word: str) -> list[str]:
    """The adjectives an English "-er"/"-est" form may grade: "newer" new, "nicer" nice, "bigger" big, "easier"
    easy. Snowball keeps these endings, so the stem does not find the headword."""
    for ending in ("est", "er"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            base = word[: -len(ending)]
            bases = [base, base + "e"]
            if len(base) >= 4 and base[-1] == base[-2]:
                bases.append(base[:-1])  # "bigger"
            if base.endswith("i"):
                bases.append(base[:-1] + "y")  # "easier"
            return bases
    return []


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _check(*langs: str) -> None:
    for lang in langs:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r} (expected one of {LANGUAGES})")


def translate(word: str, source: str, target: str, limit: int = 3) -> list[str]:
    """Up to `limit` folded translations of a word ('de' → 'en' or 'en' → 'de'), best first; [] if unknown.

    >>> translate("Dateien", "de", "en")
    ['file']
    """
    return Lexicon.default().translate(word, source, target, limit)


def lexicon_language(words: Iterable[str]) -> str | None:
    """The language more of the words belong to only, by the packaged lexicon, or None (see Lexicon.language_of)."""
    return Lexicon.default().language_of(words)


def expand(words: Iterable[str], source: str, target: str, limit: int = 3) -> dict[str, list[str]]:
    """Each distinct word (as given) → its translations (possibly []), in the order first seen."""
    lexicon = Lexicon.default()
    return {word: lexicon.translate(word, source, target, limit) for word in dict.fromkeys(words)}


def lexicon_size() -> int:
    """Number of headwords in the packaged lexicon, both directions together."""
    return len(Lexicon.default())
