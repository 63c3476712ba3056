"""The service end to end on both store modes: ingest, ask, update, delete; the lexical index follows."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.config import load_settings
from rag.retrieval import UnknownDocuments
from rag.service import Quelle
from tests.conftest import SEED

pytestmark = pytest.mark.slow  # the whole service over the real embedding model, end to end


@pytest.fixture()
def make_quelle(tmp_path: Path, embedder, store_settings):  # type: ignore[no-untyped-def]
    """Quelle instances over the same store (as separate processes sharing one Chroma would be)."""

    def make() -> Quelle:
        settings = load_settings(data_dir=tmp_path / "data", llm={"provider": "none"},
                                 store=store_settings.model_dump())
        return Quelle(settings, embedder=embedder)

    return make


NOTE = "Die Firma Zebrotek aus Graz hat 4.711 Quantenchips an die Stadtwerke geliefert."
NOTE_V2 = "Die Firma Zebrotek aus Graz hat ihre Lieferung an die Stadtwerke auf 815 Quantenchips gekürzt."


def test_ingest_ask_update_delete(make_quelle) -> None:  # type: ignore[no-untyped-def]
    quelle = make_quelle()
    quelle.ingest([SEED], show_progress=False)
    assert quelle.add_text(NOTE, title="Zebrotek", doc_id="zebrotek").status == "created"
    assert quelle.add_text(NOTE, title="Zebrotek", doc_id="zebrotek").status == "unchanged"

    answer = quelle.ask("Wie viele Quantenchips hat Zebrotek geliefert?")
    assert answer.mode == "extractive" and "4.711" in answer.answer
    assert {c.doc_id for c in answer.citations} == {"zebrotek"}
    seed_answer = quelle.ask("How much did ByteDance spend on Nvidia chips last year?")
    assert any("2 Milliarden" in c.quote and c.doc_id == "huawei-ascend-910c-nvidia-china"
               for c in seed_answer.citations)

    assert quelle.add_text(NOTE_V2, title="Zebrotek", doc_id="zebrotek").status == "updated"
    answer = quelle.ask("Wie viele Quantenchips liefert Zebrotek an die Stadtwerke?")
    assert "815" in answer.answer and "4.711" not in answer.answer
    assert [p.doc_id for p in quelle.search("4.711 Quantenchips", 5, mode="bm25")] in ([], ["zebrotek"])
    assert all("4.711" not in p.text for p in quelle.search("Zebrotek Quantenchips", 5, mode="bm25"))

    assert quelle.delete_document("zebrotek") is True
    assert quelle.delete_document("zebrotek") is False
    answer = quelle.ask("Wie viele Quantenchips hat Zebrotek geliefert?")
    assert all(c.doc_id != "zebrotek" for c in answer.citations)
    assert all(p.doc_id != "zebrotek" for p in quelle.search("Zebrotek Quantenchips Graz", 10, mode="hybrid"))
    assert [d.doc_id for d in quelle.list_documents()] == ["huawei-ascend-910c-nvidia-china"]


def test_a_document_added_through_one_instance_is_found_by_bm25_through_another(make_quelle) -> None:  # type: ignore[no-untyped-def]
    first, second = make_quelle(), make_quelle()
    first.ingest([SEED], show_progress=False)
    assert second.search("Baidu 1.600", 3, mode="bm25")[0].doc_id == "huawei-ascend-910c-nvidia-china"
    first.add_text(NOTE, title="Zebrotek", doc_id="zebrotek")
    hits = second.search("Zebrotek Quantenchips", 3, mode="bm25")
    assert hits and hits[0].doc_id == "zebrotek"
    second.delete_document("zebrotek")
    assert all(p.doc_id != "zebrotek" for p in first.search("Zebrotek Quantenchips", 3, mode="bm25"))


def test_filters_restrict_and_unknown_documents_are_named(make_quelle) -> None:  # type: ignore[no-untyped-def]
    quelle = make_quelle()
    quelle.ingest([SEED], show_progress=False)
    quelle.add_text(NOTE, title="Zebrotek", doc_id="zebrotek")
    hits = quelle.search("Chips geliefert", 10, doc_ids=["zebrotek"])
    assert hits and {p.doc_id for p in hits} == {"zebrotek"}
    with pytest.raises(UnknownDocuments, match="nope"):
        quelle.ask("Was ist mit Chips?", doc_ids=["nope"])


def test_a_question_is_embedded_once(make_quelle, embedder, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """One encode of the question serves dense retrieval and evidence scoring (issue 16: the query path)."""
    quelle = make_quelle()
    quelle.ingest([SEED], show_progress=False)
    question = "Wie viele Ascend-Chips hat Bytedance bestellt?"
    prepared: list[str] = []
    queries: list[str] = []
    prepare, embed_query = embedder._prepare, embedder.embed_query

    def prepare_spy(texts):  # type: ignore[no-untyped-def]
        prepared.extend(texts)
        return prepare(texts)

    def query_spy(text):  # type: ignore[no-untyped-def]
        queries.append(text)
        return embed_query(text)

    monkeypatch.setattr(embedder, "_prepare", prepare_spy)
    monkeypatch.setattr(embedder, "embed_query", query_spy)
    answer = quelle.ask(question)
    assert answer.citations and queries == [question] and prepared.count(question) == 1
