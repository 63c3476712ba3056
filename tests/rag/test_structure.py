"""Headings and blocks found in plain text, Markdown, reStructuredText, man pages and HTML."""

from __future__ import annotations

import pytest

from rag.documents import html_text
from rag.structure import Outline, detect_outline, heading_topic, iter_blocks


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


MAN_TAIL = """OPTIONEN
       -k --keep
              Eingabedateien behalten.

       --lzip filtert das Archiv mit lzip(1).

       --null weist nachfolgende -T-Optionen an, null-terminierte Namen
              wortgetreu zu lesen.

       Standardmäßig werden Eingabedateien nach dem Komprimieren gelöscht.

SIEHE AUCH
       tar(1)
"""


def test_an_option_section_ends_where_the_text_returns_to_the_option_lines() -> None:
    outline = detect_outline(MAN_TAIL)
    assert headings(MAN_TAIL, outline) == [
        (1, "heading", "OPTIONEN"), (2, "option", "-k --keep"), (2, "option", "--lzip"), (2, "option", "--null"),
        (1, "heading", "SIEHE AUCH"),
    ]  # names without a comma, and a short tag with its description one space after it
    assert outline.path_at(MAN_TAIL, MAN_TAIL.index("wortgetreu")) == "OPTIONEN › --null"
    # the paragraph back at the option lines' indentation belongs to OPTIONEN, not to --null
    assert outline.path_at(MAN_TAIL, MAN_TAIL.index("Standardmäßig")) == "OPTIONEN"
    assert MAN_TAIL.index("Standardmäßig") in outline.section_starts()
    assert Outline.from_json(outline.to_json()) == outline  # stored with the document, ends included
    blocks = [MAN_TAIL[a:b] for a, b in iter_blocks(MAN_TAIL, outline)]
    assert "filtert das Archiv mit lzip(1)." in blocks and "Standardmäßig werden Eingabedateien nach dem " \
        "Komprimieren gelöscht." in blocks


def test_a_paragraph_opening_with_an_option_is_no_option_line() -> None:
    text = "BESCHREIBUNG\n       --force ist gefährlich, denn es überschreibt\n       vorhandene Dateien ohne Frage.\n"
    assert headings(text, detect_outline(text)) == [(1, "heading", "BESCHREIBUNG")]


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


@pytest.mark.parametrize(("heading", "topic"), [
    ("2.4.2. Verifizierung von installierten Paketdateien", "Verifizierung von installierten Paketdateien"),
    ("Kapitel 2. Debian-Paketmanagement", "Debian-Paketmanagement"), ("A.1 Anhang", "Anhang"), ("3) Drei", "Drei"),
    ("A Guide to Debian", "A Guide to Debian"), ("1984 in Rückblick", "1984 in Rückblick"), ("OPTIONEN", "OPTIONEN"),
])
def test_a_heading_topic_has_no_number(heading: str, topic: str) -> None:
    assert heading_topic(heading) == topic


def test_a_line_that_carries_on_a_sentence_is_no_option() -> None:
    # A compound wrapped at its hyphen, and an option named in running text where the line breaks before it:
    # both continue the sentence of the line above, at its indentation.
    text = ("3.2. Systemd-Init\n\n"
            "    Dieser Abschnitt beschreibt, wie das System durch das systemd(1)\n"
            "    -Programm mit der PID=1 (also dem init-Prozess) gestartet wird.\n\n"
            "OPTIONEN\n"
            "       -f, --file=ARCHIV\n"
            "              Falls deren Pfadname nicht passt, können sie den Pfad mit der Option\n"
            "              --rmt-command übergeben.\n\n"
            "       --rmt-command=BEFEHL\n"
            "              verwendet BEFEHL anstelle von rmt.\n")
    options = [text[h.start:h.end] for h in detect_outline(text).headings if h.kind == "option"]
    assert options == ["-f, --file=ARCHIV", "--rmt-command=BEFEHL"]


def test_option_lines_one_after_another_stay_options() -> None:
    text = "OPTIONS\n       -a     list all\n       -b     list brief\n       -c     count only\n"
    assert [text[h.start:h.end] for h in detect_outline(text).headings if h.kind == "option"] == ["-a", "-b", "-c"]


def test_a_table_row_that_opens_with_an_option_is_no_option_line() -> None:
    # German find(1), GESCHICHTE: "-execdir    4.2.12    BSD" became an option section, and "Why is -execdir safer
    # than -exec?" quoted that row first
    text = ("GESCHICHTE\n       Funktion       Hinzugefügt in   Erscheint auch in\n"
            "       -execdir       4.2.12           BSD\n       -okdir         4.2.12\n")
    assert [h.kind for h in detect_outline(text).headings] == ["heading"]


def test_an_option_line_may_stand_a_blank_line_above_its_description() -> None:
    # German sed(1) puts a blank line between each option and its description: only --help and --version were
    # options, and "-i[ENDUNG], --in-place[=ENDUNG]" was quoted as nothing, its description without its option
    text = ("BESCHREIBUNG\n       Sed ist ein Stromeditor.\n\n       -n, --quiet, --silent\n\n"
            "              unterdrückt die Ausgabe des Musterbereichs.\n\n       -i[ENDUNG], --in-place[=ENDUNG]\n\n"
            "              Dateien an Ort und Stelle bearbeiten (erstellt Sicherung, falls\n"
            "              ENDUNG angegeben)\n\n       -l N, --line-length=N\n\n"
            "              Gibt die gewünschte Zeilenumbruchlänge an\n")
    heads = [(h.kind, text[h.start:h.end]) for h in detect_outline(text).headings]
    assert heads == [("heading", "BESCHREIBUNG"), ("option", "-n, --quiet, --silent"),
                     ("option", "-i[ENDUNG], --in-place[=ENDUNG]"), ("option", "-l N, --line-length=N")]


def test_a_ruled_table_head_in_command_output_is_no_heading() -> None:
    # Under a command, not after a blank line, with its columns apart: the head of a table, not an underlined heading.
    text = ("Alternativen\n============\n\n"
            "    $ sudo update-alternatives --config vi\n"
            "      Selection    Command\n"
            "     ----------------------------------------------\n"
            "          1        /usr/bin/vim\n")
    assert [text[h.start:h.end] for h in detect_outline(text).headings] == ["Alternativen"]


def test_a_root_prompt_is_a_command_not_a_heading() -> None:
    # Debian Reference as a PDF: "# cd ./source; rsync -aHAXSv . /dest" became a level-1 heading, and every section
    # after it was under that command
    text = ("10.1.4 Aufrufe für Kopieroperationen\n\nrsync(8):\n\n# cd ./source; rsync -aHAXSv . /dest\n\n"
            "# apt-get update\n\n# cryptsetup close secret\n\nDanach ist alles kopiert.\n\n# Installation\n\nText.\n")
    outline = detect_outline(text)
    assert [text[h.start:h.end] for h in outline.headings] == ["10.1.4 Aufrufe für Kopieroperationen", "Installation"]


def test_a_line_of_numbers_or_data_opens_no_section() -> None:
    # a PDF's table cells and a listing's lines: "3144", "18062 GNU cp", "7 2021-10-04 23:55 secret -> ../dm-0"
    text = ("1 Einleitung\n\nText hier.\n\n3144\n\nMehr Text.\n\n18062 GNU cp\n\nNoch mehr.\n\n33 P\n\nDaten.\n\n"
            "2 Schluss\n\nEnde.\n")
    headings = [text[h.start:h.end] for h in detect_outline(text).headings]
    assert headings == ["1 Einleitung", "2 Schluss"]


def test_in_a_numbered_document_capitals_and_hashes_open_no_chapter() -> None:
    # Debian Reference as a PDF: a table cell "NTFS" and the root prompt "# exit" were level-1 headings, and the
    # sections 10.1 … 10.2 were read as parts of them
    text = ("10.1 Austauschen von Dateien\n\nText.\n\n10.1.1 Archivierung\n\nNTFS\n\nDatenaustausch mit Windows.\n\n"
            "# exit\n\n10.2 Datensicherung\n\nEnde.\n")
    outline = detect_outline(text)
    levels = {text[h.start:h.end]: h.level for h in outline.headings}
    assert "exit" not in levels and levels["NTFS"] > 6  # a label under 10.1.1, not a chapter
    assert outline.path_at(text, text.index("Ende.")) == "10.2 Datensicherung"
    markdown = "# Quelle\n\nText.\n\n## Installation\n\nMehr.\n"  # not numbered: "#" is a heading
    assert [markdown[h.start:h.end] for h in detect_outline(markdown).headings] == ["Quelle", "Installation"]


def test_a_chapter_number_alone_takes_the_title_below_it() -> None:
    # the PDF edition sets "Kapitel 10" and "Datenmanagement" on two lines
    text = ("Ende von 9.\n\nKapitel 10\n\nDatenmanagement\n\nHier werden Werkzeuge beschrieben.\n\n"
            "10.1 Austauschen\n\nText.\n\n1 packets transmitted, 0 received, +1 errors, 100% packet loss\n\nMehr.\n")
    outline = detect_outline(text)
    assert outline.path_at(text, text.index("Hier werden")) == "Kapitel 10 Datenmanagement"
    assert outline.path_at(text, text.index("Mehr.")) == "Kapitel 10 Datenmanagement › 10.1 Austauschen"
    caps = "KAPITEL 6\n\nOptimale Vorgehensweise beim Paketieren\n\n6.1 Helferskripte\n\nText.\n"  # Sphinx's PDF
    assert detect_outline(caps).path_at(caps, caps.index("Text.")) == (
        "KAPITEL 6 Optimale Vorgehensweise beim Paketieren › 6.1 Helferskripte")
