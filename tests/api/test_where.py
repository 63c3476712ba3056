"""Metadata filters (`where`) on /v1/ask and /v1/search narrow dense retrieval and BM25 alike; /v1/documents
returns the metadata, a page at a time."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.api.conftest import LiveServer, assert_problem

pytestmark = pytest.mark.slow  # a real app on a real socket, the real embedding model

NOTES = {
    "zebra-2023": ({"year": 2023, "lang": "de", "tags": ["zoo"]}, "Im Jahr 2023 zählte der Zoo Quellental 41 Zebras."),
    "zebra-2024": ({"year": 2024, "lang": "de", "tags": ["zoo", "bericht"]},
                   "Im Jahr 2024 zählte der Zoo Quellental 57 Zebras."),
    "zebra-en": ({"year": 2024, "lang": "en"}, "In 2024 the Quellental zoo counted 57 zebras."),
}


@pytest.fixture(scope="module")
def notes(live_server: LiveServer) -> Iterator[LiveServer]:
    with live_server.client() as client:
        for doc_id, (metadata, text) in NOTES.items():
            resp = client.post("/v1/documents", json={"title": f"Zoobericht {doc_id}", "text": text,
                                                      "doc_id": doc_id, "metadata": metadata})
            assert resp.status_code in (200, 201), resp.text
    yield live_server
    with live_server.client() as client:
        for doc_id in NOTES:
            client.delete(f"/v1/documents/{doc_id}")


def search(server: LiveServer, mode: str, where: object | None) -> list[str]:
    params = {"q": "Wie viele Zebras zählte der Zoo Quellental?", "k": 10, "mode": mode}
    if where is not None:
        params["where"] = json.dumps(where)
    with server.client() as client:
        resp = client.get("/v1/search", params=params)
    assert resp.status_code == 200, resp.text
    return [r["doc_id"] for r in resp.json()["results"]]


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
@pytest.mark.parametrize(("where", "allowed"), [
    ({"year": 2024}, {"zebra-2024", "zebra-en"}),
    ({"year": {"$lt": 2024}}, {"zebra-2023"}),
    ({"$and": [{"year": {"$gte": 2024}}, {"lang": {"$ne": "en"}}]}, {"zebra-2024"}),
    ({"tags": "bericht"}, {"zebra-2024"}),
    ({"$or": [{"lang": "en"}, {"tags": {"$in": ["zoo"]}}]}, set(NOTES)),
])
def test_search_keeps_only_matching_documents(notes: LiveServer, mode: str, where: dict, allowed: set[str]) -> None:  # type: ignore[type-arg]
    found = search(notes, mode, where)
    assert found and set(found) <= allowed, found
    assert set(search(notes, mode, None)) >= set(NOTES)  # without the filter, every note is found


def test_a_filter_matching_nothing_finds_nothing(notes: LiveServer) -> None:
    assert search(notes, "hybrid", {"year": 1999}) == []


def test_ask_answers_from_the_matching_documents_only(notes: LiveServer) -> None:
    with notes.client() as client:
        for where, number in (({"year": 2023}, "41"), ({"year": 2024, "lang": "de"}, "57")):
            answer = client.post("/v1/ask", json={"question": "Wie viele Zebras zählte der Zoo Quellental?",
                                                  "where": where}).json()
            assert answer["answerable"], answer
            assert {c["doc_id"] for c in answer["citations"]} <= {"zebra-2023", "zebra-2024"}
            assert number in answer["answer"]


@pytest.mark.parametrize(("where", "words"), [
    ({"year": {"$between": [1, 2]}}, ["where.year", "$between"]),
    ({"$and": {}}, ["$and", "list"]),
    ({}, ["where"]),
])
def test_bad_filters_are_422(notes: LiveServer, where: object, words: list[str]) -> None:
    with notes.client() as client:
        assert_problem(client.post("/v1/ask", json={"question": "Zebras?", "where": where}), 422, *words)
        assert_problem(client.get("/v1/search", params={"q": "Zebras", "where": json.dumps(where)}), 422, *words)
        assert_problem(client.post("/v1/ask", json={"question": "Zebras?", "where": where, "stream": True}),
                       422, *words)
    with notes.client() as client:
        assert_problem(client.get("/v1/search", params={"q": "Zebras", "where": "{year"}), 422, "JSON")


def test_documents_carry_metadata_and_come_in_pages(notes: LiveServer) -> None:
    with notes.client() as client:
        everything = client.get("/v1/documents")
        total = int(everything.headers["x-total-count"])
        assert total == len(everything.json()) >= 4 and "link" not in everything.headers
        by_id = {d["doc_id"]: d for d in everything.json()}
        assert by_id["zebra-2024"]["metadata"] == {"year": 2024, "lang": "de", "tags": ["zoo", "bericht"]}
        seen: list[str] = []
        url: str | None = "/v1/documents?limit=2"
        while url:
            page = client.get(url)
            assert page.status_code == 200 and len(page.json()) <= 2
            assert int(page.headers["x-total-count"]) == total
            seen += [d["doc_id"] for d in page.json()]
            link = page.headers.get("link")
            url = link[1 : link.index(">")] if link else None
        assert seen == [d["doc_id"] for d in everything.json()] == sorted(seen)
        assert client.get("/v1/documents", params={"offset": total}).json() == []
        assert_problem(client.get("/v1/documents", params={"limit": 0}), 422, "limit")
