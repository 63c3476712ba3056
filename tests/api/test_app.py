"""Every route of the v1 contract over a real socket: happy paths, SSE, documents round trip."""

from __future__ import annotations

import json

from tests.api.conftest import LiveServer

SEED_ID = "huawei-ascend-910c-nvidia-china"
BYTEDANCE_DE = "Wie viel hat Bytedance im vergangenen Jahr für Nvidia-Chips ausgegeben?"


def test_ask_answers_with_exact_citations(live_server: LiveServer) -> None:
    with live_server.client() as client:
        answer = client.post("/v1/ask", json={"question": BYTEDANCE_DE}).json()
        body = client.get(f"/v1/documents/{SEED_ID}").json()["text"]
    assert answer["answerable"] and answer["mode"] in ("generated", "extractive")
    assert set(answer) == {"answer", "answerable", "mode", "language", "citations", "sentences", "timings_ms"}
    assert any(c["doc_id"] == SEED_ID and "2 Milliarden" in c["quote"] for c in answer["citations"])
    for c in answer["citations"]:
        assert body[c["start"] : c["end"]] == c["quote"]
        assert set(c) == {"id", "doc_id", "title", "source", "start", "end", "quote", "score"}
    assert {"retrieve", "total"} <= set(answer["timings_ms"])


def parse_sse(text: str) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_ask_stream_sends_tokens_then_answer_then_done(live_server: LiveServer) -> None:
    with live_server.client() as client:
        resp = client.post("/v1/ask", json={"question": "Wie viele Ascend-910B-Chips hat Baidu bestellt?", "stream": True})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(resp.text)
    names = [e for e, _ in events]
    assert names[-2:] == ["answer", "done"] and set(names[:-2]) == {"token"}
    answer = events[-2][1]
    assert "".join(d["text"] for e, d in events if e == "token") == answer["answer"]
    assert "1.600" in answer["answer"]


def test_search_returns_ranked_passages(live_server: LiveServer) -> None:
    with live_server.client() as client:
        results = client.get("/v1/search", params={"q": "H20 Nvidia China Umsatz", "k": 3}).json()["results"]
    assert 1 <= len(results) <= 3
    assert set(results[0]) == {"doc_id", "title", "chunk_id", "start", "end", "text", "score"}
    assert results[0]["score"] >= results[-1]["score"]


def test_documents_round_trip_and_deleted_documents_are_never_cited(live_server: LiveServer) -> None:
    text = "Die Firma Zebrotek aus Graz hat 4.711 Quantenchips an die Stadtwerke geliefert."
    question = "Wie viele Quantenchips hat Zebrotek an die Stadtwerke geliefert?"
    with live_server.client() as client:
        created = client.post("/v1/documents", files={"file": ("zebrotek.txt", text.encode(), "text/plain")})
        assert created.status_code == 201 and created.json() == {"doc_id": "zebrotek", "status": "created", "chunks": 1}
        again = client.post("/v1/documents", files={"file": ("zebrotek.txt", text.encode(), "text/plain")})
        assert again.status_code == 200 and again.json()["status"] == "unchanged"
        assert "zebrotek" in [d["doc_id"] for d in client.get("/v1/documents").json()]
        assert client.get("/v1/documents/zebrotek").json()["text"] == text

        answer = client.post("/v1/ask", json={"question": question}).json()
        assert "4.711" in answer["answer"] and {c["doc_id"] for c in answer["citations"]} == {"zebrotek"}

        assert client.delete("/v1/documents/zebrotek").json() == {"doc_id": "zebrotek", "deleted": True}
        answer = client.post("/v1/ask", json={"question": question}).json()
        assert all(c["doc_id"] != "zebrotek" for c in answer["citations"])
        assert client.get("/v1/documents/zebrotek").status_code == 404
    assert (live_server.quelle.settings.data_dir / "uploads" / "zebrotek.txt").read_bytes() == text.encode()


def test_json_documents_and_updates(live_server: LiveServer) -> None:
    with live_server.client() as client:
        first = client.post("/v1/documents", json={"title": "Notiz", "text": "Erste Fassung der Notiz.", "doc_id": "notiz"})
        second = client.post("/v1/documents", json={"title": "Notiz", "text": "Zweite Fassung der Notiz.", "doc_id": "notiz"})
        assert (first.status_code, second.json()["status"]) == (201, "updated")
        assert client.get("/v1/documents/notiz").json()["text"] == "Zweite Fassung der Notiz."
        client.delete("/v1/documents/notiz")


def test_health_ready_metrics_and_page(live_server: LiveServer) -> None:
    with live_server.client() as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json()["status"] == "ready"
        client.post("/v1/ask", json={"question": "Wer ist der Chef von Alibaba?"})
        metrics = client.get("/metrics").text
        page = client.get("/")
        openapi = client.get("/openapi.json").json()
    for name in ("quelle_http_requests_total", "quelle_http_request_seconds_bucket", "quelle_answers_total",
                 "quelle_refusals_total", "quelle_verifier_rejected_sentences_total", "quelle_ingest_documents_total",
                 "quelle_llm_generate_seconds"):
        assert name in metrics
    assert 'route="/v1/ask"' in metrics
    assert page.status_code == 200 and 'id="question"' in page.text and "cdn" not in page.text.lower()
    assert {"/v1/ask", "/v1/search", "/v1/documents", "/v1/documents/{doc_id}", "/v1/chat/completions"} <= set(openapi["paths"])
