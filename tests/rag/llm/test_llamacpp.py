"""Provider 'llamacpp' with the real bundled SmolLM2 model."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from rag.config import LLMSettings
from rag.llm import LLMBusy, LLMUnavailable
from rag.llm.llamacpp import LlamaCppProvider, _fold_system, default_model_path
from rag.llm.prompt import build_messages

# The real bundled model (SmolLM2) runs in most of these tests.
pytestmark = pytest.mark.slow

QUESTION = [{"role": "user", "content": "What is the capital of France? Answer in one short sentence."}]


@pytest.fixture(scope="module")
def smollm2() -> LlamaCppProvider:
    return LlamaCppProvider(LLMSettings(model_path="bundled:smollm2-135m-instruct", max_tokens=24, queue_wait_s=120))


def test_bundled_smollm2_is_the_packaged_gguf() -> None:
    path = default_model_path("smollm2-135m-instruct")
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.is_file() and path.open("rb").read(4) == b"GGUF"


@pytest.mark.slow
def test_generate_answers(smollm2: LlamaCppProvider) -> None:
    text = smollm2.generate(QUESTION, max_tokens=16)
    assert "Paris" in text


@pytest.mark.slow
def test_stream_matches_generate(smollm2: LlamaCppProvider) -> None:
    chunks = list(smollm2.stream(QUESTION, max_tokens=16))
    assert len(chunks) >= 3
    assert "".join(chunks) == smollm2.generate(QUESTION, max_tokens=16)  # greedy and no prefix-cache reuse


@pytest.mark.slow
def test_max_tokens_bounds_the_reply(smollm2: LlamaCppProvider) -> None:
    assert 1 <= len(list(smollm2.stream(QUESTION, max_tokens=3))) <= 3


@pytest.mark.slow
def test_the_answer_prompt_runs(smollm2: LlamaCppProvider) -> None:
    messages = build_messages(
        "How much did ByteDance spend on Nvidia chips last year?",
        [
            (
                1,
                "Laut Reuters hat Bytedance im vergangenen Jahr 2 Milliarden Dollar für "
                "Nvidia-Chips ausgegeben.",
            )
        ],
        "en",
    )
    assert smollm2.generate(messages, max_tokens=8).strip()


@pytest.mark.slow
def test_concurrent_calls_are_serialised(smollm2: LlamaCppProvider) -> None:
    expected = smollm2.generate(QUESTION, max_tokens=8)
    results: list[str] = []

    def ask() -> None:
        results.append("".join(smollm2.stream(QUESTION, max_tokens=8)))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results == [expected, expected]


def test_missing_model_file_is_unavailable(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.gguf"
    llm = LlamaCppProvider(LLMSettings(model_path=str(missing)))
    with pytest.raises(LLMUnavailable, match=re.escape(str(missing))):
        llm.check()
    with pytest.raises(LLMUnavailable, match=re.escape(str(missing))):
        llm.generate(QUESTION)


def test_unloadable_file_is_unavailable(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a model")
    with pytest.raises(LLMUnavailable, match=r"broken\.gguf"):
        list(LlamaCppProvider(LLMSettings(model_path=str(broken))).stream(QUESTION))


def test_system_messages_fold_into_the_first_user_turn() -> None:
    folded = _fold_system([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])
    assert folded == [{"role": "user", "content": "Be brief.\n\nHi"}]
    assert _fold_system([{"role": "user", "content": "Hi"}]) == [{"role": "user", "content": "Hi"}]


@pytest.mark.slow
def test_a_busy_model_turns_callers_away_after_the_wait(tmp_path: Path, embedder, seed_doc) -> None:  # type: ignore[no-untyped-def]
    """While another ask holds the model, a caller waits queue_wait_s and then gets LLMBusy; the answer
    pipeline then quotes verified evidence instead of queueing."""
    from rag.config import load_settings
    from rag.service import Quelle

    settings = load_settings(data_dir=tmp_path / "data", llm={"provider": "llamacpp", "queue_wait_s": 0.2})
    quelle = Quelle(settings, embedder=embedder)
    quelle.indexer.add(seed_doc)
    provider = quelle.llm
    assert isinstance(provider, LlamaCppProvider) and provider.queue_wait_s == 0.2
    with provider._lock:  # another ask is being phrased
        with pytest.raises(LLMBusy, match="busy"):
            provider.generate(QUESTION)
        with pytest.raises(LLMBusy):
            list(provider.stream(QUESTION))
        answer = quelle.ask("Wie viele Ascend-910B-Chips hat Baidu bestellt?")
    assert answer.mode == "extractive" and answer.citations
    assert any("1.600" in c.quote for c in answer.citations)


@pytest.mark.slow
def test_tokens_are_computed_on_the_compute_thread(smollm2: LlamaCppProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    from rag import compute

    seen: list[str] = []
    real = smollm2._complete

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(smollm2, "_complete", spy)
    assert "".join(smollm2.stream(QUESTION, max_tokens=4))
    smollm2.generate(QUESTION, max_tokens=4)
    assert seen == [compute.run(lambda: threading.current_thread().name)] * 2
