"""The answer-quality gate of `make test` (issue 12): the test split of every eval set, per language, provider none.

Floors live in one place, evals/gate.yaml, each with the value measured beside it and the date. Re-measure and
raise them with one command (about the time of this module):

    PYTHONPATH=$PWD .venv/bin/python -m evals.gate

It refuses to lower a floor unless given `--allow-lower`. Each set's corpus is ingested once per module, with one
torch thread, like tests/evals/test_gate.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from evals import gate
from evals.harness import read_yaml
from evals.splits import recorded

FLOORS = gate.load_floors()


@pytest.fixture(scope="module", params=gate.SETS, ids=lambda p: p.stem)
def measured(request: pytest.FixtureRequest, embedder) -> tuple[Path, dict[str, Any]]:  # type: ignore[no-untyped-def]
    return request.param, gate.measure(request.param, embedder)


def test_sets_are_named_or_given_by_path() -> None:
    assert gate.set_path("manpages-de") == gate.ROOT / "evals" / "sets" / "manpages-de.yaml"
    assert gate.set_path(str(gate.SETS[0])) == gate.SETS[0]
    with pytest.raises(argparse.ArgumentTypeError, match="no eval set 'debian'.*debian-reference"):
        gate.set_path("debian")


def test_floors_sit_one_step_below_and_upper_bounds_one_step_above() -> None:
    assert gate.floor_below(0.673) == 0.65
    assert gate.floor_below(0.654) == 0.65
    assert gate.floor_below(1.0) == 0.95
    assert gate.floor_below(0.65) == 0.6
    assert gate.floor_below(0.0) == 0.0
    assert gate.ceil_above(0.012) == 0.05
    assert gate.ceil_above(0.0) == 0.05
    assert gate.ceil_above(0.05) == 0.1
    assert gate.bound_for("context_quoted", 2) == 2
    assert gate.bound_for("false_refusal", 0.07) == 0.1
    assert gate.bound_for("false_refusal", 1.0) == 1.0  # a share never exceeds 1


def test_violations_and_loosened_bounds_are_named() -> None:
    floors = {"measured_on": "2026-11-30", "sets": {"s": {"de": {
        "accuracy": {"min": 0.6, "measured": 0.64}, "false_refusal": {"max": 0.05, "measured": 0.0},
        "context_quoted": {"max": 1, "measured": 1}}}}}
    assert gate.violations("s", "de", {"accuracy": 0.6, "false_refusal": 0.05, "context_quoted": 1}, floors) == []
    broken = gate.violations("s", "de", {"accuracy": 0.55, "false_refusal": 0.1, "context_quoted": 0}, floors)
    assert broken == ["s/de accuracy: 0.55 breaks the min 0.6 (measured 0.64 on 2026-11-30)",
                      "s/de false_refusal: 0.1 breaks the max 0.05 (measured 0.0 on 2026-11-30)"]
    assert gate.violations("s", "en", {}, floors) == ["s/en: no floors recorded; run `python -m evals.gate`"]
    measured = {"s": {"all": {"accuracy": 0.5}, "de": {"accuracy": 0.5, "false_refusal": 0.0, "context_quoted": 0},
                      "en": {"accuracy": 0.9}}}
    new = gate.floors_from(measured)
    assert new["s"]["de"]["accuracy"] == {"min": 0.45, "measured": 0.5}
    assert new["s"]["en"] == {"accuracy": {"min": 0.85, "measured": 0.9}}
    assert "all" not in new["s"]
    assert gate.lowered(floors, new) == ["s/de accuracy: min 0.6 -> 0.45"]  # tighter bounds are not listed


def test_every_gated_set_has_floors_for_both_languages() -> None:
    for path in gate.SETS:
        assert set(FLOORS["sets"][path.stem]) == set(gate.LANGUAGES), path.stem
    assert FLOORS["split"] == "test" and FLOORS["provider"] == "none"


@pytest.mark.slow
def test_the_gate_asks_exactly_the_recorded_test_split(measured) -> None:  # type: ignore[no-untyped-def]
    path, figures = measured
    items = read_yaml(path)
    test_ids = set(recorded()[path.stem]["test"])
    assert figures["all"]["items"] == sum(str(i["id"]) in test_ids for i in items) > 0
    assert figures["all"]["items"] == sum(figures[lang]["items"] for lang in gate.LANGUAGES)


@pytest.mark.slow
@pytest.mark.parametrize("lang", gate.LANGUAGES)
def test_quality_floors_hold(measured, lang: str) -> None:  # type: ignore[no-untyped-def]
    path, figures = measured
    broken = gate.violations(path.stem, lang, figures[lang], FLOORS)
    assert not broken, "\n".join(broken)


@pytest.mark.slow
def test_every_citation_is_exact(measured) -> None:  # type: ignore[no-untyped-def]
    _, figures = measured
    assert figures["all"]["citations_exact"] == 1.0  # invariant 1: quote == body[start:end]
