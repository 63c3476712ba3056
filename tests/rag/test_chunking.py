"""Sentence splitting and chunking keep exact offsets and never cut a sentence."""

from rag.chunking import chunk_text, embedding_text, split_sentences
from rag.structure import Outline, detect_outline


def test_sentences_of_the_seed_are_located_exactly(seed_doc) -> None:  # type: ignore[no-untyped-def]
    spans = split_sentences(seed_doc.text)
    texts = [seed_doc.text[a:b] for a, b in spans]
    assert "Update vom 30. September 2024:" in texts  # "30." is a date, not a sentence end
    assert any(t.startswith("So soll Baidu 1.600 Huawei Ascend 910B") and t.endswith("kann.") for t in texts)
    assert all(t == t.strip() and t for t in texts)


def test_abbreviations_do_not_end_sentences() -> None:
    text = "Das kostet ca. 5 Mio. Euro, z.B. für Chips. Dann folgt Satz zwei. And Mr. Smith agreed."
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Das kostet ca. 5 Mio. Euro, z.B. für Chips.",
        "Dann folgt Satz zwei.",
        "And Mr. Smith agreed.",
    ]


def test_every_chunk_is_its_body_span_and_whole_sentences(seed_doc) -> None:  # type: ignore[no-untyped-def]
    body = seed_doc.text
    chunks = chunk_text(seed_doc.doc_id, body, seed_doc.outline, size=700, overlap=150)
    assert len(chunks) >= 4
    starts = {a for a, _ in split_sentences(body)}
    ends = {b for _, b in split_sentences(body)}
    for chunk in chunks:
        assert body[chunk.start : chunk.end] == chunk.text
        assert chunk.start in starts and chunk.end in ends
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    assert all(i in covered for a, b in split_sentences(body) for i in range(a, b))
    # consecutive chunks overlap by whole sentences
    assert any(chunks[i + 1].start < chunks[i].end for i in range(len(chunks) - 1))


def test_a_sentence_longer_than_the_size_is_kept_whole() -> None:
    long = "Wort " * 300 + "Ende."
    text = f"Kurz. {long} Noch einer."
    chunks = chunk_text("d", text, Outline(()), size=100, overlap=20)
    assert any(c.text == long for c in chunks)
    assert all(text[c.start : c.end] == c.text for c in chunks)


MANUAL = """Handbuch

1. Installation

    Das Programm wird mit make install in das Verzeichnis /usr/local
    installiert. Danach steht es allen Benutzern zur Verfügung, sobald
    kompiliert worden ist.

1.1. Voraussetzungen

    Sie brauchen einen C-Compiler.
"""


def test_a_wrapped_line_is_no_sentence_boundary() -> None:
    outline = detect_outline(MANUAL)
    texts = [MANUAL[a:b] for a, b in split_sentences(MANUAL, outline=outline)]
    assert "kompiliert worden ist." not in texts
    assert any(t.startswith("Danach steht es allen Benutzern") and t.endswith("kompiliert worden ist.") for t in texts)
    assert "1.1. Voraussetzungen" in texts  # a heading is a unit of its own


def test_chunks_stay_inside_their_section_and_know_its_path() -> None:
    outline = detect_outline(MANUAL)
    chunks = chunk_text("m", MANUAL, outline, size=900, overlap=200)
    assert [c.section for c in chunks] == ["1. Installation", "1. Installation › 1.1. Voraussetzungen"]
    assert all(MANUAL[c.start : c.end] == c.text for c in chunks)
    # the chunk is embedded under its heading path (its own heading opens its text already)
    assert embedding_text(chunks[1]).startswith("1. Installation\n1.1. Voraussetzungen")


GRID = """Dienste

    Tabelle 3.6. Liste typischer systemctl-Befehle

    +---------------------------------------------------------------+
    |                Tätigkeit                |       Befehl        |
    |-----------------------------------------+---------------------|
    |Unit-Konfiguration aller Targets         |"systemctl list-units|
    |auflisten                                |--type=target"       |
    |-----------------------------------------+---------------------|
    |Den Dienst neu starten. Danach läuft er  |"systemctl restart   |
    |wieder.                                  |$unit"               |
    +---------------------------------------------------------------+
"""


def test_a_grid_table_row_is_one_unit_without_borders_or_column_heads() -> None:
    spans = split_sentences(GRID, outline=detect_outline(GRID))
    texts = [GRID[s:e] for s, e in spans]
    rows = [t for t in texts if t.startswith("|")]
    assert rows == [
        '|Unit-Konfiguration aller Targets         |"systemctl list-units|\n'
        '    |auflisten                                |--type=target"       |',
        '|Den Dienst neu starten. Danach läuft er  |"systemctl restart   |\n'
        '    |wieder.                                  |$unit"               |',
    ]  # the wrapped cells of a row stay together, a period inside a cell ends nothing
    assert not any("Tätigkeit" in t or t.startswith("+") for t in texts)
    assert "Tabelle 3.6. Liste typischer systemctl-Befehle" in texts


MARKDOWN = """# Werkzeugkasten

## Befehle

| Befehl | Wirkung |
|:-------|--------:|
| `kasten add` | Fügt ein Werkzeug hinzu. Danach ist es da. |
| `kasten rm` | Entfernt ein Werkzeug. |

Installieren Sie den Kasten so:

```bash
# holt das Paket. Dann installiert es
pip install kasten
```
"""


def test_a_markdown_table_row_is_one_unit_and_a_fenced_code_block_is_one_unit() -> None:
    texts = [MARKDOWN[s:e] for s, e in split_sentences(MARKDOWN, outline=detect_outline(MARKDOWN))]
    assert [t for t in texts if t.startswith("|")] == [
        "| `kasten add` | Fügt ein Werkzeug hinzu. Danach ist es da. |",  # one row per line, column heads dropped
        "| `kasten rm` | Entfernt ein Werkzeug. |",
    ]
    assert "```bash\n# holt das Paket. Dann installiert es\npip install kasten\n```" in texts
    assert all(s < e for s, e in split_sentences(MARKDOWN, outline=detect_outline(MARKDOWN)))


REBASE = """## Squash commits

This will open a screen like this:

```text
pick 6928fc1 crypto: add feature A
pick 8120c4c add test for feature A

# Rebase f9456a2..7d6f433 onto f9456a2
#
# Commands:
#  p, pick = use commit
#  r, reword = use commit, but edit the commit message
#  e, edit = use commit, but stop for amending
#  s, squash = use commit, but meld into previous commit
#  f, fixup = like "squash", but discard this commit's log message
#  x, exec = run command (the rest of the line) using shell
#  d, drop = remove commit
#  l, label = label current HEAD with a name
#
# However, if you remove everything, the rebase will be aborted.
```
"""


def test_a_long_fenced_code_block_is_read_in_pieces() -> None:
    # Node.js's collaborator guide: the whole 25-line todo list was the answer to "Which command squashes commits?"
    texts = [REBASE[s:e] for s, e in split_sentences(REBASE, outline=detect_outline(REBASE))]
    assert texts[2:] == [
        "pick 6928fc1 crypto: add feature A\npick 8120c4c add test for feature A",
        "# Rebase f9456a2..7d6f433 onto f9456a2",
        "\n".join(REBASE.split("\n")[10:18]),  # "# Commands:" and seven more lines: CODE_LINES at most
        "#  l, label = label current HEAD with a name",
        "# However, if you remove everything, the rebase will be aborted.",
    ]


def test_a_grid_table_cut_by_a_chunk_keeps_its_wrapped_rows_together() -> None:
    # A chunk may open in the middle of a table: no border above it, its rows still wrap over several lines, and its
    # first row, however short its cells, is a row (column heads open a table with its border).
    text = ("    |/var/log/apt/ |Protokollierung der grundlegenden |\n"
            "    |term.log      |APT-Aktivitäten                   |\n"
            "    |--------------+-----------------------------------|\n"
            "    |/var/log/     |Protokollierung des               |\n"
            "    |aptitude      |aptitude-Befehls                  |\n")
    texts = [text[s:e] for s, e in split_sentences(text, outline=detect_outline(text))]
    assert texts == [
        "|/var/log/apt/ |Protokollierung der grundlegenden |\n    |term.log      |APT-Aktivitäten                   |",
        "|/var/log/     |Protokollierung des               |\n    |aptitude      |aptitude-Befehls                  |",
    ]


LINKED = """# Long Term Support

Long Term Support (LTS) guarantees 30-month support cycles for specific Node.js
versions. You can find more information
[in the full release plan](https://github.com/nodejs/Release#release-plan). Once
a branch enters LTS, the release plan limits the types of changes permitted in
the branch.

[Network]
Address=192.168.0.15/24
Gateway=192.168.0.1
"""


def test_a_short_line_before_a_long_word_is_no_boundary_but_a_list_of_short_lines_keeps_its_lines() -> None:
    texts = [LINKED[a:b] for a, b in split_sentences(LINKED, outline=detect_outline(LINKED))]
    # the link did not fit after "information", so the line is short: still one sentence
    link = "[in the full release plan](https://github.com/nodejs/Release#release-plan)."
    assert f"You can find more information\n{link}" in texts
    assert "Once\na branch enters LTS, the release plan limits the types of changes permitted in\nthe branch." in texts
    # in a narrow group (a config file) a short line still ends its block, whatever would fit after it
    assert texts[-2] == "[Network]"


INDENTED = """BESCHREIBUNG
       Aktualisiert die Zugriffs‐ und Modifikationszeiten jeder DATEI auf die
       aktuelle Zeit. Beachten Sie, dass -d und -t verschiedene Zeit‐Datum‐Formate
       akzeptieren.
"""


def test_a_piece_cut_after_a_lines_indentation_keeps_its_first_sentence_whole() -> None:
    start = INDENTED.index("Beachten")
    piece = INDENTED[start:]  # as a chunk starts: at a sentence, inside its line
    outline = Outline(())
    whole = [piece[a:b] for a, b in split_sentences(piece, outline=outline, continued=True)]
    assert whole == ["Beachten Sie, dass -d und -t verschiedene Zeit‐Datum‐Formate\n       akzeptieren."]
    # read as if it began its line, the first line is less indented than the next: a boundary
    assert len(split_sentences(piece, outline=outline)) == 2


def test_a_period_on_a_command_line_ends_no_sentence() -> None:
    # Debian Reference 10.1.4: "# cd ./source; rsync -aHAXSv . /dest" was cut after "rsync -aHAXSv ."
    text = ("rsync(8):\n\n# cd ./source; rsync -aHAXSv . /dest\n# cd ./source; rsync -aHAXSv . user@host.dom:/dest\n\n"
            "GNU tar(1):\n\n# (cd ./source && tar cf - . ) | (cd /dest && tar xvfp - )\n\n"
            "Sie können auch diesen \".\" durch \"foo\" ersetzen. Das kopiert nur foo.\n")
    texts = [text[s:e] for s, e in split_sentences(text, outline=detect_outline(text))]
    assert texts == [
        "rsync(8):",
        "# cd ./source; rsync -aHAXSv . /dest\n# cd ./source; rsync -aHAXSv . user@host.dom:/dest",
        "GNU tar(1):",
        "# (cd ./source && tar cf - . ) | (cd /dest && tar xvfp - )",
        'Sie können auch diesen "." durch "foo" ersetzen.',
        "Das kopiert nur foo.",
    ]
