"""Incremental ingestion: load, chunk, embed and commit documents, one complete version at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
from tqdm import tqdm

from rag.chunking import chunk_text, embedding_text
from rag.config import ChunkSettings
from rag.documents import DocumentError, load_file
from rag.embeddings import Embedder
from rag.schema import Chunk, Document
from rag.store import ChromaStore, NewVersion

Status = Literal["created", "updated", "unchanged"]
GROUP_CHUNKS = 256  # chunks embedded per encode call across documents: keeps batches full for small files
_Pending = tuple[Document, list[Chunk], bool]  # a document to write, its chunks, whether it replaces a version


@dataclass(frozen=True)
class IngestResult:
    doc_id: str
    status: Status
    chunks: int


@dataclass
class IngestReport:
    """What one ingest run did, per document."""

    results: list[IngestResult] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    embedded_chunks: int = 0
    seconds: float = 0.0

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    def summary(self) -> str:
        rate = self.embedded_chunks / self.seconds if self.seconds > 0 else 0.0
        return (
            f"created {self.count('created')}, updated {self.count('updated')}, unchanged {self.count('unchanged')}, "
            f"removed {len(self.removed)}, failed {len(self.failed)}; "
            f"{self.embedded_chunks} chunks embedded in {self.seconds:.1f} s ({rate:.1f} chunks/s)"
        )


class Indexer:
    """Writes documents into the store so that each is fully indexed in one version, or absent."""

    def __init__(self, store: ChromaStore, embedder: Embedder, chunking: ChunkSettings) -> None:
        self.store = store
        self.embedder = embedder
        self.chunking = chunking

    def chunk(self, doc: Document) -> list[Chunk]:
        chunks = chunk_text(doc.doc_id, doc.text, doc.outline, self.chunking.size, self.chunking.overlap)
        return [replace(c, page=doc.page_at(c.start)) for c in chunks] if doc.pages else chunks

    def add(self, doc: Document) -> IngestResult:
        """Add or replace one document."""
        return self.add_many([doc])[0]

    def add_many(self, docs: Sequence[Document], show_progress: bool = False) -> list[IngestResult]:
        """Add or replace documents; unchanged ones (same sha256) are skipped without embedding.

        Groups are pipelined: while one group is written (chunk upsert, registry commit, old versions dropped), the
        next one is tokenized and embedded on a background thread (the model releases the GIL; its calls still run
        on the compute thread). A failure stops the pipeline: groups committed before it stay, the failing group
        and the ones after it change nothing, and at most one group is embedded in vain."""
        results: list[IngestResult] = []
        pending: list[_Pending] = []
        known = self.store.records(list(dict.fromkeys(d.doc_id for d in docs)))
        for doc in docs:
            record = known.get(doc.doc_id)
            if record is not None and record.sha256 == doc.sha256:
                results.append(IngestResult(doc.doc_id, "unchanged", record.chunks))
                continue
            pending.append((doc, self.chunk(doc), record is not None))
        total = sum(len(chunks) for _, chunks, _ in pending)
        ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quelle-embed")
        try:
            with tqdm(total=total, unit="chunk", desc="ingest", disable=not show_progress or total == 0) as progress:
                previous: tuple[list[_Pending], Future[np.ndarray]] | None = None
                for group in _groups(pending):
                    # The previous group's vectors first: a failed embedding then starts no other one.
                    ready = None if previous is None else (previous[0], previous[1].result())
                    future = ahead.submit(self._embed_group, group)
                    if ready is not None:
                        results.extend(self._write_group(*ready, progress))
                    previous = (group, future)
                if previous is not None:
                    results.extend(self._write_group(previous[0], previous[1].result(), progress))
        finally:
            ahead.shutdown(wait=True)  # after a failed write, the one group embedding meanwhile is discarded
        return results

    def _embed_group(self, group: list[_Pending]) -> np.ndarray:
        """One embedding call for every chunk of the group (texts of every document, batched together)."""
        return self.embedder.embed_batch([embedding_text(c) for _, chunks, _ in group for c in chunks])

    def _write_group(self, group: list[_Pending], vectors: np.ndarray, progress: tqdm) -> list[IngestResult]:
        """Write a group in a few Chroma calls. Every document of the group becomes visible in the commit, each in
        one step; a failure before it leaves all of them as they were."""
        versions, offset = [], 0
        for doc, chunks, _ in group:
            versions.append(NewVersion(doc, chunks, vectors[offset : offset + len(chunks)]))
            offset += len(chunks)
        self.store.write(versions)
        self.store.commit(versions)
        self.store.drop_other_versions({v.doc.doc_id: v.version for v in versions})
        progress.update(offset)
        return [IngestResult(doc.doc_id, "updated" if existed else "created", len(chunks))
                for doc, chunks, existed in group]

    def remove(self, doc_id: str) -> bool:
        return self.store.remove(doc_id)

    def ingest_paths(
        self,
        paths: Iterable[Path],
        *,
        prune: bool = False,
        show_progress: bool = True,
        on_file_error: Callable[[str, str], None] | None = None,
    ) -> IngestReport:
        """Ingest files and folders. Bad files are reported one by one; the rest still go in."""
        import time

        started = time.perf_counter()
        report = IngestReport()
        docs: list[Document] = []
        seen: set[str] = set()
        found = discover(paths)
        for path, root in tqdm(found, unit="file", desc="read", disable=not show_progress or len(found) < 2):
            try:
                doc = load_file(path, root, show_progress=show_progress)
            except DocumentError as exc:
                report.failed.append((str(path), str(exc)))
                if on_file_error:
                    on_file_error(str(path), str(exc))
                continue
            if doc.doc_id in seen:
                report.failed.append((str(path), f"doc_id {doc.doc_id!r} is already used by another file"))
                continue
            seen.add(doc.doc_id)
            docs.append(doc)
        self.store.collect_orphans()
        report.results = self.add_many(docs, show_progress)
        report.embedded_chunks = sum(r.chunks for r in report.results if r.status != "unchanged")
        if prune:
            for doc_id, record in self.store.registry().items():
                if doc_id not in seen and _is_file_source(record.source):
                    self.store.remove(doc_id)
                    report.removed.append(doc_id)
        report.seconds = time.perf_counter() - started
        return report


def _groups(pending: list[_Pending]) -> Iterator[list[_Pending]]:
    """Whole documents, in order, in groups of at least GROUP_CHUNKS chunks (the last one may be smaller)."""
    group: list[_Pending] = []
    for item in pending:
        group.append(item)
        if sum(len(chunks) for _, chunks, _ in group) >= GROUP_CHUNKS:
            yield group
            group = []
    if group:
        yield group


def _is_file_source(source: str) -> bool:
    """Prune only documents that came from files and whose files are gone, never uploads."""
    return bool(source) and not source.startswith("upload:") and not Path(source).exists()


def discover(paths: Iterable[Path]) -> list[tuple[Path, Path]]:
    """Files to ingest with the root their doc_id is relative to. Explicit files are taken as given
    (an unsupported one then fails with a clear error); folders contribute their supported files."""
    found: list[tuple[Path, Path]] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                hidden = any(p.startswith(".") for p in file.relative_to(path).parts)
                if file.is_file() and not hidden and file.suffix.lower() not in _IGNORED_SUFFIXES:
                    found.append((file, path))
        else:
            found.append((path, path.parent))
    return found


# Files in a documents folder that are not documents and are skipped silently.
_IGNORED_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".gitkeep"})
