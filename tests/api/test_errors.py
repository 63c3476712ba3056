"""Bad input gets a clear 4xx problem+json and changes nothing; failures behind the API get 503 or a bare 500."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from rag.llm import LLMUnavailable
from rag.schema import Delta
from rag.store import StoreUnavailable
from tests.api.conftest import PROBLEM, SEED_ID, LiveServer, assert_openai_error, assert_problem, parse_sse

pytestmark = pytest.mark.slow  # a real app on a real socket, the real embedding model

LIMIT = 200_000  # max_upload_bytes of the live_server fixture


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"question": ""}, ["question"]),
        ({"question": "   \n\t "}, ["question", "empty"]),
        ({"question": "x" * 100_000}, ["question", "100000", "2000"]),
        ({"question": "x" * 2001}, ["question", "limit is 2000"]),
        ({"question": "Was?", "top_k": 0}, ["top_k"]),
        ({"question": "Was?", "top_k": "viele"}, ["top_k"]),
        ({"question": "Was?", "filters": {"doc_ids": "nope"}}, ["filters.doc_ids"]),
        ({"question": "Was?", "filters": {"doc_ids": []}}, ["filters.doc_ids"]),
        ({"question": "Was?", "unknown": 1}, ["unknown"]),
        ({"question": 42}, ["question"]),
        ({}, ["question"]),
        ([], []),
    ],
)
def test_bad_questions(live_server: LiveServer, payload: object, words: list[str]) -> None:
    with live_server.client() as client:
        assert_problem(client.post("/v1/ask", json=payload), 422, *words)


def test_invalid_json_and_wrong_content_types(live_server: LiveServer) -> None:
    as_json = {"content-type": "application/json"}
    with live_server.client() as client:
        assert_problem(client.post("/v1/ask", content=b'{"question": "Was', headers=as_json), 422, "not valid JSON")
        for headers in ({"content-type": "text/plain"}, {"content-type": "application/x-www-form-urlencoded"}, {}):
            resp = client.post("/v1/ask", content=b'{"question": "Was?"}', headers=headers)
            assert_problem(resp, 415, "application/json")
            resp = client.post("/v1/chat/completions", content=b'{"question": "Was?"}', headers=headers)
            assert assert_openai_error(resp, 415, "application/json")["type"] == "invalid_request_error"
        assert_problem(client.post("/v1/documents", content=b"hello", headers={"content-type": "text/plain"}),
                       415, "multipart")
        broken = client.post("/v1/documents", content=b'{"title": "T", "te', headers=as_json)
        assert_problem(broken, 422, "not valid JSON")
        assert_problem(client.post("/v1/documents", json={"title": " ", "text": "Satz."}), 422, "title")
        assert_problem(client.post("/v1/documents", json={"text": "Satz."}), 422, "title")


def test_search_checks_its_query(live_server: LiveServer) -> None:
    with live_server.client() as client:
        assert_problem(client.get("/v1/search"), 422, "q")
        assert_problem(client.get("/v1/search", params={"q": "  "}), 422, "q", "empty")
        assert_problem(client.get("/v1/search", params={"q": "x" * 5000}), 422, "q", "limit")
        assert_problem(client.get("/v1/search", params={"q": "Baidu", "k": 0}), 422, "k")
        assert_problem(client.get("/v1/search", params={"q": "Baidu", "mode": "magic"}), 422, "mode")


def upload(client: httpx.Client, name: str, data: bytes, **form: str) -> httpx.Response:
    return client.post("/v1/documents", files={"file": (name, data, "application/octet-stream")}, data=form)


@pytest.mark.parametrize(
    ("name", "data", "status", "words"),
    [
        ("slides.pptx", b"PK\x03\x04 zip", 415, ["unsupported file type", ".pptx"]),
        ("no-suffix", b"Ein Satz.", 415, ["unsupported file type"]),
        ("empty.txt", b"", 422, ["empty"]),
        ("blanks.md", b"  \n\n\t ", 422, ["empty"]),
        ("garbage.txt", bytes(range(256)) * 20, 422, ["binary"]),
        ("controls.txt", bytes(range(1, 32)) * 300, 422, ["binary"]),
        ("latin1.txt", "Grüße aus Köln".encode("latin-1"), 422, ["UTF-8"]),
        ("broken.pdf", b"%PDF-1.4 this is no pdf", 422, ["pdf"]),
        ("huge.txt", b"Satz. " * 50_000, 413, ["limit"]),
    ],
)
def test_bad_uploads(live_server: LiveServer, name: str, data: bytes, status: int, words: list[str]) -> None:
    with live_server.client() as client:
        before = client.get("/v1/documents").json()
        assert_problem(upload(client, name, data), status, *words)
        assert client.get("/v1/documents").json() == before
    assert not list((live_server.quelle.settings.data_dir / "uploads").glob(f"{name.split('.')[0]}*"))


def test_a_file_a_little_over_the_limit_is_refused_though_the_request_fits(live_server: LiveServer) -> None:
    with live_server.client() as client:
        assert_problem(upload(client, "big.txt", b"x" * (LIMIT + 1)), 413, "big.txt", str(LIMIT))
        assert_problem(client.post("/v1/documents", json={"title": "T", "text": "x" * LIMIT}), 413, str(LIMIT))


def test_bodies_without_a_length_are_counted_while_they_arrive(live_server: LiveServer) -> None:
    """Chunked transfer has no Content-Length: the server must stop reading at the limit, not buffer it all."""
    boundary = "quelle-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"endless.txt\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode()

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(200):  # 12.8 MB, far over the limit
            yield b"Satz. " * (64 * 1024 // 6) + b"Sa"
        yield f"\r\n--{boundary}--\r\n".encode()

    with live_server.client() as client:
        try:
            resp = client.post("/v1/documents", content=body(),
                               headers={"content-type": f"multipart/form-data; boundary={boundary}"})
        except httpx.TransportError:  # the server may close the connection while the client still sends
            resp = None
        if resp is not None:
            assert_problem(resp, 413, "limit")
        assert "endless" not in [d["doc_id"] for d in client.get("/v1/documents").json()]
        assert_problem(client.post("/v1/ask", content=iter([b'{"question": "', b"x" * (LIMIT + 70_000), b'"}']),
                                   headers={"content-type": "application/json"}), 413, "limit")


def test_broken_multipart_bodies(live_server: LiveServer) -> None:
    with live_server.client() as client:
        assert_problem(client.post("/v1/documents", content=b"garbage",
                                   headers={"content-type": "multipart/form-data; boundary=xyz"}), 422, "multipart")
        assert_problem(client.post("/v1/documents", content=b"garbage",
                                   headers={"content-type": "multipart/form-data"}), 422, "multipart")
        assert_problem(client.post("/v1/documents", data={"title": "T"}, files={"other": ("a.txt", b"Satz.")}),
                       422, "file")
        assert_problem(client.post("/v1/documents", files={"file": (None, b"Satz.")}), 422, "file")


def test_path_traversal_in_file_names_stays_in_the_data_dir(live_server: LiveServer) -> None:
    uploads = (live_server.quelle.settings.data_dir / "uploads").resolve()
    with live_server.client() as client:
        for name in ("../../etc/passwd.txt", "..\\..\\windows\\system.ini.txt", "/etc/shadow.md", "....//x.txt"):
            resp = upload(client, name, b"root:x:0:0:root:/root:/bin/bash")
            assert resp.status_code == 201, resp.text
            doc_id = resp.json()["doc_id"]
            assert "/" not in doc_id and ".." not in doc_id
            assert client.get(f"/v1/documents/{doc_id}").json()["source"].startswith("upload:")
            assert all(p.resolve().parent == uploads for p in uploads.iterdir())
            assert (uploads / f"{doc_id}{name[name.rindex('.'):]}").exists()
            client.delete(f"/v1/documents/{doc_id}")
    assert not (live_server.quelle.settings.data_dir.parent / "etc").exists()


@pytest.mark.parametrize("doc_id", ["../etc", "a b", "ümlaut", "x" * 129, "-dash", "semi;colon", ".hidden"])
def test_odd_doc_ids(live_server: LiveServer, doc_id: str) -> None:
    with live_server.client() as client:
        assert_problem(client.post("/v1/documents", json={"title": "T", "text": "Ein Satz.", "doc_id": doc_id}),
                       422, "doc_id")
        assert_problem(upload(client, "ok.txt", b"Ein Satz.", doc_id=doc_id), 422, "doc_id")
        resp = client.get(f"/v1/documents/{doc_id}")
        assert resp.status_code in (404, 422) and resp.headers["content-type"].startswith(PROBLEM)
        resp = client.delete(f"/v1/documents/{doc_id}")
        assert resp.status_code in (404, 422) and resp.headers["content-type"].startswith(PROBLEM)
        assert "ok" not in [d["doc_id"] for d in client.get("/v1/documents").json()]


def test_delete_twice_and_unknown_documents(live_server: LiveServer) -> None:
    with live_server.client() as client:
        client.post("/v1/documents", json={"title": "Kurz", "text": "Ein kurzer Text.", "doc_id": "kurz"})
        assert client.delete("/v1/documents/kurz").status_code == 200
        assert_problem(client.delete("/v1/documents/kurz"), 404, "kurz")
        assert_problem(client.get("/v1/documents/nope"), 404, "nope")
        assert client.get(f"/v1/documents/{SEED_ID}").status_code == 200


def test_filters_naming_unknown_documents(live_server: LiveServer) -> None:
    with live_server.client() as client:
        resp = client.post("/v1/ask", json={"question": "Was kostet das?", "filters": {"doc_ids": ["nope", "nada"]}})
        assert_problem(resp, 404, "nope", "nada")
        resp = client.post("/v1/ask", json={"question": "Was?", "filters": {"doc_ids": ["nope"]}, "stream": True})
        assert_problem(resp, 404, "nope")


def test_unknown_routes_and_methods(live_server: LiveServer) -> None:
    with live_server.client() as client:
        assert_problem(client.get("/v1/nothing"), 404, "no route")
        assert_problem(client.put("/v1/ask", json={}), 405, "not allowed")


def test_an_unexpected_error_is_a_bare_500(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom() -> None:
        raise RuntimeError("secret internals /srv/quelle/db.sqlite")

    monkeypatch.setattr(live_server.quelle, "list_documents", boom)
    with live_server.client() as client:
        body = assert_problem(client.get("/v1/documents"), 500, "our side")
        assert "secret" not in body["detail"]
        assert 'status="500"' in client.get("/metrics").text


@pytest.mark.parametrize(("error", "words"), [(StoreUnavailable("chroma at x:1"), ["store"]),
                                              (LLMUnavailable("llm at y:2"), ["language model"])])
def test_dependencies_down_are_503(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch, error: Exception,
                                   words: list[str]) -> None:
    def down(*args: object, **kwargs: object) -> None:
        raise error

    for method in ("ask", "ask_stream", "search"):
        monkeypatch.setattr(live_server.quelle, method, down)
    with live_server.client() as client:
        assert_problem(client.post("/v1/ask", json={"question": "Was?"}), 503, *words)
        assert_problem(client.post("/v1/ask", json={"question": "Was?", "stream": True}), 503, *words)
        assert_problem(client.get("/v1/search", params={"q": "Baidu"}), 503, *words)
        chat = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "Was?"}]})
        assert assert_openai_error(chat, 503, *words)["type"] == "service_unavailable"


def test_readiness_fails_when_a_dependency_is_down(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    def down() -> None:
        raise StoreUnavailable("no chroma")

    with live_server.client() as client:
        monkeypatch.setattr(live_server.quelle.store, "heartbeat", down)
        assert_problem(client.get("/readyz"), 503, "store")
        monkeypatch.undo()
        monkeypatch.setattr(live_server.quelle.llm, "check", lambda: (_ for _ in ()).throw(LLMUnavailable("gone")))
        assert_problem(client.get("/readyz"), 503, "language model")
        assert client.get("/healthz").status_code == 200


def test_a_failure_after_the_stream_began_is_an_error_event(live_server: LiveServer,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def half(*args: object, **kwargs: object) -> Iterator[Delta]:
        yield Delta("Ein halber")
        raise RuntimeError("the model fell over")

    monkeypatch.setattr(live_server.quelle, "ask_stream", half)
    with live_server.client() as client:
        resp = client.post("/v1/ask", json={"question": "Was?", "stream": True})
    events = parse_sse(resp.text)
    assert [name for name, _ in events] == ["token", "error"]
    assert events[1][1]["status"] == 500 and "fell over" not in resp.text
