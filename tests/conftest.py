"""Shared fixtures: the real embedding model (loaded once), temporary stores, the seed document."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.harness import free_port, running_server

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "documents"
SEED = DOCUMENTS / "huawei-ascend-910c-nvidia-china.md"


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    from rag.config import load_settings
    from rag.embeddings import make_embedder

    return make_embedder(load_settings().embed)


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


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A real `chroma run` server on a free loopback port, for the whole session."""
    import shutil

    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    args = [chroma, "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)]
    with running_server(args, f"http://127.0.0.1:{port}/api/v2/heartbeat", path / "server.log") as proc:
        yield ("127.0.0.1", port, proc)


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.slow)])
def store_settings(request):  # type: ignore[no-untyped-def]
    """Store settings for both modes: an embedded PersistentClient, and a `chroma run` server
    (a fresh collection prefix per test, so tests on the shared server never see each other)."""
    import uuid

    from rag.config import StoreSettings

    if request.param == "embedded":
        return StoreSettings()
    host, port, _ = request.getfixturevalue("chroma_server")
    return StoreSettings(chroma_host=host, chroma_port=port, collection_prefix=f"t{uuid.uuid4().hex[:10]}")


def llama_server_command(port: int) -> list[str]:
    """A real `python -m llama_cpp.server` (OpenAI-compatible) with the bundled SmolLM2 model on a loopback port;
    its base URL is http://127.0.0.1:PORT/v1."""
    from rag.llm.llamacpp import default_model_path

    return [sys.executable, "-m", "llama_cpp.server", "--model", str(default_model_path("smollm2-135m-instruct")),
            "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2", "--seed", "0"]


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The llama.cpp server for the whole session; yields its base URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with running_server(llama_server_command(port), f"{base_url}/models", log):
        yield base_url
