"""Dependencies that routes declare: the service, the settings, the metrics, and the API key check."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

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


def require_key(request: Request, settings: SettingsDep) -> None:
    """When an API key is set, /v1/* needs 'Authorization: Bearer <key>' (compared in constant time)."""
    if settings.api.api_key is None:
        return
    expected = settings.api.api_key.get_secret_value().encode()
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise Problem(401, "This API needs 'Authorization: Bearer <key>' with a valid key.",
                      headers={"WWW-Authenticate": "Bearer"})
