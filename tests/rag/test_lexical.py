"""Tests for rag/lexical.py: BM25 over the seed article's sentences, German and English questions, filters."""

from __future__ import annotations

import random

import pytest

from rag.chunking import split_sentences
from rag.lexical import BM25Index

BAIDU = "So soll Baidu 1.600 Huawei Ascend 910B KI-Chips"
BYTEDANCE_SPEND = "Laut Reuters hat Bytedance im vergangenen Jahr 2 Milliarden Dollar"
H20_SALES = "Nvidia soll in diesem Jahr mehr als eine Million H20-GPUs"


@pytest.fixture(scope="module")
def sentences(seed_doc) -> dict[str, str]:  # type: ignore[no-untyped-def]
    text = seed_doc.text
    return {f"s{i:02d}": text[start:end] for i, (start, end) in enumerate(split_sentences(text))}


@pytest.fixture(scope="module")
def index(sentences: dict[str, str]) -> BM25Index:
    return BM25Index.build([(cid, text, "de") for cid, text in sentences.items()])


def _id_of(sentences: dict[str, str], prefix: str) -> str:
    return next(cid for cid, text in sentences.items() if text.startswith(prefix))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Wie viele Ascend-910B-Chips hat Baidu bestellt?", BAIDU),
        ("How many 910B chips did Baidu order?", BAIDU),
        ("Wie viel Geld hat Bytedance letztes Jahr für Nvidia-Chips ausgegeben?", BYTEDANCE_SPEND),
        ("How much did ByteDance spend on Nvidia chips last year?", BYTEDANCE_SPEND),
        ("Wie viele H20-GPUs will Nvidia in China ausliefern?", H20_SALES),
        ("How many H20 GPUs is Nvidia expected to ship to China this year?", H20_SALES),
    ],
)
def test_question_finds_its_sentence_first(
    index: BM25Index, sentences: dict[str, str], question: str, expected: str
) -> None:
    results = index.search(question, 3)
    assert results[0][0] == _id_of(sentences, expected)


def test_h20_query_finds_only_h20_sentences(index: BM25Index, sentences: dict[str, str]) -> None:
    results = index.search("H20", 10)
    assert len(results) == 3
    assert all("H20" in sentences[cid] for cid, _ in results)


def test_results_are_best_first_and_positive(index: BM25Index) -> None:
    results = index.search("Huawei Ascend Chips Nvidia", 10)
    scores = [score for _, score in results]
    assert len(results) == 10
    assert scores == sorted(scores, reverse=True)
    assert all(score > 0 for score in scores)


def test_numbers_match_in_any_notation(index: BM25Index, sentences: dict[str, str]) -> None:
    expected = _id_of(sentences, "Bytedance soll bereits über 100.000")
    assert index.search("100,000", 1)[0][0] == expected
    assert index.search("100000", 1)[0][0] == expected


def test_allowed_filter_still_returns_k_results(index: BM25Index, sentences: dict[str, str]) -> None:
    baidu = _id_of(sentences, BAIDU)
    unfiltered = [cid for cid, _ in index.search("Nvidia Chips", 30)]
    allowed = set(unfiltered[3:])  # forbid the three best
    results = index.search("Nvidia Chips", 5, allowed=lambda cid: cid in allowed)
    assert [cid for cid, _ in results] == unfiltered[3:8]
    assert index.search("Baidu", 5, allowed=lambda cid: cid != baidu) == []


def test_query_without_known_terms_returns_nothing(index: BM25Index) -> None:
    assert index.search("Quantencomputer Photosynthese", 5) == []
    assert index.search("der die das und", 5) == []
    assert index.search("", 5) == []
    assert index.search("Baidu", 0) == []


def test_empty_index() -> None:
    index = BM25Index.build([])
    assert len(index) == 0
    assert index.search("Baidu", 5) == []


def test_index_of_texts_without_terms() -> None:
    index = BM25Index.build([("a", "", "de"), ("b", "und der die", "de")])
    assert len(index) == 2
    assert index.search("und", 5) == []


def test_len_counts_chunks(index: BM25Index, sentences: dict[str, str]) -> None:
    assert len(index) == len(sentences)


@pytest.mark.slow
def test_builds_and_searches_10k_chunks(sentences: dict[str, str]) -> None:
    """Scale, not speed: timings live in `make bench`."""
    rng = random.Random(7)
    words = " ".join(sentences.values()).split()

    def chunk() -> str:
        # ~130 words, a few of them invented, so the vocabulary is not tiny.
        picked = rng.sample(words, 130)
        return " ".join(w if rng.random() > 0.05 else f"{w}{rng.randint(0, 20_000)}" for w in picked)

    items = [(f"c{i}", chunk(), "de") for i in range(10_000)]
    index = BM25Index.build(items)
    results = index.search("How many Ascend 910B chips did Baidu order?", 10)
    assert len(index) == 10_000 and len(results) == 10
    assert [s for _, s in results] == sorted((s for _, s in results), reverse=True)


def test_scores_are_lucene_bm25() -> None:
    """The sparse arithmetic against the formula written out for a corpus small enough to count by hand."""
    import math

    from rag.lexical import K1, B
    from rag.text import analyze

    texts = {"a": "Huawei baut Chips. Huawei liefert Chips an Baidu.", "b": "Nvidia liefert H20 nach China.",
             "c": "Baidu bestellt bei Huawei."}
    index = BM25Index.build([(cid, text, "de") for cid, text in texts.items()])
    docs = {cid: analyze(text) for cid, text in texts.items()}
    avg = sum(map(len, docs.values())) / len(docs)
    query = analyze("Huawei liefert", "de")
    expected = []
    for terms in docs.values():
        score = 0.0
        for term in query:
            df = sum(term in d for d in docs.values())
            tf = terms.count(term)
            idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
            score += idf * tf / (tf + K1 * (1 - B + B * len(terms) / avg))
        expected.append(score)
    assert index.scores(query) == pytest.approx(expected, rel=1e-5)
    assert expected[0] > expected[1] > 0 and expected[2] > 0


def test_postings_analyse_each_chunk_once_and_snapshots_never_change(monkeypatch: pytest.MonkeyPatch) -> None:
    import rag.lexical
    from rag.lexical import BM25Postings

    calls: list[str] = []
    real = rag.lexical.analyze
    monkeypatch.setattr(rag.lexical, "analyze", lambda text, *a: calls.append(text) or real(text, *a))
    postings = BM25Postings()
    postings.update(added=[("a", "Huawei baut Chips"), ("b", "Nvidia liefert")])
    first = postings.snapshot()
    postings.update(removed=["a"], added=[("b", "Nvidia liefert"), ("c", "Baidu bestellt Chips")])
    second = postings.snapshot()
    postings.update(added=[("a", "Huawei baut Chips")])  # a chunk id names one content: revived, not analysed
    third = postings.snapshot()
    assert calls == ["Huawei baut Chips", "Nvidia liefert", "Baidu bestellt Chips"]
    assert len(first) == 2 and len(second) == 2 and len(third) == 3
    # a snapshot keeps answering as it was after the postings changed and the shared vocabulary grew past it
    assert [cid for cid, _ in first.search("Huawei", 5)] == ["a"]
    assert first.search("Baidu", 5) == []
    assert second.search("Huawei", 5) == []
    assert [cid for cid, _ in second.search("Chips", 5)] == ["c"]
    assert sorted(cid for cid, _ in third.search("Chips", 5)) == ["a", "c"]


WORDS = ("Huawei Nvidia Baidu Bytedance Chips GPU Ascend 910B H20 Export China Taiwan Fabrik Halbleiter Auftrag "
         "Milliarden Dollar bestellt liefert Sanktionen Rechenzentrum Modell Training")
CORPUS = {f"c{i:03d}": " ".join(random.Random(i).sample(WORDS.split(), 8)) for i in range(120)}
QUERIES = ("Huawei Chips", "Wie viele H20 hat Nvidia geliefert?", "Bytedance Milliarden Dollar", "Ascend 910B",
           "Sanktionen China Export")


def _fresh(ids: list[str]) -> BM25Index:
    return BM25Index.build([(cid, CORPUS[cid], "de") for cid in ids])


@pytest.mark.parametrize("compact", [False, True], ids=["appended", "compacted"])
def test_delete_and_add_in_place_equals_a_fresh_index(compact: bool) -> None:
    """Scores and order after removals and additions equal an index built from scratch over the same chunks,
    both while changes sit in appended postings and after they were compacted into a new base."""
    from rag.lexical import BM25Postings

    rng = random.Random(3)
    postings = BM25Postings()
    if compact:
        postings.compact_dead = postings.compact_postings = 0
    ids = sorted(rng.sample(sorted(CORPUS), 60))
    postings.update(added=[(cid, CORPUS[cid]) for cid in ids])
    for _ in range(6):
        gone = rng.sample(ids, 7)
        new = rng.sample(sorted(set(CORPUS) - set(ids)), 9)  # some were removed before: they come back
        ids = sorted(set(ids) - set(gone) | set(new))
        postings.update(removed=gone, added=[(cid, CORPUS[cid]) for cid in new])
        snapshot, fresh = postings.snapshot(), _fresh(ids)
        assert len(snapshot) == len(fresh) == len(ids)
        for query in QUERIES:
            assert snapshot.search(query, 10) == fresh.search(query, 10)
            allowed = set(ids[::2]).__contains__
            assert snapshot.search(query, 5, allowed=allowed) == fresh.search(query, 5, allowed=allowed)


def test_a_removed_chunk_never_scores() -> None:
    from rag.lexical import BM25Postings
    from rag.text import analyze

    postings = BM25Postings()
    postings.update(added=[("a", "Huawei baut Chips"), ("b", "Nvidia baut Chips")])
    postings.update(removed=["a"])
    snapshot = postings.snapshot()
    assert [cid for cid, _ in snapshot.search("Huawei Chips", 5)] == ["b"]
    assert snapshot.scores(analyze("Huawei", "de")).tolist() == [0.0, 0.0]


def test_many_small_updates_merge_segments_and_equal_a_fresh_index() -> None:
    """One or two chunks at a time (a document per refresh): the appended segments merge as they go, so there are
    only logarithmically many, and every snapshot still equals an index built from scratch."""
    from rag.lexical import BM25Postings

    rng = random.Random(11)
    postings = BM25Postings()
    ids = sorted(CORPUS)[:20]
    postings.update(added=[(cid, CORPUS[cid]) for cid in ids])
    postings.snapshot()
    spare = sorted(set(CORPUS) - set(ids))
    for step in range(40):
        new = [spare.pop(rng.randrange(len(spare))) for _ in range(1 + step % 2)]
        gone = rng.sample(ids, 1) if step % 3 == 0 else []
        ids = sorted(set(ids) - set(gone) | set(new))
        postings.update(removed=gone, added=[(cid, CORPUS[cid]) for cid in new])
        snapshot, fresh = postings.snapshot(), _fresh(ids)
        sizes = [segment.postings for segment in postings._segments]
        assert all(older >= 2 * newer for older, newer in zip(sizes, sizes[1:], strict=False)), sizes
        for query in QUERIES:
            assert snapshot.search(query, 10) == fresh.search(query, 10)
    assert 1 < len(postings._segments) <= 6  # 60 chunks appended one or two at a time: merged, not 40 segments


def test_merging_two_segments_equals_building_them_as_one() -> None:
    import numpy as np

    from rag.lexical import _TermMajor

    rng = np.random.default_rng(5)
    arrays = [rng.integers(0, 30, size=int(rng.integers(0, 12))).astype(np.int32) for _ in range(25)]
    whole = _TermMajor.build(arrays, 30)
    # the older segment knows fewer terms (the vocabulary grew since): its term-major arrays are shorter
    older = _TermMajor.build(arrays[:10], 1 + max(int(a.max(initial=0)) for a in arrays[:10]))
    newer = _TermMajor.build(arrays[10:], 30, first_slot=10)
    merged = older.merged(newer)
    assert merged.indptr.tolist() == whole.indptr.tolist()
    assert merged.rows.tolist() == whole.rows.tolist() and merged.tf.tolist() == whole.tf.tolist()
