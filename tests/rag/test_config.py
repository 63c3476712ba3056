"""Tests for rag/config.py: environment variables, the ARCHITECTURE shortcuts, nested keys, overrides, an env file,
masked secrets, and an unknown provider that fails with the valid ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from rag.config import load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No QUELLE_* variable of the machine running the tests leaks in."""
    import os

    for name in list(os.environ):
        if name.startswith("QUELLE_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_top_level_and_nested_variables(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("QUELLE_DATA_DIR", str(tmp_path / "d"))
    clean_env.setenv("QUELLE_LLM__MAX_TOKENS", "99")
    clean_env.setenv("QUELLE_RETRIEVAL__MODE", "bm25")
    clean_env.setenv("QUELLE_CHUNK__SIZE", "1200")
    settings = load_settings()
    assert settings.data_dir == tmp_path / "d"
    assert settings.llm.max_tokens == 99
    assert settings.retrieval.mode == "bm25"
    assert settings.chunk.size == 1200
    assert settings.chunk.overlap == load_settings(chunk={"size": 1000}).chunk.overlap  # siblings keep their value


def test_shortcuts_reach_the_nested_fields(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("QUELLE_CHROMA_HOST", "chroma.internal")
    clean_env.setenv("QUELLE_CHROMA_PORT", "9001")
    clean_env.setenv("QUELLE_LLM_PROVIDER", "openai")
    clean_env.setenv("QUELLE_LLM_BASE_URL", "http://llm:8080/v1")
    clean_env.setenv("QUELLE_EMBED_MODEL", "/models/minilm")
    clean_env.setenv("QUELLE_API_KEY", "s3cret")
    clean_env.setenv("QUELLE_MAX_UPLOAD_BYTES", "2048")
    settings = load_settings()
    assert (settings.store.chroma_host, settings.store.chroma_port) == ("chroma.internal", 9001)
    assert (settings.llm.provider, settings.llm.base_url) == ("openai", "http://llm:8080/v1")
    assert settings.embed.model == "/models/minilm"
    assert settings.api.api_key is not None and settings.api.api_key.get_secret_value() == "s3cret"
    assert settings.api.max_upload_bytes == 2048


def test_a_shortcut_wins_over_the_nested_variable(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("QUELLE_LLM__PROVIDER", "openai")
    clean_env.setenv("QUELLE_LLM_PROVIDER", "none")
    assert load_settings().llm.provider == "none"


def test_overrides_win_over_the_environment_and_merge_into_sections(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("QUELLE_LLM_PROVIDER", "openai")
    clean_env.setenv("QUELLE_LLM__MODEL", "served-model")
    settings = load_settings(llm={"provider": "none"}, documents_dir="elsewhere")
    assert settings.llm.provider == "none"
    assert settings.llm.model == "served-model"  # the rest of the section is kept
    assert settings.documents_dir == Path("elsewhere")


def test_env_file(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env_file = tmp_path / "quelle.env"
    env_file.write_text("QUELLE_RETRIEVAL__TOP_K=7\nQUELLE_LLM__PROVIDER=none\n", encoding="utf-8")
    clean_env.setenv("QUELLE_ENV_FILE", str(env_file))
    settings = load_settings()
    assert settings.retrieval.top_k == 7
    assert settings.llm.provider == "none"


def test_secrets_are_masked_and_the_rest_is_plain_data(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("QUELLE_API_KEY", "s3cret-api")
    clean_env.setenv("QUELLE_LLM_API_KEY", "s3cret-llm")
    settings = load_settings()
    masked = settings.masked()
    assert masked["api"]["api_key"] == "***"
    assert masked["llm"]["api_key"] == "***"
    text = json.dumps(masked)  # plain data: what `quelle config` prints
    assert "s3cret" not in text
    assert masked["data_dir"] == str(settings.data_dir)
    assert settings.llm.api_key.get_secret_value() == "s3cret-llm"  # masked in output only
    assert "s3cret" not in repr(settings)


def test_unknown_provider_fails_with_the_valid_ones(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("QUELLE_LLM_PROVIDER", "gpt-9")
    with pytest.raises(ValidationError) as failure:
        load_settings()
    message = str(failure.value)
    assert "gpt-9" in message
    for name in ("llamacpp", "openai", "none"):
        assert f"'{name}'" in message


@pytest.mark.parametrize(("overrides", "field"), [
    ({"retrieval": {"top_k": 0}}, "top_k"),
    ({"retrieval": {"mode": "fuzzy"}}, "mode"),
    ({"store": {"collection_prefix": "q"}}, "collection_prefix"),
    ({"chunk": {"size": 10}}, "size"),
])
def test_invalid_values_name_their_field(clean_env: pytest.MonkeyPatch, overrides: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError, match=field):
        load_settings(**overrides)


def test_the_service_builds_its_parts_from_the_settings(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import numpy as np

    from rag.embeddings import Embedder
    from rag.service import Quelle

    class Unused(Embedder):
        dimension = 2

        def _embed(self, texts: list[str]) -> np.ndarray:
            raise AssertionError("nothing is embedded here")

    settings = load_settings(data_dir=tmp_path, llm={"provider": "none"}, retrieval={"candidates": 7, "rrf_k": 11},
                             answer={"sentence_cache": 5})
    quelle = Quelle(settings, embedder=Unused(batch_size=1))
    assert (quelle.retriever.candidates, quelle.retriever.rrf_k) == (7, 11)
    assert quelle.sentence_vectors.capacity == 5
