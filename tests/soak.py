"""A bounded soak test: many clients ask, search and change documents on a real server; no 5xx, no memory creep."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx

from evals.harness import LoadResult, Step, free_port, generate_load, percentile, proc_status_kb, running_server
from tests.conftest import SEED

QUESTIONS = [
    "Wie viele Ascend-910B-Chips hat Baidu bestellt?",
    "How much did ByteDance spend on Nvidia chips last year?",
    "Wie viele H20-GPUs soll Nvidia dieses Jahr in China ausliefern?",
    "How many Ascend 910B chips did Baidu order?",
    "Wie viele Chips hat Alibaba bei Huawei bestellt?",  # not answerable: a refusal
]
SEARCHES = ["Baidu Ascend 910B", "Bytedance Nvidia", "H20 GPUs China", "Huawei Chips Produktion", "Leuchtturm Möwen"]
DOCS_PER_CLIENT = 4  # each client adds, updates and deletes its own few documents: a bounded collection
MIX = {"ask": 0.4, "search": 0.3, "ingest": 0.3}
WARMUP_SHARE = 0.2  # RSS is compared from the end of the warm-up: models and caches are loaded by then
RSS_GROWTH_LIMIT = 0.25  # fail if the server's RSS grows more than this after the warm-up


def note_text(client: int, slot: int, version: int) -> str:
    return (f"Logbuch {client}-{slot}, Eintrag {version}: Der Leuchtturm Nummer {client * 10 + slot} meldete "
            f"{100 + version} Möwen und {version % 7 + 1} Schiffe. Die Wärterin prüfte die Lampe um {version % 24} "
            "Uhr.")


def client_steps(expected_docs: dict[str, str | None]) -> Callable[[int], Step]:
    """Each client asks, searches, and adds, updates and deletes its own few documents; `expected_docs` keeps the
    state each client last left its documents in."""

    def steps(index: int) -> Step:
        rng = random.Random(index)
        versions = dict.fromkeys(range(DOCS_PER_CLIENT), 0)

        async def step(client: httpx.AsyncClient) -> tuple[str, httpx.Response, bool]:
            kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
            if kind == "ask":
                resp = await client.post("/v1/ask", json={"question": rng.choice(QUESTIONS)})
                return kind, resp, resp.status_code == 200
            if kind == "search":
                resp = await client.get("/v1/search", params={"q": rng.choice(SEARCHES), "k": 5})
                return kind, resp, resp.status_code == 200
            slot = rng.randrange(DOCS_PER_CLIENT)
            doc_id = f"soak-{index}-{slot}"
            if rng.random() < 0.25:
                resp = await client.delete(f"/v1/documents/{doc_id}")
                expected_docs[doc_id] = None
                return "delete", resp, resp.status_code in (200, 404)
            versions[slot] += rng.random() < 0.8  # sometimes the same text again: "unchanged"
            text = note_text(index, slot, versions[slot])
            resp = await client.post("/v1/documents", json={"title": f"Logbuch {doc_id}", "text": text,
                                                            "doc_id": doc_id})
            ok = resp.status_code in (200, 201)
            if ok:
                expected_docs[doc_id] = text
            return kind, resp, ok

        return step

    return steps


def rss_kb(pid: int) -> int:
    kb = proc_status_kb(pid, "VmRSS")
    if kb is None:
        raise RuntimeError(f"no VmRSS for process {pid}")
    return kb


async def run_load(url: str, pid: int, seconds: float, clients: int,
                   expected_docs: dict[str, str | None]) -> tuple[LoadResult, dict[str, int]]:
    """Run the clients for `seconds`; sample the server's RSS once a second. Returns what the clients saw and the
    RSS checkpoints (kB)."""
    rss = {"ready": rss_kb(pid)}
    rss["peak"] = rss["ready"]

    def sample(elapsed: float) -> None:
        now = rss_kb(pid)
        rss["peak"] = max(rss["peak"], now)
        if "warm" not in rss and elapsed >= seconds * WARMUP_SHARE:
            rss["warm"] = now
        if "middle" not in rss and elapsed >= seconds / 2:
            rss["middle"] = now

    result = await generate_load(url, client_steps(expected_docs), clients, seconds, timeout_s=120, grace_s=120,
                                 tick=sample)
    rss["end"] = rss_kb(pid)
    rss["peak"] = max(rss["peak"], rss["end"])
    rss.setdefault("warm", rss["ready"])
    rss.setdefault("middle", rss["end"])
    return result, rss


def check_documents(url: str, expected_docs: dict[str, str | None]) -> list[str]:
    """Every document ends as its client last left it: the last text it sent, or gone after a delete."""
    wrong = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for doc_id, text in sorted(expected_docs.items()):
            resp = client.get(f"/v1/documents/{doc_id}")
            if text is None and resp.status_code != 404:
                wrong.append(f"{doc_id}: deleted, but GET says {resp.status_code}")
            elif text is not None and (resp.status_code != 200 or resp.json()["text"] != text):
                wrong.append(f"{doc_id}: expected its last text, GET says {resp.status_code}")
    return wrong


def summary(args: argparse.Namespace, tally: LoadResult, rss: dict[str, int], wrong_docs: list[str],
            failures: list[str], checked: int) -> str:
    total = sum(len(v) for v in tally.latency.values())
    lines = [
        "# Soak test", "",
        f"{args.clients} clients for {args.seconds:.0f} s against `quelle serve` (provider none, the seed article "
        f"plus up to {args.clients * DOCS_PER_CLIENT} small documents added, updated and deleted); "
        f"{total} requests, {total / args.seconds:.1f} per second.", "",
        "| kind | requests | statuses | p50 ms | p95 ms | max ms |", "| --- | ---: | --- | ---: | ---: | ---: |",
    ]
    for kind in ("ask", "search", "ingest", "delete"):
        values = tally.latency.get(kind, [])
        if not values:
            continue
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses[kind].items()))
        lines.append(f"| {kind} | {len(values)} | {statuses} | {percentile(values, 50) * 1000:.0f} | "
                     f"{percentile(values, 95) * 1000:.0f} | {max(values) * 1000:.0f} |")
    growth = (rss["end"] - rss["warm"]) / rss["warm"]
    lines += [
        "", "| server RSS | MB |", "| --- | ---: |",
        *(f"| {name} | {rss[name] / 1024:.0f} |" for name in ("ready", "warm", "middle", "end", "peak")),
        "", f"RSS growth after the warm-up (first {WARMUP_SHARE:.0%} of the run): {growth:+.1%} "
        f"(limit {RSS_GROWTH_LIMIT:+.0%}).",
        f"Documents checked at the end: {checked}, wrong: {len(wrong_docs)}.", "",
        "**Result: " + ("FAILED** — " + "; ".join(failures) if failures else "passed**"),
    ]
    if tally.unexpected:
        lines += ["", "Unexpected responses (first 20):", "", *(f"- {u}" for u in tally.unexpected)]
    return "\n".join(lines) + "\n"


def server_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUELLE_")}
    return env | {"QUELLE_DATA_DIR": str(data_dir), "QUELLE_LLM_PROVIDER": "none", "HF_HUB_OFFLINE": "1",
                  "TOKENIZERS_PARALLELISM": "false"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the clients run (default 60)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--out", type=Path, default=Path("reports/soak.md"), help="where the Markdown summary goes")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="quelle-soak-") as tmp:
        env, port, log = server_env(Path(tmp) / "data"), free_port(), Path(tmp) / "serve.log"
        subprocess.run([sys.executable, "-m", "api.cli", "ingest", "--quiet", str(SEED)], env=env, check=True,
                       capture_output=True)
        url = f"http://127.0.0.1:{port}"
        serve = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        expected_docs: dict[str, str | None] = {}
        with running_server(serve, f"{url}/readyz", log, timeout_s=180, env=env) as proc:
            tally, rss = asyncio.run(run_load(url, proc.pid, args.seconds, args.clients, expected_docs))
            wrong_docs = check_documents(url, expected_docs)
            alive = proc.poll() is None
        server_log = log.read_text(errors="replace")
    server_errors = sum(n for counts in tally.statuses.values() for s, n in counts.items() if s.startswith("5"))
    failures = []
    if server_errors:
        failures.append(f"{server_errors} responses with a 5xx status")
    if tally.unexpected_total:
        failures.append(f"{tally.unexpected_total} unexpected responses or client errors")
    if (rss["end"] - rss["warm"]) / rss["warm"] > RSS_GROWTH_LIMIT:
        failures.append("RSS grew beyond the limit")
    if wrong_docs:
        failures.append(f"{len(wrong_docs)} documents not as their client left them: {wrong_docs[:3]}")
    if not alive:
        failures.append("the server died")
    text = summary(args, tally, rss, wrong_docs, failures, len(expected_docs))
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    if failures:
        print(server_log[-3000:], file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
