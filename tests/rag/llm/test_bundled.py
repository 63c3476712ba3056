"""Bundled models split over packages: assembled in order into the model cache, sha256 checked, never half a file."""

from __future__ import annotations

import hashlib
import importlib
import sys
from pathlib import Path

import pytest

from rag.llm import LLMUnavailable
from rag.llm.llamacpp import _assembled_from_parts

PARTS = [b"GGUF" + b"a" * 1000, b"b" * 700, b"c" * 3]
WHOLE = b"".join(PARTS)


@pytest.fixture()
def parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Packages fakemodel_part1..3 on sys.path, each with data/partNN.bin; the model cache under tmp_path."""
    site = tmp_path / "site"
    for i, data in enumerate(PARTS, 1):
        package = site / f"fakemodel_part{i}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "data" / f"part{i:02d}.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    yield tmp_path / "cache" / "quelle" / "models"
    for i in range(1, 4):
        sys.modules.pop(f"fakemodel_part{i}", None)


def test_parts_are_concatenated_in_order(parts: Path) -> None:
    path = _assembled_from_parts("fake", "fakemodel-part", 3, hashlib.sha256(WHOLE).hexdigest())
    assert path == parts / "fake.gguf" and path.read_bytes() == WHOLE
    assert [p.name for p in parts.iterdir()] == ["fake.gguf"]  # no partial file left behind


def test_a_wrong_checksum_leaves_no_file(parts: Path) -> None:
    with pytest.raises(LLMUnavailable, match="not the pinned"):
        _assembled_from_parts("fake", "fakemodel-part", 3, "0" * 64)
    assert list(parts.iterdir()) == []


def test_a_damaged_cached_file_is_assembled_again(parts: Path) -> None:
    digest = hashlib.sha256(WHOLE).hexdigest()
    path = _assembled_from_parts("fake", "fakemodel-part", 3, digest)
    path.write_bytes(b"GGUF truncated")
    assert _assembled_from_parts("fake", "fakemodel-part", 3, digest).read_bytes() == WHOLE


def test_a_missing_part_package_says_what_to_install(parts: Path) -> None:
    with pytest.raises(LLMUnavailable, match=r"fakemodel-part1 … fakemodel-part4"):
        _assembled_from_parts("fake", "fakemodel-part", 4, hashlib.sha256(WHOLE).hexdigest())
