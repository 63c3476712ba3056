"""Which chunks of a whole collection carry gold evidence: `passage_relevant`, made fast by an exact pre-filter."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from evals.metrics import MIN_SHARED_CHARS, normalize_for_match, spans_overlap

# Any run of MIN_SHARED_CHARS shared characters covers a whole block of half that length aligned in the quote,
# so a chunk that contains none of the quote's aligned blocks cannot overlap it (see `probes`).
_BLOCK = MIN_SHARED_CHARS // 2


def probes(quote: str) -> list[str]:
    """Substrings of the normalised quote of which every overlapping passage contains at least one."""
    g = normalize_for_match(quote)
    if len(g) < MIN_SHARED_CHARS:
        return [g]  # too short for a partial overlap: only containment counts
    return [g[i : i + _BLOCK] for i in range(0, len(g) - _BLOCK + 1, _BLOCK)]


class RelevanceIndex:
    """All chunks of a collection, to list those relevant to gold quotes exactly as `passage_relevant` judges."""

    def __init__(self, chunks: Iterable[tuple[str, str]]) -> None:
        self._chunks = [(cid, text, normalize_for_match(text)) for cid, text in chunks]
        self._by_quote: dict[str, list[str]] = {}

    def __len__(self) -> int:
        return len(self._chunks)

    def relevant_ids(self, gold_quotes: Sequence[str]) -> list[str]:
        """Ids of the chunks that overlap any gold quote, in collection order."""
        found: set[str] = set()
        for quote in gold_quotes:
            found.update(self._for_quote(quote))
        return [cid for cid, _, _ in self._chunks if cid in found]

    def _for_quote(self, quote: str) -> list[str]:
        if quote not in self._by_quote:
            needles = probes(quote)
            self._by_quote[quote] = [
                cid
                for cid, text, norm in self._chunks
                if any(needle in norm for needle in needles) and spans_overlap(text, quote)
            ]
        return self._by_quote[quote]
