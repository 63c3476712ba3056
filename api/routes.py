"""The v1 routes: parse the request, call one service method, return the response model."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from api.deps import MetricsDep, QuelleDep, SettingsDep, require_key
from api.errors import Problem
from api.schemas import (
    AnswerPublic,
    AskRequest,
    ChatRequest,
    Deleted,
    DocumentCreate,
    DocumentPublic,
    DocumentStatus,
    DocumentWithText,
    SearchResponse,
    SearchResult,
)
from rag.documents import DocumentError, check_doc_id, doc_id_from_path, load_bytes, make_document
from rag.schema import Answer

router = APIRouter(prefix="/v1", dependencies=[Depends(require_key)])
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")


def _check_question(question: str, settings: SettingsDep) -> str:
    limit = settings.api.max_question_chars
    if len(question) > limit:
        raise Problem(422, f"The question is {len(question)} characters long; the limit is {limit}.")
    return question.strip()


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post("/ask", response_model=AnswerPublic, summary="Answer a question with exact citations",
             responses={200: {"content": {"text/event-stream": {}}, "description": "JSON, or SSE with stream"}})
async def ask(body: AskRequest, quelle: QuelleDep, settings: SettingsDep, metrics: MetricsDep) -> Any:
    question = _check_question(body.question, settings)
    doc_ids = body.filters.doc_ids if body.filters else None
    if not body.stream:
        answer = await run_in_threadpool(quelle.ask, question, body.top_k, doc_ids)
        metrics.observe_answer(answer)
        return answer.to_dict()
    # Retrieval runs before the response starts, so a bad filter is still a proper 4xx.
    items = quelle.ask_stream(question, body.top_k, doc_ids)
    first = await run_in_threadpool(next, items)

    async def events() -> AsyncIterator[str]:
        async for item in iterate_in_threadpool(_chain(first, items)):
            if isinstance(item, Answer):
                metrics.observe_answer(item)
                yield _sse("answer", item.to_dict())
            else:
                yield _sse("token", {"text": item})
        yield _sse("done", {})

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


@router.get("/search", response_model=SearchResponse, summary="Retrieval only: ranked passages")
async def search(
    quelle: QuelleDep,
    settings: SettingsDep,
    q: Annotated[str, Query(min_length=1, max_length=2000, description="The query")],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    mode: Annotated[str | None, Query(pattern="^(hybrid|dense|bm25)$")] = None,
) -> SearchResponse:
    query = _check_question(q, settings)
    if not query:
        raise Problem(422, "q: must not be empty or only whitespace")
    passages = await run_in_threadpool(quelle.search, query, k, None, mode)
    return SearchResponse(results=[SearchResult(**{f: getattr(p, f) for f in SearchResult.model_fields})
                                   for p in passages])


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "format": "binary", "description": "txt, md, html or pdf"},
                "doc_id": {"type": "string"}}}},
            "application/json": {"schema": DocumentCreate.model_json_schema(ref_template="#/components/schemas/{model}")},
        },
    }
}


@router.post("/documents", response_model=DocumentStatus, status_code=200, openapi_extra=_UPLOAD_BODY,
             summary="Add or update a document (multipart file, or JSON text)",
             responses={201: {"model": DocumentStatus, "description": "Created"}})
async def add_document(request: Request, response: Response, quelle: QuelleDep, settings: SettingsDep,
                       metrics: MetricsDep) -> DocumentStatus:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    limit = settings.api.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise Problem(413, f"The upload is {int(declared)} bytes; the limit is {limit} bytes.")
    if kind == "multipart/form-data":
        doc = await _document_from_upload(request, settings.data_dir, limit)
    elif kind == "application/json":
        doc = await _document_from_json(request, limit)
    else:
        raise Problem(415, "Send a file as multipart/form-data (field 'file') or a JSON body with 'title' and 'text'.")
    result = await run_in_threadpool(quelle.add_document, doc)
    metrics.observe_ingest(result)
    if result.status == "created":
        response.status_code = 201
    return DocumentStatus(doc_id=result.doc_id, status=result.status, chunks=result.chunks)


async def _document_from_json(request: Request, limit: int):  # type: ignore[no-untyped-def]
    raw = await request.body()
    if len(raw) > limit:
        raise Problem(413, f"The document is {len(raw)} bytes; the limit is {limit} bytes.")
    try:
        body = DocumentCreate.model_validate_json(raw)
    except ValidationError as exc:
        from api.errors import _describe

        raise Problem(422, _describe(list(exc.errors()))) from None
    doc_id = body.doc_id or doc_id_from_path(Path(body.title[:100] + ".txt"))
    return make_document(body.text, doc_id=check_doc_id(doc_id), title=body.title,
                         source=body.source or f"api:{doc_id}", metadata=body.metadata)


async def _document_from_upload(request: Request, data_dir: Path, limit: int):  # type: ignore[no-untyped-def]
    form = await request.form(max_files=1, max_fields=5)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) and not hasattr(upload, "read"):
        raise Problem(422, "The multipart body needs a 'file' field with the document.")
    name = Path(str(upload.filename or "upload.txt").replace("\\", "/")).name  # never a path from the client
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        raise Problem(415, f"{name}: unsupported file type; supported: {', '.join(UPLOAD_SUFFIXES)}.")
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise Problem(413, f"{name} is larger than the limit of {limit} bytes.")
    given = form.get("doc_id")
    doc_id = check_doc_id(str(given)) if isinstance(given, str) and given else doc_id_from_path(Path(name))
    doc = load_bytes(data, name, doc_id=doc_id, source=f"upload:{doc_id}{Path(name).suffix.lower()}")
    _keep_upload(data_dir, doc.doc_id, Path(name).suffix.lower(), data)
    return doc


def _keep_upload(data_dir: Path, doc_id: str, suffix: str, data: bytes) -> None:
    """The original bytes, under the data dir only, named by the checked doc_id (never the client's name)."""
    folder = (data_dir / "uploads").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    target = (folder / f"{doc_id}{suffix}").resolve()
    if target.parent != folder:
        raise Problem(422, "The document id cannot be used as a file name.")
    partial = target.with_name(f".{uuid.uuid4().hex}.partial")
    partial.write_bytes(data)
    partial.replace(target)


@router.get("/documents", response_model=list[DocumentPublic], summary="List indexed documents")
async def list_documents(quelle: QuelleDep) -> list[DocumentPublic]:
    docs = await run_in_threadpool(quelle.list_documents)
    return [DocumentPublic(**d.to_dict()) for d in docs]


def _valid_id(doc_id: str) -> str:
    try:
        return check_doc_id(doc_id)
    except DocumentError as exc:
        raise Problem(422, str(exc)) from None


@router.get("/documents/{doc_id}", response_model=DocumentWithText, summary="One document with its body text")
async def get_document(doc_id: str, quelle: QuelleDep) -> DocumentWithText:
    found = await run_in_threadpool(quelle.get_document, _valid_id(doc_id))
    if found is None:
        raise Problem(404, f"No document {doc_id!r}. List them with GET /v1/documents.")
    info, text = found
    return DocumentWithText(**info.to_dict(), text=text)


@router.delete("/documents/{doc_id}", response_model=Deleted, summary="Remove a document from every index")
async def delete_document(doc_id: str, quelle: QuelleDep) -> Deleted:
    if not await run_in_threadpool(quelle.delete_document, _valid_id(doc_id)):
        raise Problem(404, f"No document {doc_id!r} to delete.")
    return Deleted(doc_id=doc_id)


@router.post("/chat/completions", summary="OpenAI-compatible chat over the documents")
async def chat_completions(body: ChatRequest, quelle: QuelleDep, settings: SettingsDep, metrics: MetricsDep) -> Any:
    question = _check_question(_last_user_text(body), settings)
    created, cid = int(time.time()), f"chatcmpl-{uuid.uuid4().hex[:24]}"
    if not body.stream:
        answer = await run_in_threadpool(quelle.ask, question)
        metrics.observe_answer(answer)
        data = answer.to_dict()
        return {
            "id": cid, "object": "chat.completion", "created": created, "model": body.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.answer},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            "citations": data["citations"], "quelle": {k: data[k] for k in ("mode", "answerable", "language")},
        }
    items = quelle.ask_stream(question)
    first = await run_in_threadpool(next, items)

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        payload = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": body.model,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    async def events() -> AsyncIterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        async for item in iterate_in_threadpool(_chain(first, items)):
            if isinstance(item, Answer):
                metrics.observe_answer(item)
                if item.mode == "refused":
                    yield chunk({"content": item.answer})
                yield chunk({}, "stop", citations=item.to_dict()["citations"])
            else:
                yield chunk({"content": item})
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def _last_user_text(body: ChatRequest) -> str:
    for message in reversed(body.messages):
        if message.role == "user":
            content = message.content
            if isinstance(content, list):
                content = " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
            if content and content.strip():
                return content
            break
    raise Problem(422, "messages: the last user message must contain the question as text.")
