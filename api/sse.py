"""The one streaming adapter: a service answer stream as Server-Sent Events, in Quelle's or OpenAI's format."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Protocol

from fastapi.responses import StreamingResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from api.errors import Problem, problem_for
from rag.schema import Answer, AnswerEvent, Delta, Draft, Final


class EventFormat(Protocol):
    """How one route writes the events of an answer stream."""

    def opening(self) -> list[str]: ...
    def delta(self, text: str) -> str: ...
    def draft(self, answer: Answer) -> list[str]: ...
    def final(self, answer: Answer) -> list[str]: ...
    def error(self, problem: Problem) -> str: ...
    def closing(self) -> list[str]: ...


async def stream_answer(events: Iterator[AnswerEvent], fmt: EventFormat,
                        on_final: Callable[[Answer], None] = lambda answer: None) -> StreamingResponse:
    """Retrieval runs before the response starts, so an unknown filter or a store outage is still a proper status
    code. A failure after that goes out as the format's error event. If the answer text never came as deltas (a
    refusal, or a quoted draft that stood), it comes as one delta before the final answer, so the deltas of every
    stream add up to its answer. A draft (the quoted evidence while an answer is generated) goes out as the format
    decides: it is no delta."""
    first = await run_in_threadpool(next, events)

    async def body() -> AsyncIterator[str]:
        for line in fmt.opening():
            yield line
        streamed = False
        try:
            async for event in iterate_in_threadpool(_chain(first, events)):
                if isinstance(event, Delta):
                    streamed = True
                    yield fmt.delta(event.text)
                elif isinstance(event, Draft):
                    for line in fmt.draft(event.answer):
                        yield line
                elif isinstance(event, Final):
                    if not streamed and event.answer.answer:
                        yield fmt.delta(event.answer.answer)
                    on_final(event.answer)
                    for line in fmt.final(event.answer):
                        yield line
        except Exception as exc:  # noqa: BLE001 - the status line is sent: the problem goes as an event
            yield fmt.error(problem_for(exc))
            return
        for line in fmt.closing():
            yield line

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # proxies must not hold tokens back
    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)


def _chain(first: AnswerEvent, rest: Iterator[AnswerEvent]) -> Iterator[AnswerEvent]:
    yield first
    yield from rest


def event(name: str | None, data: Any) -> str:
    """One Server-Sent Event; `name` None is a plain `data:` line (the OpenAI streaming format)."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return (f"event: {name}\n" if name else "") + f"data: {payload}\n\n"


class QuelleEvents:
    """/v1/ask: maybe a `draft` event (the quoted answer object, shown until the generated text replaces it), `token`
    events, one `answer` event with the answer object (its `mode` says which answer stood), then `done`."""

    def opening(self) -> list[str]:
        return []

    def delta(self, text: str) -> str:
        return event("token", {"text": text})

    def draft(self, answer: Answer) -> list[str]:
        return [event("draft", answer.to_dict())]

    def final(self, answer: Answer) -> list[str]:
        return [event("answer", answer.to_dict())]

    def error(self, problem: Problem) -> str:
        return event("error", problem.body())

    def closing(self) -> list[str]:
        return [event("done", {})]
