"""Schemathesis fuzzing of every route in the OpenAPI schema: never a 5xx, every 4xx is problem+json (OpenAI's
error shape on the OpenAI-compatible routes)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from api.errors import speaks_openai
from tests.api.conftest import LiveServer, live

if TYPE_CHECKING:
    from schemathesis.generation.modes import GenerationMode

pytestmark = pytest.mark.slow  # real servers (Chroma, the app) in subprocesses and threads
# schemathesis and hypothesis are imported where they are used: the fast lane collects this module too, and importing
# them cost it about 5 s on a loaded machine.

PROBLEM = "application/problem+json"
EXAMPLES = 60  # per operation and mode (valid, invalid input): about 600 requests over the six operations with input
NO_INPUT_EXAMPLES = 10  # operations without parameters or body: a few requests each are enough
SEED_ID = "huawei-ascend-910c-nvidia-china"


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory, embedder) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    yield from live({"api": {"max_upload_bytes": 100_000}}, tmp_path_factory, embedder)


def fuzz_operation(server: LiveServer, operation, mode: GenerationMode, examples: int) -> Counter[int]:  # type: ignore[no-untyped-def]
    """Run `examples` generated requests against one operation; returns how often each status came back."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.generation.modes import GenerationMode

    statuses: Counter[int] = Counter()

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None, print_blob=False,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call(base_url=server.url, timeout=60)
        statuses[response.status_code] += 1
        where = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
        assert response.status_code < 500, where
        if response.status_code >= 400 and speaks_openai(case.formatted_path):  # OpenAI's error shape there
            assert set(response.json()) == {"error"} and response.json()["error"]["message"], where
        elif response.status_code >= 400:
            assert (response.headers.get("content-type") or [""])[0].startswith(PROBLEM), where

    try:
        run()
    except Unsatisfiable:
        # Negative mode finds nothing to break when every value of the schema's types is allowed
        # (a free string path parameter): then the positive cases are all there is.
        if mode is GenerationMode.POSITIVE:
            raise
    return statuses


def test_generated_requests_never_get_a_5xx_and_errors_are_problem_json(fuzz_server: LiveServer) -> None:
    import schemathesis
    from schemathesis.core.result import Ok
    from schemathesis.generation.modes import GenerationMode

    schema = schemathesis.openapi.from_url(f"{fuzz_server.url}/openapi.json")
    started = time.monotonic()
    total: Counter[int] = Counter()
    per_operation: dict[str, Counter[int]] = {}
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the schema itself is valid
        operation = result.ok()
        name = f"{operation.method.upper()} {operation.path}"
        takes_input = bool(list(operation.iter_parameters())) or bool(list(operation.body))
        modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if takes_input else (GenerationMode.POSITIVE,)
        for mode in modes:
            statuses = fuzz_operation(fuzz_server, operation, mode, EXAMPLES if takes_input else NO_INPUT_EXAMPLES)
            per_operation[f"{name} {mode.value}"] = statuses
            total += statuses
    cases = sum(total.values())
    print(f"\nfuzzed {cases} cases in {time.monotonic() - started:.0f} s; statuses {dict(sorted(total.items()))}")
    for name, counts in per_operation.items():
        print(f"  {name}: {dict(counts)}")
    assert len({name.rsplit(' ', 1)[0] for name in per_operation}) >= 9  # every operation was reached
    assert cases >= 500
    assert any(200 <= s < 300 for s in total) and any(400 <= s < 500 for s in total)
    with fuzz_server.client() as client:  # still serving, and still ready
        assert client.get(f"/v1/documents/{SEED_ID}").status_code == 200
        assert client.get("/readyz").status_code == 200
