"""Loaders: front matter, HTML, PDF, and clear errors for bad files."""

import re
from pathlib import Path

import pytest

from rag.documents import DocumentError, doc_id_from_path, load_bytes, load_file
from tests.conftest import DOCUMENTS, SEED, handwritten_pdf


def test_seed_body_is_the_article_unchanged(seed_doc) -> None:  # type: ignore[no-untyped-def]
    original = (DOCUMENTS.parent.parent / "shared" / "seed" / "000_a72d3fc20d34990a.txt")
    assert seed_doc.text.startswith("- Reuters-Meldung zu Bytedance ergänzt\nUpdate vom 30. September 2024:")
    assert "---" not in seed_doc.text[:10] and "title:" not in seed_doc.text
    if original.exists():
        assert seed_doc.text == original.read_text(encoding="utf-8").rstrip()
    assert seed_doc.language == "de"
    assert seed_doc.metadata["published"] == "2024-09-29" and seed_doc.metadata["updated"] == "2024-09-30"
    assert seed_doc.title.startswith("Huawei will Nvidia-Kunden")
    assert seed_doc.doc_id == "huawei-ascend-910c-nvidia-china"
    assert load_file(SEED, DOCUMENTS).sha256 == seed_doc.sha256


def test_html_keeps_visible_text_only() -> None:
    html = b"<html><head><title>T</title><style>p{}</style></head><body><p>Hello <b>world</b>.</p>" \
           b"<script>var x='secret';</script></body></html>"
    doc = load_bytes(html, "page.html", doc_id="page")
    assert "Hello" in doc.text and "world" in doc.text and "secret" not in doc.text and "p{}" not in doc.text
    assert doc.title == "T"


def test_an_xhtml_page_has_no_xml_declaration_in_its_text() -> None:
    # Debian Reference's XHTML chapters began with the sentence 'xml version="1.0" encoding="UTF-8" standalone="no"?'
    xhtml = (b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
             b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" "http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">\n'
             b'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Kapitel 4</title></head>'
             b'<body><h1>Kapitel 4</h1><p>Text.</p></body></html>')
    assert load_bytes(xhtml, "ch04.html", doc_id="ch04").text == "Kapitel 4\n\nText."


def test_a_pdf_without_text_is_an_error() -> None:
    with pytest.raises(DocumentError, match="empty"):
        load_bytes(handwritten_pdf([[]]), "blank.pdf", doc_id="blank")


DEBIAN_REFERENCE_PDF = Path("/usr/share/doc/debian-reference-de/docs/debian-reference.de.pdf")  # make test installs it


@pytest.mark.slow
def test_a_latex_pdf_reads_as_words_sections_and_commands() -> None:
    # The German Debian Reference as a PDF (LaTeX, justified, CID fonts): pypdf glued its words together ("Hierwerden
    # WerkzeugeundTipps…"), its running header and page number opened every page, and its root prompts ("# cd
    # ./source; rsync -aHAXSv . /dest") were read as Markdown headings, so no numbered heading was found.
    doc = load_file(DEBIAN_REFERENCE_PDF)
    assert "Hier werden Werkzeuge und Tipps zur Verwaltung von Binär- und Textdateien" in doc.text
    assert not re.search(r"^\s*\d+ ?/ ?\d+\s*$", doc.text, re.MULTILINE)  # "190/ 248"
    headings = {doc.text[h.start:h.end]: h.level for h in doc.outline.headings}
    assert headings["10.1.1 Archivierungs- und Kompressionswerkzeuge"] == 3
    assert not [h for h in headings if h.startswith("cd ./source")]
    path = doc.outline.path_at(doc.text, doc.text.index("Bacula, Amanda und BackupPC sind voll ausgestattete"))
    assert path.endswith("10.2 Datensicherung und -wiederherstellung › 10.2.2 Programmsammlungen für "
                         "Datensicherungsaufgaben"), path


def test_a_pdf_reads_the_same_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # pdfminer.six's grouping of text boxes breaks ties between equally distant boxes by their memory addresses: the
    # Debian Reference PDF read "optional … required" in one process and "required … optional" in another (4 runs
    # of the same code gave two different bodies), so re-ingesting the same file replaced the document. Quelle reads
    # the boxes top to bottom instead, without that grouping.
    from pdfminer.layout import LTLayoutContainer

    def grouping(*args: object, **kwargs: object) -> None:
        raise AssertionError("text boxes grouped by distance: ties are broken by memory addresses")

    monkeypatch.setattr(LTLayoutContainer, "group_textboxes", grouping)
    pages = [["Links oben steht dies.", "Darunter steht das."], ["Die zweite Seite."]]
    doc = load_bytes(handwritten_pdf(pages), "seiten.pdf", doc_id="seiten")
    assert doc.text.index("Links oben") < doc.text.index("Darunter") < doc.text.index("zweite Seite")


def test_running_headers_and_footers_of_a_pdf_are_left_out() -> None:
    # Debian Reference's PDF: "Debian-Referenz" and "181 / 248" on every page became headings of their own
    tools = ["Hammer", "Zange", "Säge", "Feile"]
    body = [[f"Die {tool} liegt im Fach {row}." for row in "ABCDEFG"] for tool in tools]
    pages = [["Handbuch der Werkzeuge", *lines, f"Seite {n} / 4"] for n, lines in enumerate(body, 1)]
    doc = load_bytes(handwritten_pdf(pages), "handbuch.pdf", doc_id="handbuch")
    assert "Handbuch der Werkzeuge" not in doc.text and "Seite" not in doc.text
    assert doc.text.split("\n\n") == ["\n".join(lines) for lines in body]
    assert doc.page_at(doc.text.index("Die Säge liegt im Fach A")) == 3


def test_pdf_pages_are_separated_by_a_blank_line_and_their_starts_kept() -> None:
    doc = load_bytes(handwritten_pdf([["Erste Seite."], ["Zweite Seite.", "Noch eine Zeile."]]), "zwei.pdf",
                     doc_id="zwei")
    assert doc.text == "Erste Seite.\n\nZweite Seite.\nNoch eine Zeile."
    assert doc.pages == (0, doc.text.index("Zweite"))
    assert (doc.page_at(0), doc.page_at(doc.text.index("Noch"))) == (1, 2)


def test_nfc_and_newlines_are_normalised() -> None:
    doc = load_bytes("Gro\u0308ße Chips\r\nzweite Zeile\r\n".encode(), "a.txt", doc_id="a")
    assert doc.text == "Größe Chips\nzweite Zeile"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"text", "notes.docx", "unsupported file type"),
        (b"", "empty.txt", "empty"),
        (b"   \n\n", "blank.md", "empty"),
        (bytes(range(256)) * 4, "garbage.txt", "binary"),
        ("Grüße".encode("latin-1") + b" aus Berlin", "latin1.txt", "not valid UTF-8"),
    ],
)
def test_bad_files_get_clear_errors(data: bytes, name: str, message: str) -> None:
    with pytest.raises(DocumentError, match=message) as err:
        load_bytes(data, name, doc_id="x")
    assert name in str(err.value)


def test_doc_ids_are_stable_and_safe(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Sub Dir" / "Mein Bericht (v2).md"
    assert doc_id_from_path(path, tmp_path) == "sub-dir--mein-bericht-v2"
    with pytest.raises(DocumentError, match="not allowed"):
        load_bytes(b"hi there", "a.txt", doc_id="../../etc/passwd")


def test_a_chapter_title_heading_every_other_page_is_left_out() -> None:
    # The German Developer's Reference PDF (Sphinx): "Kapitel 6. Optimale Vorgehensweise beim Paketieren" heads the
    # even pages of chapter 6 only, too few pages of the book to be running by share; each one reopened the chapter
    titles = ["Kapitel 1. Hämmer", "Kapitel 2. Zangen"]
    tools = ["Hammer", "Fäustel", "Schlegel", "Klopfer", "Zange", "Kneifer", "Seitenschneider", "Abisolierer"]
    pages = []
    for n, tool in enumerate(tools, 1):
        head = [titles[(n - 1) // 4]] if n % 2 == 0 else []
        pages.append([*head, *[f"Der {tool} liegt im Fach {row}." for row in "ABCDEFG"]])
    doc = load_bytes(handwritten_pdf(pages), "werkzeuge.pdf", doc_id="werkzeuge")
    assert not any(title in doc.text for title in titles)
    assert doc.text.count("liegt im Fach") == 8 * 7
