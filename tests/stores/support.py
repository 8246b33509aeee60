"""Helpers for the PostgreSQL store tests: a fresh database per test, raw SQL, a model that waits."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import psycopg

from agentick.models import BaseModel
from agentick.stores import PostgresStore
from agentick.types import ModelInput, ModelMetadata, StreamDelta, TextDelta


def fresh_database(url: str) -> str:
    """A new, empty database on the test server (schema tests need one); returns its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + f"/{name}"


def query(url: str, sql: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(sql, parameters or None)
        return cursor.fetchall() if cursor.description is not None else []


async def eventually(check: Callable[[], Any], *, timeout: float = 10.0) -> Any:
    """Bounded polling: `check()`'s first truthy value, or a failure after `timeout` seconds."""
    with anyio.fail_after(timeout):
        while not (value := check()):
            await anyio.sleep(0.01)
    return value


class GateModel(BaseModel):
    """Answers "answer N" (N counts calls) once `gate` is set; `started` is set when a call begins.
    Holds an execution open for as long as a test needs."""

    def __init__(self) -> None:
        super().__init__(ModelMetadata(id="gate", provider="test"))
        self.started = anyio.Event()
        self.gate = anyio.Event()
        self.calls = 0

    async def stream(self, model_input: ModelInput) -> AsyncIterator[StreamDelta]:
        self.calls += 1
        self.started.set()
        await self.gate.wait()
        yield TextDelta(text=f"answer {self.calls}")


class CountingStore(PostgresStore):
    """A `PostgresStore` that counts its lease tries that found the lease held elsewhere, so a test
    can wait until a worker is really polling for a lease."""

    refused = 0

    async def _attempt(self, id: str, holder: str, ttl: float) -> int | None:
        taken = await super()._attempt(id, holder, ttl)
        if taken is None:
            self.refused += 1
        return taken
