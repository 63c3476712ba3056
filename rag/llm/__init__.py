"""LLM providers behind one small interface, chosen by settings (QUELLE_LLM_PROVIDER)."""

from __future__ import annotations

from rag.config import LLMSettings
from rag.llm.base import LLMBusy, LLMError, LLMProvider, LLMUnavailable, Message
from rag.llm.llamacpp import LlamaCppProvider
from rag.llm.none import NoLLM
from rag.llm.openai import OpenAIProvider

PROVIDERS: dict[str, type[LLMProvider]] = {
    "llamacpp": LlamaCppProvider,
    "openai": OpenAIProvider,
    "none": NoLLM,
}

__all__ = ["PROVIDERS", "LLMBusy", "LLMError", "LLMProvider", "LLMUnavailable", "Message", "make_llm"]


def make_llm(settings: LLMSettings) -> LLMProvider:
    """The provider named by `settings.provider`; an unknown name fails with the list of valid ones."""
    provider = PROVIDERS.get(settings.provider)
    if provider is None:
        raise ValueError(f"unknown LLM provider {settings.provider!r}; valid: {', '.join(PROVIDERS)}")
    return provider.from_settings(settings)
