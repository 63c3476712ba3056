"""With QUELLE_API_KEY set, every /v1 route needs the bearer key; health, metrics and the page stay open."""

from __future__ import annotations

import pytest

from tests.api.conftest import LiveServer

KEY = "s3cret-key"
ROUTES = [
    ("POST", "/v1/ask", {"json": {"question": "Wie viele Chips hat Baidu bestellt?"}}),
    ("GET", "/v1/search", {"params": {"q": "Baidu"}}),
    ("POST", "/v1/documents", {"json": {"title": "T", "text": "Ein Satz zum Testen.", "doc_id": "auth-test"}}),
    ("GET", "/v1/documents", {}),
    ("GET", "/v1/documents/huawei-ascend-910c-nvidia-china", {}),
    ("DELETE", "/v1/documents/auth-test", {}),
    ("POST", "/v1/chat/completions", {"json": {"messages": [{"role": "user", "content": "Wer bestellte 1.600 Chips?"}]}}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), ROUTES)
def test_every_v1_route_needs_the_key(keyed_server: LiveServer, method: str, path: str, kwargs: dict) -> None:  # type: ignore[type-arg]
    with keyed_server.client() as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}, {"Authorization": f"Basic {KEY}"}):
            resp = client.request(method, path, headers=headers, **kwargs)
            assert resp.status_code == 401, (headers, resp.text)
            assert resp.headers["content-type"].startswith("application/problem+json")
            assert resp.headers["www-authenticate"] == "Bearer"
        resp = client.request(method, path, headers={"Authorization": f"Bearer {KEY}"}, **kwargs)
        assert resp.status_code in (200, 201), resp.text


def test_open_routes_stay_open(keyed_server: LiveServer) -> None:
    with keyed_server.client() as client:
        for path in ("/healthz", "/readyz", "/metrics", "/"):
            assert client.get(path).status_code == 200


def test_without_a_key_nothing_is_required(live_server: LiveServer) -> None:
    with live_server.client() as client:
        assert client.get("/v1/documents").status_code == 200
