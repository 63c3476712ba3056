"""POST /v1/chat/completions: the OpenAI chat API over the documents; the last user message is the question."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api import sse
from api.deps import MetricsDep, QuelleDep, SettingsDep, require_json, require_key
from api.errors import Problem, problem_for
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
    pieces = await sse.start(quelle.ask_stream(question))

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        return sse.event(None, {"id": cid, "object": "chat.completion.chunk", "created": created, "model": body.model,
                                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra})

    async def events() -> AsyncIterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        try:
            async for item in pieces:
                if isinstance(item, Answer):
                    metrics.observe_answer(item)
                    data = item.to_dict()
                    yield chunk({}, "stop", citations=data["citations"],
                                quelle=AnswerFacts.model_validate(data).model_dump())
                else:
                    yield chunk({"content": item})
        except Exception as exc:  # noqa: BLE001 - the status line is sent: OpenAI streams report errors this way
            problem = problem_for(exc)
            yield sse.event(None, {"error": {"message": problem.detail, "type": problem.title, "code": problem.status}})
            return
        yield sse.event(None, "[DONE]")

    return sse.response(events())


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
