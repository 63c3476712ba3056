"""The OpenAI-compatible surface: GET /v1/models and POST /v1/chat/completions over the documents. The last user
message is the question, earlier user messages resolve follow-ups, chat UIs' task prompts get short replies."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api import sse
from api.deps import MetricsDep, QuelleDep, SettingsDep, require_json, require_key
from api.errors import Problem
from api.routes import checked_question
from api.schemas import CitationPublic
from rag.chat_tasks import ChatTask, recognise
from rag.schema import Answer

router = APIRouter(prefix="/v1", dependencies=[Depends(require_key)])
MODEL_ID = "quelle"
STARTED = int(time.time())
QUOTE_CHARS = 160  # a quote in the sources list is cut to this length
SOURCES_HEADING = {"de": "Quellen", "en": "Sources"}


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "quelle"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


@router.get("/models", response_model=ModelList, summary="The model that /v1/chat/completions offers (OpenAI shape)")
async def list_models() -> ModelList:
    return ModelList(data=[ModelCard(id=MODEL_ID, created=STARTED)])


@router.get("/models/{model_id}", response_model=ModelCard, summary="One model (OpenAI shape)")
async def get_model(model_id: str) -> ModelCard:
    if model_id != MODEL_ID:
        raise Problem(404, f"The model {model_id!r} does not exist; this server offers {MODEL_ID!r}.")
    return ModelCard(id=MODEL_ID, created=STARTED)


class ChatMessage(BaseModel):
    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatOptions(BaseModel):
    """Quelle's own options, sent as the extra body field `quelle`."""

    model_config = ConfigDict(extra="forbid")
    sources: bool = Field(True, description="End the message with a list of its sources (title, section, page, "
                                            "quote); false: only the [n] markers and the `citations` field.")


class ChatRequest(BaseModel):
    """OpenAI-compatible chat: the last user message is the question, earlier user messages resolve follow-ups;
    other fields (temperature, …) are accepted and ignored, since the verifier, not sampling, decides what is said."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={"examples": [{"model": "quelle", "messages": [
            {"role": "user", "content": "Wie viele Ascend-910B-Chips hat Baidu bestellt?"}]}]},
    )
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(..., min_length=1)
    stream: bool = False
    where: dict[str, Any] | None = Field(None, description="Only documents whose metadata pass this filter "
                                                           "(Chroma's syntax: $eq $ne $gt $gte $lt $lte $in $nin "
                                                           "$and $or).")
    quelle: ChatOptions = Field(default_factory=ChatOptions)


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str = Field(..., description="The answer, citing its evidence as [n].")


class ChatChoice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"


class Usage(BaseModel):
    """Quelle does not count tokens: always zero, present for clients that expect it."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class AnswerFacts(BaseModel):
    mode: Literal["generated", "extractive", "refused"]
    answerable: bool
    language: str


class TaskFacts(BaseModel):
    """A chat UI's task prompt (a title, tags, …), answered without looking at the documents."""

    task: str


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage = Usage()
    citations: list[CitationPublic] = Field(..., description="What each [n] in the message refers to.")
    quelle: AnswerFacts | TaskFacts


@router.post("/chat/completions", response_model=ChatCompletion, dependencies=[Depends(require_json)],
             summary="OpenAI-compatible chat over the documents",
             responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}},
                              "description": "A chat.completion; with `stream: true`, chat.completion.chunk "
                                             "events ending in `data: [DONE]`, citations in the last chunk."}})
async def chat_completions(body: ChatRequest, quelle: QuelleDep, settings: SettingsDep, metrics: MetricsDep) -> Any:
    *earlier, last = _user_texts(body)
    created, cid = int(time.time()), f"chatcmpl-{uuid.uuid4().hex[:24]}"
    task = recognise(last, earlier)  # before the length check: task prompts quote the whole conversation
    if task is not None:  # a chat UI's own prompt: no retrieval, and not counted as a question
        metrics.observe_chat_task(task.kind)
        return _task_stream(task, cid, created, body.model) if body.stream else ChatCompletion(
            id=cid, created=created, model=body.model, citations=[], quelle=TaskFacts(task=task.kind),
            choices=[ChatChoice(message=AssistantMessage(content=task.reply))])
    question = checked_question(last, settings, "messages")
    history = [text for text in earlier if recognise(text) is None]
    if not body.stream:
        answer = await run_in_threadpool(lambda: quelle.ask(question, history=history, where=body.where))
        metrics.observe_answer(answer)
        data = answer.to_dict()
        content = answer.answer + (sources_text(answer) if body.quelle.sources else "")
        return ChatCompletion(id=cid, created=created, model=body.model,
                              choices=[ChatChoice(message=AssistantMessage(content=content))],
                              citations=data["citations"], quelle=AnswerFacts.model_validate(data))
    events = quelle.ask_stream(question, history=history, where=body.where)
    return await sse.stream_answer(events, OpenAIChunks(cid, created, body.model, body.quelle.sources),
                                   metrics.observe_answer)


def sources_text(answer: Answer) -> str:
    """The sources of an answer as the end of its message, for clients that show only the text:
    "[1] Title › Section, p. 3: “quote”" per citation; nothing for an answer without citations."""
    if not answer.citations:
        return ""
    lines = [f"\n\n{SOURCES_HEADING.get(answer.language, SOURCES_HEADING['en'])}:"]
    for c in answer.citations:
        where = " › ".join(p for p in (c.title, c.section) if p)
        if c.page:
            where += f", p. {c.page}"
        quote = c.quote if len(c.quote) <= QUOTE_CHARS else c.quote[: QUOTE_CHARS - 1].rstrip() + "…"
        lines.append(f"[{c.id}] {where}: \u201c{quote}\u201d")
    return "\n".join(lines)


def _task_stream(task: ChatTask, cid: str, created: int, model: str) -> Any:
    from fastapi.responses import StreamingResponse

    fmt = OpenAIChunks(cid, created, model, sources=False)

    def lines() -> Iterator[str]:
        yield from fmt.opening()
        yield fmt.delta(task.reply)
        yield fmt._chunk({}, "stop", citations=[], quelle={"task": task.kind})
        yield from fmt.closing()

    return StreamingResponse(lines(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


class OpenAIChunks:
    """chat.completion.chunk events: the role first, content deltas, a last chunk with the citations, [DONE]."""

    def __init__(self, cid: str, created: int, model: str, sources: bool = True) -> None:
        self.cid, self.created, self.model, self.sources = cid, created, model, sources

    def _chunk(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        return sse.event(None, {"id": self.cid, "object": "chat.completion.chunk", "created": self.created,
                                "model": self.model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                                **extra})

    def opening(self) -> list[str]:
        return [self._chunk({"role": "assistant", "content": ""})]

    def delta(self, text: str) -> str:
        return self._chunk({"content": text})

    def draft(self, answer: Answer) -> list[str]:
        """Nothing: OpenAI clients append every content delta and cannot retract text, so the quoted draft is not
        sent. They get the generated sentences as they pass the verifier, or the quote at the end if none did."""
        return []

    def final(self, answer: Answer) -> list[str]:
        data = answer.to_dict()
        sources = sources_text(answer) if self.sources else ""
        facts = AnswerFacts.model_validate(data).model_dump()
        return [*([self.delta(sources)] if sources else []),
                self._chunk({}, "stop", citations=data["citations"], quelle=facts)]

    def error(self, problem: Problem) -> str:  # OpenAI streams report errors this way
        return sse.event(None, problem.openai_body())

    def closing(self) -> list[str]:
        return [sse.event(None, "[DONE]")]


def _user_texts(body: ChatRequest) -> list[str]:
    """The text of every user message, oldest first; the last one (the question) must have text."""
    texts = [_text_of(m) for m in body.messages if m.role == "user"]
    if not texts or not texts[-1].strip():
        raise Problem(422, "messages: the last user message must contain the question as text.")
    return texts


def _text_of(message: ChatMessage) -> str:
    content = message.content
    if isinstance(content, list):
        content = " ".join(str(part.get("text", "")) for part in content if part.get("type", "text") == "text")
    return content or ""
