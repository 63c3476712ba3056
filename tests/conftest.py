"""Shared fixtures: the real embedding model (loaded once), temporary stores, the seed document."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "documents"
SEED = DOCUMENTS / "huawei-ascend-910c-nvidia-china.md"


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    from rag.embeddings import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def seed_doc():  # type: ignore[no-untyped-def]
    from rag.documents import load_file

    return load_file(SEED, DOCUMENTS)


@pytest.fixture()
def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    from rag.config import load_settings

    return load_settings(data_dir=tmp_path / "data", llm={"provider": "none"})


@pytest.fixture()
def quelle(settings, embedder) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A service over an empty embedded Chroma in a temp dir, with the real embedder and no LLM."""
    from rag.service import Quelle

    yield Quelle(settings, embedder=embedder)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, timeout_s: float, proc=None) -> None:  # type: ignore[no-untyped-def]
    """Poll `url` until it answers 200; fail early if the process died."""
    import time

    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A real `chroma run` server on a free loopback port, for the whole session."""
    import shutil
    import subprocess
    import sys

    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = open(path / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", 60, proc)
        yield ("127.0.0.1", port, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(params=["embedded", "server"])
def store_settings(request):  # type: ignore[no-untyped-def]
    """Store settings for both modes: an embedded PersistentClient, and a `chroma run` server
    (a fresh collection prefix per test, so tests on the shared server never see each other)."""
    import uuid

    from rag.config import StoreSettings

    if request.param == "embedded":
        return StoreSettings()
    host, port, _ = request.getfixturevalue("chroma_server")
    return StoreSettings(chroma_host=host, chroma_port=port, collection_prefix=f"t{uuid.uuid4().hex[:10]}")


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A real `python -m llama_cpp.server` (OpenAI-compatible) with the bundled SmolLM2 model, for the whole
    session; yields its base URL, e.g. http://127.0.0.1:PORT/v1."""
    import subprocess
    import sys

    from rag.llm.llamacpp import default_model_path

    port = free_port()
    path = tmp_path_factory.mktemp("llama-server")
    log = open(path / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(default_model_path()),
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2", "--seed", "0"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        try:
            wait_for_http(f"{base_url}/models", 60, proc)
        except (RuntimeError, TimeoutError) as exc:
            log.flush()
            tail = (path / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{exc}; server log:\n{tail}") from None
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
