"""Bad input gets a clear 4xx problem+json and loses nothing."""

from __future__ import annotations

import pytest

from tests.api.conftest import LiveServer

PROBLEM = "application/problem+json"


def assert_problem(resp, status: int, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    body = resp.json()
    assert set(body) == {"type", "title", "status", "detail"} and body["status"] == status
    for word in words:
        assert word.lower() in body["detail"].lower(), body["detail"]


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"question": ""}, ["question"]),
        ({"question": "   \n\t "}, ["empty"]),
        ({"question": "x" * 100_000}, ["question"]),
        ({"question": "Was?", "top_k": 0}, ["top_k"]),
        ({"question": "Was?", "unknown": 1}, ["unknown"]),
        ({}, ["question"]),
    ],
)
def test_bad_questions(live_server: LiveServer, payload: dict, words: list[str]) -> None:  # type: ignore[type-arg]
    with live_server.client() as client:
        assert_problem(client.post("/v1/ask", json=payload), 422, *words)


def test_invalid_json_and_wrong_content_type(live_server: LiveServer) -> None:
    with live_server.client() as client:
        assert_problem(client.post("/v1/ask", content=b'{"question": "Was', headers={"content-type": "application/json"}),
                       422, "not valid JSON")
        resp = client.post("/v1/ask", content=b"question=Was", headers={"content-type": "text/plain"})
        assert resp.status_code in (415, 422) and resp.headers["content-type"].startswith(PROBLEM)
        assert_problem(client.post("/v1/documents", content=b"hello", headers={"content-type": "text/plain"}),
                       415, "multipart")


def upload(client, name: str, data: bytes, **form: str):  # type: ignore[no-untyped-def]
    return client.post("/v1/documents", files={"file": (name, data, "application/octet-stream")}, data=form)


@pytest.mark.parametrize(
    ("name", "data", "status", "words"),
    [
        ("slides.pptx", b"PK\x03\x04 zip", 415, ["unsupported file type"]),
        ("empty.txt", b"", 422, ["empty"]),
        ("garbage.txt", bytes(range(256)) * 20, 422, ["binary"]),
        ("latin1.txt", "Grüße aus Köln".encode("latin-1"), 422, ["UTF-8"]),
        ("huge.txt", b"Satz. " * 50_000, 413, ["limit"]),
    ],
)
def test_bad_uploads(live_server: LiveServer, name: str, data: bytes, status: int, words: list[str]) -> None:
    with live_server.client() as client:
        before = client.get("/v1/documents").json()
        assert_problem(upload(client, name, data), status, *words)
        assert client.get("/v1/documents").json() == before


def test_path_traversal_in_file_names_stays_in_the_data_dir(live_server: LiveServer) -> None:
    with live_server.client() as client:
        resp = upload(client, "../../etc/passwd.txt", b"root:x:0:0:root:/root:/bin/bash")
        assert resp.status_code == 201 and resp.json()["doc_id"] == "passwd"
        client.delete("/v1/documents/passwd")
    uploads = (live_server.quelle.settings.data_dir / "uploads").resolve()
    assert (uploads / "passwd.txt").exists()
    assert all(p.resolve().is_relative_to(uploads) for p in uploads.iterdir())


@pytest.mark.parametrize("doc_id", ["../etc", "a b", "ümlaut", "x" * 200, "-dash", "semi;colon"])
def test_odd_doc_ids(live_server: LiveServer, doc_id: str) -> None:
    with live_server.client() as client:
        assert_problem(client.post("/v1/documents", json={"title": "T", "text": "Ein Satz.", "doc_id": doc_id}),
                       422, "doc_id" if len(doc_id) < 129 else "")
        resp = client.get(f"/v1/documents/{doc_id}")
        assert resp.status_code in (404, 422) and resp.headers["content-type"].startswith(PROBLEM)


def test_delete_twice_and_unknown_documents(live_server: LiveServer) -> None:
    with live_server.client() as client:
        client.post("/v1/documents", json={"title": "Kurz", "text": "Ein kurzer Text.", "doc_id": "kurz"})
        assert client.delete("/v1/documents/kurz").status_code == 200
        assert_problem(client.delete("/v1/documents/kurz"), 404, "kurz")
        assert_problem(client.get("/v1/documents/nope"), 404, "nope")


def test_filters_naming_unknown_documents(live_server: LiveServer) -> None:
    with live_server.client() as client:
        resp = client.post("/v1/ask", json={"question": "Was kostet der Chip?", "filters": {"doc_ids": ["nope", "nada"]}})
        assert_problem(resp, 404, "nope", "nada")
        resp = client.post("/v1/ask", json={"question": "Was?", "filters": {"doc_ids": ["nope"]}, "stream": True})
        assert_problem(resp, 404, "nope")


def test_unknown_routes_and_methods(live_server: LiveServer) -> None:
    with live_server.client() as client:
        assert_problem(client.get("/v1/nothing"), 404, "no route")
        assert_problem(client.put("/v1/ask", json={}), 405, "not allowed")
