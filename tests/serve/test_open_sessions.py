"""Which sessions a server keeps open, and where it reads them from: the least recently used idle
sessions beyond `max_open_sessions` are closed (and load again from the store), a running one
never is; on a store, whether a session exists is the store's answer, not a copy open here; a
session is saved once at creation; event streams carry keep-alive comments while nothing happens."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncGenerator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from agentick import create_app
from agentick.stores import MemoryStore, SqliteStore
from agentick.testing import create_test_model

from .support import Agent, LiveServer, create_session, events_of

pytestmark = pytest.mark.anyio

DEPLOY = {"tool": {"name": "deploy", "input": {"target": "prod"}}}


def roles(state: dict[str, Any]) -> list[str]:
    return [entry["message"]["role"] for entry in state["timeline"]]


async def test_idle_sessions_beyond_the_bound_are_closed_and_reload_from_the_store(tmp_path: Path) -> None:
    model = create_test_model(default_response="Hello there.")
    app = create_app(Agent, model=model, store=tmp_path / "sessions.db")
    with LiveServer(app, max_open_sessions=2) as server:
        async with server.http() as http:
            ids = [await create_session(http) for _ in range(4)]
            for session_id in ids:
                sent = await http.post(f"/sessions/{session_id}/messages", json={"text": "Hi"})
                assert sent.status_code == 200
            assert sorted(app.sessions) == sorted(ids[2:])  # the two used last
            closed = await http.post(f"/sessions/{ids[0]}/messages", json={"text": "Again"})
            assert closed.status_code == 200 and closed.json()["response"] == "Hello there."
            state = (await http.get(f"/sessions/{ids[0]}")).json()
            assert roles(state) == ["user", "assistant", "user", "assistant"]  # loaded from its save
            assert sorted(app.sessions) == sorted([ids[0], ids[3]])


async def test_a_running_session_is_never_closed_for_the_bound(tmp_path: Path) -> None:
    model = create_test_model(default_response="Hello there.")
    app = create_app(Agent, model=model, store=tmp_path / "sessions.db")
    with LiveServer(app, max_open_sessions=1) as server:
        async with server.http() as http, server.http() as other:
            running = await create_session(http)
            model.respond_with([DEPLOY, "Deployed."])
            async with http.stream(
                "POST",
                f"/sessions/{running}/messages",
                json={"text": "Ship it"},
                headers={"Accept": "text/event-stream"},
            ) as stream:
                events = events_of(stream)
                async for event in events:
                    if event["type"] == "tool_confirmation_required":
                        break
                for _ in range(3):  # other sessions come and go meanwhile
                    session_id = await create_session(other)
                    assert (
                        await other.post(f"/sessions/{session_id}/messages", json={"text": "Hi"})
                    ).status_code == 200
                assert running in app.sessions
                answered = await other.post(f"/sessions/{running}/tool-results", json={"call_id": event["call_id"]})
                assert answered.status_code == 200 and answered.json() == {"status": "delivered"}
                rest = [event async for event in events]
            assert rest[-1]["type"] == "execution_end" and rest[-1]["status"] == "completed"
            later = await create_session(other)  # now idle, it is closed when another session is used
            assert sorted(app.sessions) == [later]
            state = (await other.get(f"/sessions/{running}")).json()
            assert roles(state) == ["user", "assistant", "tool", "assistant"]


async def test_a_session_deleted_elsewhere_is_gone_here_too(tmp_path: Path) -> None:
    database = tmp_path / "sessions.db"
    app = create_app(Agent, model=create_test_model(default_response="Hello there."), store=database)
    with LiveServer(app) as server:
        async with server.http() as http:
            session_id = await create_session(http)
            assert (await http.post(f"/sessions/{session_id}/messages", json={"text": "Hi"})).status_code == 200
            assert session_id in app.sessions
            other_worker = SqliteStore(database)  # another worker deletes it
            try:
                await other_worker.delete(session_id)
            finally:
                other_worker.close()
            missing = await http.get(f"/sessions/{session_id}")
            assert missing.status_code == 404 and missing.json()["error"]["type"] == "UnknownSession"
            assert session_id not in app.sessions  # the stale copy was closed
            sent = await http.post(f"/sessions/{session_id}/messages", json={"text": "Hi"})
            assert sent.status_code == 404 and sent.json()["error"]["type"] == "UnknownSession"
            assert (await http.delete(f"/sessions/{session_id}")).status_code == 404


class LeasingStore(MemoryStore):
    """A custom store with leases and revision-checked saves (API.md §16), counting its saves."""

    def __init__(self) -> None:
        super().__init__()
        self.saves: list[str] = []

    async def save(self, id: str, snapshot: dict[str, Any], expected_revision: int | None = None) -> int:
        self.saves.append(id)
        await super().save(id, snapshot)
        return (expected_revision or 0) + 1

    @contextlib.asynccontextmanager
    async def lease(self, id: str, ttl: float, wait: float) -> AsyncGenerator[SimpleNamespace]:
        yield SimpleNamespace(revision=0)


class LoadCountingStore(MemoryStore):
    """Counts the snapshots read (`load`), not the existence checks (`exists`)."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []

    async def load(self, id: str) -> dict[str, Any] | None:
        self.loads.append(id)
        return await super().load(id)


async def test_a_send_to_a_session_open_here_reads_no_snapshot_from_the_store() -> None:
    store = LoadCountingStore()
    app = create_app(Agent, model=create_test_model(default_response="Hello there."), store=store)
    with LiveServer(app, max_open_sessions=1) as server:
        async with server.http() as http:
            first = await create_session(http)
            for text in ("Hi", "Again"):
                assert (await http.post(f"/sessions/{first}/messages", json={"text": text})).status_code == 200
            assert store.loads == []  # asked whether it exists, never read
            second = await create_session(http)  # closes the idle first (max_open_sessions=1)
            assert (await http.post(f"/sessions/{first}/messages", json={"text": "Back"})).status_code == 200
            assert store.loads == [first]  # read once, to open it again
            assert (await http.get(f"/sessions/{second}")).status_code == 200
            assert store.loads == [first, second]  # GET answers with the latest save


async def test_a_new_session_is_saved_once() -> None:
    store = LeasingStore()
    app = create_app(Agent, model=create_test_model(), store=store)
    with LiveServer(app) as server:
        async with server.http() as http:
            session_id = await create_session(http)
    assert store.saves == [session_id]


async def test_an_event_stream_gets_keep_alive_comments_while_no_event_comes(tmp_path: Path) -> None:
    model = create_test_model(default_response="Hello there.")
    app = create_app(Agent, model=model, store=tmp_path / "sessions.db")
    with LiveServer(app, keep_alive=0.01) as server:
        async with server.http() as http, server.http() as other:
            session_id = await create_session(http)
            model.respond_with([DEPLOY, "Deployed."])
            lines: list[str] = []
            async with http.stream(
                "POST",
                f"/sessions/{session_id}/messages",
                json={"text": "Ship it"},
                headers={"Accept": "text/event-stream"},
            ) as stream:
                asked: str | None = None
                answered = False
                async for line in stream.aiter_lines():
                    lines.append(line)
                    if line.startswith("data: ") and '"tool_confirmation_required"' in line:
                        asked = json.loads(line.removeprefix("data: "))["call_id"]
                    elif line == ": keep-alive" and asked is not None and not answered:  # waiting: kept alive
                        answer = await other.post(f"/sessions/{session_id}/tool-results", json={"call_id": asked})
                        assert answer.status_code == 200
                        answered = True
            assert answered
    data = [line for line in lines if line.startswith("data: ")]
    assert '"type":"execution_end"' in data[-1] and '"status":"completed"' in data[-1]
    assert set(lines) - set(data) == {"", ": keep-alive"}  # comments between events, nothing else
