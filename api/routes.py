"""The v1 routes for questions and documents: parse the request, call one service method, return the response."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import sse
from api.deps import MetricsDep, QuelleDep, SettingsDep, require_json, require_key
from api.errors import Problem, describe_errors
from api.schemas import (
    AnswerPublic,
    AskRequest,
    Deleted,
    DocumentCreate,
    DocumentPublic,
    DocumentStatus,
    DocumentWithText,
    SearchResponse,
    SearchResult,
    UploadedDocuments,
)
from rag.config import Settings
from rag.documents import SUPPORTED_SUFFIXES, DocumentError, check_doc_id
from rag.filters import check_where

router = APIRouter(prefix="/v1", dependencies=[Depends(require_key)])
MAX_FILES = 20  # files in one multipart upload


def checked_question(text: str, settings: Settings, field: str = "question") -> str:
    """The question without surrounding blanks; too long or blank is the client's error (422)."""
    limit = settings.api.max_question_chars
    if len(text) > limit:
        raise Problem(422, f"{field}: the question is {len(text)} characters long; the limit is {limit}.")
    if not text.strip():
        raise Problem(422, f"{field}: must not be empty or only whitespace.")
    return text.strip()


_ASK_RESPONSES: dict[int | str, dict[str, Any]] = {200: {
    "description": "The answer; with `stream: true`, Server-Sent Events: `token` events (`{\"text\"}`), one "
                   "`answer` event (the answer object), then `done`. A failure after the stream began comes as "
                   "an `error` event carrying a problem object, and then the stream ends.",
    "content": {"text/event-stream": {"schema": {"type": "string"}}},
}}


@router.post("/ask", response_model=AnswerPublic, summary="Answer a question with exact citations",
             responses=_ASK_RESPONSES, dependencies=[Depends(require_json)])
async def ask(body: AskRequest, quelle: QuelleDep, settings: SettingsDep, metrics: MetricsDep) -> Any:
    question = checked_question(body.question, settings)
    doc_ids = body.filters.doc_ids if body.filters else None
    history = [m.content for m in body.history or [] if m.role == "user" and m.content.strip()]
    if body.where is not None:
        check_where(body.where)
    if not body.stream:
        answer = await run_in_threadpool(
            lambda: quelle.ask(question, body.top_k, doc_ids, history=history, where=body.where))
        metrics.observe_answer(answer)
        return answer.to_dict()
    events = quelle.ask_stream(question, body.top_k, doc_ids, history=history, where=body.where)
    return await sse.stream_answer(events, sse.QuelleEvents(), metrics.observe_answer)


@router.get("/search", response_model=SearchResponse, summary="Retrieval only: ranked passages")
async def search(
    quelle: QuelleDep,
    settings: SettingsDep,
    q: Annotated[str, Query(description="The query (at most the configured question length).")],
    k: Annotated[int, Query(ge=1, le=50, description="How many passages.")] = 5,
    mode: Annotated[str | None, Query(pattern="^(hybrid|dense|bm25)$", description="Retrievers to use.")] = None,
    where: Annotated[str | None, Query(description="A metadata filter as JSON, in Chroma's syntax, e.g. "
                                                   '{"year": {"$gte": 2024}}.')] = None,
) -> SearchResponse:
    query, parsed = checked_question(q, settings, "q"), _where_param(where)
    passages = await run_in_threadpool(lambda: quelle.search(query, k, None, mode, where=parsed))
    return SearchResponse(results=[SearchResult.model_validate(p.to_dict()) for p in passages])


def _where_param(raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        where = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise Problem(422, f"where: is not valid JSON ({exc.msg}); send an object such as "
                           '{"year": {"$gte": 2024}}.') from None
    check_where(where)
    return where  # type: ignore[no-any-return]


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                "file": {"type": "array", "items": {"type": "string", "format": "binary"},
                         "description": f"One or more (at most {MAX_FILES}) .txt, .md, .html or .pdf files, "
                                        "each as a part named 'file'."},
                "doc_id": {"type": "string", "description": "Stable id (one file only); derived from the file "
                                                            "name if absent."}}}},
            "application/json": {"schema": DocumentCreate.model_json_schema(
                ref_template="#/components/schemas/{model}")},
        },
    }
}


@router.post("/documents", response_model=DocumentStatus | UploadedDocuments, openapi_extra=_UPLOAD_BODY,
             summary="Add or update documents (multipart files, or JSON text)",
             responses={201: {"model": DocumentStatus | UploadedDocuments, "description": "Created"}})
async def add_document(request: Request, response: Response, quelle: QuelleDep, settings: SettingsDep,
                       metrics: MetricsDep) -> DocumentStatus | UploadedDocuments:
    """One file or a JSON text answers with its status; several files with `{"documents": [status, …]}`. Files are
    parsed and embedded on a worker thread, so the server keeps answering meanwhile."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    limit = settings.api.max_upload_bytes
    if kind == "multipart/form-data":
        files, doc_id = await _files_from_upload(request, limit)
        results = await run_in_threadpool(quelle.add_uploads, files, doc_id)
    elif kind == "application/json" or kind.endswith("+json"):
        body = await _document_from_json(request, limit)
        results = [await run_in_threadpool(lambda: quelle.add_text(
            body.text, title=body.title, doc_id=body.doc_id, source=body.source or "", metadata=body.metadata))]
    else:
        raise Problem(415, "Send files as multipart/form-data (fields 'file') or a JSON body with 'title' and "
                           f"'text' (got Content-Type {kind or 'none'!r}).")
    for result in results:
        metrics.observe_ingest(result)
    response.status_code = 201 if any(r.status == "created" for r in results) else 200
    statuses = [DocumentStatus(doc_id=r.doc_id, status=r.status, chunks=r.chunks) for r in results]
    return statuses[0] if len(statuses) == 1 else UploadedDocuments(documents=statuses)


async def _document_from_json(request: Request, limit: int) -> DocumentCreate:
    raw = await request.body()
    if len(raw) > limit:
        raise Problem(413, f"The document is {len(raw)} bytes; the limit is {limit} bytes.")
    try:
        body = DocumentCreate.model_validate_json(raw)
    except ValidationError as exc:
        raise Problem(422, describe_errors(exc.errors())) from None
    if body.doc_id:
        check_doc_id(body.doc_id)
    return body


async def _files_from_upload(request: Request, limit: int) -> tuple[list[tuple[bytes, str]], str | None]:
    """The uploaded files as (bytes, file name), checked for type and size before anything is parsed, and the
    doc_id field if given."""
    try:
        form = await request.form(max_files=MAX_FILES, max_fields=5)
    except StarletteHTTPException as exc:  # Starlette says 400 for a malformed body or too many files
        if exc.status_code != 400:
            raise
        raise Problem(422, f"The multipart body could not be read: {exc.detail} (at most {MAX_FILES} files)") \
            from None
    uploads, given = form.getlist("file"), form.get("doc_id")
    if not uploads or not all(isinstance(u, UploadFile) for u in uploads):
        raise Problem(422, "file: the multipart body needs a 'file' field holding the document (with a file name).")
    if given is not None and not (isinstance(given, str) and given.strip()):
        raise Problem(422, "doc_id: must be a non-empty text field when given.")
    if given is not None and len(uploads) > 1:
        raise Problem(422, f"doc_id: names one document, but {len(uploads)} files were sent; leave it out to "
                           "derive each id from its file name.")
    files: list[tuple[bytes, str]] = []
    for upload in uploads:
        assert isinstance(upload, UploadFile)
        name = Path((upload.filename or "").replace("\\", "/")).name
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise Problem(415, f"{name or 'The file'}: unsupported file type {suffix or '(none)'!r}; "
                               f"send one of {', '.join(SUPPORTED_SUFFIXES)}.")
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise Problem(413, f"{name} is larger than the limit of {limit} bytes.")
        files.append((data, name))
    return files, check_doc_id(given.strip()) if isinstance(given, str) else None


@router.get("/documents", response_model=list[DocumentPublic], summary="List indexed documents, a page at a time")
async def list_documents(
    request: Request,
    response: Response,
    quelle: QuelleDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="Documents per page.")] = 100,
    offset: Annotated[int, Query(ge=0, description="Documents to skip (ordered by doc_id).")] = 0,
) -> list[DocumentPublic]:
    """The list stays a plain JSON array; the total is in `X-Total-Count`, the next page in a `Link` header."""
    docs = await run_in_threadpool(quelle.list_documents)
    page = docs[offset : offset + limit]
    response.headers["X-Total-Count"] = str(len(docs))
    if offset + limit < len(docs):
        following = request.url.include_query_params(limit=limit, offset=offset + limit)
        response.headers["Link"] = f'<{following}>; rel="next"'
    return [DocumentPublic(**d.to_dict()) for d in page]


def _valid_id(doc_id: str) -> str:
    try:
        return check_doc_id(doc_id)
    except DocumentError as exc:
        raise Problem(422, str(exc)) from None


@router.get("/documents/{doc_id}", response_model=DocumentWithText, summary="One document with its body text")
async def get_document(doc_id: str, quelle: QuelleDep) -> DocumentWithText:
    found = await run_in_threadpool(quelle.get_document, _valid_id(doc_id))
    if found is None:
        raise Problem(404, f"There is no document {doc_id!r}. List them with GET /v1/documents.")
    info, text = found
    return DocumentWithText(**info.to_dict(), text=text)


@router.delete("/documents/{doc_id}", response_model=Deleted, summary="Remove a document from every index")
async def delete_document(doc_id: str, quelle: QuelleDep) -> Deleted:
    if not await run_in_threadpool(quelle.delete_document, _valid_id(doc_id)):
        raise Problem(404, f"There is no document {doc_id!r} to delete.")
    return Deleted(doc_id=doc_id)
