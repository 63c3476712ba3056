"""Tests for evals/relevance.py: the pre-filtered collection scan agrees with `passage_relevant` exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.harness import read_yaml
from evals.metrics import passage_relevant
from evals.relevance import RelevanceIndex, probes
from rag.chunking import chunk_text

ROOT = Path(__file__).resolve().parents[2]


def test_probes_of_short_and_long_quotes() -> None:
    assert probes("Kurz") == ["kurz"]
    blocks = probes("Bytedance soll bereits über 100.000 Chips")
    assert all(len(b) == 10 for b in blocks)
    assert "".join(blocks) == "bytedance soll bereits über 100.000 chips"[: 10 * len(blocks)]


@pytest.mark.slow  # every seed quote against three chunkings and 200 cut pieces: seconds
def test_scan_matches_passage_relevant_on_every_seed_chunk_and_quote(seed_doc) -> None:  # type: ignore[no-untyped-def]
    chunks = []
    for size, overlap in ((300, 50), (900, 200), (120, 0)):
        chunks += [(f"{size}:{c.index}", c.text)
                   for c in chunk_text(seed_doc.doc_id, seed_doc.text, seed_doc.outline, size, overlap)]
    # Sentence fragments and near misses too: pieces cut mid-word at odd places.
    body = seed_doc.text
    chunks += [(f"cut:{i}", body[i : i + 37]) for i in range(0, len(body) - 37, 53)]
    chunks += [("noise", "Nichts davon steht hier; ls listet Verzeichnisinhalte auf.")]
    index = RelevanceIndex(chunks)
    items = read_yaml(ROOT / "evals" / "sets" / "seed.yaml")
    for item in items:
        gold = item.get("evidence") or []
        expected = [cid for cid, text in chunks if passage_relevant(text, gold)]
        assert index.relevant_ids(gold) == expected, item["id"]


def test_scan_keeps_collection_order_and_handles_no_gold() -> None:
    chunks = [("b", "Huawei liefert Chips an Bytedance aus."), ("a", "Huawei liefert Chips an Bytedance")]
    index = RelevanceIndex(chunks)
    assert index.relevant_ids(["Huawei liefert Chips an Bytedance"]) == ["b", "a"]
    assert index.relevant_ids([]) == []
    assert len(index) == 2
