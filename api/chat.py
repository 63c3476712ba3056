"""POST /v1/chat/completions: the OpenAI chat API over the documents; the last user message is the question."""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api import sse
from api.deps import MetricsDep, QuelleDep, SettingsDep, require_json, require_key
from api.errors import Problem
from api.routes import checked_question
from api.schemas import CitationPublic
from rag.schema import Answer

router = APIRouter(prefix="/v1", dependencies=[Depends(require_key)])


class ChatMessage(BaseModel):
    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    """OpenAI-compatible chat: the last user message is the question; other fields (temperature, …) are accepted
    and ignored, since the verifier, not sampling, decides what is said."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={"examples": [{"model": "quelle", "messages": [
            {"role": "user", "content": "Wie viele Ascend-910B-Chips hat Baidu bestellt?"}]}]},
    )
    model: str = "quelle"
    messages: list[ChatMessage] = Field(..., min_length=1)
    stream: bool = False


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


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage = Usage()
    citations: list[CitationPublic] = Field(..., description="What each [n] in the message refers to.")
    quelle: AnswerFacts


@router.post("/chat/completions", response_model=ChatCompletion, dependencies=[Depends(require_json)],
             summary="OpenAI-compatible chat over the documents",
             responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}},
                              "description": "A chat.completion; with `stream: true`, chat.completion.chunk "
                                             "events ending in `data: [DONE]`, citations in the last chunk."}})
async def chat_completions(body: ChatRequest, quelle: QuelleDep, settings: SettingsDep, metrics: MetricsDep) -> Any:
    question = checked_question(_last_user_text(body), settings, "messages")
    created, cid = int(time.time()), f"chatcmpl-{uuid.uuid4().hex[:24]}"
    if not body.stream:
        answer = await run_in_threadpool(quelle.ask, question)
        metrics.observe_answer(answer)
        data = answer.to_dict()
        return ChatCompletion(id=cid, created=created, model=body.model,
                              choices=[ChatChoice(message=AssistantMessage(content=answer.answer))],
                              citations=data["citations"], quelle=AnswerFacts.model_validate(data))
    return await sse.stream_answer(quelle.ask_stream(question), OpenAIChunks(cid, created, body.model),
                                   metrics.observe_answer)


class OpenAIChunks:
    """chat.completion.chunk events: the role first, content deltas, a last chunk with the citations, [DONE]."""

    def __init__(self, cid: str, created: int, model: str) -> None:
        self.cid, self.created, self.model = cid, created, model

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
        return [self._chunk({}, "stop", citations=data["citations"], quelle=AnswerFacts.model_validate(data).model_dump())]

    def error(self, problem: Problem) -> str:  # OpenAI streams report errors this way
        return sse.event(None, {"error": {"message": problem.detail, "type": problem.title, "code": problem.status}})

    def closing(self) -> list[str]:
        return [sse.event(None, "[DONE]")]


def _last_user_text(body: ChatRequest) -> str:
    for message in reversed(body.messages):
        if message.role == "user":
            content = message.content
            if isinstance(content, list):
                content = " ".join(str(part.get("text", "")) for part in content if part.get("type", "text") == "text")
            if content and content.strip():
                return content
            break
    raise Problem(422, "messages: the last user message must contain the question as text.")
