"""Headings and blocks found in plain text, Markdown, reStructuredText, man pages and HTML."""

from __future__ import annotations

from rag.documents import html_text
from rag.structure import Outline, detect_outline, iter_blocks


def headings(text: str, outline: Outline) -> list[tuple[int, str, str]]:
    return [(h.level, h.kind, text[h.start : h.end]) for h in outline.headings]


def test_markdown_and_underlined_headings() -> None:
    text = ("# Titel\n\nEinleitung.\n\n## Teil eins\n\nText.\n\nAbschnitt\n=========\n\nMehr.\n\n"
            "Unterabschnitt\n--------------\n\nNoch mehr.\n")
    assert headings(text, detect_outline(text)) == [
        (1, "heading", "Titel"), (2, "heading", "Teil eins"), (1, "heading", "Abschnitt"),
        (2, "heading", "Unterabschnitt"),
    ]


def test_numbered_headings_and_their_paths() -> None:
    text = "1. Grundlagen\n\n    Text eins.\n\n1.2. Dateien\n\n    Text zwei steht hier.\n"
    outline = detect_outline(text)
    assert headings(text, outline) == [(1, "heading", "1. Grundlagen"), (2, "heading", "1.2. Dateien")]
    assert outline.path_at(text, text.index("Text zwei")) == "1. Grundlagen › 1.2. Dateien"


def test_sentences_and_captions_are_no_headings() -> None:
    text = ("Einleitung\n\n    Als erstes deaktivieren Sie die Unit:\n\n    $ systemctl disable foo\n\n"
            "    Tabelle 1.8. Liste erwähnenswerter Gruppen zur Ausführung\n    besonderer Befehle\n")
    assert headings(text, detect_outline(text)) == [(1, "heading", "Einleitung")]


MAN = """BESCHREIBUNG
       Auflistung von Informationen über die DATEIen (Standardvorgabe ist das
       aktuelle Verzeichnis).

       -a, --all
\t      Einträge nicht ignorieren, die mit ».« beginnen

       -c     Mit -lt: Sortieren nach und Anzeigen von ctime (die Zeit der
\t      letzten Änderung der Statusinformation der Datei)
"""


def test_man_page_sections_and_option_lines() -> None:
    outline = detect_outline(MAN)
    assert headings(MAN, outline) == [(1, "heading", "BESCHREIBUNG"), (2, "option", "-a, --all"), (2, "option", "-c")]
    assert outline.path_at(MAN, MAN.index("Einträge")) == "BESCHREIBUNG › -a, --all"
    blocks = [MAN[a:b] for a, b in iter_blocks(MAN, outline)]
    # the description after "-c" runs on over its wrapped, tab-indented lines as one block
    assert any(b.startswith("Mit -lt:") and b.endswith("Statusinformation der Datei)") for b in blocks)
    assert any(b.startswith("Auflistung") and b.endswith("aktuelle Verzeichnis).") for b in blocks)


def test_html_blocks_flow_inline_elements_and_record_headings() -> None:
    html = ("<html><body><div class='toc'>Inhalt</div><h1>Kapitel</h1><p>Die Datei <code>/etc/passwd</code> "
            "enthält <a href='#'>Konten</a>.</p><dl><dt>-v</dt><dd>Mehr ausgeben.</dd></dl>"
            "<table><tr><th>Befehl</th><th>Funktion</th></tr><tr><td>chage</td><td>Alter verwalten</td></tr></table>"
            "</body></html>")
    text, outline = html_text(html)
    assert "Die Datei /etc/passwd enthält Konten." in text
    assert "Inhalt" not in text  # a table of contents is navigation, not text
    assert "chage\tAlter verwalten" in text
    assert headings(text, outline) == [(1, "heading", "Kapitel"), (7, "option", "-v"), (9, "label", "Befehl\tFunktion")]
    assert outline.path_at(text, text.index("Mehr")) == "Kapitel › -v"
