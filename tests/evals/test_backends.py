"""The backend quality table: each backend against the first, and whether every drop stays within the budget."""

from __future__ import annotations

from evals.backends import table


def figures(hit: float, mrr: float) -> dict[str, dict[str, float]]:
    return {r: {"n": 30, "hit@5": hit, "mrr@10": mrr} for r in ("hybrid", "dense")}


def test_a_drop_within_the_budget_holds_and_a_larger_one_does_not() -> None:
    within = {"seed": {"torch": figures(0.9, 0.80), "onnx-int8": figures(0.9, 0.791)}}
    text, held = table(within, ["torch", "onnx-int8"])
    assert held and "| seed | hybrid | 30 | 0.900 | 0.900 | +0.000 | 0.800 | 0.791 | -0.009 |" in text
    beyond = {**within, "manpages-de": {"torch": figures(0.5, 0.4), "onnx-int8": figures(0.466, 0.41)}}
    text, held = table(beyond, ["torch", "onnx-int8"])
    assert not held and "| manpages-de | dense | 30 | 0.500 | 0.466 | -0.034 | 0.400 | 0.410 | +0.010 |" in text
