"""Ingestion with the real embedding model and a real embedded Chroma: offsets, atomic versions, bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.config import ChunkSettings, StoreSettings
from rag.ingest import Indexer
from rag.store import ChromaStore
from tests.conftest import SEED

pytestmark = pytest.mark.slow  # ingest through the real embedding model (on both stores)


class CountingEmbedder:
    """Wraps the real embedder and counts what it embeds."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.embedded = 0

    def embed_batch(self, texts):  # type: ignore[no-untyped-def]
        self.embedded += len(texts)
        return self.inner.embed_batch(texts)

    def embed_query(self, text):  # type: ignore[no-untyped-def]
        return self.inner.embed_query(text)


@pytest.fixture()
def docs_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    (folder / "notes.txt").write_text(
        "Quelle indexes documents. The index follows every change at once.\nSecond paragraph here.", encoding="utf-8"
    )
    return folder


@pytest.fixture()
def indexer(tmp_path: Path, embedder, store_settings: StoreSettings) -> Indexer:  # type: ignore[no-untyped-def]
    store = ChromaStore(store_settings, str(tmp_path / "data"))
    return Indexer(store, CountingEmbedder(embedder), ChunkSettings(size=500, overlap=120))  # type: ignore[arg-type]


def visible_chunks(store: ChromaStore, doc_id: str):  # type: ignore[no-untyped-def]
    record = store.record(doc_id)
    return [] if record is None else store.chunks_of(doc_id, record.version)


def test_every_stored_chunk_is_its_body_span(indexer: Indexer, docs_dir: Path) -> None:
    report = indexer.ingest_paths([docs_dir], show_progress=False)
    assert report.count("created") == 2 and not report.failed
    record, body = indexer.store.body("huawei-ascend-910c-nvidia-china")  # type: ignore[misc]
    chunks = visible_chunks(indexer.store, record.doc_id)
    assert len(chunks) == record.chunks >= 6
    for chunk in chunks:
        assert body[chunk.start : chunk.end] == chunk.text
    assert "100.000 Huawei Ascend 910B" in body


def test_reingest_unchanged_embeds_nothing(indexer: Indexer, docs_dir: Path) -> None:
    indexer.ingest_paths([docs_dir], show_progress=False)
    before = indexer.store.chunks.count()
    embedded = indexer.embedder.embedded  # type: ignore[attr-defined]
    report = indexer.ingest_paths([docs_dir], show_progress=False)
    assert report.count("unchanged") == 2 and report.embedded_chunks == 0
    assert indexer.embedder.embedded == embedded  # type: ignore[attr-defined]
    assert indexer.store.chunks.count() == before


def test_edited_file_replaces_its_old_chunks(indexer: Indexer, docs_dir: Path) -> None:
    indexer.ingest_paths([docs_dir], show_progress=False)
    notes = docs_dir / "notes.txt"
    notes.write_text("Completely new content about apples. Apples are red.", encoding="utf-8")
    report = indexer.ingest_paths([docs_dir], show_progress=False)
    assert [r.status for r in report.results if r.doc_id == "notes"] == ["updated"]
    stored = [c for c in indexer.store.iter_chunks() if c.doc_id == "notes"]
    assert len(stored) == indexer.store.record("notes").chunks == 1  # type: ignore[union-attr]
    assert all("Quelle indexes" not in c.text for c in stored)
    assert indexer.store.body("notes")[1].startswith("Completely new")  # type: ignore[index]


def test_prune_and_delete(indexer: Indexer, docs_dir: Path) -> None:
    indexer.ingest_paths([docs_dir], show_progress=False)
    (docs_dir / "notes.txt").unlink()
    report = indexer.ingest_paths([docs_dir], prune=True, show_progress=False)
    assert report.removed == ["notes"]
    assert indexer.store.record("notes") is None
    assert not [c for c in indexer.store.iter_chunks() if c.doc_id == "notes"]
    assert indexer.remove("huawei-ascend-910c-nvidia-china") is True
    assert indexer.remove("huawei-ascend-910c-nvidia-china") is False
    assert indexer.store.chunks.count() == 0 and indexer.store.registry() == {}


@pytest.mark.parametrize("fail_at", ["commit", "drop_other_versions"])
def test_crash_between_write_and_cleanup_leaves_one_complete_version(
    indexer: Indexer, docs_dir: Path, monkeypatch: pytest.MonkeyPatch, fail_at: str
) -> None:
    indexer.ingest_paths([docs_dir], show_progress=False)
    old = indexer.store.record("notes")
    notes = docs_dir / "notes.txt"
    notes.write_text("Version two. " + "A longer sentence that repeats itself for size. " * 30, encoding="utf-8")

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("injected crash")

    monkeypatch.setattr(indexer.store, fail_at, crash)
    with pytest.raises(RuntimeError, match="injected"):
        indexer.ingest_paths([notes], show_progress=False)
    monkeypatch.undo()

    record = indexer.store.record("notes")
    assert record is not None
    visible = visible_chunks(indexer.store, "notes")
    assert len(visible) == record.chunks
    body = indexer.store.body("notes")[1]  # type: ignore[index]
    assert all(body[c.start : c.end] == c.text for c in visible)
    if fail_at == "commit":  # crashed before the switch: the old version is still the one
        assert record.sha256 == old.sha256  # type: ignore[union-attr]
    else:  # crashed after the switch: the new version is complete, the old one is invisible
        assert body.startswith("Version two.")
    # the leftovers are collected, never shown, and a rerun converges
    assert indexer.store.collect_orphans(grace_s=0) >= 1
    indexer.ingest_paths([notes], show_progress=False)
    record = indexer.store.record("notes")
    assert len([c for c in indexer.store.iter_chunks() if c.doc_id == "notes"]) == record.chunks  # type: ignore[union-attr]


def test_bad_files_fail_one_by_one(indexer: Indexer, docs_dir: Path) -> None:
    (docs_dir / "slides.pptx").write_bytes(b"PK\x03\x04 not really")
    (docs_dir / "empty.txt").write_bytes(b"")
    (docs_dir / "garbage.txt").write_bytes(bytes(range(256)) * 8)
    (docs_dir / "latin1.md").write_bytes("Grüße aus Köln".encode("latin-1"))
    report = indexer.ingest_paths([docs_dir], show_progress=False)
    reasons = dict(report.failed)
    assert len(report.failed) == 4
    assert "unsupported file type" in reasons[str(docs_dir / "slides.pptx")]
    assert "empty" in reasons[str(docs_dir / "empty.txt")]
    assert "binary" in reasons[str(docs_dir / "garbage.txt")]
    assert "UTF-8" in reasons[str(docs_dir / "latin1.md")]
    assert sorted(r.doc_id for r in report.results) == ["huawei-ascend-910c-nvidia-china", "notes"]


def test_a_failed_group_write_leaves_every_document_of_the_group_as_it_was(
    indexer: Indexer, docs_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    indexer.ingest_paths([docs_dir], show_progress=False)
    before = {doc_id: r.sha256 for doc_id, r in indexer.store.registry().items()}
    (docs_dir / "notes.txt").write_text("Notes, second version.", encoding="utf-8")
    (docs_dir / "more.txt").write_text("A new document that should not appear.", encoding="utf-8")
    real_upsert = indexer.store.chunks.upsert

    def upsert_then_fail(**kwargs: object) -> None:
        real_upsert(**kwargs)  # the chunks land, the check after them fails: nothing may become visible
        raise RuntimeError("injected failure after the chunk write")

    monkeypatch.setattr(indexer.store.chunks, "upsert", upsert_then_fail)
    with pytest.raises(RuntimeError, match="injected"):
        indexer.ingest_paths([docs_dir], show_progress=False)
    monkeypatch.undo()
    assert {doc_id: r.sha256 for doc_id, r in indexer.store.registry().items()} == before
    for doc_id in before:
        record = indexer.store.record(doc_id)
        assert len(visible_chunks(indexer.store, doc_id)) == record.chunks  # type: ignore[union-attr]


def test_same_content_with_smaller_chunks_leaves_no_stale_chunk(indexer: Indexer, docs_dir: Path) -> None:
    """A rewrite of the same version (same content, other chunk settings) must not keep chunks past its count."""
    indexer.ingest_paths([docs_dir], show_progress=False)
    doc_id = "huawei-ascend-910c-nvidia-china"
    first = indexer.store.record(doc_id).chunks  # type: ignore[union-attr]
    doc = indexer.store.body(doc_id)
    indexer.chunking = ChunkSettings(size=1500, overlap=100)
    from rag.documents import load_file

    indexer.store.docs.delete(ids=[doc_id])  # forget the record so the same content is written again
    indexer.add(load_file(docs_dir / SEED.name, docs_dir))
    stored = [c for c in indexer.store.iter_chunks() if c.doc_id == doc_id]
    assert doc is not None and len(stored) == indexer.store.record(doc_id).chunks < first  # type: ignore[union-attr]
