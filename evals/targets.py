"""What an eval runs against: a Quelle in this process, or a Quelle server over the HTTP contract (v1)."""

from __future__ import annotations

import os
from typing import Any, Protocol

import httpx

from evals.quality import Outcome, judge
from rag.llm.base import Message
from rag.schema import Answer, AnswerSentence, Evidence, Passage
from rag.service import Quelle


class EvalError(RuntimeError):
    """The eval cannot run (server unreachable, bad answer); the message says what went wrong."""


class Target(Protocol):
    """The calls the runner needs. Optional capabilities return None where the target cannot offer them."""

    label: str
    retrievers: tuple[str, ...]  # retriever modes the target can be asked for; the first is the system's
    generates: bool

    def search(self, query: str, k: int, mode: str) -> list[Passage]: ...

    def ask(self, question: str, top_k: int) -> Answer: ...

    def body(self, doc_id: str) -> str: ...

    def documents(self) -> list[tuple[str, str, str]]: ...

    def evidence(self, question: str, passages: list[Passage]) -> list[str] | None: ...

    def chunks(self) -> list[tuple[str, str]] | None: ...

    def judge(self, item: dict[str, Any], answer: Answer) -> Outcome | None: ...

    def generate(self, messages: list[Message], max_tokens: int | None = None) -> str: ...


class InProcessTarget:
    """A Quelle object: every retriever mode, the evidence given to the LLM, and every visible chunk."""

    def __init__(self, quelle: Quelle, baselines: bool = True) -> None:
        self.quelle = quelle
        system = quelle.settings.retrieval.mode
        others = tuple(m for m in ("hybrid", "dense", "bm25") if m != system) if baselines else ()
        self.retrievers: tuple[str, ...] = (system, *others)
        self.label = "in-process"
        self.generates = quelle.llm.generates

    def search(self, query: str, k: int, mode: str) -> list[Passage]:
        return self.quelle.search(query, k, mode=mode)

    def ask(self, question: str, top_k: int) -> Answer:
        return self.quelle.ask(question, top_k)

    def body(self, doc_id: str) -> str:
        found = self.quelle.get_document(doc_id)
        return "" if found is None else found[1]

    def documents(self) -> list[tuple[str, str, str]]:
        return [(info.doc_id, info.title, self.body(info.doc_id)) for info in self.quelle.list_documents()]

    def evidence(self, question: str, passages: list[Passage]) -> list[str] | None:
        return [e.quote for e in self.quelle.evidence(question, passages).evidence]

    def chunks(self) -> list[tuple[str, str]] | None:
        view = self.quelle.retriever.view()
        return sorted((cid, chunk.text) for cid, chunk in view.chunks.items())

    def judge(self, item: dict[str, Any], answer: Answer) -> Outcome | None:
        """The issue-12 judgement (first citation in the gold, context quoted); needs the documents' headings."""
        return judge(item, answer, self.quelle)

    def generate(self, messages: list[Message], max_tokens: int | None = None) -> str:
        return self.quelle.llm.generate(messages, max_tokens=max_tokens)


class HttpTarget:
    """A running server: /v1/ask, /v1/search, /v1/documents. The contract has no retriever switch, so only the
    server's own retriever is measured; evidence and chunks are not visible over HTTP."""

    generates = False  # the server's model is not reachable for the baseline

    def __init__(self, url: str, timeout_s: float = 300.0, transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Authorization": f"Bearer {key}"} if (key := os.environ.get("QUELLE_API_KEY")) else {}
        self.client = httpx.Client(base_url=url.rstrip("/"), timeout=timeout_s, headers=headers, transport=transport)
        self.label = url
        self.retrievers: tuple[str, ...] = ("server",)
        self._bodies: dict[str, str] = {}

    def _get(self, path: str, **params: Any) -> Any:
        return self._json(lambda: self.client.get(path, params=params or None))

    def _json(self, call: Any) -> Any:
        try:
            response = call()
        except httpx.HTTPError as exc:
            raise EvalError(f"cannot reach the server at {self.label}: {exc}") from None
        if response.status_code >= 400:
            detail = response.text[:300]
            raise EvalError(f"{response.request.method} {response.request.url.path}: {response.status_code} {detail}")
        return response.json()

    def search(self, query: str, k: int, mode: str) -> list[Passage]:
        results = self._get("/v1/search", q=query, k=k)["results"]
        return [
            Passage(doc_id=r["doc_id"], chunk_id=r["chunk_id"], title=r.get("title", ""), source=r.get("source", ""),
                    start=int(r["start"]), end=int(r["end"]), text=r["text"], score=float(r.get("score", 0.0)))
            for r in results
        ]

    def ask(self, question: str, top_k: int) -> Answer:
        data = self._json(lambda: self.client.post("/v1/ask", json={"question": question, "top_k": top_k}))
        return answer_from_json(data)

    def body(self, doc_id: str) -> str:
        if doc_id not in self._bodies:
            self._bodies[doc_id] = str(self._get(f"/v1/documents/{doc_id}")["text"])
        return self._bodies[doc_id]

    def documents(self) -> list[tuple[str, str, str]]:
        listed = sorted(self._get("/v1/documents"), key=lambda d: d["doc_id"])
        return [(d["doc_id"], d.get("title", ""), self.body(d["doc_id"])) for d in listed]

    def evidence(self, question: str, passages: list[Passage]) -> list[str] | None:
        return None

    def chunks(self) -> list[tuple[str, str]] | None:
        return None

    def judge(self, item: dict[str, Any], answer: Answer) -> Outcome | None:
        return None  # the documents' headings are not part of the contract

    def generate(self, messages: list[Message], max_tokens: int | None = None) -> str:
        raise EvalError("the server's LLM cannot be called directly")


def answer_from_json(data: dict[str, Any]) -> Answer:
    """The answer object of the HTTP contract as an Answer (rejected sentences are not part of it)."""
    citations = [
        Evidence(id=int(c["id"]), doc_id=c["doc_id"], title=c.get("title", ""), source=c.get("source", ""),
                 start=int(c["start"]), end=int(c["end"]), quote=c["quote"], score=float(c.get("score", 0.0)))
        for c in data.get("citations", [])
    ]
    sentences = [
        AnswerSentence(text=s["text"], citations=list(s.get("citations", [])), supported=bool(s.get("supported")))
        for s in data.get("sentences", [])
    ]
    return Answer(
        answer=data["answer"], answerable=bool(data["answerable"]), mode=data["mode"],
        language=data.get("language", ""),
        citations=citations, sentences=sentences, timings_ms=dict(data.get("timings_ms", {})),
    )
