"""Latency summaries (percentiles in milliseconds) and small process facts used by every benchmark."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import numpy as np


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """n, mean, p50, p95, p99 and max of durations given in seconds, reported in milliseconds."""
    if not seconds:
        return {"n": 0, "mean_ms": float("nan"), "p50_ms": float("nan"), "p95_ms": float("nan"),
                "p99_ms": float("nan"), "max_ms": float("nan")}
    ms = np.asarray(seconds, dtype=float) * 1000.0
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {"n": len(ms), "mean_ms": round(float(ms.mean()), 2), "p50_ms": round(float(p50), 2),
            "p95_ms": round(float(p95), 2), "p99_ms": round(float(p99), 2), "max_ms": round(float(ms.max()), 2)}


T = TypeVar("T")


def in_worker_thread(fn: Callable[[], T]) -> T:
    """Run fn on a fresh worker thread, as the API runs every Quelle call (starlette's thread pool). On a busy
    machine torch's encode is much slower on the main thread (see the query-embedding table in the report)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def proc_status_kb(pid: int | str, field: str) -> int | None:
    """A kB field of /proc/<pid>/status (VmRSS, VmHWM), or None when the process or field is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def child_pids(pid: int) -> list[int]:
    """Every descendant of `pid` (from /proc/<pid>/task/*/children)."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            kids = [int(p) for p in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
        for kid in kids:
            found += [kid, *child_pids(kid)]
    return found


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def mib(kb: int | None) -> float | None:
    return None if kb is None else round(kb / 1024, 1)
