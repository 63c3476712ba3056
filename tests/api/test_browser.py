"""The web page in real headless Chromium: ask, see the answer, click a citation, see the highlighted span."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.api.conftest import LiveServer

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def test_ask_click_citation_and_see_the_span(live_server: LiveServer, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), "Debian's chromium is needed (.ci/run installs it)"
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(live_server.url + "/")
        page.wait_for_selector("#docs li")
        assert "huawei-ascend-910c-nvidia-china" in page.inner_html("#docs")

        page.fill("#question", "Wie viele Ascend-910B-Chips hat Baidu bestellt?")
        page.click("#ask")
        page.wait_for_selector("#answer a.cite", timeout=60_000)
        assert "1.600" in page.inner_text("#answer")

        page.click("#answer a.cite >> nth=0")
        page.wait_for_selector("#source mark")
        marked = page.inner_text("#source mark")
        with live_server.client() as client:
            answer = client.post("/v1/ask", json={"question": "Wie viele Ascend-910B-Chips hat Baidu bestellt?"}).json()
        assert marked == answer["citations"][0]["quote"]
        assert "1.600" in marked
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "web-page.png"), full_page=True)
        browser.close()
    assert (ARTIFACTS / "web-page.png").stat().st_size > 10_000
