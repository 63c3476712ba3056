"""Provider 'openai': any OpenAI-compatible chat server (llama.cpp server, vLLM, Ollama, OpenAI itself)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from rag.llm.base import LLMError, LLMProvider, LLMUnavailable, Message

if TYPE_CHECKING:
    from rag.config import LLMSettings

CHECK_TIMEOUT_S = 5.0


class OpenAIProvider(LLMProvider):
    """Chat completions over HTTP with the `openai` client. No retries: a dead server fails fast."""

    name = "openai"

    def __init__(self, settings: LLMSettings) -> None:
        try:
            import openai
        except ImportError:
            raise LLMUnavailable(
                "provider 'openai' needs the package 'openai' (pip install openai)"
            ) from None
        self.base_url = settings.base_url.rstrip("/")
        self.model = settings.model
        self.timeout_s = settings.timeout_s
        self.max_tokens = settings.max_tokens
        self.temperature = settings.temperature
        api_key = settings.api_key.get_secret_value() or "not-needed"
        self._client = openai.OpenAI(base_url=self.base_url, api_key=api_key, timeout=settings.timeout_s, max_retries=0)

    @classmethod
    def from_settings(cls, settings: LLMSettings) -> OpenAIProvider:
        return cls(settings)

    def check(self) -> None:
        timeout_s = min(self.timeout_s, CHECK_TIMEOUT_S)
        try:
            self._client.with_options(timeout=timeout_s).models.list()
        except Exception as exc:
            raise self._explain(exc, timeout_s) from None

    def generate(self, messages: list[Message], *, max_tokens: int | None = None) -> str:
        try:
            reply = self._client.chat.completions.create(
                model=self.model,
                messages=cast("Any", messages),
                max_tokens=max_tokens or self.max_tokens,
                temperature=self.temperature,
            )
        except Exception as exc:
            raise self._explain(exc) from None
        if not reply.choices:
            raise LLMError(f"the LLM server at {self.base_url} sent a reply without choices")
        return reply.choices[0].message.content or ""

    def stream(self, messages: list[Message], *, max_tokens: int | None = None) -> Iterator[str]:
        try:
            chunks = self._client.chat.completions.create(
                model=self.model,
                messages=cast("Any", messages),
                max_tokens=max_tokens or self.max_tokens,
                temperature=self.temperature,
                stream=True,
            )
            with chunks:
                for chunk in chunks:
                    if chunk.choices and chunk.choices[0].delta.content:
                        yield chunk.choices[0].delta.content
        except Exception as exc:
            raise self._explain(exc) from None

    def _explain(self, exc: Exception, timeout_s: float | None = None) -> LLMError:
        """The client's exception as an LLMError a person can act on. Any failure of the remote call counts:
        the answer layer then falls back to quoting the evidence."""
        import openai

        where = f"the LLM server at {self.base_url}"
        if isinstance(exc, (openai.APITimeoutError, TimeoutError)):
            return LLMUnavailable(f"{where} did not answer within {timeout_s or self.timeout_s:g} s")
        if isinstance(exc, openai.APIConnectionError):
            return LLMUnavailable(
                f"cannot reach {where} ({exc}); start an OpenAI-compatible server there "
                "or set QUELLE_LLM_BASE_URL"
            )
        if isinstance(exc, openai.APIStatusError):
            detail = f"{where} answered HTTP {exc.status_code}: {exc.message}"
            return LLMUnavailable(detail) if exc.status_code >= 500 else LLMError(detail)
        if isinstance(exc, LLMError):
            return exc
        return LLMError(f"{where} failed: {type(exc).__name__}: {exc}")
