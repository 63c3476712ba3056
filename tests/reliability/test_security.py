"""Security: uploads land only in the data dir whatever the file name; logs at INFO carry no document text and
no API key."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from evals.harness import free_port
from tests.api.conftest import LiveServer, live

pytestmark = pytest.mark.slow  # real servers (Chroma, the app) in subprocesses and threads

PROBLEM = "application/problem+json"


def multipart(filename: bytes, data: bytes) -> tuple[bytes, str]:
    """A multipart body written by hand, so the file name reaches the server byte for byte (NUL included)."""
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\n".encode() + b'Content-Disposition: form-data; name="file"; filename="' + filename
            + b'"\r\nContent-Type: text/plain\r\n\r\n' + data + f"\r\n--{boundary}--\r\n".encode())
    return body, f"multipart/form-data; boundary={boundary}"


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


@pytest.fixture(scope="module")
def nested_server(tmp_path_factory, embedder) -> Iterator[tuple[LiveServer, Path]]:  # type: ignore[no-untyped-def]
    """A server whose data dir sits three levels below a folder the test watches for escaped files."""
    root = tmp_path_factory.mktemp("watched")
    for server in live({"data_dir": root / "a" / "b" / "data"}, tmp_path_factory, embedder):
        yield server, root


def test_hostile_upload_names_never_write_outside_the_uploads_folder(nested_server) -> None:  # type: ignore[no-untyped-def]
    server, root = nested_server
    data_dir = server.quelle.settings.data_dir
    uploads = data_dir / "uploads"
    tag = uuid.uuid4().hex[:8]
    outside = root / "outside.txt"
    outside.write_text("untouched", encoding="utf-8")
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "planted.txt").symlink_to(outside)  # a link left in the folder must not be followed
    names = [
        b"../../x.txt", b"../../../../../../../../../../tmp/quelle-escape-" + tag.encode() + b".txt",
        b"/tmp/quelle-abs-" + tag.encode() + b".txt", b"/etc/passwd.txt", b"..\\..\\win.txt",
        b"..\\..\\..\\..\\Windows\\System32\\evil.txt", b"a\x00b.txt", b"../../nul\x00.txt", b"x" * 5000 + b".txt",
        b"../" * 300 + b"deep.txt", b"....//....//y.txt", b"%2e%2e%2fz.txt", "..／..／full.txt".encode(),
        b"uploads/../../../up.txt", b"~/.bashrc.txt", b".txt", b" .txt", b"con.txt", b"a/b/c/nested.txt",
        b"\xff\xfe.txt", b"planted.txt", b"line\r\nbreak.txt", b'quote".txt',
    ]
    before = files_under(root)
    statuses = []
    with server.client() as client:
        for i, name in enumerate(names):
            body, kind = multipart(name, f"Ein harmloser Satz Nummer {i} über Leuchttürme.".encode())
            resp = client.post("/v1/documents", content=body, headers={"content-type": kind})
            statuses.append(resp.status_code)
            assert resp.status_code < 500, (name[:80], resp.text)
            if resp.status_code >= 400:
                assert resp.headers["content-type"].startswith(PROBLEM), (name[:80], resp.text)
    assert statuses.count(201) + statuses.count(200) >= len(names) // 2, statuses  # most were stored, safely

    created = files_under(root) - before
    escaped = [p for p in created if not (p.is_relative_to(uploads) or p.is_relative_to(data_dir / "chroma"))]
    assert not escaped, escaped
    assert outside.read_text(encoding="utf-8") == "untouched"
    for path in files_under(uploads):
        assert path.parent == uploads and not path.name.startswith("."), path
        assert not path.name.endswith(".partial"), path
    for path in (Path("/tmp") / f"quelle-escape-{tag}.txt", Path("/tmp") / f"quelle-abs-{tag}.txt",
                 Path("/etc/passwd.txt"), Path(os.getcwd()) / "x.txt", Path(os.getcwd()) / "win.txt",
                 Path(os.getcwd()) / "up.txt", Path.home() / ".bashrc.txt"):
        assert not path.exists(), path


@pytest.fixture()
def logged_server(tmp_path: Path, embedder):  # type: ignore[no-untyped-def]
    """The app with an API key behind uvicorn at log level INFO with its access log on."""
    from api.app import create_app
    from rag.config import load_settings
    from rag.service import Quelle
    from tests.conftest import SEED

    key = f"key-{uuid.uuid4().hex}"
    settings = load_settings(data_dir=tmp_path / "data", llm={"provider": "none"}, api={"api_key": key})
    quelle = Quelle(settings, embedder=embedder)
    quelle.ingest([SEED], show_progress=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, quelle), host="127.0.0.1", port=port,
                                           log_level="info", access_log=True))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the app did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", key
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_logs_at_info_carry_no_document_text_and_no_keys(logged_server, caplog) -> None:  # type: ignore[no-untyped-def]
    url, key = logged_server
    # Every logger at INFO, uvicorn's own (which do not propagate to the root logger) included.
    for name in ["", *logging.root.manager.loggerDict]:
        caplog.set_level(logging.INFO, logger=name)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).addHandler(caplog.handler)
    marker = f"Der Leuchtturmwärter Quirinus Zabelhoff zählte am Morgen {len(key) * 37} Möwen auf der Insel Vogelsang."
    wrong = f"wrong-{uuid.uuid4().hex}"
    try:
        with httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {key}"}) as client:
            resp = client.post("/v1/documents", json={"title": "Logbuch", "text": marker, "doc_id": "logbuch"})
            assert resp.status_code == 201, resp.text
            body, kind = multipart(b"logbuch-upload.txt", marker.encode())
            assert client.post("/v1/documents", content=body, headers={"content-type": kind}).status_code == 201
            answer = client.post("/v1/ask", json={"question": "Wie viele Möwen zählte Quirinus Zabelhoff?"}).json()
            assert "Zabelhoff" in answer["answer"]  # the text did travel through the service
            assert client.get("/v1/search", params={"q": "Leuchtturm Möwen Insel"}).status_code == 200
            assert client.get("/v1/documents/logbuch").json()["text"] == marker
            client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "Wer zählte Möwen?"}]})
            assert client.get("/v1/documents", headers={"Authorization": f"Bearer {wrong}"}).status_code == 401
            assert client.delete("/v1/documents/logbuch").status_code == 200
    finally:
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).removeHandler(caplog.handler)
    text = "\n".join(f"{r.name} {r.levelname} {r.getMessage()}" for r in caplog.records)
    assert any(r.name == "uvicorn.access" for r in caplog.records), "the access log was not captured"
    assert "POST /v1/documents" in text  # requests were logged, only not their content
    for secret in (marker, "Zabelhoff", "Quirinus", key, wrong):
        assert secret not in text, f"{secret!r} appears in the logs"
