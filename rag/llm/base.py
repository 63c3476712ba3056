"""The LLM provider interface: chat messages in, answer text out (whole or streamed)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from rag.config import LLMSettings

Message = dict[str, str]


class LLMError(RuntimeError):
    """The LLM could not produce an answer; the message says why."""


class LLMUnavailable(LLMError):
    """The LLM cannot be reached or loaded (server down, timeout, missing model file)."""


class LLMBusy(LLMUnavailable):
    """The LLM is busy with other requests and did not become free in time."""


class LLMProvider(ABC):
    """A model that phrases answers. Subclasses implement `generate`; `stream` and `check` have defaults."""

    name: str = "llm"
    generates: bool = True  # False: the answer layer quotes evidence instead of asking the model

    @classmethod
    def from_settings(cls, settings: LLMSettings) -> Self:
        """The provider configured by `settings` (a subclass reads the fields it needs)."""
        return cls()

    @abstractmethod
    def generate(self, messages: list[Message], *, max_tokens: int | None = None) -> str:
        """The model's reply to OpenAI-style chat `messages`."""

    def stream(self, messages: list[Message], *, max_tokens: int | None = None) -> Iterator[str]:
        """The reply in pieces as the model produces them; by default one piece."""
        yield self.generate(messages, max_tokens=max_tokens)

    def check(self) -> None:  # noqa: B027 - optional hook: nothing to check means always available
        """Raise LLMUnavailable if the model cannot be used. Cheap: no generation."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"
