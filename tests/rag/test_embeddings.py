"""Embedder batching: texts go to the model longest first, results come back in the caller's order."""

from __future__ import annotations

import numpy as np
import pytest

from rag.embeddings import Embedder


class LengthEmbedder(Embedder):
    """A fake model whose vector encodes the text's length; records the batches it was given."""

    dimension = 2

    def __init__(self, batch_size: int) -> None:
        super().__init__(batch_size)
        self.batches: list[list[str]] = []

    def _embed(self, texts: list[str]) -> np.ndarray:
        self.batches.append(texts)
        return np.asarray([[float(len(t)), 1.0] for t in texts], dtype=np.float32)


def test_batches_are_sorted_by_length_and_results_keep_the_callers_order() -> None:
    texts = ["a" * n for n in (3, 40, 1, 25, 7, 12, 2)]
    embedder = LengthEmbedder(batch_size=3)
    vectors = embedder.embed_batch(texts)
    assert [int(v[0]) for v in vectors] == [len(t) for t in texts]
    assert [[len(t) for t in b] for b in embedder.batches] == [[40, 25, 12], [7, 3, 2], [1]]


@pytest.mark.slow
def test_the_real_model_gives_the_same_vector_alone_and_in_a_batch(embedder) -> None:  # type: ignore[no-untyped-def]
    texts = ["Huawei baut den Ascend 910C.",
             "ByteDance spent two billion dollars on Nvidia chips last year, Reuters said."]
    together = embedder.embed_batch(texts)
    for text, vector in zip(texts, together, strict=True):
        assert float(np.dot(embedder.embed_query(text), vector)) > 0.999


def test_no_texts_no_vectors() -> None:
    assert LengthEmbedder(batch_size=4).embed_batch([]).shape == (0, 2)
