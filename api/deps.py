"""Dependencies that routes declare: the service, the settings, the metrics, the API key and JSON bodies."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from api.errors import Problem
from api.metrics import Metrics
from rag.config import Settings
from rag.service import Quelle


def get_quelle(request: Request) -> Quelle:
    return request.app.state.quelle  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics  # type: ignore[no-any-return]


QuelleDep = Annotated[Quelle, Depends(get_quelle)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]

# Declares the scheme in OpenAPI (the Authorize button of /docs); the check itself is `key_problem`.
bearer = HTTPBearer(auto_error=False, description="Needed when the server sets QUELLE_API_KEY.")


def key_problem(request: Request) -> Problem | None:
    """None when the request may pass: no key is configured, or it carries 'Authorization: Bearer <key>'."""
    settings: Settings = request.app.state.settings
    if settings.api.api_key is None or not request.url.path.startswith("/v1/"):
        return None
    expected = settings.api.api_key.get_secret_value().encode()
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected):
        return None
    return Problem(401, "This API needs the header 'Authorization: Bearer <key>' with a valid key.",
                   headers={"WWW-Authenticate": "Bearer"})


async def require_key(request: Request, _: Annotated[object, Depends(bearer)]) -> None:
    if problem := key_problem(request):
        raise problem


def require_json(request: Request) -> None:
    """A JSON route says what it wants when sent a form, text or nothing at all (FastAPI would say 422)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not (kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))):
        raise Problem(415, f"Send the body as JSON with 'Content-Type: application/json' (got {kind or 'none'!r}).")
