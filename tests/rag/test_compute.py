"""rag.compute: everything it runs lands on one thread; nested calls and errors come back to the caller."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from rag import compute


def test_calls_from_many_threads_run_on_one_thread() -> None:
    with ThreadPoolExecutor(4) as pool:
        names = set(pool.map(lambda _: compute.run(lambda: threading.current_thread().name), range(20)))
    assert len(names) == 1 and next(iter(names)).startswith("quelle-compute")
    assert threading.current_thread().name not in names


def test_a_nested_call_runs_in_place_instead_of_deadlocking() -> None:
    assert compute.run(lambda: compute.run(lambda: 41) + 1) == 42


def test_errors_reach_the_caller() -> None:
    def fail() -> None:
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        compute.run(fail)
    assert compute.run(lambda: "still serving") == "still serving"


@pytest.mark.slow
def test_the_embedder_encodes_on_the_compute_thread(embedder) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    real = embedder._encode  # one padded batch through the model (the fast-tokenizer path every bundled model takes)

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(threading.current_thread().name)
        return real(*args, **kwargs)

    embedder._encode = spy
    try:
        embedder.embed_query("Wo wird der Ascend 910C gefertigt?")
    finally:
        del embedder._encode
    assert seen == [compute.run(lambda: threading.current_thread().name)]
