"""Chroma storage of chunks, document bodies and the index revision, embedded or as a server.

A document becomes visible in one step: its chunks are written under a new version first, then its
registry record (body, sha256, version) is upserted. Readers only see chunks whose version matches the
registry, so a crash at any point leaves one complete version visible. Leftover chunks are collected later.

Beside each registry record, a version marker (`doc_id::version`; no body, its metadata just the document and
when it was written) says which version of which document may be committed: it is written before the record
switches to that version and dropped after the record moved on or went away. Reading every marker costs
milliseconds where reading the registry reads every document's body (Chroma keeps a record's document among its
metadata): 9 ms against 430 ms for 2,000 documents of 35 KB. So a reader that knows the versions it saw last finds
the documents that changed from the markers and reads just their records (`registry_changes`).
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

import chromadb
import httpx
import numpy as np
from chromadb.config import Settings as ChromaClientSettings

from rag.config import StoreSettings
from rag.schema import Chunk, Document, DocumentInfo
from rag.structure import Outline

_REVISION_ID = "revision"
_WHERE_CLAUSES = 200  # documents named in one Chroma filter
ORPHAN_GRACE_S = 600.0  # never collect chunks this young: another process may be about to commit them


class StoreError(RuntimeError):
    """Chroma failed on a request; callers never see Chroma's own exception types."""


class StoreUnavailable(StoreError):
    """Chroma cannot be reached; the message names where it was expected."""


# What Chroma's HTTP client raises when its server is gone or does not answer in time.
_UNREACHABLE = (httpx.TransportError, ConnectionError, TimeoutError)
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _reaching(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Raise StoreUnavailable, not a transport error, when the Chroma server cannot be reached."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with _unreachable_as_unavailable(args[0]):
            return method(*args, **kwargs)

    return wrapper


@contextmanager
def _unreachable_as_unavailable(store: Any) -> Iterator[None]:
    try:
        yield
    except StoreError:
        raise
    except _UNREACHABLE as exc:
        raise StoreUnavailable(f"the {store.where} is not answering: {exc}") from exc
    except Exception as exc:
        if type(exc).__module__.startswith("chromadb"):  # every other Chroma error, in Quelle's own type
            raise StoreError(f"the {store.where} failed: {type(exc).__name__}: {exc}") from exc
        raise


@dataclass(frozen=True)
class DocRecord:
    """A registry entry: the committed version of one document."""

    doc_id: str
    title: str
    source: str
    sha256: str
    version: str
    chunks: int
    language: str
    ingested_at: str
    metadata: dict[str, Any]
    outline: Outline = Outline(())
    pages: tuple[int, ...] = ()

    def info(self) -> DocumentInfo:
        return DocumentInfo(
            doc_id=self.doc_id,
            title=self.title,
            source=self.source,
            sha256=self.sha256,
            chunks=self.chunks,
            language=self.language,
            ingested_at=self.ingested_at,
            metadata=self.metadata,
        )


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    doc_id: str
    version: str
    start: int
    end: int
    text: str
    section: str = ""
    page: int | None = None


@dataclass(frozen=True)
class NewVersion:
    """A document's chunks and their vectors, about to be written under the document's content version."""

    doc: Document
    chunks: Sequence[Chunk]
    embeddings: np.ndarray

    @property
    def version(self) -> str:
        return version_of(self.doc.sha256)


def _placeholders(n: int) -> np.ndarray:
    """Vectors for registry and meta records, which carry no meaningful one."""
    return np.ones((n, 1), dtype=np.float32)


def version_of(sha256: str) -> str:
    return sha256[:16]


def chunk_id(doc_id: str, version: str, index: int) -> str:
    return f"{doc_id}::{version}::{index}"


def marker_id(doc_id: str, version: str) -> str:
    """The id of the version marker of a document's version (doc ids never hold "::")."""
    return f"{doc_id}::{version}"


class ChromaStore:
    """The four collections behind Quelle: chunks (dense vectors), docs (registry + bodies), meta (the revision) and
    versions (one marker per committed document version; see the module docstring). A store made before the
    markers gets them from its registry when it is opened."""

    def __init__(self, settings: StoreSettings, data_dir: str) -> None:
        self.settings = settings
        client_settings = ChromaClientSettings(anonymized_telemetry=False, allow_reset=False)
        if settings.chroma_host:
            self.where = f"Chroma server at {settings.chroma_host}:{settings.chroma_port}"
            try:
                self.client = chromadb.HttpClient(
                    host=settings.chroma_host, port=settings.chroma_port, ssl=settings.chroma_ssl,
                    settings=client_settings,
                )
            except Exception as exc:  # chromadb raises plain ValueError/ConnectionError here
                raise StoreUnavailable(f"cannot reach the {self.where}: {exc}") from None
        else:
            self.where = f"embedded Chroma in {data_dir}/chroma"
            self.client = chromadb.PersistentClient(path=f"{data_dir}/chroma", settings=client_settings)
        prefix = settings.collection_prefix
        try:
            self.chunks = self.client.get_or_create_collection(
                f"{prefix}_chunks", metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
            self.docs = self.client.get_or_create_collection(f"{prefix}_docs", embedding_function=None)
            self.meta = self.client.get_or_create_collection(f"{prefix}_meta", embedding_function=None)
            self.markers = self.client.get_or_create_collection(f"{prefix}_versions", embedding_function=None)
        except Exception as exc:
            raise StoreUnavailable(f"cannot open the collections in the {self.where}: {exc}") from None
        self.batch = max(1, min(1000, int(self.client.get_max_batch_size())))
        with _unreachable_as_unavailable(self):
            if self.markers.count() == 0 and self.docs.count() > 0:  # a store from before the markers
                self._add_markers(self.registry().values())

    # -- health and revision ------------------------------------------------------------------

    def heartbeat(self) -> None:
        try:
            self.client.heartbeat()
            self.meta.count()
        except Exception as exc:
            raise StoreUnavailable(f"the {self.where} is not answering: {exc}") from None

    @_reaching
    def revision(self) -> str:
        """Changes whenever a document is committed or removed, in any process sharing this store."""
        got = self.meta.get(ids=[_REVISION_ID], include=["documents"])
        docs = got.get("documents") or []
        return docs[0] if docs and docs[0] else "0"

    def _bump_revision(self) -> None:
        self.meta.upsert(ids=[_REVISION_ID], embeddings=_placeholders(1), documents=[uuid.uuid4().hex])

    # -- registry ---------------------------------------------------------------------------

    @_reaching
    def registry(self) -> dict[str, DocRecord]:
        got = self.docs.get(include=["metadatas"])
        return {i: _record(i, m) for i, m in zip(got["ids"], got["metadatas"] or [], strict=True)}

    @_reaching
    def registry_changes(self, known: Mapping[str, str]) -> tuple[dict[str, DocRecord], list[str]] | None:
        """What changed against `known` (doc_id -> the version a reader saw): the current records of documents
        that are new or may have changed, and the known documents that are gone, reading only their records.
        None when the markers cannot tell (a record without any marker: a store written before the markers, or
        a removal racing a commit of the same document): read the whole registry then.

        Why the markers are enough: a marker is written before its record switches and dropped only after the
        record moved on, so a document whose record differs from `known` has a marker `known` does not name.
        A commit under way may leave a marker ahead of its record: that document's record is read and found
        unchanged. Whatever lands after the caller read the revision bumps the revision again."""
        committed = self.docs.get(include=[])["ids"]  # first: markers are written before records, dropped after
        marked: dict[str, set[str]] = {}
        for marker in self.markers.get(include=[])["ids"]:
            doc_id, _, version = marker.rpartition("::")
            marked.setdefault(doc_id, set()).add(version)
        if not marked.keys() >= set(committed):
            return None
        maybe = [d for d, vs in marked.items() if vs != {known.get(d)}]
        maybe += [d for d in known if d not in marked]
        records = self.records(maybe)
        return records, [d for d in maybe if d not in records and d in known]

    def _add_markers(self, records: Iterable[DocRecord]) -> None:
        records, now = list(records), time.time()
        docs = [r.doc_id for r in records]
        ids = [marker_id(r.doc_id, r.version) for r in records]
        for lo in range(0, len(ids), self.batch):
            self.markers.upsert(ids=ids[lo : lo + self.batch], embeddings=_placeholders(len(ids[lo : lo + self.batch])),
                                metadatas=[{"doc_id": d, "written_at": now} for d in docs[lo : lo + self.batch]])

    def _drop_markers(self, keep: Mapping[str, str | None]) -> None:
        """Delete the markers of these documents except the version kept (doc_id -> version, None: all)."""
        docs = list(keep)
        for lo in range(0, len(docs), _WHERE_CLAUSES):
            where: Any = {"doc_id": {"$in": docs[lo : lo + _WHERE_CLAUSES]}}
            found = self.markers.get(where=where, include=[])["ids"]
            stale = [m for m in found if m.rpartition("::")[2] != keep[m.rpartition("::")[0]]]
            for at in range(0, len(stale), self.batch):
                self.markers.delete(ids=stale[at : at + self.batch])

    def _mend_markers(self, registry: Mapping[str, DocRecord], cutoff: float) -> None:
        """Drop markers older than `cutoff` that name no committed version (a commit that never happened), and
        mark committed versions without a marker (a removal that raced a commit of the same document dropped
        it): until then, every reader would read the whole registry."""
        got = self.markers.get(include=["metadatas"])
        marked = set(got["ids"])
        doomed = [m for m, meta in zip(got["ids"], got["metadatas"] or [], strict=True)
                  if _written_at(meta) < cutoff
                  and ((rec := registry.get(m.rpartition("::")[0])) is None or rec.version != m.rpartition("::")[2])]
        for lo in range(0, len(doomed), self.batch):
            self.markers.delete(ids=doomed[lo : lo + self.batch])
        self._add_markers(r for r in registry.values() if marker_id(r.doc_id, r.version) not in marked)

    @_reaching
    def record(self, doc_id: str) -> DocRecord | None:
        got = self.docs.get(ids=[doc_id], include=["metadatas"])
        if not got["ids"]:
            return None
        return _record(doc_id, (got["metadatas"] or [{}])[0])

    @_reaching
    def records(self, doc_ids: Sequence[str]) -> dict[str, DocRecord]:
        """The registry records of these documents (absent ones left out), in one call per 1,000 ids."""
        found: dict[str, DocRecord] = {}
        for lo in range(0, len(doc_ids), self.batch):
            got = self.docs.get(ids=list(doc_ids[lo : lo + self.batch]), include=["metadatas"])
            found.update((i, _record(i, m)) for i, m in zip(got["ids"], got["metadatas"] or [], strict=True))
        return found

    @_reaching
    def body(self, doc_id: str) -> tuple[DocRecord, str] | None:
        got = self.docs.get(ids=[doc_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        return _record(doc_id, (got["metadatas"] or [{}])[0]), (got["documents"] or [""])[0]

    # -- writing ------------------------------------------------------------------------------

    @_reaching
    def write(self, versions: Sequence[NewVersion]) -> None:
        """Write the chunks of several documents, each under its content version, not yet visible: a few
        Chroma calls for the whole group (a write transaction costs milliseconds however small it is)."""
        if not versions:
            return
        now = time.time()
        rows: list[tuple[str, np.ndarray, str, Any]] = [
            (chunk_id(v.doc.doc_id, v.version, c.index), v.embeddings[i], c.text,
             {"doc_id": v.doc.doc_id, "version": v.version, "index": c.index, "start": c.start, "end": c.end,
              "section": c.section, "page": c.page or 0, "written_at": now})
            for v in versions for i, c in enumerate(v.chunks)
        ]
        for lo in range(0, len(rows), self.batch):
            part = rows[lo : lo + self.batch]
            self.chunks.upsert(
                ids=[r[0] for r in part], embeddings=np.asarray([r[1] for r in part], dtype=np.float32),
                documents=[r[2] for r in part], metadatas=[r[3] for r in part],
            )
        # Check what landed, and drop chunks of the same version beyond the new count (left by other settings).
        wanted = {v.doc.doc_id: v.version for v in versions}
        expected = {r[0] for r in rows}
        same_version = [c.chunk_id for c in self.chunks_of_documents(list(wanted), include_text=False)
                        if c.version == wanted[c.doc_id]]
        missing = expected.difference(same_version)
        if missing:
            doc_id = next(iter(missing)).split("::")[0]
            raise StoreUnavailable(f"{doc_id}: {len(missing)} of the chunks just written are not stored")
        self._delete_ids([cid for cid in same_version if cid not in expected])

    @_reaching
    def commit(self, versions: Sequence[NewVersion]) -> list[DocRecord]:
        """Make the written versions the visible ones: one upsert of their registry records (each record
        switches its document in one step), then one revision bump."""
        if not versions:
            return []
        ingested_at = datetime.now(UTC).isoformat(timespec="seconds")
        metadatas: list[Any] = [
            {
                "title": v.doc.title,
                "source": v.doc.source,
                "sha256": v.doc.sha256,
                "version": v.version,
                "chunks": len(v.chunks),
                "language": v.doc.language,
                "ingested_at": ingested_at,
                "metadata_json": json.dumps(v.doc.metadata, ensure_ascii=False, default=str),
                "outline_json": json.dumps(v.doc.outline.to_json()),
                "pages_json": json.dumps(list(v.doc.pages)),
            }
            for v in versions
        ]
        ids = [v.doc.doc_id for v in versions]
        records = [_record(i, m) for i, m in zip(ids, metadatas, strict=True)]
        self._add_markers(records)  # before the records switch: see registry_changes
        for lo in range(0, len(ids), self.batch):
            self.docs.upsert(
                ids=ids[lo : lo + self.batch], embeddings=_placeholders(len(ids[lo : lo + self.batch])),
                documents=[v.doc.text for v in versions[lo : lo + self.batch]],
                metadatas=metadatas[lo : lo + self.batch],
            )
        self._drop_markers({r.doc_id: r.version for r in records})
        self._bump_revision()
        return records

    @_reaching
    def drop_other_versions(self, keep: Mapping[str, str]) -> None:
        """Delete every chunk of these documents whose version is not the one kept (doc_id -> version)."""
        clauses: list[Any] = [{"$and": [{"doc_id": d}, {"version": {"$ne": v}}]} for d, v in keep.items()]
        for lo in range(0, len(clauses), _WHERE_CLAUSES):
            part = clauses[lo : lo + _WHERE_CLAUSES]
            self.chunks.delete(where=part[0] if len(part) == 1 else {"$or": part})

    def _delete_ids(self, ids: Sequence[str]) -> None:
        for lo in range(0, len(ids), self.batch):
            self.chunks.delete(ids=list(ids[lo : lo + self.batch]))

    @_reaching
    def remove(self, doc_id: str) -> bool:
        """Remove a document: the registry record first (it disappears at once), then its chunks."""
        if self.record(doc_id) is None:
            return False
        self.docs.delete(ids=[doc_id])
        self._drop_markers({doc_id: None})
        self._bump_revision()
        self.chunks.delete(where={"doc_id": doc_id})
        return True

    @_reaching
    def collect_orphans(self, grace_s: float = ORPHAN_GRACE_S) -> int:
        """Delete chunks of versions that were never committed or were replaced (older than the grace), and mend
        the version markers likewise (`_mend_markers`)."""
        registry = self.registry()
        cutoff = time.time() - grace_s
        stale = [
            c.chunk_id
            for c, written in self._iter_chunk_meta()
            if (rec := registry.get(c.doc_id)) is None or rec.version != c.version
            if written < cutoff
        ]
        self._delete_ids(stale)
        self._mend_markers(registry, cutoff)
        return len(stale)

    # -- reading ------------------------------------------------------------------------------

    def iter_chunks(self, include_text: bool = True) -> Iterator[StoredChunk]:
        """Every stored chunk (committed or not), page by page."""
        for chunk, _ in self._iter_chunk_meta(include_text):
            yield chunk

    def _iter_chunk_meta(self, include_text: bool = False) -> Iterator[tuple[StoredChunk, float]]:
        include: list[Any] = ["metadatas", "documents"] if include_text else ["metadatas"]
        offset = 0
        while True:
            with _unreachable_as_unavailable(self):
                got = self.chunks.get(include=include, limit=self.batch, offset=offset)
            ids = got["ids"]
            if not ids:
                return
            texts = got.get("documents") or [""] * len(ids)
            for cid, meta, text in zip(ids, got["metadatas"] or [], texts, strict=True):
                if meta is not None:  # deleted while we paged
                    yield _stored(cid, meta, text or ""), float(meta.get("written_at") or 0.0)  # type: ignore[arg-type]
            offset += len(ids)

    @_reaching
    def chunks_of(self, doc_id: str, version: str) -> list[StoredChunk]:
        got = self.chunks.get(
            where={"$and": [{"doc_id": doc_id}, {"version": version}]}, include=["metadatas", "documents"]
        )
        found = [_stored(i, m, t or "") for i, m, t in zip(got["ids"], got["metadatas"] or [], got["documents"] or [],
                                                          strict=True) if m is not None]
        return sorted(found, key=lambda c: c.start)

    @_reaching
    def committed_chunks(self, records: Sequence[DocRecord]) -> list[StoredChunk]:
        """The chunks of these records' versions, read by id (chunk ids are doc_id::version::index, index 0 up
        to the record's chunk count): 6 ms for 50 chunks among 100,000 against 25 ms for a filter on doc_id. A
        document whose chunks do not all come back that way is read by its filter instead."""
        ids = [chunk_id(r.doc_id, r.version, i) for r in records for i in range(r.chunks)]
        found: list[StoredChunk] = []
        for lo in range(0, len(ids), self.batch):
            got = self.chunks.get(ids=ids[lo : lo + self.batch], include=["metadatas", "documents"])
            texts = got.get("documents") or [""] * len(got["ids"])
            found += [_stored(i, m, t or "") for i, m, t in zip(got["ids"], got["metadatas"] or [], texts, strict=True)
                      if m is not None]
        counts: dict[str, int] = {}
        for c in found:
            counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
        short = {r.doc_id: r.version for r in records if counts.get(r.doc_id, 0) != r.chunks}
        if short:
            found = [c for c in found if c.doc_id not in short]
            found += [c for c in self.chunks_of_documents(list(short)) if c.version == short[c.doc_id]]
        return found

    @_reaching
    def chunks_of_documents(self, doc_ids: Sequence[str], include_text: bool = True) -> list[StoredChunk]:
        """Every stored chunk (any version) of these documents; without text, `text` is empty."""
        include: list[Any] = ["metadatas", "documents"] if include_text else ["metadatas"]
        found: list[StoredChunk] = []
        for lo in range(0, len(doc_ids), _WHERE_CLAUSES):
            where: Any = {"doc_id": {"$in": list(doc_ids[lo : lo + _WHERE_CLAUSES])}}
            got = self.chunks.get(where=where, include=include)
            texts = got.get("documents") or [""] * len(got["ids"])
            found += [_stored(i, m, t or "") for i, m, t in zip(got["ids"], got["metadatas"] or [], texts, strict=True)
                      if m is not None]  # None: deleted while we read
        return found

    @_reaching
    def dense_query(
        self, embedding: np.ndarray, n: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """Ids of the nearest chunks with their cosine similarity (1 - distance), best first. Only ids and
        distances come back: callers hold the chunk texts already, and shipping them costs more than the
        search itself (measured at 10,000 chunks: 1.4 ms against 4.1 ms)."""
        where: Any = {"doc_id": {"$in": list(doc_ids)}} if doc_ids else None
        got = self.chunks.query(query_embeddings=[embedding.tolist()], n_results=n, where=where,
                                include=["distances"])
        return [(i, 1.0 - float(d)) for i, d in zip(got["ids"][0], (got["distances"] or [[]])[0], strict=True)]


def _record(doc_id: str, meta: Any) -> DocRecord:
    return DocRecord(
        doc_id=doc_id,
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        sha256=str(meta.get("sha256", "")),
        version=str(meta.get("version", "")),
        chunks=int(meta.get("chunks", 0)),
        language=str(meta.get("language", "")),
        ingested_at=str(meta.get("ingested_at", "")),
        metadata=json.loads(str(meta.get("metadata_json") or "{}")),
        outline=Outline.from_json(json.loads(str(meta.get("outline_json") or "[]"))),
        pages=tuple(json.loads(str(meta.get("pages_json") or "[]"))),
    )


def _written_at(meta: Any) -> float:
    return float((meta or {}).get("written_at") or 0.0)


def _stored(cid: str, meta: Any, text: str) -> StoredChunk:
    return StoredChunk(
        chunk_id=cid,
        doc_id=str(meta["doc_id"]),
        version=str(meta["version"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        section=str(meta.get("section") or ""),
        page=int(meta.get("page") or 0) or None,
    )
