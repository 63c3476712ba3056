"""`quelle serve`: uvicorn over the app factory; several workers only with a Chroma server."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rag.config import Settings, load_settings


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
    if workers > 1:
        prepare_multiprocess_metrics(settings)
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info")
    return 0


def prepare_multiprocess_metrics(settings: Settings) -> Path:
    """Prometheus multiprocess mode for the workers about to start: PROMETHEUS_MULTIPROC_DIR (kept if set, else
    data_dir/prometheus), its metric files removed first, since files of an earlier run would be counted again."""
    folder = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or Path(settings.data_dir) / "prometheus").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):  # only the metric files: the folder may be one the user chose
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder
