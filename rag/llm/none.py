"""Provider 'none': no model; answers are quoted from the evidence (extractive only)."""

from __future__ import annotations

from rag.llm.base import LLMError, LLMProvider, Message


class NoLLM(LLMProvider):
    """Stands in when no LLM is configured; the answer layer checks `generates` and never calls it."""

    name = "none"
    generates = False

    def generate(self, messages: list[Message], *, max_tokens: int | None = None) -> str:
        raise LLMError("no LLM configured (provider 'none'): answers are quoted from the evidence")
