"""Every route of the v1 contract over a real socket: happy paths, SSE, documents round trip, ops routes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import SEED_ID, LiveServer, parse_sse, start_server
from tests.conftest import handwritten_pdf

pytestmark = pytest.mark.slow  # a real app on a real socket, the real embedding model

BYTEDANCE_DE = "Wie viel hat Bytedance im vergangenen Jahr für Nvidia-Chips ausgegeben?"
BAIDU_DE = "Wie viele Ascend-910B-Chips hat Baidu bestellt?"
ANSWER_KEYS = {"answer", "answerable", "mode", "language", "citations", "sentences", "timings_ms"}


def test_ask_answers_with_exact_citations(live_server: LiveServer) -> None:
    with live_server.client() as client:
        resp = client.post("/v1/ask", json={"question": BYTEDANCE_DE})
        body = client.get(f"/v1/documents/{SEED_ID}").json()["text"]
    answer = resp.json()
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
    assert set(answer) == ANSWER_KEYS
    assert answer["answerable"] and answer["mode"] in ("generated", "extractive") and answer["language"] == "de"
    assert any(c["doc_id"] == SEED_ID and "2 Milliarden" in c["quote"] for c in answer["citations"])
    for c in answer["citations"]:
        assert set(c) == {"id", "doc_id", "title", "source", "section", "page", "start", "end", "quote", "score"}
        assert body[c["start"] : c["end"]] == c["quote"]  # offsets are truth
        assert f"[{c['id']}]" in answer["answer"]
    assert {"retrieve", "total"} <= set(answer["timings_ms"])


def test_top_k_and_filters_narrow_the_evidence(live_server: LiveServer) -> None:
    with live_server.client() as client:
        answer = client.post("/v1/ask", json={"question": BAIDU_DE, "top_k": 2, "filters": {"doc_ids": [SEED_ID]}})
    assert answer.status_code == 200 and {c["doc_id"] for c in answer.json()["citations"]} == {SEED_ID}


def test_ask_stream_sends_tokens_then_answer_then_done(live_server: LiveServer) -> None:
    with live_server.client() as client:
        resp = client.post("/v1/ask", json={"question": BAIDU_DE, "stream": True})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(resp.text)
    names = [name for name, _ in events]
    assert names[-2:] == ["answer", "done"] and names[:-2] and set(names[:-2]) == {"token"}
    answer = events[-2][1]
    assert set(answer) == ANSWER_KEYS
    assert "".join(data["text"] for name, data in events if name == "token") == answer["answer"]
    assert "1.600" in answer["answer"]


def test_a_refusal_streams_its_text_too(live_server: LiveServer) -> None:
    with live_server.client() as client:
        resp = client.post("/v1/ask", json={"question": "Wer hat die Fußball-WM 1954 gewonnen?", "stream": True})
    events = parse_sse(resp.text)
    assert [name for name, _ in events] == ["token", "answer", "done"]
    answer = events[1][1]
    assert answer["mode"] == "refused" and not answer["answerable"] and answer["citations"] == []
    assert events[0][1]["text"] == answer["answer"]


def test_search_returns_ranked_passages(live_server: LiveServer) -> None:
    with live_server.client() as client:
        results = client.get("/v1/search", params={"q": "H20 Nvidia China Umsatz", "k": 3}).json()["results"]
        body = client.get(f"/v1/documents/{SEED_ID}").json()["text"]
    assert 1 <= len(results) <= 3
    assert set(results[0]) == {"doc_id", "title", "section", "page", "chunk_id", "start", "end", "text", "score"}
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    assert all(body[r["start"] : r["end"]] == r["text"] for r in results)


def test_documents_round_trip_and_deleted_documents_are_never_cited(live_server: LiveServer) -> None:
    text = "Die Firma Zebrotek aus Graz hat 4.711 Quantenchips an die Stadtwerke geliefert."
    question = "Wie viele Quantenchips hat Zebrotek an die Stadtwerke geliefert?"
    kept = live_server.quelle.settings.data_dir / "uploads" / "zebrotek.txt"
    with live_server.client() as client:
        created = client.post("/v1/documents", files={"file": ("zebrotek.txt", text.encode(), "text/plain")})
        assert created.status_code == 201
        assert created.json() == {"doc_id": "zebrotek", "status": "created", "chunks": 1}
        again = client.post("/v1/documents", files={"file": ("zebrotek.txt", text.encode(), "text/plain")})
        assert again.status_code == 200 and again.json()["status"] == "unchanged"
        listed = {d["doc_id"]: d for d in client.get("/v1/documents").json()}
        assert listed["zebrotek"]["source"] == "upload:zebrotek.txt" and listed["zebrotek"]["chunks"] == 1
        assert client.get("/v1/documents/zebrotek").json()["text"] == text
        assert kept.read_bytes() == text.encode()

        answer = client.post("/v1/ask", json={"question": question}).json()
        assert "4.711" in answer["answer"] and {c["doc_id"] for c in answer["citations"]} == {"zebrotek"}

        assert client.delete("/v1/documents/zebrotek").json() == {"doc_id": "zebrotek", "deleted": True}
        answer = client.post("/v1/ask", json={"question": question}).json()
        assert all(c["doc_id"] != "zebrotek" for c in answer["citations"]) and "4.711" not in answer["answer"]
        assert client.get("/v1/documents/zebrotek").status_code == 404
        assert "zebrotek" not in [d["doc_id"] for d in client.get("/v1/documents").json()]
    assert not kept.exists()  # the original bytes go with the document


def test_json_documents_update_and_a_form_doc_id(live_server: LiveServer) -> None:
    with live_server.client() as client:
        first = client.post("/v1/documents", json={"title": "Notiz", "text": "Erste Fassung.", "doc_id": "notiz"})
        second = client.post("/v1/documents", json={"title": "Notiz", "text": "Zweite Fassung.", "doc_id": "notiz"})
        assert (first.status_code, second.status_code, second.json()["status"]) == (201, 200, "updated")
        note = client.get("/v1/documents/notiz").json()
        assert note["text"] == "Zweite Fassung." and note["source"] == "api:notiz"
        client.delete("/v1/documents/notiz")

        named = client.post("/v1/documents", files={"file": ("x.md", b"# Bericht\n\nEin Satz.", "text/markdown")},
                            data={"doc_id": "mein-bericht"})
        assert named.status_code == 201 and named.json()["doc_id"] == "mein-bericht"
        assert client.get("/v1/documents/mein-bericht").json()["title"] == "Bericht"
        client.delete("/v1/documents/mein-bericht")


def test_titles_without_usable_characters_never_replace_each_other(live_server: LiveServer) -> None:
    with live_server.client() as client:
        ids = [client.post("/v1/documents", json={"title": title, "text": text}).json()["doc_id"]
               for title, text in (("???", "Ein Satz."), ("!!!", "Ein anderer Satz."))]
        assert len(set(ids)) == 2 and all(i.startswith("doc-") for i in ids)
        for doc_id in ids:
            assert client.delete(f"/v1/documents/{doc_id}").status_code == 200


def test_html_and_pdf_uploads_index_their_visible_text(live_server: LiveServer) -> None:
    html = (b"<html><head><title>Seite</title><script>var geheim = 1;</script></head>"
            b"<body><p>Der Kolibri wiegt zwei Gramm.</p></body></html>")
    with live_server.client() as client:
        assert client.post("/v1/documents", files={"file": ("seite.html", html, "text/html")}).status_code == 201
        page = client.get("/v1/documents/seite").json()
        assert page["title"] == "Seite" and page["text"] == "Der Kolibri wiegt zwei Gramm."  # no script text
        memo = handwritten_pdf([["Der Marder frisst Kabel."]])
        pdf = client.post("/v1/documents", files={"file": ("memo.pdf", memo, "application/pdf")})
        assert pdf.status_code == 201, pdf.text
        assert "Der Marder frisst Kabel." in client.get("/v1/documents/memo").json()["text"]
        for doc_id in ("seite", "memo"):
            client.delete(f"/v1/documents/{doc_id}")


def test_health_ready_metrics_and_page(live_server: LiveServer) -> None:
    with live_server.client() as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz").json()
        client.post("/v1/ask", json={"question": "Wer ist der Chef von Alibaba?"})
        client.get(f"/v1/documents/{SEED_ID}")
        metrics = client.get("/metrics")
        page = client.get("/")
        script = client.get("/static/app.js")
    assert ready["status"] == "ready" and ready["llm"]
    text = metrics.text
    assert metrics.headers["content-type"].startswith("text/plain")
    for name in ("quelle_http_requests_total", "quelle_http_request_seconds_bucket", "quelle_answers_total",
                 "quelle_refusals_total", "quelle_verifier_rejected_sentences_total", "quelle_ingest_documents_total",
                 "quelle_llm_generate_seconds"):
        assert name in text
    assert 'route="/v1/ask"' in text and 'route="/v1/documents/{doc_id}"' in text and SEED_ID not in text
    assert 'quelle_answers_total{mode="refused"}' in text
    assert page.status_code == 200 and 'id="question"' in page.text and "cdn" not in page.text.lower()
    assert script.status_code == 200 and "getReader" in script.text


def test_openapi_documents_the_contract_with_examples(live_server: LiveServer) -> None:
    with live_server.client() as client:
        openapi = client.get("/openapi.json").json()
        docs = client.get("/docs")
    paths = openapi["paths"]
    assert {"/v1/ask", "/v1/search", "/v1/documents", "/v1/documents/{doc_id}", "/v1/chat/completions"} <= set(paths)
    schemas = openapi["components"]["schemas"]
    assert schemas["AskRequest"]["examples"][0]["question"] and schemas["ChatRequest"]["examples"]
    upload = paths["/v1/documents"]["post"]["requestBody"]["content"]
    assert upload["application/json"]["schema"]["examples"][0]["text"] and "multipart/form-data" in upload
    assert "bearer" in str(openapi["components"]["securitySchemes"]).lower()
    assert docs.status_code == 200


def test_the_app_builds_its_service_at_start_up(tmp_path: Path) -> None:
    """The uvicorn factory path: no service passed in, so the lifespan creates one from the settings."""
    from api.app import create_app
    from rag.config import load_settings

    app = create_app(load_settings(data_dir=tmp_path, llm={"provider": "none"}))
    server, thread, url = start_server(app)
    try:
        assert httpx.get(f"{url}/readyz", timeout=30).status_code == 200
        assert httpx.get(f"{url}/v1/documents", timeout=30).json() == []
        assert app.state.quelle is not None and app.state.quelle.settings.data_dir == tmp_path
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture()
def scripted(live_server: LiveServer) -> Iterator[Callable[[str], None]]:
    """Lets a test make the server's LLM a scripted one; the extractive default comes back after it."""
    from tests.rag.test_answer import ScriptedLLM

    answerer = live_server.quelle.answerer
    before = answerer.llm

    def use(reply: str) -> None:
        answerer.llm = ScriptedLLM(reply)

    yield use
    answerer.llm = before


def test_a_generated_answer_streams_after_the_quoted_draft(live_server: LiveServer, scripted) -> None:  # type: ignore[no-untyped-def]
    scripted("Baidu hat 1.600 Ascend-910B-Chips bestellt.")
    with live_server.client() as client:
        events = parse_sse(client.post("/v1/ask", json={"question": BAIDU_DE, "stream": True}).text)
    names = [name for name, _ in events]
    assert names[0] == "draft" and names[-2:] == ["answer", "done"] and set(names[1:-2]) == {"token"}
    draft, answer = events[0][1], events[-2][1]
    assert draft["mode"] == "extractive" and "1.600" in draft["answer"] and set(draft) == ANSWER_KEYS
    assert answer["mode"] == "generated" and answer["answer"] == "Baidu hat 1.600 Ascend-910B-Chips bestellt [1]."
    assert "".join(data["text"] for name, data in events if name == "token") == answer["answer"]


def test_a_draft_that_stands_is_streamed_as_the_answer(live_server: LiveServer, scripted) -> None:  # type: ignore[no-untyped-def]
    scripted("Baidu hat 7 Chips bestellt.")
    with live_server.client() as client:
        events = parse_sse(client.post("/v1/ask", json={"question": BAIDU_DE, "stream": True}).text)
    assert [name for name, _ in events] == ["draft", "token", "answer", "done"]
    assert events[-2][1]["mode"] == "extractive" and events[1][1]["text"] == events[-2][1]["answer"]
    assert events[0][1]["answer"] == events[-2][1]["answer"]
