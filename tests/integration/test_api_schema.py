"""The JSON API against its own OpenAPI document, with schemathesis.

The app runs on a seeded SQLite database (tests/web_seed.py) in a thread of its own; for every
operation of ``/api/v1/openapi.json`` schemathesis generates requests, valid and invalid, and
checks that none answers 5xx and that every answer matches its declared status, content type
and schema (problem+json for errors). Acknowledge and resolve change the seeded incidents as
they go: the checks hold in every state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.loopback_thread import LoopbackThread
from tests.web_seed import Seeded, seed

EXAMPLES = 12
"""Generated requests per operation and mode under ``make test`` (``make proof``: 150)."""


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,  # an input the document rules out gets a 4xx
]
"""What every answer must satisfy. Left out: positive_data_acceptance, since a value the
schema allows may still be wrong for this database (an unknown time zone, an id that does
not exist): those answer a declared 4xx, which status_code_conformance checks."""


class _Idle:
    """The background work of this app: none (the API never needs the worker)."""

    def kick(self) -> None:
        return None

    def problem(self, now: datetime) -> str | None:
        return None

    def tick_age(self) -> float | None:
        return None


def _seed(url: str) -> Seeded:
    from storage.engine import create_engine

    async def run() -> Seeded:
        engine = create_engine(url)
        try:
            return await seed(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The whole app on a seeded SQLite database, served from its own thread."""
    from bot.app import Runtime, build_app
    from bot.settings import Settings
    from storage.engine import create_engine

    url = f"sqlite+aiosqlite:///{Path(tmp_path_factory.mktemp('api')) / 'oncall.db'}"
    seeded = _seed(url)

    def make_app() -> object:
        runtime = Runtime(
            settings=Settings(ONCALL_DATABASE_URL=url),  # type: ignore[call-arg]
            engine=create_engine(url),
            clock=seeded.clock,
            background=_Idle(),
        )
        return build_app(runtime)

    server = LoopbackThread(make_app)  # type: ignore[arg-type]
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def api_schema(served: str) -> Any:
    return schemathesis.openapi.from_url(f"{served}/api/v1/openapi.json")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("examples", [EXAMPLES, pytest.param(150, marks=pytest.mark.proof)])
def test_every_operation_answers_as_its_document_says(
    api_schema: Any, served: str, mode: GenerationMode, examples: int
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.call_and_validate(base_url=served, checks=CHECKS)

        check()


def test_the_document_lists_the_dashboards_operations(served: str) -> None:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{served}/api/v1/openapi.json", timeout=5) as response:
        document = json.loads(response.read())
    assert document["openapi"] == "3.1.0"
    paths = set(document["paths"])
    for expected in [
        "/api/v1/services",
        "/api/v1/oncall",
        "/api/v1/gaps",
        "/api/v1/schedules",
        "/api/v1/schedules/{schedule_id}/shifts",
        "/api/v1/incidents",
        "/api/v1/incidents/{incident_id}",
        "/api/v1/incidents/{incident_id}/acknowledge",
        "/api/v1/incidents/{incident_id}/resolve",
        "/api/v1/report",
        "/api/v1/load",
    ]:
        assert expected in paths, expected
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            errors = operation["responses"]
            assert "400" in errors and "401" in errors, (method, path)
            assert "application/problem+json" in errors["400"]["content"]
