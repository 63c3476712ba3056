"""Uploaded originals: kept under the data dir by the service while their document is indexed, one per document,
removed with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.config import load_settings
from rag.documents import DocumentError
from rag.embeddings import Embedder
from rag.service import Quelle
from rag.uploads import UploadFolder


class ConstantEmbedder(Embedder):
    """A fake model: every text gets the same unit vector (these tests are about files, not retrieval)."""

    dimension = 2

    def _embed(self, texts: list[str]) -> np.ndarray:
        return np.tile(np.asarray([1.0, 0.0], dtype=np.float32), (len(texts), 1))


@pytest.fixture()
def quelle(tmp_path: Path) -> Quelle:
    settings = load_settings(data_dir=tmp_path / "data", llm={"provider": "none"})
    return Quelle(settings, embedder=ConstantEmbedder(batch_size=8))


def test_the_service_removes_uploaded_originals(quelle: Quelle) -> None:
    [result] = quelle.add_uploads([("Der Dachs Dieter schläft am Tag.".encode(), "../dachs.txt")])
    kept = quelle.uploads.stored(result.doc_id)
    assert result.doc_id == "dachs" and [p.name for p in kept] == ["dachs.txt"]
    found = quelle.get_document("dachs")
    assert found is not None and found[0].source == "upload:dachs.txt"
    assert quelle.delete_document("dachs") and not kept[0].exists()


def test_one_bad_file_keeps_no_original(quelle: Quelle) -> None:
    with pytest.raises(DocumentError, match="kaputt.pdf"):
        quelle.add_uploads([(b"Ein Satz.", "eins.txt"), (b"%PDF-1.4 kaputt", "kaputt.pdf")])
    assert quelle.uploads.stored("eins") == [] and quelle.list_documents() == []


def test_a_new_upload_replaces_the_original_of_another_type(tmp_path: Path) -> None:
    folder = UploadFolder(tmp_path)
    folder.keep("notiz", b"alt", ".txt")
    folder.keep("notiz", b"# neu", ".md")
    assert [(p.name, p.read_bytes()) for p in folder.stored("notiz")] == [("notiz.md", b"# neu")]
    folder.forget("notiz")
    assert folder.stored("notiz") == [] and not list(folder.folder.iterdir())
