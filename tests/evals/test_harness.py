"""Tests for evals/harness.py: percentiles, Markdown tables, ports, a real server subprocess and the load generator."""

from __future__ import annotations

import asyncio
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from evals.harness import (
    Step,
    cell,
    child_pids,
    free_port,
    generate_load,
    in_worker_thread,
    latency_summary,
    markdown_table,
    mib,
    percentile,
    proc_status_kb,
    running_server,
)


def test_percentile() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([4.0, 1.0, 3.0, 2.0], 0) == 1.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 100) == 4.0
    assert percentile([10.0, 20.0], 95) == pytest.approx(19.5)
    assert math.isnan(percentile([], 50))


def test_latency_summary_in_milliseconds() -> None:
    summary = latency_summary([0.010, 0.020, 0.030])
    assert summary["n"] == 3
    assert summary["p50_ms"] == 20.0
    assert summary["max_ms"] == 30.0
    assert summary["mean_ms"] == 20.0
    assert math.isnan(latency_summary([])["p95_ms"])


def test_cells_numbers_missing_values_and_flags() -> None:
    assert cell(None) == "–"
    assert cell(float("nan"), missing="—") == "—"
    assert cell(0.87654) == "0.877"
    assert cell(0.87654, digits=2) == "0.88"
    assert cell(1234.5) == "1234"
    assert cell(True) == "yes"
    assert cell(12) == "12"
    assert cell("a|b\nc") == "a\\|b c"


def test_table_is_markdown() -> None:
    assert markdown_table(["a", "b"], [[1, 0.5], ["x", None]]).splitlines() == [
        "| a | b |", "| --- | --- |", "| 1 | 0.500 |", "| x | – |"
    ]
    assert markdown_table(["a"], [[0.5]], render=lambda v: f"<{v}>").splitlines()[2] == "| <0.5> |"


def test_free_port_can_be_bound() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


@pytest.fixture()
def http_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "index.html").write_text("hello", encoding="utf-8")
    port = free_port()
    args = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(tmp_path)]
    with running_server(args, f"http://127.0.0.1:{port}/", tmp_path / "server.log", timeout_s=30) as proc:
        yield f"http://127.0.0.1:{port}", proc
    assert proc.poll() is not None  # stopped after the block


def test_running_server_is_up_inside_the_block(http_server) -> None:  # type: ignore[no-untyped-def]
    url, proc = http_server
    assert httpx.get(url + "/index.html").text == "hello"
    assert proc.ready_s >= 0


def test_running_server_reports_a_server_that_dies(tmp_path: Path) -> None:
    args = [sys.executable, "-c", "print('no such option'); raise SystemExit(3)"]
    with pytest.raises(RuntimeError, match="(?s)exited with code 3.*no such option"), \
            running_server(args, f"http://127.0.0.1:{free_port()}/", tmp_path / "log", timeout_s=30):
        pass


def test_load_generator_counts_kinds_statuses_and_caps_requests(http_server) -> None:  # type: ignore[no-untyped-def]
    url, _ = http_server

    def steps(index: int) -> Step:
        async def step(client: httpx.AsyncClient) -> tuple[str, httpx.Response, bool]:
            kind, path = ("page", "/index.html") if index == 0 else ("missing", "/nothing")
            response = await client.get(path)
            return kind, response, response.status_code == 200

        return step

    result = asyncio.run(generate_load(url, steps, clients=2, seconds=30, max_requests=10))
    assert result.requests == 10
    assert result.statuses["page"]["200"] >= 1
    assert result.statuses["missing"]["404"] == result.unexpected_total >= 1
    assert result.seconds < 30  # the request cap ended it, not the clock


def test_cells_grouped_by_thousands() -> None:
    assert cell(12345, thousands=True) == "12,345"
    assert cell(1234.5, thousands=True) == "1,234"
    assert cell(3.14159, digits=2, thousands=True) == "3.14"
    assert cell(12345) == "12345"


def test_process_facts_of_this_process() -> None:
    rss, peak = proc_status_kb("self", "VmRSS"), proc_status_kb("self", "VmHWM")
    assert rss is not None and peak is not None and 0 < rss <= peak
    assert proc_status_kb("self", "NoSuchField") is None
    assert mib(2048) == 2.0 and mib(None) is None
    assert in_worker_thread(threading.current_thread) is not threading.current_thread()


def test_child_pids_lists_a_grandchild(tmp_path: Path) -> None:
    code = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']); " \
           "time.sleep(30)"
    parent = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 20
        while len(found := child_pids(parent.pid)) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(found) == 1 and proc_status_kb(found[0], "VmRSS")
    finally:
        for pid in child_pids(parent.pid):
            os.kill(pid, signal.SIGKILL)
        parent.kill()
        parent.wait()
