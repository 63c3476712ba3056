"""The heading probe's items: each numbered heading in German and, through its number, in English, with the span of
its German section (subsections included)."""

from __future__ import annotations

from pathlib import Path

from evals.headings import CHAPTERS, items, numbered_sections

GERMAN = """<html><head><title>Kapitel 1</title></head><body>
<h2>1.1. Virtuelle Konsolen</h2><p>Mit Alt-F1 wechseln Sie die Konsole.</p>
<h3>1.1.1. Wechseln</h3><p>Alt-F2 führt zur zweiten.</p>
<h2>1.2. Zeitzone einstellen</h2><p>Der Befehl dpkg-reconfigure tzdata fragt nach der Stadt.</p>
</body></html>"""
ENGLISH = """<html><head><title>Chapter 1</title></head><body>
<h2>1.1. Virtual consoles</h2><p>Alt-F1 switches.</p><h3>1.1.1. Switching</h3><p>Alt-F2.</p>
</body></html>"""


def test_items_pair_the_headings_by_number(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "ch01.de.html").write_text(GERMAN, encoding="utf-8")
    (tmp_path / "ch01.en.html").write_text(ENGLISH, encoding="utf-8")
    monkeypatch.setitem(CHAPTERS, "dev", ("01",))
    sections = numbered_sections(tmp_path / "ch01.de.html")
    assert [(n, h) for n, (h, _, _) in sections.items()] == [
        ("1.1", "Virtuelle Konsolen"), ("1.1.1", "Wechseln"), ("1.2", "Zeitzone einstellen")]
    found = items("dev", tmp_path)
    assert [(i.lang, i.number, i.question) for i in found] == [
        ("de", "1.1", "Virtuelle Konsolen"), ("en", "1.1", "Virtual consoles"), ("de", "1.1.1", "Wechseln"),
        ("en", "1.1.1", "Switching"), ("de", "1.2", "Zeitzone einstellen")]
    top = found[0]
    assert top.start == sections["1.1"][1] and top.end == sections["1.2"][1]  # 1.1.1 lies inside 1.1


def test_the_text_edition_is_cut_into_its_chapters(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import gzip

    from evals.headings import text_chapters

    edition = ("Inhaltsverzeichnis\n\n  Kapitel 1. GNU/Linux-Lehrstunde\n\n"
               "Kapitel 1. GNU/Linux-Lehrstunde\n\n1.1. Konsole\n\n    Text eins.\n\n"
               "Kapitel 2. Debian-Paketmanagement\n\n2.1. Grundlagen\n\n    Text zwei.\n\n"
               "Kapitel 3. Die Systeminitialisierung\n\n    Text drei.\n\n"
               "Anhang A. Anhang\n\n    Rest.\n")
    source = tmp_path / "debian-reference.de.txt.gz"
    with gzip.open(source, "wt", encoding="utf-8") as handle:
        handle.write(edition)
    monkeypatch.setitem(CHAPTERS, "dev", ("02",))
    monkeypatch.setitem(CHAPTERS, "test", ("03",))
    files = text_chapters(source, tmp_path / "txt")
    assert sorted(files) == ["02", "03"]  # chapter 1 is never cut out: it is kept aside for a hidden test
    assert files["02"].read_text(encoding="utf-8") == ("Kapitel 2. Debian-Paketmanagement\n\n2.1. Grundlagen\n\n"
                                                       "    Text zwei.\n\n")
    assert files["03"].read_text(encoding="utf-8").endswith("Text drei.\n\n")  # up to the appendix
    assert [(n, h) for n, (h, _, _) in numbered_sections(files["02"]).items()] == [("2.1", "Grundlagen")]
