"""Request and response models of the v1 HTTP contract (ARCHITECTURE.md), with OpenAPI examples."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


class AskFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doc_ids: list[str] | None = Field(None, min_length=1, max_length=100, description="Only search these documents.")


class HistoryMessage(BaseModel):
    """An earlier turn of a conversation; user turns resolve a follow-up question ("Und Bytedance?")."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant", "system"]
    content: str = Field(..., max_length=20_000)


class AskRequest(BaseModel):
    """A question about the documents."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [
            {"question": "Wie viel hat Bytedance im vergangenen Jahr für Nvidia-Chips ausgegeben?"},
            {"question": "How many Ascend 910B chips did Baidu order?", "top_k": 5, "stream": False},
        ]},
    )
    question: str = Field(..., min_length=1, description="German or English; at most 2,000 characters by default "
                          "(QUELLE_API__MAX_QUESTION_CHARS).")
    top_k: int | None = Field(None, ge=1, le=50, description="Passages to retrieve.")
    filters: AskFilters | None = None
    where: dict[str, Any] | None = Field(
        None, description="Only documents whose front-matter metadata pass this filter, in Chroma's syntax: "
        "{field: value}, {field: {$eq|$ne|$gt|$gte|$lt|$lte|$in|$nin: …}}, {$and|$or: [filter, …]}.",
        examples=[{"year": {"$gte": 2024}}])
    history: list[HistoryMessage] | None = Field(
        None, max_length=50, description="Earlier turns, oldest first; the user turns make a follow-up standalone.")
    stream: bool = Field(False, description="Server-Sent Events: token*, answer, done.")

    _check = field_validator("question")(_not_blank)


class CitationPublic(BaseModel):
    id: int
    doc_id: str
    title: str
    source: str
    section: str | None = Field(None, description="Heading path of the cited text (outermost first, ' › ' between).")
    page: int | None = Field(None, description="1-based page of the cited text (PDF); null for formats without pages.")
    start: int
    end: int
    quote: str
    score: float


class SentencePublic(BaseModel):
    text: str
    citations: list[int]
    supported: bool


class AnswerPublic(BaseModel):
    """A verified answer: every sentence cites evidence at exact character offsets."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "answer": "Laut Reuters hat Bytedance im vergangenen Jahr 2 Milliarden Dollar für Nvidia-Chips ausgegeben. [1]",
        "answerable": True, "mode": "extractive", "language": "de",
        "citations": [{"id": 1, "doc_id": "huawei-ascend-910c-nvidia-china", "title": "Huawei will …",
                       "source": "documents/huawei-ascend-910c-nvidia-china.md", "section": None, "page": None,
                       "start": 812, "end": 905,
                       "quote": "Laut Reuters hat Bytedance …", "score": 0.83}],
        "sentences": [{"text": "Laut Reuters hat …", "citations": [1], "supported": True}],
        "timings_ms": {"retrieve": 12.1, "generate": 0.0, "verify": 0.0, "total": 14.0},
    }]})
    answer: str
    answerable: bool
    mode: Literal["generated", "extractive", "refused"]
    language: str
    citations: list[CitationPublic]
    sentences: list[SentencePublic]
    timings_ms: dict[str, float]


class SearchResult(BaseModel):
    doc_id: str
    title: str
    section: str | None = None
    page: int | None = None
    chunk_id: str
    start: int
    end: int
    text: str
    score: float


class SearchResponse(BaseModel):
    results: list[SearchResult]


class DocumentCreate(BaseModel):
    """A document given as text (files go as multipart `file`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"title": "Notiz", "text": "Zebrotek hat 4.711 Chips geliefert.",
                                         "doc_id": "zebrotek-notiz"}]},
    )
    title: str = Field(..., min_length=1, max_length=200)
    text: str = Field(..., min_length=1)
    source: str | None = Field(None, max_length=500)
    doc_id: str | None = Field(None, min_length=1, max_length=128,
                               description="1-128 letters, digits, '.', '_' or '-'; from the title if absent.")
    metadata: dict[str, Any] | None = None

    _check_title = field_validator("title")(_not_blank)
    _check_text = field_validator("text")(_not_blank)


class DocumentStatus(BaseModel):
    doc_id: str
    status: Literal["created", "updated", "unchanged"]
    chunks: int


class DocumentPublic(BaseModel):
    doc_id: str
    title: str
    source: str
    sha256: str
    chunks: int
    language: str
    ingested_at: str
    metadata: dict[str, Any] = Field(default_factory=dict, description="The front matter (or JSON metadata).")


class DocumentWithText(DocumentPublic):
    text: str = Field(..., description="The body that citation offsets point into.")


class UploadedDocuments(BaseModel):
    """The result of a multipart upload with several `file` parts, one entry per file in their order."""

    documents: list[DocumentStatus]


class Deleted(BaseModel):
    doc_id: str
    deleted: bool = True
