"""Tooling shared by evals, benchmarks and tests: percentiles, Markdown tables, free ports, servers, a load generator,
process facts.

Light on purpose (numpy, httpx and PyYAML only, no torch, matplotlib or llama-index), so `benchmarks/` and `tests/` can
import it without pulling in the eval extra.
"""

from __future__ import annotations

import asyncio
import math
import os
import socket
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import numpy as np
import yaml

# ---------------------------------------------------------------- statistics


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100, linear interpolation); NaN for no values."""
    if len(values) == 0:
        return math.nan
    return float(np.percentile(np.asarray(values, dtype=float), p))


def latency_summary(seconds: Sequence[float]) -> dict[str, Any]:
    """n, mean, p50, p95, p99 and max of durations given in seconds, in milliseconds (NaN for no values)."""
    ms = [s * 1000.0 for s in seconds]
    out = {"mean_ms": sum(ms) / len(ms) if ms else math.nan}
    out |= {f"p{p}_ms": percentile(ms, p) for p in (50, 95, 99)}
    out["max_ms"] = max(ms, default=math.nan)
    return {"n": len(ms)} | {k: v if math.isnan(v) else round(v, 2) for k, v in out.items()}


# ---------------------------------------------------------------- files


def read_yaml(path: Path | str) -> Any:
    """A YAML file's data, parsed by libyaml when PyYAML has it (the seed set: 0.54 s in pure Python, 0.06 s)."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


# ---------------------------------------------------------------- Markdown


def cell(value: Any, digits: int = 3, missing: str = "–", thousands: bool = False) -> str:
    """One table cell: None/NaN as `missing`, booleans as yes/no, floats with `digits` below 100, numbers grouped
    by thousands ("12,345") when asked, pipes escaped."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    if isinstance(value, bool):
        return "yes" if value else "no"
    group = "," if thousands else ""
    if isinstance(value, float):
        return f"{value:{group}.{digits}f}" if abs(value) < 100 else f"{value:{group}.0f}"
    if isinstance(value, int):
        return f"{value:{group}}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]],
                   render: Callable[[Any], str] = cell) -> str:
    """A GitHub Markdown table; `render` turns each cell into text."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(render(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------- servers


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, timeout_s: float, proc: subprocess.Popen[bytes] | None = None,
                  interval_s: float = 0.1) -> float:
    """Poll `url` until it answers 200 and return the seconds waited; fail early if `proc` died."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(interval_s)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")


def stop_process(proc: subprocess.Popen[bytes], timeout_s: float = 15) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout_s`."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout_s)


def log_tail(path: Path, chars: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


@contextmanager
def running_server(args: Sequence[str], ready_url: str, log_path: Path, timeout_s: float = 60,
                   env: dict[str, str] | None = None, cwd: Path | None = None, interval_s: float = 0.1,
                   stop_timeout_s: float = 15) -> Iterator[subprocess.Popen[bytes]]:
    """A server subprocess that is up (`ready_url` answers 200, polled every `interval_s`) inside the block and
    stopped after it; if it never comes up, the error carries the tail of its log. `proc.ready_s` holds the seconds
    from its start until it answered."""
    with open(log_path, "wb") as log:
        started = time.monotonic()
        proc = subprocess.Popen(list(args), stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        try:
            try:
                wait_for_http(ready_url, timeout_s, proc, interval_s)
            except (RuntimeError, TimeoutError) as exc:
                log.flush()
                raise RuntimeError(f"{exc}; log:\n{log_tail(log_path)}") from None
            proc.ready_s = time.monotonic() - started  # type: ignore[attr-defined]
            yield proc
        finally:
            stop_process(proc, stop_timeout_s)


# ---------------------------------------------------------------- load


Step = Callable[[httpx.AsyncClient], Awaitable[tuple[str, httpx.Response, bool]]]
"""One request of a client: returns (kind, response, whether the response was what the client expected)."""


@dataclass
class LoadResult:
    """What the clients saw: latencies and statuses per request kind, and the unexpected responses."""

    clients: int
    seconds: float = 0.0
    cancelled: int = 0  # requests still running at the grace deadline
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    unexpected: list[str] = field(default_factory=list)  # the first 20
    unexpected_total: int = 0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latency.values())

    def record(self, kind: str, status: str, seconds: float, ok: bool, note: str = "") -> None:
        self.latency[kind].append(seconds)
        self.statuses[kind][status] += 1
        if not ok:
            self.unexpected_total += 1
            if len(self.unexpected) < 20:
                self.unexpected.append(f"{kind} -> {status} {note[:200]}")


async def generate_load(url: str, client_steps: Callable[[int], Step], clients: int, seconds: float, *,
                        max_requests: int | None = None, grace_s: float = 30.0, timeout_s: float = 300.0,
                        tick: Callable[[float], None] | None = None) -> LoadResult:
    """`clients` concurrent clients, each repeating its step (`client_steps(index)`, which may keep state per
    client) until `seconds` have passed or `max_requests` were issued in all. Requests still running `grace_s`
    after the deadline are cancelled and counted. `tick(elapsed)` is called about once a second meanwhile."""
    result = LoadResult(clients)
    issued = 0
    in_flight = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    started = time.perf_counter()
    deadline = started + seconds

    async def client_loop(client: httpx.AsyncClient, step: Step) -> None:
        nonlocal issued, in_flight
        while time.perf_counter() < deadline and (max_requests is None or issued < max_requests):
            issued += 1
            in_flight += 1
            t = time.perf_counter()
            try:
                kind, response, ok = await step(client)
                status, note = str(response.status_code), "" if ok else response.text
            except httpx.HTTPError as exc:
                kind, status, ok, note = "error", f"error:{type(exc).__name__}", False, str(exc)
            finally:
                in_flight -= 1
            result.record(kind, status, time.perf_counter() - t, ok, note)

    async with httpx.AsyncClient(base_url=url, timeout=timeout_s, limits=limits) as client:
        tasks = [asyncio.create_task(client_loop(client, client_steps(i))) for i in range(clients)]
        while tick is not None and time.perf_counter() < deadline and not all(t.done() for t in tasks):
            await asyncio.sleep(1)
            tick(time.perf_counter() - started)
        _, unfinished = await asyncio.wait(tasks, timeout=max(deadline - time.perf_counter(), 0) + grace_s)
        result.cancelled = in_flight
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)
    result.seconds = time.perf_counter() - started
    return result


# ---------------------------------------------------------------- processes

T = TypeVar("T")


def in_worker_thread(fn: Callable[[], T]) -> T:
    """Run fn on a fresh worker thread, as the API runs every Quelle call (starlette's thread pool). On a busy
    machine torch's encode is much slower on the main thread (see the query-embedding table of the benchmarks)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


def proc_status_kb(pid: int | str, field: str) -> int | None:
    """A kB field of /proc/<pid>/status (VmRSS, VmHWM; pid "self" for this process), or None when the process or
    field is gone."""
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


def mib(kb: int | None) -> float | None:
    """kB as MiB with one decimal; None stays None."""
    return None if kb is None else round(kb / 1024, 1)


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages: other processes share these cores."""
    return [round(x, 2) for x in os.getloadavg()]
