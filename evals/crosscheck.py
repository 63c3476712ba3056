"""Hit rate and MRR recomputed by llama-index's RetrieverEvaluator on the same rankings, to cross-check ours.

llama-index is imported only when the cross-check runs: it takes seconds to import, and the eval's other parts (and
their unit tests in `make quick`) need none of it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Ranking = list[tuple[str, str, float]]  # (chunk id, text, score), best first
NO_RELEVANT_CHUNK = "<no relevant chunk>"  # stands in when nothing in the collection is relevant: a miss, not an error
BASELINE_LABEL = "llama-index"  # the baseline's name among the retrievers (evals/baseline.py)


def ranked_retriever(search: Callable[[str], Ranking]) -> Any:
    """Any of our retrievers as a llama-index retriever: `search(query)` gives the ranking for a query."""
    from llama_index.core.base.base_retriever import BaseRetriever
    from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

    class RankedRetriever(BaseRetriever):
        def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
            return [
                NodeWithScore(node=TextNode(id_=cid, text=text), score=score)
                for cid, text, score in search(query_bundle.query_str)
            ]

    return RankedRetriever()


def llamaindex_hit_rate_mrr(
    search: Callable[[str], Ranking], queries: Sequence[tuple[str, Sequence[str]]]
) -> dict[str, float | int]:
    """Mean hit rate and MRR from RetrieverEvaluator over (query, expected chunk ids) pairs."""
    from llama_index.core.evaluation import RetrieverEvaluator

    evaluator = RetrieverEvaluator.from_metric_names(["hit_rate", "mrr"], retriever=ranked_retriever(search))
    hits: list[float] = []
    mrrs: list[float] = []
    for query, expected in queries:
        result = evaluator.evaluate(query=query, expected_ids=list(expected) or [NO_RELEVANT_CHUNK])
        values = result.metric_vals_dict
        hits.append(float(values["hit_rate"]))
        mrrs.append(float(values["mrr"]))
    n = len(queries)
    return {"n": n, "hit_rate": sum(hits) / n if n else 0.0, "mrr": sum(mrrs) / n if n else 0.0}


def agreement(ours: Mapping[str, Any], theirs: Mapping[str, Any], tolerance: float = 1e-9) -> bool:
    """Whether both computations give the same hit rate and MRR."""
    return all(abs(float(ours[key]) - float(theirs[key])) <= tolerance for key in ("hit_rate", "mrr"))
