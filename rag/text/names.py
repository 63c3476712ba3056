"""Names in a German or English text: products, acronyms, brands, people and places a sentence must not invent."""

from __future__ import annotations

import re

from rag.text.language import LANGUAGES, detect_language
from rag.text.lexicon import Lexicon
from rag.text.normalise import fold, words_of
from rag.text.numbers import parse_number
from rag.text.terms import STOPWORDS
from rag.text.tokens import Token, is_model_token, iter_tokens

_ENGLISH_INFLECTION = re.compile(r"(?:ed|ing|ly|[^su]s|tion|sion|ment|ity|ness|ance|ence|ive|ous|er)$")
_FOREIGN_C = re.compile(r"c(?![hk])")
_ACRONYM_PLURAL = re.compile(r"[A-Z]{2,}s")

# German common nouns ending in a vowel other than e, which the foreign-name heuristic would take for names.
_GERMAN_VOWEL_NOUNS = words_of(
    "auto autos foto fotos video videos radio kino konto risiko tempo motto saldo firma thema klima agenda "
    "kamera skala info infos taxi menu modus bonus status kasino porto lotto cello euro euros prozent"
)
# Sentence openers that are capitalised only because they open the sentence.
_COMMON_OPENERS = words_of(
    "according however also yes no roughly approximately around overall currently meanwhile together "
    "instead still only both since because although while so thus hence therefore"
)


def names(text: str, lang: str | None = None, *, known_openers: bool = True) -> set[str]:
    """Folded names a faithful sentence must not invent: model tokens (910b, h20, a100), acronyms (hbm,
    llm), inner-capital names (bytedance), and capitalised words that are names in `lang`'s casing:
    in English any capitalised word but an inflected sentence opener; in German, where every noun is
    capitalised, only words that look foreign (Nvidia, Huawei, Alibaba, Tencent; see _looks_foreign).

    `known_openers=False`: an English sentence opener with one capital that the lexicon knows is a common word, no
    name ("See Debian Policy …", a question worded like a heading: "Special key strokes"). Where a sentence must not
    invent a name, such an opener stays one, to be safe ("Apple"); where a name is looked for as what a sentence
    states or a question asks about, it would make any instruction name a person."""
    lang = lang if lang in LANGUAGES else detect_language(text)
    found: set[str] = set()
    for token in iter_tokens(text):
        name = name_of(token, lang)
        if name and not (not known_openers and lang == "en" and token.sentence_start
                         and sum(c.isupper() for c in token.text) == 1 and Lexicon.default().knows(name, "en")):
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


MIN_HEAD = 5  # letters of the shortest compound head looked up in the lexicon


def _looks_foreign(folded: str) -> bool:
    # Native German nouns rarely end in a, i, o, u or y, or use a "c" outside "ch"/"ck"; brand and place
    # names often do (Nvidia, Baidu, Huawei, Tencent, Microsoft). Intel, Apple or Samsung slip through:
    # the key-word share still has to hold for them.
    if len(folded) < 3 or folded in _GERMAN_VOWEL_NOUNS:
        return False
    if folded[-1] in "aiouy":
        # unless the German lexicon knows it, or its head ("Logdatei": "datei", "Parteipolizei": "polizei")
        return not any((folded[i:], "de") in Lexicon.default() for i in range(0, len(folded) - MIN_HEAD + 1))
    return _FOREIGN_C.search(folded) is not None and not _german_compound(folded)


def _german_compound(folded: str) -> bool:
    """A compound of two words the German lexicon knows, perhaps joined by an "s" ("Zustandscode": Zustand, Code;
    "Quellcode": Quelle, Code), is a German noun, whatever its letters look like."""
    lexicon = Lexicon.default()
    for i in range(MIN_PART, len(folded) - MIN_PART + 1):
        head, modifier = folded[i:], folded[:i]
        modifiers = (modifier, modifier + "e", modifier[:-1] if modifier.endswith("s") else "")
        if (head, "de") in lexicon and any((m, "de") in lexicon for m in modifiers if len(m) >= MIN_PART):
            return True
    return False


MIN_PART = 4  # letters of the shortest part of a compound looked up in the lexicon
