"""Where the time goes: wall-clock totals per phase from wrapped methods, and cProfile time per package."""

from __future__ import annotations

import cProfile
import functools
import pstats
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# Package path fragments -> the phase name a profiled function's own time is counted under (first match wins).
PROFILE_CATEGORIES = (
    ("embedding (torch)", ("/torch/", "/transformers/", "/tokenizers/", "/sentence_transformers/")),
    ("chroma", ("/chromadb/", "/onnxruntime/", "/hnswlib", "/pydantic/", "/pydantic_core/")),
    ("chunking", ("/rag/chunking.py",)),
    ("text analysis (language, terms)", ("/rag/text/", "Stemmer", "/snowballstemmer/")),
    ("loading (files, yaml)", ("/rag/documents.py", "/yaml/", "/bs4/", "/pdfminer/")),
    ("other rag", ("/rag/",)),
    ("numpy", ("/numpy/",)),
)
_BUILTIN_MARKERS = (
    ("embedding (torch)", "torch"),
    ("embedding (torch)", "tokenizers"),
    ("chroma", "Bindings"),
    ("chroma", "chromadb"),
    ("chroma", "sqlite3"),
    ("analysis (language, terms)", "Stemmer"),
    ("numpy", "numpy"),
)


class PhaseTimer:
    """Accumulates wall-clock seconds and call counts of wrapped methods. Nested wrapped calls count in both
    phases, so wrap methods that do not call each other."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def wrap(self, owner: Any, name: str, phase: str | None = None) -> Callable[[], None]:
        """Time every call of owner.<name> (an instance or a class attribute) under `phase`; returns undo."""
        label = phase or name
        original = getattr(owner, name)
        owned = name in vars(owner)  # else it comes from the class: deleting the wrapper restores it
        raw = vars(owner).get(name)  # classes: the descriptor itself (a classmethod object), not the bound method

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started
                self.calls[label] += 1

        setattr(owner, name, timed)

        def undo() -> None:
            if owned:
                setattr(owner, name, raw)
            else:
                delattr(owner, name)

        return undo

    @contextmanager
    def wrapped(self, targets: list[tuple[Any, str, str]]) -> Iterator[PhaseTimer]:
        undos = [self.wrap(owner, name, phase) for owner, name, phase in targets]
        try:
            yield self
        finally:
            for undo in reversed(undos):
                undo()

    def table(self, total_s: float) -> list[dict[str, Any]]:
        """Phases by time, with a remainder row for what no wrapped method covered."""
        rows = [
            {"phase": phase, "seconds": round(s, 3), "calls": self.calls[phase],
             "share": round(s / total_s, 3) if total_s > 0 else 0.0}
            for phase, s in sorted(self.seconds.items(), key=lambda item: -item[1])
        ]
        rest = total_s - sum(self.seconds.values())
        rows.append({"phase": "everything else", "seconds": round(rest, 3), "calls": 0,
                     "share": round(rest / total_s, 3) if total_s > 0 else 0.0})
        return rows


def profile_call(fn: Callable[[], Any], top: int = 12) -> tuple[Any, dict[str, Any]]:
    """Run fn under cProfile: (its result, {"categories": own time per package group, "top": hottest functions})."""
    profiler = cProfile.Profile()
    result = profiler.runcall(fn)
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]  # {(file, line, func): (cc, nc, tottime, cumtime, callers)}
    per_category: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _line, func), (_cc, _nc, tottime, _cum, _callers) in entries.items():
        per_category[_category(filename, func)] += tottime
        total += tottime
    categories = [
        {"category": c, "seconds": round(s, 3), "share": round(s / total, 3) if total else 0.0}
        for c, s in sorted(per_category.items(), key=lambda item: -item[1])
    ]
    hottest = sorted(entries.items(), key=lambda item: -item[1][3])
    top_rows = [
        {"function": f"{_short(filename)}:{line}({func})", "cumulative_s": round(cum, 3), "own_s": round(own, 3),
         "calls": nc}
        for (filename, line, func), (_cc, nc, own, cum, _callers) in hottest
        if not _is_wrapper(filename, func)
    ][:top]
    return result, {"profiled_seconds": round(total, 3), "categories": categories, "top": top_rows}


def _category(filename: str, func: str) -> str:
    # Built-in (C/Rust) functions have no file; their names say whose they are.
    where = func if filename == "~" else filename
    for name, fragments in PROFILE_CATEGORIES:
        if any(f in where for f in fragments):
            return name
    if filename == "~":
        for name, marker in _BUILTIN_MARKERS:
            if marker in func:
                return name
        return "builtins (C calls)"
    return "other python"


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/work/main/", "lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def _is_wrapper(filename: str, func: str) -> bool:
    return filename.endswith("benchmarks/phases.py") or func in ("<lambda>", "<module>") or filename == "~"
