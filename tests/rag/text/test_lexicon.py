"""The packaged German–English lexicon: it loads, core words translate both ways, inflections find their headword."""

from __future__ import annotations

import gzip
import threading

import pytest

from rag.text import lexicon
from rag.text.lexicon import Lexicon, expand, fold, lexicon_size, translate

# (German, English): each must translate to the other within the first three translations.
CORE = [
    ("Datei", "file"),
    ("Verzeichnis", "directory"),
    ("löschen", "delete"),
    ("Benutzer", "user"),
    ("Passwort", "password"),
    ("Kennwort", "password"),
    ("Rechner", "computer"),
    ("Befehl", "command"),
    ("Paket", "package"),
    ("Netzwerk", "network"),
    ("Einstellung", "setting"),
    ("Laufwerk", "drive"),
    ("Ausgabe", "output"),
    ("Tastatur", "keyboard"),
    ("Datenbank", "database"),
    ("Regierung", "government"),
    ("Unternehmen", "company"),
]


def test_the_packaged_file_loads_with_its_sources_recorded() -> None:
    assert lexicon_size() > 20_000
    header = " ".join(Lexicon.default().header)
    for package in ("trans-de-en", "dict-freedict-deu-eng", "dict-freedict-eng-deu"):
        assert package in header


def test_the_default_lexicon_is_loaded_once_across_threads() -> None:
    seen: list[Lexicon] = []
    threads = [threading.Thread(target=lambda: seen.append(Lexicon.default())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(x) for x in seen}) == 1


@pytest.mark.parametrize(("de", "en"), CORE)
def test_core_words_translate_both_ways(de: str, en: str) -> None:
    assert fold(en) in translate(de, "de", "en"), translate(de, "de", "en")
    assert fold(de) in translate(en, "en", "de"), translate(en, "en", "de")


def test_translations_are_folded_and_the_common_sense_comes_first() -> None:
    assert translate("Datei", "de", "en")[0] == "file"
    assert translate("file", "en", "de")[0] == "datei"
    assert translate("delete", "en", "de")[0] == "loschen"  # löschen, folded
    assert "hard disk" in translate("Festplatte", "de", "en")  # two-word terms too
    assert "festplatte" in translate("hard disk", "en", "de")


@pytest.mark.parametrize(
    ("word", "source", "expected"),
    [
        ("Dateien", "de", "file"),  # plural
        ("Verzeichnisse", "de", "directory"),
        ("gelöscht", "de", "delete"),  # participle
        ("Benutzern", "de", "user"),
        ("Einstellungen", "de", "setting"),
        ("deleted", "en", "loschen"),
        ("files", "en", "datei"),
        ("users", "en", "benutzer"),
        ("settings", "en", "einstellung"),
        ("DIRECTORIES", "en", "verzeichnis"),
    ],
)
def test_inflected_forms_find_their_headword(word: str, source: str, expected: str) -> None:
    target = "en" if source == "de" else "de"
    assert expected in translate(word, source, target), translate(word, source, target)


def test_unknown_words_and_bad_arguments() -> None:
    assert translate("Xyzzyplugh", "de", "en") == []
    assert translate("", "en", "de") == []
    assert translate("Datei", "de", "en", limit=0) == []
    assert len(translate("file", "en", "de", limit=1)) == 1
    with pytest.raises(ValueError):
        translate("Datei", "de", "fr")
    with pytest.raises(ValueError):
        translate("Datei", "de", "de")


def test_expand_maps_each_distinct_word() -> None:
    out = expand(["Datei", "löschen", "Datei", "Xyzzyplugh"], "de", "en")
    assert list(out) == ["Datei", "löschen", "Xyzzyplugh"]
    assert "file" in out["Datei"] and "delete" in out["löschen"] and out["Xyzzyplugh"] == []


def test_fold() -> None:
    assert fold("Größe") == "grosse"
    assert fold("  Hard   Disk ") == "hard disk"
    assert fold("Café") == "cafe"


def test_a_lexicon_from_rows(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "lex.tsv.gz"
    rows = "# test\nde\tdatei\tfile;computer file\nen\tfile\tdatei;akte\nde=\tgeloscht\tloschen\nde\tloschen\tdelete\n"
    path.write_bytes(gzip.compress(rows.encode()))
    lex = Lexicon.from_file(path)
    assert len(lex) == 3 and lex.header == ["test"]
    assert lex.translate("Dateien", "de", "en") == ["file", "computer file"]
    assert lex.translate("gelöscht", "de", "en") == ["delete"]
    assert lex.translate("Files", "en", "de", limit=1) == ["datei"]
    assert ("Datei", "de") in lex and ("Datei", "en") not in lex


def test_module_exports() -> None:
    assert {"translate", "expand", "lexicon_size", "Lexicon", "fold"} <= set(dir(lexicon))


def test_the_language_of_words_without_function_words() -> None:
    lex = Lexicon.default()
    assert lex.language_of(["virtual", "consoles"]) == "en"
    assert lex.language_of(["grundlegende", "schriften"]) == "de"
    assert lex.language_of(["fonts"]) == "en"  # known by its stem only
    assert lex.language_of(["zzyzx"]) is None


def test_an_english_comparative_is_looked_up_under_its_adjective() -> None:
    # "Which rsync option skips files that are newer on the destination?": "newer" had no translation, so the
    # German "neuer" did not count for it
    assert translate("newer", "en", "de")[:1] == ["neu"]
    assert translate("nicest", "en", "de") == translate("nice", "en", "de")
    assert translate("faster", "en", "de")[:1] == ["schneller"]  # a headword of its own stays itself


def test_a_headword_that_is_also_a_plural_is_looked_up_under_its_singular_too() -> None:
    # Developer's Reference chapter 5: "Um wie viele Tage kann ein Upload … verzögert werden?" counted "Tage" as
    # period and monthlies, so "DELAYED/X-day" did not count days
    assert "day" in translate("tage", "de", "en")
    assert translate("tage", "de", "en")[0] == "period"  # its own senses first
