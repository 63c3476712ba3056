"""`quelle serve --workers 2` over one Chroma server: concurrent ingest and ask, then every document is
complete exactly once, and both workers answer from the same documents (BM25 included)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from evals.harness import free_port, running_server
from tests.conftest import SEED

pytestmark = pytest.mark.slow  # real servers in subprocesses (llama.cpp, quelle serve workers, Chroma)

DOCS = 12
ROUNDS = 3


@pytest.fixture()
def two_workers(chroma_server, tmp_path: Path):  # type: ignore[no-untyped-def]
    host, port, _ = chroma_server
    prefix = f"w{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "QUELLE_CHROMA_HOST": host, "QUELLE_CHROMA_PORT": str(port),
           "QUELLE_STORE__COLLECTION_PREFIX": prefix, "QUELLE_LLM_PROVIDER": "none",
           "QUELLE_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    subprocess.run([sys.executable, "-m", "api.cli", "ingest", "--quiet", str(SEED)], env=env, check=True,
                   capture_output=True)
    api_port = free_port()
    args = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(api_port), "--workers", "2"]
    url = f"http://127.0.0.1:{api_port}"
    with running_server(args, f"{url}/readyz", tmp_path / "serve.log", timeout_s=180, env=env):
        wait_for_both_workers(url)
        yield url, env


def wait_for_both_workers(url: str, timeout_s: float = 180) -> None:
    """`/readyz` answers as soon as one worker is up; the other may still be loading its models (slowly on a busy
    machine), and until it is, every connection goes to the first. Wait until each has answered once."""
    ready_by: set[str] = set()
    deadline = time.monotonic() + timeout_s
    while len(ready_by) < 2:
        assert time.monotonic() < deadline, f"only worker(s) {ready_by} became ready within {timeout_s:.0f} s"
        resp = httpx.get(f"{url}/readyz", headers={"Connection": "close"}, timeout=30)
        if resp.status_code == 200:
            ready_by.add(resp.headers["x-quelle-worker"])
        else:
            time.sleep(0.2)


def test_refuses_several_workers_on_the_embedded_store(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUELLE_")} | {"QUELLE_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "api.cli", "serve", "--workers", "2", "--port", str(free_port())],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Chroma server" in result.stderr and "QUELLE_CHROMA_HOST" in result.stderr


def note(i: int, version: int) -> str:
    return (f"Bericht {i}, Fassung {version}: Die Firma Zebro{i}tek hat {1000 + i * 7 + version} Quantenchips "
            f"der Serie QX{i} an die Stadtwerke geliefert. Der Vorgang wurde im Labor {i} geprüft.")


def test_concurrent_ingest_and_ask_across_two_workers(two_workers) -> None:  # type: ignore[no-untyped-def]
    url, env = two_workers

    def client_work(i: int) -> list[str]:
        seen = []
        # A new connection per request, so the kernel spreads them over both workers.
        with httpx.Client(base_url=url, timeout=120, headers={"Connection": "close"}) as client:
            for version in range(ROUNDS):
                resp = client.post("/v1/documents", json={"title": f"Bericht {i}", "text": note(i, version),
                                                          "doc_id": f"bericht-{i}"})
                assert resp.status_code in (200, 201), resp.text
                seen.append(resp.headers["x-quelle-worker"])
                ask = client.post("/v1/ask", json={"question": f"Wie viele Quantenchips hat Zebro{i}tek geliefert?"})
                assert ask.status_code == 200, ask.text
                seen.append(ask.headers["x-quelle-worker"])
        return seen

    with ThreadPoolExecutor(max_workers=6) as pool:
        workers = {w for seen in pool.map(client_work, range(DOCS)) for w in seen}
    assert len(workers) == 2, "both workers should have served requests"

    # One scrape counts every worker's requests (Prometheus multiprocess mode), whichever worker serves it.
    scraped_by: set[str] = set()
    for _ in range(60):
        scrape = httpx.get(f"{url}/metrics", headers={"Connection": "close"}, timeout=60)
        scraped_by.add(scrape.headers["x-quelle-worker"])
        assert counted(scrape.text, "quelle_http_requests_total", 'route="/v1/ask"') == DOCS * ROUNDS
        assert counted(scrape.text, "quelle_answers_total") == DOCS * ROUNDS
        assert counted(scrape.text, "quelle_ingest_documents_total") == DOCS * ROUNDS
        if len(scraped_by) == 2:
            break
    assert len(scraped_by) == 2

    from rag.config import load_settings
    from rag.store import ChromaStore

    settings = load_settings(store={"chroma_host": env["QUELLE_CHROMA_HOST"],
                                    "chroma_port": int(env["QUELLE_CHROMA_PORT"]),
                                    "collection_prefix": env["QUELLE_STORE__COLLECTION_PREFIX"]})
    store = ChromaStore(settings.store, env["QUELLE_DATA_DIR"])
    registry = store.registry()
    assert len(registry) == DOCS + 1
    stored = list(store.iter_chunks())
    for doc_id, record in registry.items():
        mine = [c for c in stored if c.doc_id == doc_id and c.version == record.version]
        assert len(mine) == record.chunks, doc_id  # complete, and no duplicates
        assert len({(c.start, c.end) for c in mine}) == len(mine)
    for i in range(DOCS):
        record, body = store.body(f"bericht-{i}")  # type: ignore[misc]
        assert body == note(i, ROUNDS - 1)  # the last version won, whole
        assert all(c.text == body[c.start : c.end] for c in store.chunks_of(f"bericht-{i}", record.version))

    # Every worker finds a newly added document, through BM25 as well, and forgets a deleted one.
    with httpx.Client(base_url=url, timeout=60) as client:
        client.post("/v1/documents", json={"title": "Neu", "text": "Der Quokkafalter lebt nur auf Rottnest.",
                                           "doc_id": "quokka"})
        answered_by: set[str] = set()
        for _ in range(60):  # a new connection each time, so the kernel spreads them over both workers
            resp = httpx.get(f"{url}/v1/search", params={"q": "Quokkafalter Rottnest", "k": 1, "mode": "bm25"},
                             headers={"Connection": "close"}, timeout=60)
            answered_by.add(resp.headers["x-quelle-worker"])
            assert [r["doc_id"] for r in resp.json()["results"]] == ["quokka"]
            if len(answered_by) == 2:
                break
        assert len(answered_by) == 2
        client.delete("/v1/documents/quokka")
        for _ in range(12):
            results = client.get("/v1/search", params={"q": "Quokkafalter Rottnest", "k": 3, "mode": "bm25"}).json()
            assert all(r["doc_id"] != "quokka" for r in results["results"])


def counted(exposition: str, metric: str, *labels: str) -> float:
    """The sum of a counter's samples whose labels include all of `labels`."""
    total = 0.0
    for line in exposition.splitlines():
        if line.startswith(metric + "{") and all(label in line for label in labels):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_serve_prepares_a_clean_multiprocess_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.serve import prepare_multiprocess_metrics
    from rag.config import load_settings

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    folder = tmp_path / "data" / "prometheus"
    folder.mkdir(parents=True)
    (folder / "counter_123.db").write_bytes(b"stale")
    (folder / "notes.txt").write_text("not ours")
    assert prepare_multiprocess_metrics(load_settings(data_dir=tmp_path / "data")) == folder.resolve()
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(folder.resolve())
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
