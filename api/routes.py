"""The v1 routes for questions and documents: parse the request, call one service method, return the response."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace
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
)
from rag.config import Settings
from rag.documents import SUPPORTED_SUFFIXES, DocumentError, check_doc_id, doc_id_from_path, load_bytes, make_document
from rag.schema import Document

router = APIRouter(prefix="/v1", dependencies=[Depends(require_key)])


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
    if not body.stream:
        answer = await run_in_threadpool(quelle.ask, question, body.top_k, doc_ids)
        metrics.observe_answer(answer)
        return answer.to_dict()
    return await sse.stream_answer(quelle.ask_stream(question, body.top_k, doc_ids), sse.QuelleEvents(),
                                   metrics.observe_answer)


@router.get("/search", response_model=SearchResponse, summary="Retrieval only: ranked passages")
async def search(
    quelle: QuelleDep,
    settings: SettingsDep,
    q: Annotated[str, Query(description="The query (at most the configured question length).")],
    k: Annotated[int, Query(ge=1, le=50, description="How many passages.")] = 5,
    mode: Annotated[str | None, Query(pattern="^(hybrid|dense|bm25)$", description="Retrievers to use.")] = None,
) -> SearchResponse:
    passages = await run_in_threadpool(quelle.search, checked_question(q, settings, "q"), k, None, mode)
    return SearchResponse(results=[SearchResult.model_validate(p.to_dict()) for p in passages])


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "format": "binary", "description": "A .txt, .md, .html or .pdf file."},
                "doc_id": {"type": "string", "description": "Stable id; derived from the file name if absent."}}}},
            "application/json": {"schema": DocumentCreate.model_json_schema(
                ref_template="#/components/schemas/{model}")},
        },
    }
}


@router.post("/documents", response_model=DocumentStatus, openapi_extra=_UPLOAD_BODY,
             summary="Add or update a document (multipart file, or JSON text)",
             responses={201: {"model": DocumentStatus, "description": "Created"}})
async def add_document(request: Request, response: Response, quelle: QuelleDep, settings: SettingsDep,
                       metrics: MetricsDep) -> DocumentStatus:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    limit = settings.api.max_upload_bytes
    original: tuple[bytes, str] | None = None  # an upload's bytes and suffix, kept once it is indexed
    if kind == "multipart/form-data":
        doc, original = await _document_from_upload(request, limit)
    elif kind == "application/json" or kind.endswith("+json"):
        doc = await _document_from_json(request, limit)
    else:
        raise Problem(415, "Send a file as multipart/form-data (field 'file') or a JSON body with 'title' and "
                           f"'text' (got Content-Type {kind or 'none'!r}).")
    result = await run_in_threadpool(quelle.add_document, doc)
    metrics.observe_ingest(result)
    if original is not None:
        _keep_upload(settings.data_dir, doc.doc_id, *original)
    response.status_code = 201 if result.status == "created" else 200
    return DocumentStatus(doc_id=result.doc_id, status=result.status, chunks=result.chunks)


async def _document_from_json(request: Request, limit: int) -> Document:
    raw = await request.body()
    if len(raw) > limit:
        raise Problem(413, f"The document is {len(raw)} bytes; the limit is {limit} bytes.")
    try:
        body = DocumentCreate.model_validate_json(raw)
    except ValidationError as exc:
        raise Problem(422, describe_errors(exc.errors())) from None
    doc_id = check_doc_id(body.doc_id) if body.doc_id else _doc_id_for(body.title, body.text.encode())
    return make_document(body.text, doc_id=doc_id, title=body.title, source=body.source or f"api:{doc_id}",
                         metadata=body.metadata)


async def _document_from_upload(request: Request, limit: int) -> tuple[Document, tuple[bytes, str]]:
    """The document, the original bytes and their suffix. The client's file name only lends its last part
    (never a path) to the doc_id; the stored copy is named by the checked doc_id."""
    try:
        form = await request.form(max_files=1, max_fields=5)
    except StarletteHTTPException as exc:  # Starlette says 400 for a malformed body; too large stays 413
        if exc.status_code != 400:
            raise
        raise Problem(422, f"The multipart body could not be read: {exc.detail}") from None
    upload, given = form.get("file"), form.get("doc_id")
    if not isinstance(upload, UploadFile):
        raise Problem(422, "file: the multipart body needs a 'file' field holding the document (with a file name).")
    name = Path((upload.filename or "").replace("\\", "/")).name
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise Problem(415, f"{name or 'The file'}: unsupported file type {suffix or '(none)'!r}; "
                           f"send one of {', '.join(SUPPORTED_SUFFIXES)}.")
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise Problem(413, f"{name} is larger than the limit of {limit} bytes.")
    if given is not None and not (isinstance(given, str) and given.strip()):
        raise Problem(422, "doc_id: must be a non-empty text field when given.")
    doc_id = check_doc_id(given.strip()) if isinstance(given, str) else _doc_id_for(name, data)
    doc = load_bytes(data, name, doc_id=doc_id)
    return replace(doc, source=f"upload:{doc.doc_id}{suffix}"), (data, suffix)


def _doc_id_for(name: str, content: bytes) -> str:
    """An id from a title or file name; when nothing usable is left of it ('???'), one from the content, so two
    such documents never replace each other."""
    path = Path(name.replace("/", "-").replace("\\", "-")[:120])
    slug = doc_id_from_path(path if path.suffix.lower() in SUPPORTED_SUFFIXES else Path(f"{path}.txt"))
    if slug == "document" and path.stem.strip().lower() != "document":
        return "doc-" + hashlib.sha256(content).hexdigest()[:12]
    return slug


def _uploads(data_dir: Path) -> Path:
    return (data_dir / "uploads").resolve()


def _keep_upload(data_dir: Path, doc_id: str, data: bytes, suffix: str) -> None:
    """The original bytes of an indexed upload, under the data dir only, as <doc_id><suffix>."""
    folder = _uploads(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = (folder / f"{check_doc_id(doc_id)}{suffix}").resolve()
    if target.parent != folder:  # cannot happen for a checked doc_id; a second lock on the door
        raise Problem(422, "The document id cannot be used as a file name.")
    partial = folder / f".{uuid.uuid4().hex}.partial"
    partial.write_bytes(data)
    partial.replace(target)
    _forget_upload(data_dir, doc_id, keep=suffix)


def _forget_upload(data_dir: Path, doc_id: str, keep: str | None = None) -> None:
    for suffix in SUPPORTED_SUFFIXES:
        if suffix != keep:
            (_uploads(data_dir) / f"{doc_id}{suffix}").unlink(missing_ok=True)


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
        raise Problem(404, f"There is no document {doc_id!r}. List them with GET /v1/documents.")
    info, text = found
    return DocumentWithText(**info.to_dict(), text=text)


@router.delete("/documents/{doc_id}", response_model=Deleted, summary="Remove a document from every index")
async def delete_document(doc_id: str, quelle: QuelleDep, settings: SettingsDep) -> Deleted:
    if not await run_in_threadpool(quelle.delete_document, _valid_id(doc_id)):
        raise Problem(404, f"There is no document {doc_id!r} to delete.")
    _forget_upload(settings.data_dir, doc_id)
    return Deleted(doc_id=doc_id)
