"""Fixtures for every test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.postgres import REQUIRE_VARIABLE, PostgresServer, postgres_binaries
from tests.postgres import postgres_server as running_postgres


@pytest.fixture(autouse=True)
def no_devtools_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own AGENTICK_DEVTOOLS must not reach the apps of the tests (every app would
    stream its records to that server)."""
    monkeypatch.delenv("AGENTICK_DEVTOOLS", raising=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the whole run (tests/postgres.py); tests use their own session ids.
    Skipped when the binaries are absent, unless AGENTICK_REQUIRE_POSTGRES=1 (CI) makes that a failure."""
    binaries, reason = postgres_binaries()
    if binaries is None:
        if os.environ.get(REQUIRE_VARIABLE) == "1":
            pytest.fail(f"{REQUIRE_VARIABLE}=1 but {reason}")
        pytest.skip(reason)
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    return postgres_server.url
