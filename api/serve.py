"""`quelle serve`: uvicorn over the app factory; several workers only with a Chroma server."""

from __future__ import annotations

import sys

from rag.config import load_settings


def serve(host: str, port: int, workers: int = 1) -> int:
    import uvicorn

    settings = load_settings()
    if workers > 1 and not settings.store.chroma_host:
        print(
            "quelle serve: --workers > 1 needs a Chroma server (set QUELLE_CHROMA_HOST and QUELLE_CHROMA_PORT): "
            "the embedded store (a Chroma PersistentClient) is not safe across processes.",
            file=sys.stderr,
        )
        return 2
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info")
    return 0
