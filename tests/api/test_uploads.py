"""Uploads over HTTP: several files in one request, all or nothing, originals kept until the document is deleted,
and the server keeps answering while a large PDF is parsed and embedded (the service: rag/test_upload_folder.py)."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.api.conftest import LiveServer, assert_problem
from tests.conftest import handwritten_pdf

pytestmark = pytest.mark.slow  # a real app on a real socket, the real embedding model


def test_several_files_in_one_upload(live_server: LiveServer) -> None:
    zwei = "---\njahr: 2021\n---\n# Notiz\nDie Kröte Karla wohnt im Teich.".encode()
    files = [("file", ("eins.txt", b"Der Igel Ingo wohnt im Garten Nummer 7.", "text/plain")),
             ("file", ("zwei.md", zwei, "text/markdown"))]
    uploads = live_server.quelle.settings.data_dir / "uploads"
    with live_server.client() as client:
        resp = client.post("/v1/documents", files=files)
        assert resp.status_code == 201, resp.text
        documents = resp.json()["documents"]
        assert [(d["doc_id"], d["status"]) for d in documents] == [("eins", "created"), ("zwei", "created")]
        assert all(d["chunks"] >= 1 for d in documents)
        assert client.get("/v1/documents/zwei").json()["metadata"] == {"jahr": 2021}
        assert (uploads / "eins.txt").exists() and (uploads / "zwei.md").exists()
        again = client.post("/v1/documents", files=files)
        assert again.status_code == 200 and {d["status"] for d in again.json()["documents"]} == {"unchanged"}
        for doc_id, suffix in (("eins", ".txt"), ("zwei", ".md")):
            assert client.delete(f"/v1/documents/{doc_id}").status_code == 200
            assert not (uploads / f"{doc_id}{suffix}").exists()  # the service removes the original too


@pytest.mark.parametrize(("files", "status", "words"), [
    ([("eins.txt", b"Ein Satz."), ("folien.pptx", b"PK\x03\x04")], 415, ["folien.pptx", "unsupported"]),
    ([("eins.txt", b"Ein Satz."), ("leer.txt", b"   ")], 422, ["leer.txt", "empty"]),
    ([("eins.txt", b"Ein Satz."), ("kaputt.pdf", b"%PDF-1.4 kaputt")], 422, ["kaputt.pdf", "PDF"]),
    ([("a b.txt", b"Ein Satz."), ("a-b.txt", b"Ein anderer Satz.")], 422, ["a-b", "both"]),
])
def test_one_bad_file_adds_none(live_server: LiveServer, files: list[tuple[str, bytes]], status: int,
                                words: list[str]) -> None:
    with live_server.client() as client:
        before = client.get("/v1/documents").json()
        resp = client.post("/v1/documents", files=[("file", (n, d, "application/octet-stream")) for n, d in files])
        assert_problem(resp, status, *words)
        assert client.get("/v1/documents").json() == before


def test_a_doc_id_names_one_file_only(live_server: LiveServer) -> None:
    with live_server.client() as client:
        resp = client.post("/v1/documents", data={"doc_id": "beide"},
                           files=[("file", ("a.txt", b"Satz eins.")), ("file", ("b.txt", b"Satz zwei."))])
        assert_problem(resp, 422, "doc_id", "2 files")
        too_many = [("file", (f"f{i}.txt", b"Satz.")) for i in range(21)]
        assert_problem(client.post("/v1/documents", files=too_many), 422, "at most 20 files")


def test_health_stays_live_while_a_200_page_pdf_is_ingested(live_server: LiveServer) -> None:
    """Ordering, not speed: /healthz answers several times between the upload's start and its response."""
    pdf = handwritten_pdf([[f"Seite {n}, Zeile {i}: Der Zähler MP{n}Z{i} misst {(n - 1) * 7 + i} Liter."
                            for i in range(8)] for n in range(1, 201)])
    done: dict[str, float | httpx.Response] = {}

    def upload() -> None:
        done["started"] = time.monotonic()
        with live_server.client(timeout=600) as client:
            done["response"] = client.post("/v1/documents", files={"file": ("zaehler.pdf", pdf, "application/pdf")})
        done["finished"] = time.monotonic()

    thread = threading.Thread(target=upload)
    thread.start()
    answered: list[float] = []
    with live_server.client(timeout=600) as client:
        while thread.is_alive():
            assert client.get("/healthz").status_code == 200
            answered.append(time.monotonic())
            time.sleep(0.05)
    thread.join()
    response = done["response"]
    assert isinstance(response, httpx.Response) and response.status_code == 201, response
    assert response.json()["chunks"] > 20
    during = [t for t in answered if done["started"] < t < done["finished"]]  # type: ignore[operator]
    seconds = done["finished"] - done["started"]  # type: ignore[operator]
    assert len(during) >= 5, f"/healthz answered {len(during)} times during a {seconds:.1f} s upload"
    with live_server.client() as client:
        body = client.get("/v1/documents/zaehler").json()["text"]
        assert "Seite 200, Zeile 7" in body
        hits = client.get("/v1/search", params={"q": "Zähler MP137Z3", "k": 1, "mode": "bm25"}).json()
        assert hits["results"][0]["page"] in (136, 137)  # a passage's page is where it starts
        answer = client.post("/v1/ask", json={"question": "Wie viele Liter misst der Zähler MP137Z3?"})
        cited = [c for c in answer.json()["citations"] if "MP137Z3" in c["quote"]]
        assert cited and cited[0]["page"] == 137, answer.json()  # a citation's page is where its quote is
        client.delete("/v1/documents/zaehler")
