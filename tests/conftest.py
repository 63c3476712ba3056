"""Shared fixtures: the real embedding model (loaded once), temporary stores, the seed document, hand-written PDFs."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from evals.harness import free_port, running_server

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "documents"
SEED = DOCUMENTS / "huawei-ascend-910c-nvidia-china.md"


_SLOW_MODULE = "\npytestmark = pytest.mark.slow"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """In the fast lane (`-m "not slow"`), a test module that is slow as a whole is not imported at all: its imports
    (llama-index, playwright, the OpenAI clients, …) would cost seconds only to deselect every test in it."""
    if (config.getoption("markexpr") == "not slow" and collection_path.suffix == ".py"
            and collection_path.name.startswith("test_")):
        return _SLOW_MODULE in collection_path.read_text(encoding="utf-8") or None
    return None


def handwritten_pdf(pages: Sequence[Sequence[str]]) -> bytes:
    """A PDF with one page per item of `pages`, showing its lines (Latin-1, no parentheses or backslashes) in
    Helvetica, written by hand: no PDF writer needed."""
    font = 3 + 2 * len(pages)
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for lines in pages:
        shown = " ".join(f"({line}) Tj T*" for line in lines)
        stream = f"BT /F1 11 Tf 14 TL 72 720 Td {shown} ET".encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (len(objects), font))
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(pages))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


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
