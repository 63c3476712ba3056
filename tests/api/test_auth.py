"""With an API key set, every /v1 route needs the bearer key; health, readiness, metrics and the page stay open."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from openai import AuthenticationError, OpenAI
from openai.types.chat import ChatCompletionMessageParam

from api.errors import speaks_openai
from tests.api.conftest import SEED_ID, LiveServer, assert_openai_error, assert_problem

pytestmark = pytest.mark.slow  # a real app on a real socket, the real embedding model

KEY = "s3cret-key"
MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Wer bestellte 1.600 Chips?"}]
CHAT: dict[str, Any] = {"messages": MESSAGES}
ROUTES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/v1/ask", {"json": {"question": "Wie viele Chips hat Baidu bestellt?"}}),
    ("POST", "/v1/ask", {"json": {"question": "Wie viele Chips hat Baidu bestellt?", "stream": True}}),
    ("GET", "/v1/search", {"params": {"q": "Baidu"}}),
    ("POST", "/v1/documents", {"json": {"title": "T", "text": "Ein Satz zum Testen.", "doc_id": "auth-test"}}),
    ("POST", "/v1/documents", {"files": {"file": ("auth-upload.txt", b"Ein Satz zum Testen.")}}),
    ("GET", "/v1/documents", {}),
    ("GET", f"/v1/documents/{SEED_ID}", {}),
    ("DELETE", "/v1/documents/auth-test", {}),
    ("DELETE", "/v1/documents/auth-upload", {}),
    ("POST", "/v1/chat/completions", {"json": CHAT}),
    ("POST", "/v1/chat/completions", {"json": {**CHAT, "stream": True}}),
    ("GET", "/v1/models", {}),
    ("GET", "/v1/models/quelle", {}),
]
WRONG = [{}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}, {"Authorization": f"Basic {KEY}"},
         {"Authorization": "Bearer"}, {"Authorization": f"Bearer {KEY}x"}, {"Authorization": f"Bearer {KEY[:-1]}"}]


@pytest.mark.parametrize(("method", "path", "kwargs"), ROUTES)
def test_every_v1_route_needs_the_key(keyed_server: LiveServer, method: str, path: str, kwargs: dict[str, Any]) -> None:
    with keyed_server.client() as client:
        for headers in WRONG:
            resp = client.request(method, path, headers=headers, **kwargs)
            check = assert_openai_error if speaks_openai(path) else assert_problem
            assert check(resp, 401, "Authorization")
            assert resp.headers["www-authenticate"] == "Bearer"
        resp = client.request(method, path, headers={"Authorization": f"Bearer {KEY}"}, **kwargs)
        assert resp.status_code in (200, 201), resp.text


def test_the_key_is_checked_before_the_body(keyed_server: LiveServer) -> None:
    """Without the key a client learns nothing about what its request would have done."""
    with keyed_server.client() as client:
        bad_json = client.post("/v1/ask", content=b'{"question": "Wa', headers={"content-type": "application/json"})
        wrong_type = client.post("/v1/ask", content=b"question=Was", headers={"content-type": "text/plain"})
        invalid = client.post("/v1/ask", json={"question": ""})
        unknown = client.post("/v1/ask", json={"question": "Was?", "filters": {"doc_ids": ["nope"]}})
        missing = client.get("/v1/documents/nope")
    for resp in (bad_json, wrong_type, invalid, unknown, missing):
        assert_problem(resp, 401, "Authorization")


def test_open_routes_stay_open(keyed_server: LiveServer) -> None:
    with keyed_server.client() as client:
        for path in ("/healthz", "/readyz", "/metrics", "/", "/static/app.js", "/openapi.json"):
            assert client.get(path).status_code == 200, path


def test_the_openai_client_sends_its_api_key(keyed_server: LiveServer) -> None:
    with pytest.raises(AuthenticationError):
        OpenAI(base_url=f"{keyed_server.url}/v1", api_key="wrong", max_retries=0).chat.completions.create(
            model="quelle", messages=MESSAGES)
    reply = OpenAI(base_url=f"{keyed_server.url}/v1", api_key=KEY, max_retries=0).chat.completions.create(
        model="quelle", messages=MESSAGES)
    assert reply.choices[0].message.content


def test_the_key_never_reaches_the_logs(keyed_server: LiveServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with keyed_server.client() as client:
        client.get("/v1/documents", headers={"Authorization": f"Bearer {KEY}"})
        client.get("/v1/documents", headers={"Authorization": "Bearer not-the-key"})
    assert KEY not in caplog.text and "not-the-key" not in caplog.text


def test_without_a_key_nothing_is_required(live_server: LiveServer) -> None:
    with live_server.client() as client:
        assert client.get("/v1/documents").status_code == 200
        assert client.get("/v1/documents", headers={"Authorization": "Bearer anything"}).status_code == 200
