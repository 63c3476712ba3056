"""The trial question sets are well formed: every answer check is in its evidence and in the trial's documents."""

from __future__ import annotations

import json

import pytest

from evals.trial import TRIALS, flat
from rag.documents import load_file


@pytest.mark.parametrize("name", sorted(p.stem for p in TRIALS.glob("*.jsonl")))
def test_a_trial_checks_what_its_documents_say(name: str) -> None:
    items = [json.loads(line) for line in (TRIALS / f"{name}.jsonl").read_text().splitlines() if line.strip()]
    text = flat("\n".join(load_file(p).text for p in sorted((TRIALS / name).iterdir())))
    assert len(items) == 30
    assert sum(not item["answerable"] for item in items) == 6
    for item in items:
        assert item["lang"] in ("de", "en")
        for must in item["must"]:
            assert flat(must) in flat(item["evidence"]), (item["q"], must)
            assert flat(must) in text, (item["q"], must)
