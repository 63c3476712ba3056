"""Faults: an ingest killed with SIGKILL mid-batch leaves only whole documents; the API survives its Chroma
server going away and recovers without a restart when it comes back."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from evals.harness import free_port, running_server
from tests.api.conftest import live

pytestmark = pytest.mark.slow  # real servers (Chroma, the app) in subprocesses and threads

DOCS = 300
PROBLEM = "application/problem+json"


def report_text(i: int) -> str:
    """About 460 characters: two chunks at a chunk size of 300, with a word no other document has."""
    return (
        f"Bericht {i:03d} über das Projekt Kolibri{i:03d}. Die Werkstatt {i:03d} in Feldkirch hat im Frühjahr "
        f"{100 + i} Zahnräder aus Messing gefertigt und an die Uhrmacher der Stadt geliefert. Der Meister prüfte "
        f"jedes Stück mit der Lupe, bevor es verpackt wurde, und notierte die Maße in einem grünen Heft. Im Sommer "
        f"folgten {200 + i} Federn aus Stahl, die für die Turmuhr am Marktplatz bestimmt waren. Die Lieferung wurde "
        f"von {3 + i % 7} Gesellen begleitet, die unterwegs in zwei Gasthäusern übernachteten."
    )


def check_complete(store, bodies: bool = False):  # type: ignore[no-untyped-def]
    """Assert every registered document has exactly its chunks of its committed version; return the registry
    and the chunks that belong to no committed version (orphans)."""
    registry = store.registry()
    chunks = list(store.iter_chunks())
    assert len({c.chunk_id for c in chunks}) == len(chunks), "a chunk id is stored twice"
    texts: dict[str, str] = {}
    if bodies:
        got = store.docs.get(include=["documents"])
        texts = dict(zip(got["ids"], got["documents"] or [], strict=True))
    for doc_id, record in registry.items():
        mine = [c for c in chunks if c.doc_id == doc_id and c.version == record.version]
        assert len(mine) == record.chunks, f"{doc_id}: {len(mine)} chunks stored, {record.chunks} committed"
        assert len({(c.start, c.end) for c in mine}) == len(mine), f"{doc_id}: duplicate chunks"
        if bodies:
            assert all(c.text == texts[doc_id][c.start : c.end] for c in mine), f"{doc_id}: offsets"
    orphans = [c for c in chunks if (rec := registry.get(c.doc_id)) is None or rec.version != c.version]
    return registry, orphans


@pytest.fixture()
def ingest_env(chroma_server, tmp_path: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    host, port, _ = chroma_server
    return {**os.environ, "QUELLE_CHROMA_HOST": host, "QUELLE_CHROMA_PORT": str(port),
            "QUELLE_STORE__COLLECTION_PREFIX": f"k{uuid.uuid4().hex[:10]}", "QUELLE_LLM_PROVIDER": "none",
            "QUELLE_DATA_DIR": str(tmp_path / "data"), "QUELLE_CHUNK__SIZE": "300", "QUELLE_CHUNK__OVERLAP": "0",
            "HF_HUB_OFFLINE": "1"}


def test_sigkill_mid_ingest_leaves_whole_documents_and_a_rerun_completes(ingest_env, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                         embedder) -> None:
    from rag.config import load_settings
    from rag.service import Quelle
    from rag.store import ChromaStore

    folder = tmp_path / "reports"
    folder.mkdir()
    for i in range(DOCS):
        (folder / f"bericht-{i:03d}.txt").write_text(report_text(i), encoding="utf-8")
    settings = load_settings(data_dir=tmp_path / "reader", llm={"provider": "none"}, chunk={"size": 300, "overlap": 0},
                             store={"chroma_host": ingest_env["QUELLE_CHROMA_HOST"],
                                    "chroma_port": int(ingest_env["QUELLE_CHROMA_PORT"]),
                                    "collection_prefix": ingest_env["QUELLE_STORE__COLLECTION_PREFIX"]})
    store = ChromaStore(settings.store, str(settings.data_dir))
    command = [sys.executable, "-m", "api.cli", "ingest", str(folder), "--quiet"]
    proc = subprocess.Popen(command, env=ingest_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    # Freeze the ingest now and then; kill it at a moment when some documents are committed and the next
    # one has chunks written but no registry record yet (the state a crash must not expose).
    orphans: list = []  # type: ignore[type-arg]
    registry: dict = {}  # type: ignore[type-arg]
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.15)
            if store.chunks.count() == 0:
                continue
            proc.send_signal(signal.SIGSTOP)
            time.sleep(0.3)  # a request already sent still lands
            registry, orphans = check_complete(store)
            if len(registry) >= 20 and orphans:
                proc.kill()
                break
            proc.send_signal(signal.SIGCONT)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before it could be killed mid-document"
    assert 20 <= len(registry) < DOCS

    registry, orphans = check_complete(store, bodies=True)
    assert orphans and {c.doc_id for c in orphans} <= {f"bericht-{i:03d}" for i in range(DOCS)}
    # Leftovers are invisible: a reader (hybrid, dense and BM25) never returns a chunk of an uncommitted version.
    reader = Quelle(settings, embedder=embedder)
    orphan_doc = orphans[0].doc_id
    marker = f"Kolibri{orphan_doc[-3:]}"
    for mode in ("hybrid", "dense", "bm25"):
        hits = reader.search(marker, 10, mode=mode)
        assert all(reader.store.record(p.doc_id) is not None for p in hits)
        assert all(p.chunk_id not in {c.chunk_id for c in orphans} for p in hits)
        if orphan_doc not in registry:
            assert orphan_doc not in {p.doc_id for p in hits}
    assert store.collect_orphans() == 0  # young chunks are spared: another ingest may be about to commit them
    assert store.collect_orphans(grace_s=0) == len(orphans)  # without the grace, exactly the crash's leftovers go
    after, none_left = check_complete(store, bodies=True)
    assert after == registry and not none_left  # and nothing committed was touched

    rerun = subprocess.run(command, env=ingest_env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    summary = re.search(r"created (\d+), updated (\d+), unchanged (\d+)", rerun.stdout)
    assert summary is not None, rerun.stdout[-2000:]
    created, updated, unchanged = (int(n) for n in summary.groups())
    assert (created, updated, unchanged) == (DOCS - len(registry), 0, len(registry))

    final, leftover = check_complete(store, bodies=True)
    assert sorted(final) == [f"bericht-{i:03d}" for i in range(DOCS)]
    assert all(r.chunks == 2 for r in final.values()) and not leftover
    assert store.collect_orphans(grace_s=0) == 0
    assert store.chunks.count() == 2 * DOCS
    hits = reader.search(marker, 3, mode="bm25")
    assert hits and hits[0].doc_id == orphan_doc  # the interrupted document is now complete and found


def test_api_answers_503_while_chroma_is_down_and_recovers_without_a_restart(tmp_path: Path, tmp_path_factory,  # type: ignore[no-untyped-def]
                                                                            embedder) -> None:
    port = free_port()
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    args = [chroma, "run", "--path", str(tmp_path / "chroma"), "--host", "127.0.0.1", "--port", str(port)]
    heartbeat = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    question = {"question": "Wie viele Ascend-910B-Chips hat Baidu bestellt?"}
    store = {"chroma_host": "127.0.0.1", "chroma_port": port, "collection_prefix": "outage"}
    with running_server(args, heartbeat, tmp_path / "chroma-1.log") as first:
        for server in live({"store": store}, tmp_path_factory, embedder):
            with httpx.Client(base_url=server.url, timeout=30) as client:
                assert client.get("/readyz").status_code == 200
                assert client.post("/v1/ask", json=question).status_code == 200

                first.terminate()
                first.wait(timeout=15)
                # Several requests on one keep-alive connection: a failure must not cost the client its connection.
                requests: list[tuple[str, str, dict[str, Any]]] = [
                    ("GET", "/readyz", {}), ("POST", "/v1/ask", {"json": question}),
                    ("POST", "/v1/ask", {"json": question}), ("GET", "/v1/search", {"params": {"q": "Baidu"}}),
                    ("GET", "/v1/documents", {}),
                ]
                for method, path, kwargs in requests:
                    resp = client.request(method, path, **kwargs)
                    assert resp.status_code == 503, (path, resp.status_code, resp.text)
                    assert resp.headers["content-type"].startswith(PROBLEM)
                    assert "store" in resp.json()["detail"]
                assert client.get("/healthz").status_code == 200

                with running_server(args, heartbeat, tmp_path / "chroma-2.log"):  # the same port and path
                    deadline = time.monotonic() + 30
                    while client.get("/readyz").status_code != 200:
                        assert time.monotonic() < deadline, "the API did not become ready again"
                        time.sleep(0.5)
                    answer = client.post("/v1/ask", json=question)
                    assert answer.status_code == 200, answer.text
                    assert any("1.600" in c["quote"] for c in answer.json()["citations"])
