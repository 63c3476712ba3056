"""The ingest pipeline with a fake embedder and a real embedded Chroma: the next group embeds while the previous one
is written, and a failure anywhere leaves every group from the failing one on as it was."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

import rag.ingest
from rag.config import ChunkSettings, StoreSettings
from rag.documents import make_document
from rag.embeddings import Embedder
from rag.ingest import Indexer
from rag.schema import Document
from rag.store import ChromaStore

WAIT_S = 20.0


class SignallingEmbedder(Embedder):
    """Vectors from text lengths; counts its embed_batch calls and signals each start, so a test can wait for one."""

    name = "signalling"
    dimension = 4

    def __init__(self) -> None:
        super().__init__(batch_size=64)
        self.calls = 0
        self.started = [threading.Event() for _ in range(10)]
        self.fail_on: int | None = None  # 0-based embed_batch call that raises

    def embed_batch(self, texts):  # type: ignore[no-untyped-def]
        call, self.calls = self.calls, self.calls + 1
        self.started[call].set()
        if call == self.fail_on:
            raise RuntimeError("injected embedding failure")
        return super().embed_batch(texts)

    def _embed(self, items: list[str]) -> np.ndarray:
        vectors = np.asarray([[len(t), 1.0, 1.0, 1.0] for t in items], dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def docs(n: int, version: str = "one") -> list[Document]:
    """n documents of 50 chunks each (chunk size 100, one sentence a chunk): two documents to a group of 100."""
    sentences = " ".join(f"Der Satz Nummer {i} der Fassung {version} hat genau einige Wörter mehr." for i in range(50))
    return [make_document(f"Dokument {d} sagt: {sentences}", doc_id=f"doc-{d}", title=f"Dokument {d}")
            for d in range(n)]


@pytest.fixture()
def indexer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Indexer:
    monkeypatch.setattr(rag.ingest, "GROUP_CHUNKS", 100)
    store = ChromaStore(StoreSettings(), str(tmp_path / "data"))
    return Indexer(store, SignallingEmbedder(), ChunkSettings(size=100, overlap=0))


def test_the_next_group_embeds_while_the_previous_one_is_written(indexer: Indexer,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    embedder: SignallingEmbedder = indexer.embedder  # type: ignore[assignment]
    real_write = indexer.store.write
    overlapped: list[bool] = []

    def write(versions):  # type: ignore[no-untyped-def]
        # The first group's write waits for the second group's embedding to start: it only can if they overlap.
        if not overlapped:
            overlapped.append(embedder.started[1].wait(WAIT_S))
        real_write(versions)

    monkeypatch.setattr(indexer.store, "write", write)
    results = indexer.add_many(docs(6))
    assert overlapped == [True]
    assert embedder.calls >= 3 and [r.status for r in results] == ["created"] * 6
    assert set(indexer.store.registry()) == {f"doc-{d}" for d in range(6)}


def test_a_failed_write_embeds_no_later_group_and_commits_nothing_after_the_last_good_group(
    indexer: Indexer, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder: SignallingEmbedder = indexer.embedder  # type: ignore[assignment]
    indexer.add_many(docs(6))
    before = {d: r.sha256 for d, r in indexer.store.registry().items()}
    calls = embedder.calls
    real_commit, commits = indexer.store.commit, []

    def commit(versions):  # type: ignore[no-untyped-def]
        if commits:
            raise RuntimeError("injected commit failure")
        commits.append([v.doc.doc_id for v in versions])
        return real_commit(versions)

    monkeypatch.setattr(indexer.store, "commit", commit)
    with pytest.raises(RuntimeError, match="injected commit failure"):
        indexer.add_many(docs(6, version="two"))
    # The first group is committed; the second failed at its commit while the third was embedding.
    after = indexer.store.registry()
    changed = {d for d, r in after.items() if r.sha256 != before[d]}
    assert changed == set(commits[0]) == {"doc-0", "doc-1"}
    assert embedder.calls - calls == 3
    for doc_id, record in after.items():  # every document shows exactly one complete version
        assert len(indexer.store.chunks_of(doc_id, record.version)) == record.chunks


def test_a_failed_embedding_keeps_the_groups_before_it_and_adds_nothing_after(indexer: Indexer) -> None:
    embedder: SignallingEmbedder = indexer.embedder  # type: ignore[assignment]
    embedder.fail_on = 1
    with pytest.raises(RuntimeError, match="injected embedding failure"):
        indexer.add_many(docs(6))
    registry = indexer.store.registry()
    assert 1 <= len(registry) < 6
    assert embedder.calls == 2  # the group queued behind the failing one is never embedded
    assert sorted(registry) == [f"doc-{d}" for d in range(len(registry))]
    for doc_id, record in registry.items():
        assert len(indexer.store.chunks_of(doc_id, record.version)) == record.chunks
