"""The original files of uploaded documents, kept under the data dir as <doc_id><suffix> while they are indexed."""

from __future__ import annotations

import uuid
from pathlib import Path

from rag.documents import SUPPORTED_SUFFIXES, DocumentError, check_doc_id


class UploadFolder:
    """data_dir/uploads: one file per uploaded document, written atomically, removed with the document."""

    def __init__(self, data_dir: Path | str) -> None:
        self.folder = (Path(data_dir) / "uploads").resolve()

    def path(self, doc_id: str, suffix: str) -> Path:
        target = (self.folder / f"{check_doc_id(doc_id)}{suffix}").resolve()
        if target.parent != self.folder:  # cannot happen for a checked doc_id; a second lock on the door
            raise DocumentError(f"doc_id {doc_id!r} cannot be used as a file name.")
        return target

    def keep(self, doc_id: str, data: bytes, suffix: str) -> Path:
        """Store the bytes (replacing an earlier upload of the document, whatever its type)."""
        target = self.path(doc_id, suffix)
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{uuid.uuid4().hex}.partial"
        partial.write_bytes(data)
        partial.replace(target)
        self.forget(doc_id, keep=suffix)
        return target

    def forget(self, doc_id: str, keep: str | None = None) -> None:
        for suffix in SUPPORTED_SUFFIXES:
            if suffix != keep:
                self.path(doc_id, suffix).unlink(missing_ok=True)

    def stored(self, doc_id: str) -> list[Path]:
        return [p for s in SUPPORTED_SUFFIXES if (p := self.path(doc_id, s)).exists()]
