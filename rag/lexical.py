"""BM25 lexical index over chunks, with Quelle's German/English analyzer (rag.text)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np

from rag.text import analyze, detect_language

# Cross-language stemming. Chunks are indexed with BOTH stemmers (each distinct stem of a word once, plus
# KI/AI-style equivalents); a query is stemmed only in its detected language. Measured on the seed article
# (82 answerable eval questions, relevant = passage overlapping the gold evidence; MRR averaged over
# sentence passages and 200/300/400/600-character chunks):
#                                              MRR DE / EN    hit@1 DE / EN
#   index own language, query both stemmers    0.835 / 0.697  0.745 / 0.538
#   index both, query both                     0.811 / 0.738  0.700 / 0.614
#   index own language, query detected         0.850 / 0.560  0.765 / 0.410
#   index both, query detected  (chosen)       0.853 / 0.742  0.765 / 0.619
# Querying with both stemmers double-counts words whose two stems both occur; stemming the query in one
# language loses English questions unless the index also carries English stems of the German text.
# Scoring is Lucene's BM25 (as in bm25s, which Quelle used before): idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
# term weight = idf * tf / (tf + K1 * (1 - B + B * len / avg_len)); a query sums the weights of its terms.
#
# Why raw term frequencies and weights at query time: idf and the average length change with every document,
# so stored weights would have to be recomputed for the whole collection after any change (2.1 s at 100k
# chunks). Stored as raw tf, a new document appends its own postings, a removed one is masked out, and a query
# weighs just the columns of its terms (`make bench`, section 2, shows both).
K1 = 1.5
B = 0.75


class BM25Postings:
    """Raw term frequencies per (term, chunk), changed in place as chunks come and go; `snapshot()` gives an
    immutable BM25Index of the current chunks.

    Chunks live in slots that are only ever appended. Postings are a compact term-major base (built in one
    vectorised pass) plus a few term-major segments of the slots added since, newest last; a removed chunk is
    only marked dead. A snapshot adds the pending slots as one new segment and merges the newest segments while
    one is not at least twice the size of the next (so there are about log2(appended / one document's
    postings) of them, and each posting is merged that many times at most): every step is a vectorised pass
    over the postings involved, never a Python loop over terms or over the collection. Segments are never
    changed once made (a merge makes a new one), so a snapshot just holds the tuple of them, with the slot count
    and a copy of the live mask and document frequencies: later changes never show in it. When dead slots or
    appended postings outgrow the base, the next snapshot compacts everything into a new base (amortised; old
    snapshots keep the old arrays).

    One writer at a time (the retriever's lock); snapshots may be read from any thread. A chunk id names one
    content version of a chunk, so a chunk that comes back (a reverted document) is revived, not analysed
    again."""

    # Compact when more slots than this (and than half of all) are dead, or when more postings than this (and
    # than half the base) were appended since the last compaction.
    compact_dead = 1_000
    compact_postings = 50_000

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self._clear()

    def _clear(self) -> None:
        self._ids: list[str] = []  # by slot
        self._slot: dict[str, int] = {}
        self._terms: list[np.ndarray] = []  # analysed term ids by slot
        self._lengths = np.zeros(0, dtype=np.int32)
        self._live = np.zeros(0, dtype=bool)
        self._df = np.zeros(0, dtype=np.int32)
        self._n_live = 0
        self._total_len = 0
        self._base = _TermMajor.empty()  # postings of the slots present at the last compaction
        self._segments: tuple[_TermMajor, ...] = ()  # postings of slots appended since, oldest first
        self._pending = 0  # slots added but not yet in any posting list (applied at the next snapshot)

    def __len__(self) -> int:
        return self._n_live

    def __contains__(self, chunk_id: object) -> bool:
        slot = self._slot.get(chunk_id) if isinstance(chunk_id, str) else None
        return slot is not None and bool(self._live[slot])

    def ids(self) -> list[str]:
        return [cid for cid, alive in zip(self._ids, self._live, strict=False) if alive]

    def update(self, removed: Iterable[str] = (), added: Iterable[tuple[str, str]] = ()) -> None:
        """Remove chunk ids, then add (chunk_id, text) chunks; unknown removals and known additions are no-ops."""
        slot = self._slot
        self._set_live(list(dict.fromkeys(s for cid in removed if (s := slot.get(cid)) is not None and self._live[s])),
                       False)
        fresh: list[tuple[str, str]] = []
        revived: list[int] = []
        for chunk_id, text in added:
            found = slot.get(chunk_id)
            if found is None:
                fresh.append((chunk_id, text))
            elif not self._live[found]:
                revived.append(found)
        self._set_live(list(dict.fromkeys(revived)), True)
        if fresh:
            self._append(fresh)

    def _set_live(self, slots: Sequence[int], alive: bool) -> None:
        if not slots:
            return
        self._cover_vocab()
        arrays = [self._terms[s] for s in slots]
        # Each (slot, term) once: document frequencies count chunks, not occurrences.
        keys = np.concatenate(arrays).astype(np.int64) * len(slots) + np.repeat(
            np.arange(len(slots), dtype=np.int64), [len(a) for a in arrays])
        counts = np.bincount(np.unique(keys) // len(slots), minlength=len(self._df)).astype(np.int32)
        self._df += counts if alive else -counts
        self._live[list(slots)] = alive
        sign = 1 if alive else -1
        self._n_live += sign * len(slots)
        self._total_len += sign * sum(len(a) for a in arrays)

    def _append(self, items: list[tuple[str, str]]) -> None:
        vocab = self.vocab
        first = len(self._ids)
        arrays = [np.fromiter((vocab.setdefault(t, len(vocab)) for t in analyze(text)), dtype=np.int32)
                  for _, text in items]
        for offset, (chunk_id, _) in enumerate(items):
            self._slot[chunk_id] = first + offset
        self._ids += [chunk_id for chunk_id, _ in items]
        self._terms += arrays
        lengths = np.fromiter((len(a) for a in arrays), dtype=np.int32, count=len(arrays))
        self._lengths = np.concatenate((self._lengths, lengths))
        self._live = np.concatenate((self._live, np.ones(len(items), dtype=bool)))
        self._n_live += len(items)
        self._total_len += int(lengths.sum())
        self._pending += len(items)

    def snapshot(self) -> BM25Index:
        """The current chunks as an immutable index (applies pending postings first; may compact)."""
        if self._pending:
            self._apply_pending()
        return BM25Index(
            ids=self._ids, n_slots=len(self._ids), vocab=self.vocab, n_terms=len(self.vocab),
            parts=(self._base, *self._segments), live=self._live.copy(), df=self._df[: len(self.vocab)].copy(),
            lengths=self._lengths, n_live=self._n_live, total_len=self._total_len,
        )

    def _apply_pending(self) -> None:
        n = len(self._ids)
        dead = n - self._n_live
        appended = sum(seg.postings for seg in self._segments) + sum(len(a) for a in self._terms[n - self._pending :])
        if dead > max(self.compact_dead, n // 2) or appended > max(self.compact_postings, self._base.postings // 2):
            self._compact()
            return
        fresh = _TermMajor.build(self._terms[n - self._pending :], len(self.vocab), first_slot=n - self._pending)
        segments = [*self._segments, fresh]
        while len(segments) > 1 and segments[-2].postings < 2 * segments[-1].postings:
            newer = segments.pop()
            segments[-1] = segments[-1].merged(newer)
        self._segments = tuple(segments)
        # Document frequencies of pending slots count here; a pending slot removed meanwhile was already
        # subtracted by _set_live, so the two cancel.
        self._cover_vocab()
        df = fresh.df
        self._df[: len(df)] += df.astype(np.int32)
        self._pending = 0

    def _cover_vocab(self) -> None:
        if len(self._df) < len(self.vocab):
            self._df = np.concatenate((self._df, np.zeros(len(self.vocab) - len(self._df), dtype=np.int32)))

    def _compact(self) -> None:
        """Rebuild: live chunks only, renumbered, in one base. New arrays throughout, so snapshots stay intact."""
        keep = np.flatnonzero(self._live)
        ids, terms = [self._ids[i] for i in keep], [self._terms[i] for i in keep]
        vocab = self.vocab
        self._clear()
        self.vocab = vocab
        self._ids = ids
        self._slot = {cid: i for i, cid in enumerate(ids)}
        self._terms = terms
        self._lengths = np.fromiter((len(a) for a in terms), dtype=np.int32, count=len(terms))
        self._live = np.ones(len(ids), dtype=bool)
        self._base = _TermMajor.build(terms, len(vocab))
        self._df = self._base.df.astype(np.int32)
        self._n_live = len(ids)
        self._total_len = int(self._lengths.sum())


class _TermMajor:
    """Postings of some slots as term-major arrays: the slots of term t are rows[indptr[t]:indptr[t + 1]]."""

    def __init__(self, indptr: np.ndarray, rows: np.ndarray, tf: np.ndarray) -> None:
        self.indptr, self.rows, self.tf = indptr, rows, tf
        self.n_terms = len(indptr) - 1
        self.postings = len(rows)

    @classmethod
    def empty(cls) -> _TermMajor:
        return cls(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32))

    @classmethod
    def build(cls, arrays: Sequence[np.ndarray], n_terms: int, first_slot: int = 0) -> _TermMajor:
        n = len(arrays)
        lengths = np.fromiter((len(a) for a in arrays), dtype=np.int64, count=n)
        if n == 0 or not lengths.any():
            return cls(np.zeros(n_terms + 1, dtype=np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32))
        # One key per (term, slot) occurrence; sorted unique keys give term-major pairs and their counts.
        keys = np.concatenate(arrays).astype(np.int64) * n + np.repeat(
            np.arange(n, dtype=np.int64), lengths)
        pairs, tf = np.unique(keys, return_counts=True)
        terms, rows = np.divmod(pairs, n)
        indptr = np.concatenate(([0], np.cumsum(np.bincount(terms, minlength=n_terms))))
        return cls(indptr, (rows + first_slot).astype(np.int32), tf.astype(np.int32))

    def merged(self, newer: _TermMajor) -> _TermMajor:
        """One term-major array of this segment's postings and a newer one's, whose slots all come after this
        one's: per term, this one's rows then the newer one's, so rows stay sorted. One vectorised pass."""
        n_terms = max(self.n_terms, newer.n_terms)
        mine, theirs = _padded_indptr(self.indptr, n_terms), _padded_indptr(newer.indptr, n_terms)
        indptr = mine + theirs
        rows = np.empty(self.postings + newer.postings, dtype=np.int32)
        tf = np.empty_like(rows)
        # Posting i of term t moves by the postings of t (and of the terms before t) the other side holds first.
        at = np.arange(self.postings) + np.repeat(theirs[:-1], np.diff(mine))
        rows[at], tf[at] = self.rows, self.tf
        at = np.arange(newer.postings) + np.repeat(mine[1:], np.diff(theirs))
        rows[at], tf[at] = newer.rows, newer.tf
        return _TermMajor(indptr, rows, tf)

    @property
    def df(self) -> np.ndarray:
        return np.diff(self.indptr)

    def column(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        if term >= self.n_terms:
            return _NONE, _NONE
        lo, hi = self.indptr[term], self.indptr[term + 1]
        return self.rows[lo:hi], self.tf[lo:hi]


def _padded_indptr(indptr: np.ndarray, n_terms: int) -> np.ndarray:
    """`indptr` extended to n_terms terms (the terms past its own have no postings)."""
    if len(indptr) > n_terms:
        return indptr
    return np.concatenate((indptr, np.full(n_terms + 1 - len(indptr), indptr[-1], dtype=indptr.dtype)))


_NONE = np.zeros(0, dtype=np.int32)


class BM25Index:
    """An immutable BM25 view of chunks (a BM25Postings snapshot): raw term frequencies, weighed at query time
    for just the query's terms, so building a new view after a change costs only that change."""

    def __init__(self, *, ids: list[str], n_slots: int, vocab: dict[str, int], n_terms: int,
                 parts: tuple[_TermMajor, ...], live: np.ndarray, df: np.ndarray, lengths: np.ndarray, n_live: int,
                 total_len: int) -> None:
        self._ids = ids  # shared with the writer, which only appends: slots below n_slots never change
        self._n = n_slots
        self._vocab = vocab  # may grow after this snapshot: ids >= n_terms are unknown here
        self._n_terms = n_terms
        self._parts = parts  # the base and the segments: slots below n_slots only, never changed
        self._live = live
        self._df = df
        self._n_live = n_live
        avg = total_len / n_live if total_len else 1.0
        self._norm = K1 * ((1 - B) + B * lengths[:n_slots] / avg) if n_live else np.zeros(n_slots)
        # Weights of the terms queried so far. They depend on this snapshot's N and average length, so they
        # live and die with it; a term's first query computes them, later queries only add them up, as the
        # index with stored weights did for every term.
        self._weights: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}

    @classmethod
    def build(cls, items: Iterable[tuple[str, str, str]]) -> BM25Index:
        """A fresh index of (chunk_id, text, lang) items. `lang` is kept in the signature for callers; terms
        carry both stemmers whatever the document's language (see above)."""
        postings = BM25Postings()
        postings.update(added=[(chunk_id, text) for chunk_id, text, _ in items])
        return postings.snapshot()

    def __len__(self) -> int:
        return self._n_live

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every slot for analysed query terms (a repeated term counts again); 0 for removed ones.
        In a fresh index, slots are in the order the chunks were given."""
        scores = np.zeros(self._n, dtype=np.float64)
        for term in terms:
            t = self._vocab.get(term)
            if t is None or t >= self._n_terms or not self._df[t]:
                continue
            for rows, weights in self._weighed(t):
                scores[rows] += weights
        if self._n_live < self._n:
            scores[~self._live] = 0.0
        return scores

    def _weighed(self, term: int) -> list[tuple[np.ndarray, np.ndarray]]:
        found = self._weights.get(term)
        if found is None:
            df = int(self._df[term])
            idf = np.log1p((self._n_live - df + 0.5) / (df + 0.5))
            found = [(rows, idf * tf / (tf + self._norm[rows])) for rows, tf in self._columns(term)]
            self._weights[term] = found  # a race computes the same arrays twice, harmlessly
        return found

    def _columns(self, term: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for part in self._parts:
            rows, tf = part.column(term)
            if len(rows):
                yield rows, tf

    def search(
        self, query: str, k: int, allowed: Callable[[str], bool] | None = None, terms: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """Up to k (chunk_id, score) pairs with a positive score, best first (ties by chunk id, so the order
        does not depend on how the index was built), among the chunks `allowed` accepts (all when None). `terms`,
        when given, are the query's analysed terms (rag.question.Question.search_terms) and `query` is not analysed."""
        if k <= 0 or not self._n_live:
            return []
        scores = self.scores(analyze(query, detect_language(query)) if terms is None else terms)
        hits = np.flatnonzero(scores > 0)
        if allowed is None and len(hits) > k:
            kth = np.partition(scores[hits], len(hits) - k)[len(hits) - k]
            hits = hits[scores[hits] >= kth]  # the k best and everything tied with the k-th
        # The filter runs lazily down the ranking, so k allowed hits come back whenever k exist, without
        # calling `allowed` on every chunk.
        results: list[tuple[str, float]] = []
        for index in self._ranked(scores, hits):
            chunk_id = self._ids[index]
            if allowed is None or allowed(chunk_id):
                results.append((chunk_id, float(scores[index])))
                if len(results) == k:
                    break
        return results

    def _ranked(self, scores: np.ndarray, hits: np.ndarray) -> Iterator[int]:
        order = hits[np.argsort(-scores[hits], kind="stable")]
        values = scores[order]
        bounds = [0, *(np.flatnonzero(np.diff(values)) + 1).tolist(), len(order)]
        for lo, hi in zip(bounds, bounds[1:], strict=False):
            group = order[lo:hi].tolist()
            yield from group if len(group) == 1 else sorted(group, key=self._ids.__getitem__)

