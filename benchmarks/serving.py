"""Ask over HTTP end to end: `quelle serve` as a subprocess, cold start, latency, concurrent load, peak memory."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from evals.harness import (
    Step,
    child_pids,
    free_port,
    generate_load,
    latency_summary,
    log_tail,
    mib,
    proc_status_kb,
    running_server,
)

ASK_P50_TARGET_MS = 100.0
READY_TIMEOUT_S = 240.0
LOAD_GRACE_S = 30.0  # requests still running this long after a load level's deadline are cancelled, not waited for


def quelle_command() -> list[str]:
    """The `quelle` console script beside this interpreter, else the same CLI as a module."""
    script = Path(sys.executable).parent / "quelle"
    return [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]


def quelle_env(data_dir: Path, provider: str) -> dict[str, str]:
    """The environment of a benchmark subprocess: its own data dir, embedded store, no API key, offline; the
    embedding settings of this run (QUELLE_EMBED_*) pass through."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUELLE_") or k.startswith("QUELLE_EMBED")}
    env.update({"QUELLE_DATA_DIR": str(data_dir), "QUELLE_LLM_PROVIDER": provider, "HF_HUB_OFFLINE": "1",
                "TOKENIZERS_PARALLELISM": "false"})
    return env


# `quelle ingest` exactly as the console script runs it (api.cli.main), plus an exit hook that records the
# process's own VmHWM. ru_maxrss from wait4 would not do: Linux carries the parent's high-water mark into a
# forked child, so every child of this (large) benchmark process would report at least the parent's peak.
_INGEST_WITH_HWM = """
import atexit, pathlib, sys
hwm_file = sys.argv.pop(1)
def _record_hwm():
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            pathlib.Path(hwm_file).write_text(line.split()[1])
atexit.register(_record_hwm)
from api.cli import main
sys.argv[0] = "quelle"
sys.exit(main())
"""


def ingest_subprocess(data_dir: Path, paths: Sequence[Path], log: Path) -> dict[str, Any]:
    """Run `quelle ingest` in a subprocess; its wall time and peak RSS (its VmHWM, read at exit)."""
    hwm = log.with_suffix(".vmhwm")
    started = time.perf_counter()
    with log.open("wb") as out:
        done = subprocess.run([sys.executable, "-c", _INGEST_WITH_HWM, str(hwm), "ingest", "--quiet",
                               *map(str, paths)], env=quelle_env(data_dir, "none"), stdout=out,
                              stderr=subprocess.STDOUT, check=False, cwd=Path(__file__).resolve().parent.parent)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"quelle ingest exited with {done.returncode}; log:\n{log_tail(log)}")
    summary = [line for line in log.read_text(errors="replace").splitlines() if "chunks embedded" in line]
    return {"seconds": round(seconds, 2), "peak_rss_mib": mib(int(hwm.read_text())),
            "summary": summary[-1] if summary else ""}


@dataclass
class Server:
    """A `quelle serve` subprocess on a free loopback port, ready."""

    proc: subprocess.Popen[bytes]
    url: str
    cold_start_s: float  # process start to the first 200 of /readyz

    def peak_rss_mib(self) -> float | None:
        """VmHWM of the server process plus any children it started."""
        values = [proc_status_kb(pid, "VmHWM") for pid in [self.proc.pid, *child_pids(self.proc.pid)]]
        known = [v for v in values if v is not None]
        return mib(sum(known)) if known else None


@contextmanager
def quelle_server(data_dir: Path, provider: str, log: Path) -> Iterator[Server]:
    """`quelle serve` with this LLM provider over `data_dir`, up inside the block and stopped after it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [*quelle_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with running_server(args, f"{url}/readyz", log, READY_TIMEOUT_S, env=quelle_env(data_dir, provider),
                        interval_s=0.05, stop_timeout_s=30) as proc:
        yield Server(proc, url, proc.ready_s)  # type: ignore[attr-defined]


def sequential_asks(url: str, questions: Sequence[str], n: int, budget_s: float, warmup: int = 2) -> dict[str, Any]:
    """Up to n asks one after another (after `warmup`), stopping early when `budget_s` is spent: client latency,
    the server's own total and stages, answer modes."""
    client_s: list[float] = []
    server_ms: list[float] = []
    modes: Counter[str] = Counter()
    by_mode: dict[str, list[float]] = {}
    stages: dict[str, list[float]] = {}
    errors = 0
    deadline = time.perf_counter() + budget_s
    with httpx.Client(base_url=url, timeout=300) as client:
        for i in range(warmup + n):
            if i >= warmup and time.perf_counter() > deadline:
                break
            started = time.perf_counter()
            response = client.post("/v1/ask", json={"question": questions[i % len(questions)]})
            elapsed = time.perf_counter() - started
            if i < warmup:
                continue
            if response.status_code != 200:
                errors += 1
                continue
            body = response.json()
            client_s.append(elapsed)
            timings = body.get("timings_ms") or {}
            server_ms.append(float(timings.get("total", 0.0)))
            for stage, ms in timings.items():
                stages.setdefault(stage, []).append(float(ms) / 1000)
            modes[body.get("mode", "?")] += 1
            by_mode.setdefault(body.get("mode", "?"), []).append(elapsed)
    return {
        "requests": len(client_s) + errors, "planned": n, "budget_s": budget_s, "errors": errors, "modes": dict(modes),
        "latency": latency_summary(client_s),
        "server_total": latency_summary([ms / 1000 for ms in server_ms]),
        "latency_by_mode": {mode: latency_summary(values) for mode, values in sorted(by_mode.items())},
        "server_stages": {stage: latency_summary(values) for stage, values in stages.items()},
    }


FAILED = ("failed", "error")  # the kinds of requests that got no answer (a status other than 200, no response)


def ask_steps(questions: Sequence[str]) -> Callable[[int], Step]:
    """Clients that ask the questions in turn (one sequence shared by all clients); a request's kind is the mode
    of its answer, or "failed"."""
    turn = itertools.count()

    def steps(_: int) -> Step:
        async def step(client: httpx.AsyncClient) -> tuple[str, httpx.Response, bool]:
            response = await client.post("/v1/ask", json={"question": questions[next(turn) % len(questions)]})
            if response.status_code != 200:
                return FAILED[0], response, False
            return response.json().get("mode", "?"), response, True

        return step

    return steps


def _load(url: str, questions: Sequence[str], clients: int, duration_s: float, max_requests: int) -> dict[str, Any]:
    result = asyncio.run(generate_load(url, ask_steps(questions), clients, duration_s, max_requests=max_requests,
                                       grace_s=LOAD_GRACE_S))
    answered = {mode: seconds for mode, seconds in result.latency.items() if mode not in FAILED}
    latencies = [s for seconds in answered.values() for s in seconds]
    return {"clients": clients, "requests": len(latencies), "errors": result.unexpected_total,
            "cancelled": result.cancelled, "seconds": round(result.seconds, 2),
            "throughput_rps": round(len(latencies) / result.seconds, 2) if result.seconds > 0 else 0.0,
            "latency": latency_summary(latencies), "modes": {mode: len(s) for mode, s in answered.items()}}


def load_levels(url: str, questions: Sequence[str], levels: Sequence[int], duration_s: float,
                max_requests: int) -> list[dict[str, Any]]:
    """Throughput with each number of concurrent clients, each level bounded by time and by request count."""
    return [_load(url, questions, clients, duration_s, max_requests) for clients in levels]


def search_against_raw_encode(url: str, questions: Sequence[str], n: int, raw_encode: Callable[[str], Any],
                              warmup: int = 3) -> dict[str, Any]:
    """GET /v1/search (hybrid, k=5) one question at a time, each followed by a raw fp32 encode of the same
    question in this process: a whole search over HTTP against the encode alone, in the same minute."""
    search_s: list[float] = []
    encode_s: list[float] = []
    errors = 0
    with httpx.Client(base_url=url, timeout=60) as client:
        for i in range(warmup + n):
            question = questions[i % len(questions)]
            started = time.perf_counter()
            response = client.get("/v1/search", params={"q": question, "k": 5})
            elapsed = time.perf_counter() - started
            t = time.perf_counter()
            raw_encode(question)
            encoded = time.perf_counter() - t
            if i < warmup:
                continue
            if response.status_code != 200:
                errors += 1
                continue
            search_s.append(elapsed)
            encode_s.append(encoded)
    search, encode = latency_summary(search_s), latency_summary(encode_s)
    return {"requests": len(search_s), "errors": errors, "search": search, "raw_fp32_encode": encode,
            "p50_ratio": round(search["p50_ms"] / encode["p50_ms"], 3) if encode["p50_ms"] > 0 else None}


def bench_http(work: Path, logs: Path, seed_files: Sequence[Path], questions: Sequence[str],
               providers: Sequence[str], sequential: dict[str, int], sequential_budget_s: dict[str, float],
               levels: Sequence[int], duration_s: dict[str, float], max_requests: dict[str, int],
               reference: Any = None) -> dict[str, Any]:
    """Section 3 (and the serve half of section 4): one server per LLM provider over the seed document; on the
    first, /v1/search against a raw fp32 encode by `reference` (the torch embedder)."""
    data_dir = work / "serve-data"
    seed_ingest = ingest_subprocess(data_dir, seed_files, logs / "ingest-seed.log")
    results: dict[str, Any] = {"documents": [str(p.name) for p in seed_files], "seed_ingest": seed_ingest,
                               "ask_p50_target_ms": ASK_P50_TARGET_MS, "providers": {}}
    for provider in providers:
        with ExitStack() as stack:
            try:
                server = stack.enter_context(quelle_server(data_dir, provider, logs / f"serve-{provider}.log"))
            except RuntimeError as exc:  # it never came up: reported, the other providers still run
                results["providers"][provider] = {"error": f"quelle serve ({provider}): {exc}"}
                continue
            rss_ready = mib(proc_status_kb(server.proc.pid, "VmRSS"))
            if reference is not None and "search" not in results:
                from benchmarks.retrieval import raw_fp32_query

                results["search"] = search_against_raw_encode(
                    server.url, questions, max(20, sequential[provider]),
                    lambda q: raw_fp32_query(reference._model, q))
                results["search"]["server"] = f"LLM {provider}"
            seq = sequential_asks(server.url, questions, sequential[provider], sequential_budget_s[provider])
            load = load_levels(server.url, questions, levels, duration_s[provider], max_requests[provider])
            results["providers"][provider] = {
                "cold_start_s": round(server.cold_start_s, 2), "rss_at_ready_mib": rss_ready,
                "sequential": seq, "load": load, "peak_rss_mib": server.peak_rss_mib(),
            }
    return results


def inprocess_asks(quelle: Any, questions: Sequence[str], n: int, warmup: int = 2) -> dict[str, Any]:
    """The reference for the HTTP numbers: Quelle.ask called directly, same questions, same order."""
    seconds: list[float] = []
    stages: dict[str, list[float]] = {}
    for i in range(warmup + n):
        started = time.perf_counter()
        answer = quelle.ask(questions[i % len(questions)])
        if i >= warmup:
            seconds.append(time.perf_counter() - started)
            for stage, ms in answer.timings_ms.items():
                stages.setdefault(stage, []).append(ms / 1000)
    return {"requests": n, "latency": latency_summary(seconds),
            "stages": {stage: latency_summary(values) for stage, values in stages.items()}}
