"""The value types that flow through Quelle: documents, chunks, passages, evidence and answers."""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from rag.structure import Outline


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
    outline: Outline = Outline(())  # headings of the body (rag.structure)
    pages: tuple[int, ...] = ()  # start offset of each page (PDF); empty for formats without pages

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding `offset`, or None for formats without pages."""
        return page_at(self.pages, offset)


def page_at(pages: tuple[int, ...] | list[int], offset: int) -> int | None:
    """The 1-based page holding `offset` given each page's start offset; None without pages."""
    return bisect.bisect_right(pages, offset) or None if pages else None


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
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one section of one document: `text == body[start:end]`."""

    doc_id: str
    index: int
    start: int
    end: int
    text: str
    section: str = ""  # heading path, outermost first, joined by " › "
    page: int | None = None


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
    section: str = ""
    page: int | None = None
    outline: Outline = Outline(())  # the document's headings inside this passage (absolute offsets)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("outline")
        return data


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
    section: str | None = None
    page: int | None = None


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


@dataclass(frozen=True)
class Delta:
    """A piece of verified answer text, as it is produced."""

    text: str


@dataclass(frozen=True)
class Draft:
    """An early verified answer (the evidence quoted, mode 'extractive') while a better one is being generated.
    Deltas after it belong to the generated answer; the Final answer says which one stands (its mode)."""

    answer: Answer


@dataclass(frozen=True)
class Final:
    """The finished answer; the last event of every answer stream."""

    answer: Answer


AnswerEvent = Delta | Draft | Final
