"""The Chroma store on its own (embedded): a written version stays invisible until its commit, a commit switches a
document in one step, removal and orphan collection, dense queries, and Chroma's errors in the store's own types."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from evals.harness import free_port
from rag.config import StoreSettings
from rag.documents import make_document
from rag.schema import Chunk
from rag.store import ChromaStore, NewVersion, StoreError, StoreUnavailable


@pytest.fixture()
def store(tmp_path: Path) -> ChromaStore:
    return ChromaStore(StoreSettings(), str(tmp_path / "data"))


def version(doc_id: str, sentences: list[str], direction: tuple[float, float] = (1.0, 0.0)) -> NewVersion:
    """A document of these sentences, one chunk each (on page 1, in section "Teil"), every vector `direction`."""
    doc = make_document(" ".join(sentences), doc_id=doc_id, title=doc_id.capitalize())
    chunks, start = [], 0
    for index, sentence in enumerate(sentences):
        chunks.append(Chunk(doc_id, index, start, start + len(sentence), sentence, section="Teil", page=1))
        start += len(sentence) + 1
    return NewVersion(doc, chunks, np.tile(np.asarray(direction, dtype=np.float32), (len(chunks), 1)))


def versions(store: ChromaStore) -> dict[str, str]:
    return {doc_id: record.version for doc_id, record in store.registry().items()}


def test_a_written_version_is_invisible_until_its_commit(store: ChromaStore) -> None:
    new = version("igel", ["Der Igel schläft.", "Er frisst Käfer."])
    revision = store.revision()
    store.write([new])
    assert store.registry() == {} and store.body("igel") is None and store.revision() == revision
    assert len(list(store.iter_chunks())) == 2  # stored, but no reader asks for an uncommitted version
    [record] = store.commit([new])
    assert store.revision() != revision and store.record("igel") == record
    assert (record.version, record.chunks, record.title) == (new.version, 2, "Igel")
    found = store.body("igel")
    assert found is not None and found[1] == "Der Igel schläft. Er frisst Käfer."
    chunks = store.chunks_of("igel", record.version)
    assert [(c.start, c.end, c.text, c.section, c.page) for c in chunks] == [
        (0, 17, "Der Igel schläft.", "Teil", 1), (18, 34, "Er frisst Käfer.", "Teil", 1)]
    assert all(found[1][c.start : c.end] == c.text for c in chunks)


def test_a_commit_switches_a_document_to_its_new_version_in_one_step(store: ChromaStore) -> None:
    old, new = version("igel", ["Der Igel schläft."]), version("igel", ["Der Igel wacht.", "Er sucht Käfer."])
    store.write([old])
    store.commit([old])
    store.write([new])
    assert versions(store) == {"igel": old.version}
    store.commit([new])
    assert versions(store) == {"igel": new.version}
    store.drop_other_versions({"igel": new.version})
    assert {c.version for c in store.chunks_of_documents(["igel"])} == {new.version}


def test_removal_takes_the_record_and_every_chunk(store: ChromaStore) -> None:
    for new in (version("igel", ["Der Igel schläft."]), version("dachs", ["Der Dachs gräbt."])):
        store.write([new])
        store.commit([new])
    revision = store.revision()
    assert store.remove("igel") and store.revision() != revision
    assert set(store.registry()) == {"dachs"} and store.chunks_of_documents(["igel"]) == []
    assert not store.remove("igel")


def test_uncommitted_chunks_are_collected_only_after_the_grace(store: ChromaStore) -> None:
    kept, orphan = version("igel", ["Der Igel schläft."]), version("dachs", ["Der Dachs gräbt.", "Tief."])
    store.write([kept, orphan])
    store.commit([kept])
    assert store.collect_orphans() == 0  # young chunks may be about to be committed by another process
    assert store.collect_orphans(grace_s=0) == 2
    assert [c.doc_id for c in store.iter_chunks()] == ["igel"]


def test_version_markers_name_exactly_what_changed(store: ChromaStore) -> None:
    """A reader that knows the versions it saw gets the records of the documents that changed and the ids of those
    that went, and nothing else; every committed version has its marker, replaced and removed ones have none."""
    igel, dachs = version("igel", ["Der Igel schläft."]), version("dachs", ["Der Dachs gräbt."])
    store.write([igel, dachs])
    store.commit([igel, dachs])
    seen = versions(store)
    assert store.registry_changes(seen) == ({}, [])
    igel2, fuchs = version("igel", ["Der Igel wacht."]), version("fuchs", ["Der Fuchs jagt."])
    store.write([igel2, fuchs])
    store.commit([igel2, fuchs])
    store.remove("dachs")
    found = store.registry_changes(seen)
    assert found is not None
    records, gone = found
    assert {d: r.version for d, r in records.items()} == {"igel": igel2.version, "fuchs": fuchs.version}
    assert records == {d: r for d, r in store.registry().items() if d in records} and gone == ["dachs"]
    assert sorted(store.markers.get(include=[])["ids"]) == sorted(
        f"{d}::{v}" for d, v in versions(store).items())
    chunks = store.committed_chunks(list(records.values()))
    assert sorted((c.doc_id, c.text) for c in chunks) == [("fuchs", "Der Fuchs jagt."), ("igel", "Der Igel wacht.")]


def test_a_marker_ahead_of_its_record_is_read_and_found_unchanged(store: ChromaStore) -> None:
    igel = version("igel", ["Der Igel schläft."])
    store.write([igel])
    store.commit([igel])
    seen = versions(store)
    ahead = version("igel", ["Der Igel wacht."])  # another process's commit under way (or one that crashed)
    store.write([ahead])
    store._add_markers([replace(store.registry()["igel"], version=ahead.version)])
    assert store.registry_changes(seen) == ({"igel": store.registry()["igel"]}, [])  # read, not changed
    assert store.collect_orphans() == 0 and len(store.markers.get(include=[])["ids"]) == 2  # young: kept
    store.collect_orphans(grace_s=0)
    assert store.markers.get(include=[])["ids"] == [f"igel::{igel.version}"]
    assert store.registry_changes(seen) == ({}, [])


def test_without_markers_the_registry_is_read_whole_until_they_are_mended(store: ChromaStore, tmp_path: Path) -> None:
    igel, dachs = version("igel", ["Der Igel schläft."]), version("dachs", ["Der Dachs gräbt."])
    store.write([igel, dachs])
    store.commit([igel, dachs])
    store.markers.delete(ids=[f"dachs::{dachs.version}"])  # a removal raced a commit of dachs
    assert store.registry_changes(versions(store)) is None
    store.collect_orphans()
    assert store.registry_changes(versions(store)) == ({}, [])
    store.markers.delete(ids=store.markers.get(include=[])["ids"])  # a store written before the markers
    assert store.registry_changes(versions(store)) is None
    reopened = ChromaStore(StoreSettings(), str(tmp_path / "data"))
    assert reopened.registry_changes(versions(reopened)) == ({}, [])


def test_dense_query_ranks_by_cosine_and_keeps_to_the_documents_named(store: ChromaStore) -> None:
    near, far = version("igel", ["Der Igel schläft."], (1.0, 0.0)), version("dachs", ["Der Dachs gräbt."], (0.0, 1.0))
    store.write([near, far])
    store.commit([near, far])
    hits = store.dense_query(np.asarray([1.0, 0.0], dtype=np.float32), n=2)
    assert [cid.split("::")[0] for cid, _ in hits] == ["igel", "dachs"]
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5) and hits[1][1] == pytest.approx(0.0, abs=1e-5)
    only = store.dense_query(np.asarray([1.0, 0.0], dtype=np.float32), n=2, doc_ids=["dachs"])
    assert [cid.split("::")[0] for cid, _ in only] == ["dachs"]


def test_chroma_errors_arrive_in_the_stores_own_types(store: ChromaStore) -> None:
    new = version("igel", ["Der Igel schläft."])
    store.write([new])
    with pytest.raises(StoreError, match="embedded Chroma"):
        store.dense_query(np.ones(3, dtype=np.float32), n=1)  # the collection's vectors have two dimensions
    with pytest.raises(StoreUnavailable, match=r"Chroma server at 127\.0\.0\.1"):
        ChromaStore(StoreSettings(chroma_host="127.0.0.1", chroma_port=free_port()), "unused")
