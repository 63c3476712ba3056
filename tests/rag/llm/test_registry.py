"""The provider registry, the base interface and provider 'none'."""

from __future__ import annotations

from collections.abc import Iterator
from typing import get_args

import pytest

from rag.config import LLMSettings
from rag.llm import PROVIDERS, LLMError, LLMProvider, LLMUnavailable, Message, make_llm
from rag.llm.llamacpp import LlamaCppProvider
from rag.llm.none import NoLLM
from rag.llm.openai import OpenAIProvider


class EchoLLM(LLMProvider):
    """A fake that repeats the last message: enough to exercise the base class."""

    name = "echo"

    def generate(self, messages: list[Message], *, max_tokens: int | None = None) -> str:
        return messages[-1]["content"][: max_tokens or None]


def test_registry_matches_the_settings_choices() -> None:
    assert set(PROVIDERS) == set(get_args(LLMSettings.model_fields["provider"].annotation))


def test_unknown_provider_fails_with_the_valid_ones() -> None:
    with pytest.raises(ValueError) as err:
        make_llm(LLMSettings.model_construct(provider="gpt-9"))  # type: ignore[arg-type]
    message = str(err.value)
    assert "'gpt-9'" in message
    for name in ("llamacpp", "openai", "none"):
        assert name in message


def test_none_provider_does_not_generate() -> None:
    llm = make_llm(LLMSettings(provider="none"))
    assert isinstance(llm, NoLLM)
    assert llm.generates is False
    llm.check()  # always available
    with pytest.raises(LLMError, match="no LLM configured"):
        llm.generate([{"role": "user", "content": "hi"}])
    with pytest.raises(LLMError, match="no LLM configured"):
        list(llm.stream([{"role": "user", "content": "hi"}]))


def test_generating_providers_say_so() -> None:
    assert LlamaCppProvider.generates and OpenAIProvider.generates


def test_default_stream_yields_the_whole_reply_once() -> None:
    chunks: Iterator[str] = EchoLLM().stream([{"role": "user", "content": "hello"}], max_tokens=4)
    assert list(chunks) == ["hell"]


def test_unavailable_is_an_llm_error() -> None:
    assert issubclass(LLMUnavailable, LLMError)


def test_llamacpp_from_settings() -> None:
    llm = make_llm(
        LLMSettings(
            provider="llamacpp",
            model_path="/nowhere/model.gguf",
            context_tokens=1024,
            threads=1,
            temperature=0.5,
            max_tokens=7,
        )
    )
    assert isinstance(llm, LlamaCppProvider)
    assert (llm.context_tokens, llm.threads, llm.temperature, llm.max_tokens) == (1024, 1, 0.5, 7)
    with pytest.raises(LLMUnavailable, match=r"/nowhere/model\.gguf"):
        llm.check()


def test_llamacpp_unknown_bundled_model_fails_at_start_up() -> None:
    with pytest.raises(ValueError, match="bundled:smollm2-135m-instruct"):
        make_llm(LLMSettings(provider="llamacpp", model_path="bundled:gpt-9"))


def test_openai_from_settings() -> None:
    llm = make_llm(
        LLMSettings(
            provider="openai", base_url="http://10.0.0.1:9999/v1/", model="m", api_key="secret", timeout_s=3
        )
    )
    assert isinstance(llm, OpenAIProvider)
    assert (llm.base_url, llm.model, llm.timeout_s) == ("http://10.0.0.1:9999/v1", "m", 3)
    assert llm._client.api_key == "secret"
