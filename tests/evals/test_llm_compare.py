"""Tests for evals/llm_compare.py's pure parts: set specs, the items asked, the figures, the table, the re-check of
shown sentences (a fake answer object; no model is loaded)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from evals.harness import read_yaml
from evals.llm_compare import COLUMNS, items_of, markdown, parse_set, per_set_summaries, summary, unverified_sentences
from evals.splits import recorded

ROOT = Path(__file__).resolve().parents[2]
SEED_SET = ROOT / "evals" / "sets" / "seed.yaml"


def test_parse_set_with_and_without_a_limit() -> None:
    assert parse_set("evals/sets/seed.yaml") == (Path("evals/sets/seed.yaml"), None)
    assert parse_set("evals/sets/manpages-de.yaml:20") == (Path("evals/sets/manpages-de.yaml"), 20)


def test_items_of_a_recorded_split() -> None:
    test_ids = set(recorded()["seed"]["test"])
    dev, test = items_of(SEED_SET, "dev", None), items_of(SEED_SET, "test", None)
    assert {str(i["id"]) for i in test} == test_ids
    assert not {str(i["id"]) for i in dev} & test_ids
    assert len(dev) + len(test) == len(read_yaml(SEED_SET))


def test_a_limit_spreads_over_the_split() -> None:
    test = items_of(SEED_SET, "test", None)
    chosen = items_of(SEED_SET, "test", 10)
    assert len(chosen) == 10 and chosen[0] == test[0]
    assert [test.index(i) for i in chosen] == sorted(test.index(i) for i in chosen)  # in order, none twice
    assert {i["lang"] for i in chosen} == {"de", "en"}
    assert items_of(SEED_SET, "test", len(test) + 5) == test


def test_a_set_without_a_recorded_split_gets_the_drawn_one(tmp_path: Path) -> None:
    items = [{"id": f"{lang}-{n}", "lang": lang, "answerable": True, "question": "?"}
             for lang in ("de", "en") for n in range(6)]
    path = tmp_path / "unrecorded-set.yaml"
    path.write_text(yaml.safe_dump(items), encoding="utf-8")
    dev, test = items_of(path, "dev", None), items_of(path, "test", None)
    assert len(dev) == len(test) == 6
    assert sorted(i["id"] for i in dev + test) == sorted(i["id"] for i in items)
    assert items_of(path, "test", None) == test  # drawn the same way every time


def row(**fields: Any) -> dict[str, Any]:
    base = {"set": "seed", "id": "x", "lang": "de", "mode": "extractive", "correct": True, "answer_lang": "de",
            "ask_ms": 100.0, "first_text_ms": None, "unverified": 0, "answer": "…"}
    return base | fields


RESULT = {"config": "qwen", "peak_rss_mb": 812.5, "load": [1.26, 1.0, 0.9], "rows": [
    row(id="de-1", mode="generated", ask_ms=100.0, first_text_ms=40.0),
    row(id="de-2", mode="extractive", correct=False, ask_ms=200.0, first_text_ms=60.0),
    row(id="en-1", lang="en", mode="generated", answer_lang="en", ask_ms=300.0, unverified=1),
    row(id="en-2", lang="en", mode="extractive", answer_lang="de", ask_ms=400.0, set="manpages-de"),
    row(id="en-3", lang="en", mode="refused", answer_lang="en", correct=True, ask_ms=500.0, set="manpages-de"),
]}


def test_summary_figures() -> None:
    figures = summary(RESULT)
    assert figures["config"] == "qwen" and figures["items"] == 5
    assert figures["accuracy"] == 0.8
    assert figures["generated_kept"] == 0.5  # 2 generated of 4 answered (the refusal does not count)
    assert figures["in_asker_language"] == 0.75  # en-2 was answered in German
    assert figures["en_answered_in_en"] == 0.5
    assert (figures["ask_p50_ms"], figures["ask_p95_ms"]) == (300, 480)
    assert figures["first_text_p50_ms"] == 50
    assert figures["unverified_shown"] == 1
    assert (figures["peak_rss_mb"], figures["load_1m"]) == (812.5, 1.3)


def test_summary_of_nothing_answered() -> None:
    figures = summary({**RESULT, "rows": [row(mode="refused", correct=False)]})
    assert figures["accuracy"] == 0.0
    assert figures["generated_kept"] is None and figures["first_text_p50_ms"] is None


def test_per_set_summaries_and_the_markdown_table() -> None:
    per_set = per_set_summaries([RESULT])
    assert list(per_set) == ["seed", "manpages-de"]
    assert [s["items"] for s in per_set["seed"]] == [3]
    text = markdown([summary(RESULT)], per_set)
    lines = text.splitlines()
    header = "| " + " | ".join(title for _, title in COLUMNS) + " |"
    assert lines[:4] == ["## All items", "", header, "|" + " --- |" * len(COLUMNS)]
    assert lines[4].startswith("| qwen | 5 | 0.8 | 0.5 | 0.75 | 0.5 | 300 | 480 | 50 | 812.5 | 1 | 1.3 |")
    manpages = lines[lines.index("## manpages-de") + 4]
    assert manpages.startswith("| qwen | 2 | 1.0 | 0.0 | 0.0 | 0.0 | 450 | 495 | – |")  # no first text: a dash


def answer(mode: str, sentence: str, quote: str) -> SimpleNamespace:
    return SimpleNamespace(mode=mode, citations=[SimpleNamespace(id=1, quote=quote)],
                           sentences=[SimpleNamespace(text=f"{sentence} [1]", citations=[1])])


QUOTE = "Baidu hat 1.600 Ascend-910B-Chips bei Huawei bestellt."


@pytest.mark.parametrize(("mode", "sentence", "expected"), [
    ("generated", "Baidu hat 1.600 Ascend-910B-Chips bestellt.", 0),
    ("generated", "Baidu hat 16.000 Ascend-910B-Chips bestellt.", 1),  # a number its citation does not state
    ("extractive", "Baidu hat 16.000 Ascend-910B-Chips bestellt.", 0),  # quotes are not re-checked
])
def test_unverified_sentences(mode: str, sentence: str, expected: int) -> None:
    assert unverified_sentences(answer(mode, sentence, QUOTE)) == expected
