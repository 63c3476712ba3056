"""Build rag/text/lexicon_de_en.tsv.gz, the German–English word lexicon, from Debian's dictionary packages.

Sources (all must be installed: `apt-get install trans-de-en dict-freedict-deu-eng dict-freedict-eng-deu`):

- trans-de-en: the Ding dictionary, /usr/share/trans/de-en, one entry per line
  ``Datei {f} [comp.] | Dateien {pl} :: computer file; file | computer files; files``
  (sides split by ``::``, aligned sub-entries by ``|``, synonyms by ``;``);
- dict-freedict-deu-eng, dict-freedict-eng-deu: FreeDict's dictd databases (``.index`` with base64
  offsets into the dictzip ``.dict.dz``); they are built from an older Ding but split into directions
  and senses, so a pair found there in both directions is a good sign of a core sense.

How a pair (German word, English word) is scored: every Ding sub-entry that pairs them counts (the
head sub-entry of a line fully, later ones half), weighted by its labels (computing and technical
labels count more, specialist fields and regional variants less, archaic/obsolete/rare senses are
dropped); plus how often both words occur together anywhere in Ding (examples and compounds too:
``eine Datei öffnen :: open a file``), a measure of how common the sense is; plus a bonus for each
FreeDict direction that lists the pair. A word keeps its best four translations.

Which words are kept: single words and two-word terms that Ding uses often enough (they occur in
several entries) or that carry a computing/technical label. Inflected forms that a Snowball stemmer
does not bring back to their headword (gelöscht → löschen, went → go, Häuser → Haus) are kept as a
small form → lemma table, taken from Ding's aligned inflection sub-entries.

Output (gzip, UTF-8, sorted, deterministic: gzip mtime 0): comment lines starting with ``#`` (the
source packages and versions), then tab-separated rows

    de  <folded word>  <translation>;<translation>...     German → English
    en  <folded word>  <translation>;...                  English → German
    de= <folded form>  <folded lemma>                     German inflected form → headword
    en= <folded form>  <folded lemma>                     English inflected form → headword

Run with the project's interpreter: ``.venv/bin/python scripts/build_lexicon.py``.
"""

from __future__ import annotations

import argparse
import gzip
import io
import math
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.text.lexicon import fold, stem_phrase  # noqa: E402 - the reader's own folding and stemming
from rag.text.terms import stem  # noqa: E402

DING = Path("/usr/share/trans/de-en")
FREEDICT = Path("/usr/share/dictd")
PACKAGES = ("trans-de-en", "dict-freedict-deu-eng", "dict-freedict-eng-deu")
OUT = ROOT / "rag" / "text" / "lexicon_de_en.tsv.gz"

MAX_TRANSLATIONS = 4
MIN_RELATIVE_SCORE = 0.4  # a translation scoring below this share of the best one is dropped
MIN_OCCURRENCES = 4  # a word must occur in this many Ding sub-entries (its side) to be kept ...
TECH_LABELS = {"[comp.]", "[techn.]", "[telco.]", "[electr.]", "[adm.]", "[econ.]", "[print]"}  # ... or carry one
COMPUTING_LABELS = {"[comp.]", "[techn.]", "[telco.]", "[electr.]"}  # senses ranked up: Datei before Akte
# Senses that are dropped: archaic, obsolete, rare, dated, poetic, former names, proverbs.
DROP_LABELS = {
    "[archaic]", "[obs.]", "[veraltet]", "[selten]", "[rare]", "[alt]", "[dated]", "[altertümlich]",
    "[veraltend]", "[poet.]", "[altertümelnd]", "[former name]", "[frühere Bezeichnung]",
    "[becoming dated]", "[Sprw.]", "[prov.]", "[literary]", "[humor.]", "[vulg.]", "[tm]",
}  # fmt: skip
# Regional variants (weighted down; the standard word should come first).
REGIONAL_LABELS = {
    "[Ös.]", "[Schw.]", "[Süddt.]", "[Bayr.]", "[Norddt.]", "[Mitteldt.]", "[Westdt.]", "[Ostdt.]",
    "[Mittelwestdt.]", "[Nordostdt.]", "[Nordwestdt.]", "[Südtirol]", "[Mittelostdt.]", "[Westös.]",
    "[Sachsen]", "[Lie.]", "[Berlin]", "[Lux.]", "[Südwestdt.]", "[Ostös.]", "[Tirol]", "[Franken]",
    "[Wien]", "[Vorarlberg]", "[Baden]", "[Ostmitteldt.]", "[Pfalz]", "[BW]", "[Sc.]", "[Ir.]", "[Irl.]",
    "[NZ]", "[Austr.]", "[Aus.]", "[Can.]", "[South Africa]", "[India]", "[Northern English]", "[eBr.]",
    "[eAm.]", "[Jägersprache]", "[hunters’ parlance]", "[hunter’s parlance]", "[Jugendsprache]",
    "[Kindersprache]", "[children’s speech]", "[slang]", "[stud.]",
}  # fmt: skip
# Specialist fields (weighted down a little: the everyday sense should come first).
SPECIALIST_LABELS = {
    "[ornith.]", "[zool.]", "[bot.]", "[chem.]", "[med.]", "[anat.]", "[biol.]", "[biochem.]", "[min.]",
    "[geol.]", "[pharm.]", "[myc.]", "[astron.]", "[astrol.]", "[relig.]", "[hist.]", "[naut.]", "[mil.]",
    "[textil.]", "[cook.]", "[agr.]", "[mus.]", "[ling.]", "[jur.]", "[phil.]", "[psych.]", "[mach.]",
    "[constr.]", "[arch.]", "[geogr.]", "[meteo.]", "[photo.]", "[lit.]", "[art]", "[sport]", "[aviat.]",
}  # fmt: skip
VERB_TAGS = {"{vt}", "{vi}", "{vr}", "{v}"}
INFLECTION_TAGS = {"{pl}"}

_BRACKETS = re.compile(r"\{[^{}]*\}|\[[^\[\]]*\]|<[^<>]*>|\([^()]*\)")
_LABEL = re.compile(r"\[[^\[\]]*\]")
_TAG = re.compile(r"\{[^{}]*\}")
_PLACEHOLDERS_DE = {"etw.", "jdn.", "jdm.", "jds.", "jd.", "sich", "etw", "jdn", "jdm", "jds", "jd"}
_PLACEHOLDERS_EN = {"sth.", "sb.", "so.", "sth", "sb", "one's", "one’s", "sb.'s", "sb.’s", "sth.'s"}
_REFLEXIVES = {"oneself", "yourself", "myself", "himself", "herself", "itself", "ourselves", "yourselves",
               "themselves", "mich", "dich", "uns", "euch"}  # fmt: skip
_PRONOUNS = {"de": {"er", "ich", "sie", "es", "wir", "du", "ihr"}, "en": {"he", "she", "it", "i", "we", "you", "they"}}
_ARTICLES_DE = {"der", "die", "das"}
_ARTICLES_EN = {"the"}
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_TOKEN = re.compile(r"[^\W\d_]+")


def strip_brackets(text: str) -> str:
    previous = None
    while previous != text:  # nested brackets: innermost first
        previous, text = text, _BRACKETS.sub(" ", text)
    return text


def clean_term(raw: str, lang: str) -> str | None:
    """A dictionary term as a folded key of at most two words, or None (phrase, abbreviation, symbol...)."""
    text = strip_brackets(raw).replace("…", " ").replace("...", " ")
    words = text.split()
    if lang == "en" and words and words[0] == "to" and len(words) > 1:
        words = words[1:]  # verbs: "to delete"
    placeholders = _PLACEHOLDERS_DE if lang == "de" else _PLACEHOLDERS_EN
    words = [w for w in words if w not in placeholders and w.casefold() not in _REFLEXIVES]
    if len(words) > 1 and words[0] in (_ARTICLES_DE if lang == "de" else _ARTICLES_EN):
        words = words[1:]  # "die Polizei", "the police"
    if not 1 <= len(words) <= 2:
        return None
    for w in words:
        if not _WORD.fullmatch(w):
            return None  # digits, punctuation, abbreviations ("z.B.", "Ltd.")
        if any(c.isupper() for c in w[1:]):
            return None  # acronyms and abbreviations: "USB", "GmbH", "PCs"
    if len(words) == 1 and len(words[0]) < 2:
        return None
    return fold(" ".join(words))


def labels_of(raw: str) -> set[str]:
    return set(_LABEL.findall(raw))


def tags_of(raw: str) -> set[str]:
    return set(_TAG.findall(raw))


def split_outside_brackets(text: str, separator: str) -> list[str]:
    """The parts of `text` between separators that stand outside brackets, stripped."""
    out, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c in "({[<":
            depth += 1
        elif c in ")}]>":
            depth = max(0, depth - 1)
        elif c == separator and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [s.strip() for s in out]


def split_synonyms(segment: str) -> list[str]:
    """A sub-entry's synonyms (split at ';')."""
    return [s for s in split_outside_brackets(segment, ";") if s]


def label_weight(labels: set[str]) -> float:
    weight = 1.0
    if labels & COMPUTING_LABELS:
        weight *= 1.5
    if labels & REGIONAL_LABELS:
        weight *= 0.3
    if labels & SPECIALIST_LABELS:
        weight *= 0.6
    if "[ugs.]" in labels or "[coll.]" in labels:
        weight *= 0.7
    return weight


class Collected:
    """Everything gathered from the sources."""

    def __init__(self) -> None:
        self.pair_score: defaultdict[tuple[str, str], float] = defaultdict(float)
        self.cooc: dict[tuple[str, str], int] = {}
        self.tech_pairs: set[tuple[str, str]] = set()
        self.occurrences: dict[str, Counter[str]] = {"de": Counter(), "en": Counter()}
        self.tech: dict[str, set[str]] = {"de": set(), "en": set()}
        self.forms: dict[str, dict[str, Counter[str]]] = {"de": defaultdict(Counter), "en": defaultdict(Counter)}
        self.freedict: dict[str, set[tuple[str, str]]] = {"de": set(), "en": set()}


def ding_entries(path: Path) -> Iterator[list[tuple[str, str]]]:
    """Each Ding line as its aligned (German, English) sub-entries, abbreviation notes dropped; a misaligned line
    (rare) is skipped rather than guessed at."""
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "::" not in line:
                continue
            de_side, _, en_side = line.rstrip("\n").partition("::")
            de_segments = split_outside_brackets(_strip_abbreviations(de_side), "|")
            en_segments = split_outside_brackets(_strip_abbreviations(en_side), "|")
            if len(de_segments) == len(en_segments):
                yield list(zip(de_segments, en_segments, strict=True))


def collect_ding(path: Path, data: Collected) -> None:
    for segments in ding_entries(path):
        head_de_segment, head_en_segment = segments[0]
        head_de = [(s, clean_term(s, "de")) for s in split_synonyms(head_de_segment)]
        head_en = [(s, clean_term(s, "en")) for s in split_synonyms(head_en_segment)]
        head_is_verb = any(tags_of(s) & VERB_TAGS for s, _ in head_de)
        for raw, lemma in head_en:  # irregular verbs: "to go {went; gone}", "to sink {sank, sunk; sunk}"
            for tag in tags_of(raw):
                for form in re.split(r"[;,]", tag.strip("{}")):
                    form = fold(form.strip())
                    if lemma and " " not in lemma and _WORD.fullmatch(form) and form != lemma:
                        data.forms["en"][form][lemma] += 1
        for index, (de_seg, en_seg) in enumerate(segments):
            de_raw, en_raw = split_synonyms(de_seg), split_synonyms(en_seg)
            # how often a word occurs anywhere (examples, compounds, phrases): how common it is
            data.occurrences["de"].update(_stems_and_bigrams(de_seg, "de"))
            data.occurrences["en"].update(_stems_and_bigrams(en_seg, "en"))
            de_terms = [(s, clean_term(s, "de")) for s in de_raw]
            en_terms = [(s, clean_term(s, "en")) for s in en_raw]
            if index > 0 and _is_inflection(de_raw, head_is_verb):
                _collect_forms(data, "de", head_de, de_terms, head_is_verb)
                _collect_forms(data, "en", head_en, en_terms, head_is_verb)
                continue
            segment_tech = (labels_of(de_seg) | labels_of(en_seg)) & TECH_LABELS  # "{vt} [comp.]" ends a list
            weight = 1.0 if index == 0 else 0.5
            for d_raw, d in de_terms:
                if d is None or labels_of(d_raw) & DROP_LABELS:
                    continue
                for e_raw, e in en_terms:
                    if e is None or labels_of(e_raw) & DROP_LABELS:
                        continue
                    labels = labels_of(d_raw) | labels_of(e_raw) | segment_tech
                    data.pair_score[d, e] += weight * label_weight(labels)
                    if labels & TECH_LABELS:
                        data.tech["de"].add(d)
                        data.tech["en"].add(e)
                    if labels & COMPUTING_LABELS:
                        data.tech_pairs.add((d, e))


def count_cooccurrences(path: Path, data: Collected) -> None:
    """For each candidate pair, the number of Ding sub-entries (examples and compounds too) where both occur.

    English words are compared by Snowball stem ("to delete a file" counts for delete); a German word
    counts where a word starts with it (inflections and compounds: Dateien, Dateiname) or ends with it
    after at least four letters (Zieldatei). Exact German words, not stems: the German stemmer merges
    Spalt/Spalte and einrichten/Einrichtung. This measures how productive, hence how common, a sense is."""
    by_de: defaultdict[str, set[str]] = defaultdict(set)
    for d, e in data.pair_score:
        by_de[d].add(stem_phrase(e, "en"))
    counts: Counter[tuple[str, str]] = Counter()
    for segments in ding_entries(path):
        for de_seg, en_seg in segments:
            found = _de_keys(de_seg, by_de)
            if not found:
                continue
            en_keys = _stems_and_bigrams(en_seg, "en")
            for d in found:
                for se in by_de[d] & en_keys:
                    counts[d, se] += 1
    for d, e in data.pair_score:
        data.cooc[d, e] = counts.get((d, stem_phrase(e, "en")), 0)


def _de_keys(segment: str, by_de: dict[str, set[str]]) -> set[str]:
    words = _words(segment)
    found = _bigrams(words) & by_de.keys()
    for w in words:
        for i in range(2, len(w) + 1):  # Datei, Dateien, Dateiname
            if w[:i] in by_de:
                found.add(w[:i])
        for i in range(4, len(w) - 3):  # Ziel|datei
            if w[i:] in by_de:
                found.add(w[i:])
    return found


def _words(segment: str) -> list[str]:
    """The folded words of a sub-entry, brackets dropped."""
    return [fold(t) for t in _TOKEN.findall(strip_brackets(segment))]


def _bigrams(words: list[str]) -> set[str]:
    return {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}


def _stems_and_bigrams(segment: str, lang: str) -> set[str]:
    """The stems of a sub-entry's words and of its word pairs."""
    stems = [stem(w, lang) for w in _words(segment)]
    return set(stems) | _bigrams(stems)


_ABBREVIATION = re.compile(r"(?:^|\s)/[^/|]*?/(?=\s|$|;|\|)")


def _strip_abbreviations(side: str) -> str:
    """Drop Ding's abbreviation notes: "government /Gov.; Govt./", "Zeile {f} /Z./"."""
    return _ABBREVIATION.sub(" ", side)


def _is_inflection(raw_terms: list[str], head_is_verb: bool) -> bool:
    """A sub-entry that lists inflected forms of the head (plural; a verb's participles and persons)."""
    tags = set().union(*(tags_of(s) for s in raw_terms)) if raw_terms else set()
    if tags:
        return tags <= INFLECTION_TAGS
    return head_is_verb and all(len(strip_brackets(s).split()) <= 3 for s in raw_terms)


def _collect_forms(
    data: Collected,
    lang: str,
    head: list[tuple[str, str | None]],
    forms: list[tuple[str, str | None]],
    is_verb: bool,
) -> None:
    if len(head) != len(forms):
        return
    for (_, lemma), (_, form) in zip(head, forms, strict=True):
        if lemma and " " in lemma and is_verb:
            lemma = lemma.split()[-1 if lang == "de" else 0]  # "Daten herunterladen", "download data"
        if lemma and form and form != lemma:
            # "er/sie löscht", "he/she deletes", "ich/er/sie löschte": keep the verb form only
            words = form.split()
            if len(words) > 1 and words[0] in _PRONOUNS[lang]:
                form = words[-1]
            if " " in form and " " not in lemma:
                continue
            data.forms[lang][form][lemma] += 1


# ------------------------------------------------------------------------------------ FreeDict (dictd)

_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_STOP_LINE = re.compile(r'^\s*("|Note:|Synonyms?:|see:)')


def b64_number(text: str) -> int:
    n = 0
    for c in text:
        n = n * 64 + _B64[c]
    return n


def dictd_entries(name: str) -> Iterator[str]:
    """The text of every entry of a dictd database, in index order, each once."""
    with gzip.open(FREEDICT / f"{name}.dict.dz") as f:  # dictzip is gzip-compatible
        body = f.read()
    seen: set[int] = set()
    with (FREEDICT / f"{name}.index").open(encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or parts[0].startswith("00-database") or parts[0].startswith("00database"):
                continue
            offset, size = b64_number(parts[1]), b64_number(parts[2])
            if offset in seen:
                continue
            seen.add(offset)
            yield body[offset : offset + size].decode("utf-8", errors="replace")


def freedict_pairs(name: str, source: str) -> Iterator[tuple[str, str]]:
    """(source term, target term) for every sense of a FreeDict dictd database."""
    target = "en" if source == "de" else "de"
    for entry in dictd_entries(name):
        lines = entry.split("\n")
        head_line = lines[0]
        head = re.split(r"\s/|\s<", head_line, maxsplit=1)[0]
        key = clean_term(head, source)
        if key is None:
            continue
        for line in lines[1:]:
            if not line.strip():
                continue
            if _STOP_LINE.match(line):
                break
            if labels_of(line) & DROP_LABELS:
                continue
            for raw in strip_brackets(line).split(","):
                value = clean_term(raw, target)
                if value:
                    yield key, value


# ------------------------------------------------------------------------------------ selection


def package_versions() -> list[str]:
    out = []
    for name in PACKAGES:
        try:
            version = subprocess.run(
                ["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            sys.exit(f"{name} is not installed (apt-get install {' '.join(PACKAGES)})")
        out.append(f"{name} {version}")
    return out


def rank(data: Collected) -> tuple[dict[str, dict[str, list[str]]], dict[str, dict[str, float]]]:
    """For each kept word of each language, its best translations, and the score of the best one."""
    scored: dict[str, defaultdict[str, list[tuple[float, str]]]] = {"de": defaultdict(list), "en": defaultdict(list)}
    for (d, e), base in data.pair_score.items():
        score = 1.5 * math.log1p(base) + math.log1p(data.cooc.get((d, e), 0))
        score += 0.25 * ((d, e) in data.freedict["de"]) + 0.25 * ((e, d) in data.freedict["en"])
        if (d, e) in data.tech_pairs:
            score *= 1.25
        if " " in d or " " in e:
            score *= 0.8  # a single word is the better match for lexical search
        scored["de"][d].append((score, e))
        scored["en"][e].append((score, d))
    table: dict[str, dict[str, list[str]]] = {"de": {}, "en": {}}
    best: dict[str, dict[str, float]] = {"de": {}, "en": {}}
    kept: dict[tuple[str, str], bool] = {}

    def keep(lang: str, word: str) -> bool:
        if (lang, word) not in kept:
            kept[lang, word] = keep_word(data, lang, word)
        return kept[lang, word]

    for lang in ("de", "en"):
        for word, candidates in scored[lang].items():
            if not keep(lang, word):
                continue
            other = "en" if lang == "de" else "de"
            good = [(s, t) for s, t in candidates if keep(other, t) or s >= 3.0]
            good.sort(key=lambda st: (-st[0], st[1]))
            good = [(s, t) for s, t in good if s >= MIN_RELATIVE_SCORE * good[0][0]] if good else good
            values = [t for _, t in good[:MAX_TRANSLATIONS]]
            if values:
                table[lang][word] = values
                best[lang][word] = good[0][0]
    return table, best


def keep_word(data: Collected, lang: str, word: str) -> bool:
    """Common enough: its stem occurs in several Ding sub-entries, or it is a computing/technical term."""
    if word in data.tech[lang]:
        return True
    return data.occurrences[lang].get(stem_phrase(word, lang), 0) >= MIN_OCCURRENCES


def inflections(
    data: Collected, table: dict[str, dict[str, list[str]]], best: dict[str, dict[str, float]]
) -> dict[str, dict[str, str]]:
    """form → lemma where the lemma is kept and the Snowball stems differ (else the stem lookup finds it),
    or where the form is a headword too but a weak one or a participle/plural: "gelöscht" (blanked) →
    löschen, "users" → user; "setting" (Einstellung) keeps its own entry rather than becoming "set"."""
    out: dict[str, dict[str, str]] = {"de": {}, "en": {}}
    for lang in ("de", "en"):
        for form, lemmas in data.forms[lang].items():
            candidates = [(-n, lemma) for lemma, n in lemmas.items() if lemma in table[lang]]
            if not candidates:
                continue
            lemma = min(candidates)[1]
            if form in table[lang]:
                inflected = (lang == "de" and form.startswith("ge") and not lemma.startswith("ge")) or (
                    lang == "en" and form in {lemma + "s", lemma + "es"}
                )  # participles and plurals: the lemma's senses come first ("gelöscht", "users")
                if not inflected and best[lang][form] >= 0.5 * best[lang][lemma]:
                    continue  # a headword of its own
            elif stem(form, lang) == stem(lemma, lang):
                continue
            out[lang][form] = lemma
    return out


def render(versions: list[str], table: dict[str, dict[str, list[str]]], forms: dict[str, dict[str, str]]) -> bytes:
    text = io.StringIO()
    text.write(f"# Quelle German-English lexicon, built by scripts/build_lexicon.py from: {', '.join(versions)}\n")
    text.write("# Ding (trans-de-en) (c) Frank Richter, GPL-2+; FreeDict deu-eng/eng-deu GPL-3/AGPL-3\n")
    text.write("# rows: <de|en> TAB <folded word> TAB <translation>;... | <de=|en=> TAB <form> TAB <lemma>\n")
    for lang in ("de", "en"):
        for word in sorted(table[lang]):
            text.write(f"{lang}\t{word}\t{';'.join(table[lang][word])}\n")
    for lang in ("de", "en"):
        for form in sorted(forms[lang]):
            text.write(f"{lang}=\t{form}\t{forms[lang][form]}\n")
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
        gz.write(text.getvalue().encode("utf-8"))
    return buffer.getvalue()


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(list(argv) if argv is not None else None)
    versions = package_versions()
    data = Collected()
    collect_ding(DING, data)
    count_cooccurrences(DING, data)
    data.freedict["de"] = set(freedict_pairs("freedict-deu-eng", "de"))
    data.freedict["en"] = set(freedict_pairs("freedict-eng-deu", "en"))
    table, best = rank(data)
    forms = inflections(data, table, best)
    blob = render(versions, table, forms)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(blob)
    print(f"sources: {', '.join(versions)}")
    print(f"Ding pairs: {len(data.pair_score)}; FreeDict pairs: de→en {len(data.freedict['de'])}, "
          f"en→de {len(data.freedict['en'])}")  # fmt: skip
    for lang in ("de", "en"):
        print(f"{lang}: {len(table[lang])} words, {sum(map(len, table[lang].values()))} translations, "
              f"{len(forms[lang])} inflected forms")  # fmt: skip
    print(f"wrote {args.out} ({len(blob):,} bytes)")


if __name__ == "__main__":
    main()
