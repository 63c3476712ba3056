"""Shared fixtures: the real embedding model (loaded once), temporary stores, the seed document."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "documents"
SEED = DOCUMENTS / "huawei-ascend-910c-nvidia-china.md"


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    from rag.embeddings import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def seed_doc():  # type: ignore[no-untyped-def]
    from rag.documents import load_file

    return load_file(SEED, DOCUMENTS)


@pytest.fixture()
def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    from rag.config import load_settings

    return load_settings(data_dir=tmp_path / "data", llm={"provider": "none"})


@pytest.fixture()
def quelle(settings, embedder) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A service over an empty embedded Chroma in a temp dir, with the real embedder and no LLM."""
    from rag.service import Quelle

    yield Quelle(settings, embedder=embedder)
