"""The value types that flow through Quelle: documents, chunks, passages, evidence and answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Document:
    """A source document. `text` is the body that every offset points into."""

    doc_id: str
    title: str
    text: str
    source: str
    sha256: str
    language: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DocumentInfo:
    """What the index knows of a stored document (no body)."""

    doc_id: str
    title: str
    source: str
    sha256: str
    chunks: int
    language: str
    ingested_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one document: `text == body[start:end]`."""

    doc_id: str
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its score (higher is better) and document details."""

    doc_id: str
    chunk_id: str
    title: str
    source: str
    start: int
    end: int
    text: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Evidence:
    """One numbered evidence sentence, located in its document body."""

    id: int
    doc_id: str
    title: str
    source: str
    start: int
    end: int
    quote: str
    score: float


@dataclass
class AnswerSentence:
    text: str
    citations: list[int]
    supported: bool


Mode = Literal["generated", "extractive", "refused"]


@dataclass
class Answer:
    """The answer object of the HTTP contract (ARCHITECTURE.md)."""

    answer: str
    answerable: bool
    mode: Mode
    language: str
    citations: list[Evidence]
    sentences: list[AnswerSentence]
    timings_ms: dict[str, float]
    rejected: list[AnswerSentence] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The public object; rejected sentences are internal and left out."""
        data = asdict(self)
        data.pop("rejected")
        return data
