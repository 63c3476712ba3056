"""The retriever's view follows the store: after any change it equals a view built from scratch, and a
change to one document reads only that document's chunks again."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.config import ChunkSettings, RetrievalSettings
from rag.crosslingual import CrossLingual
from rag.documents import make_document
from rag.ingest import Indexer
from rag.question import analyse
from rag.retrieval import HybridRetriever, load_view
from rag.store import ChromaStore

pytestmark = pytest.mark.slow  # retrieval through the real embedding model (on both stores)


def _doc(doc_id: str, text: str):  # type: ignore[no-untyped-def]
    return make_document(text, doc_id=doc_id, title=doc_id, source=f"upload:{doc_id}", language="de")


@pytest.fixture()
def parts(tmp_path: Path, embedder, store_settings, seed_doc):  # type: ignore[no-untyped-def]
    store = ChromaStore(store_settings, str(tmp_path / "data"))
    indexer = Indexer(store, embedder, ChunkSettings(size=400, overlap=80))
    indexer.add_many([seed_doc, _doc("apples", "Äpfel wachsen in Südtirol. Die Ernte beginnt im September."),
                      _doc("pears", "Birnen reifen später als Äpfel.")])
    return store, indexer, HybridRetriever(store, embedder, RetrievalSettings())


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.registry == b.registry
    assert a.chunks == b.chunks
    assert a.sections == b.sections
    for query in ("Wie viele Chips hat Baidu bestellt?", "Wann beginnt die Apfelernte?", "Birnen"):
        assert a.bm25.search(query, 10) == b.bm25.search(query, 10)


def test_view_after_update_and_delete_equals_a_fresh_view(parts, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    store, indexer, retriever = parts
    retriever.view()
    indexer.add(_doc("apples", "Äpfel wachsen am Bodensee. Gepflückt wird ab Ende August."))
    indexer.remove("pears")
    indexer.add(_doc("plums", "Pflaumen sind im Herbst reif."))

    read: list[list[str]] = []
    real = store.committed_chunks
    monkeypatch.setattr(store, "committed_chunks", lambda records: read.append([r.doc_id for r in records])
                        or real(records))
    monkeypatch.setattr(store, "registry", lambda: pytest.fail("the whole registry read after a small change"))
    monkeypatch.setattr(store, "iter_chunks", lambda *a, **k: pytest.fail("a full scan after a small change"))
    monkeypatch.setattr(store, "chunks_of_documents", lambda *a, **k: pytest.fail("chunks found by a filter"))
    view = retriever.view()
    assert [sorted(ids) for ids in read] == [["apples", "plums"]]
    monkeypatch.undo()
    _same(view, load_view(store))
    assert "pears" not in view.registry and not [c for c in view.chunks.values() if c.doc_id == "pears"]
    hits = retriever.search("Wo wachsen Äpfel?", 3, mode="bm25")
    assert hits[0].doc_id == "apples" and "Bodensee" in hits[0].text


def test_without_version_markers_the_view_compares_the_whole_registry(parts) -> None:  # type: ignore[no-untyped-def]
    store, indexer, retriever = parts
    retriever.view()
    indexer.add(_doc("apples", "Äpfel wachsen am Bodensee."))
    indexer.remove("pears")
    store.markers.delete(ids=store.markers.get(include=[])["ids"])  # as a store written before the markers
    assert store.registry_changes({}) is None
    view = retriever.view()
    _same(view, load_view(store))
    assert "pears" not in view.registry and "Bodensee" in retriever.search("Äpfel", 1, mode="bm25")[0].text


HANDBOOK = """# Systemverwaltung

Dieses Kapitel beschreibt die tägliche Arbeit am Rechner.

## Virtuelle Konsolen

Mit Alt-F1 bis Alt-F6 wechseln Sie zwischen sechs Textbildschirmen.

## Verifizierung von installierten Paketdateien

Das Werkzeug debsums vergleicht jede Datei mit ihrer Prüfsumme aus dem Archiv.

## Zeitzone einstellen

Der Befehl dpkg-reconfigure tzdata fragt nach Region und Stadt.
"""


@pytest.fixture()
def handbook(tmp_path: Path, embedder, store_settings):  # type: ignore[no-untyped-def]
    store = ChromaStore(store_settings, str(tmp_path / "data"))
    Indexer(store, embedder, ChunkSettings(size=100, overlap=0)).add(
        make_document(HANDBOOK, doc_id="handbook", title="Handbuch", source="upload:handbook.md", language="de"))
    return store


@pytest.mark.parametrize(("question", "heading"), [
    ("Wie verifiziere ich installierte Paketdateien?", "Verifizierung von installierten Paketdateien"),  # words
    ("Virtual consoles", "Virtuelle Konsolen"),  # across languages
    ("How do I set the time zone?", "Zeitzone einstellen"),
])
def test_a_question_worded_like_a_heading_reads_that_section(handbook, embedder, question: str,
                                                             heading: str) -> None:  # type: ignore[no-untyped-def]
    retriever = HybridRetriever(handbook, embedder, RetrievalSettings(), CrossLingual())
    added = retriever.with_headings(analyse(question), [])
    assert added and added[0].section.endswith(heading)
    assert added[0].start == HANDBOOK.index(heading)  # the section's first chunk, which opens with its heading


def test_no_heading_matches_a_question_about_something_else(handbook, embedder) -> None:  # type: ignore[no-untyped-def]
    retriever = HybridRetriever(handbook, embedder, RetrievalSettings(), CrossLingual())
    assert retriever.with_headings(analyse("Wie backe ich ein Roggenbrot?"), []) == []
    assert retriever.with_headings(analyse("Virtual consoles"), [], doc_ids=["elsewhere"]) == []  # other documents
    passages = retriever.search("Virtuelle Konsolen", 3)
    assert retriever.with_headings(analyse("Virtuelle Konsolen"), passages) == passages  # already read: not again
