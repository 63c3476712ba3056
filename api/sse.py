"""Streaming a service answer over HTTP: run its first step before the response starts, the rest as it streams."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi.responses import StreamingResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from rag.schema import Answer

Pieces = AsyncIterator[str | Answer]


async def start(items: Iterator[str | Answer]) -> Pieces:
    """Retrieval runs before the first item, so an unknown filter or a store outage is still a proper status
    code. If the answer text never came as pieces (a refusal), it comes as one piece before the Answer, so
    the pieces of every stream add up to its answer."""
    first = await run_in_threadpool(next, items)

    async def pieces() -> Pieces:
        streamed = False
        async for item in iterate_in_threadpool(_chain(first, items)):
            if isinstance(item, Answer) and not streamed and item.answer:
                yield item.answer
            streamed = streamed or isinstance(item, str)
            yield item

    return pieces()


def _chain(first: str | Answer, rest: Iterator[str | Answer]) -> Iterator[str | Answer]:
    yield first
    yield from rest


def event(name: str | None, data: Any) -> str:
    """One Server-Sent Event; `name` None is a plain `data:` line (the OpenAI streaming format)."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return (f"event: {name}\n" if name else "") + f"data: {payload}\n\n"


def response(events: AsyncIterator[str]) -> StreamingResponse:
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # proxies must not hold tokens back
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)
