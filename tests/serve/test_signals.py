"""Abort and tool results reaching the worker that runs an execution through the store: two
servers (two apps, as two workers would be) over one store with `signal` and `listen`."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncGenerator, Callable, Iterator
from typing import Any

import pytest

from agentick import create_app
from agentick.engine.stores import MemoryStore
from agentick.testing import create_test_model

from .support import Agent, LiveServer, create_session, events_of

pytestmark = pytest.mark.anyio

DEPLOY = {"tool": {"name": "deploy", "input": {"target": "prod"}}}
Listener = tuple[asyncio.AbstractEventLoop, Callable[[str, dict[str, Any]], None]]


class SignallingStore(MemoryStore):
    """One store shared by the apps of two servers (each on its own thread and event loop): a
    signal reaches every listener on its own loop, as PostgreSQL's notifications reach every worker."""

    def __init__(self) -> None:
        super().__init__()
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self.signals: list[tuple[str, dict[str, Any]]] = []

    async def signal(self, id: str, payload: dict[str, Any]) -> None:
        self.signals.append((id, payload))
        with self._lock:
            listeners = list(self._listeners)
        for loop, callback in listeners:
            loop.call_soon_threadsafe(callback, id, payload)

    @contextlib.asynccontextmanager
    async def listen(self, callback: Callable[[str, dict[str, Any]], None]) -> AsyncGenerator[None]:
        listener = (asyncio.get_running_loop(), callback)
        with self._lock:
            self._listeners.append(listener)
        try:
            yield
        finally:
            with self._lock:
                self._listeners.remove(listener)


@pytest.fixture(scope="module")
def store() -> SignallingStore:
    return SignallingStore()


@pytest.fixture(scope="module")
def model() -> Any:
    return create_test_model(default_response="Hello there.")


@pytest.fixture(scope="module")
def workers(store: SignallingStore, model: Any) -> Iterator[tuple[LiveServer, LiveServer]]:
    with (
        LiveServer(create_app(Agent, model=model, store=store)) as first,
        LiveServer(create_app(Agent, model=model, store=store)) as second,
    ):
        yield first, second


async def test_a_session_made_on_one_worker_is_known_to_the_other(workers: tuple[LiveServer, LiveServer]) -> None:
    first, second = workers
    async with first.http() as one, second.http() as other:
        session_id = await create_session(one)
        assert (await one.post(f"/sessions/{session_id}/messages", json={"text": "Hi"})).status_code == 200
        state = (await other.get(f"/sessions/{session_id}")).json()
        assert [entry["message"]["role"] for entry in state["timeline"]] == ["user", "assistant"]


async def test_abort_and_tool_results_through_another_worker(
    workers: tuple[LiveServer, LiveServer], store: SignallingStore, model: Any
) -> None:
    first, second = workers
    async with first.http() as one, second.http() as other:
        for answer in ("approve", "abort"):
            session_id = await create_session(one)
            model.respond_with([DEPLOY, "Deployed."])
            async with one.stream(
                "POST",
                f"/sessions/{session_id}/messages",
                json={"text": "Ship it"},
                headers={"Accept": "text/event-stream"},
            ) as stream:
                events = events_of(stream)
                async for event in events:
                    if event["type"] == "tool_confirmation_required":
                        break
                if answer == "approve":
                    body = {"call_id": event["call_id"], "approved": True}
                    sent = await other.post(f"/sessions/{session_id}/tool-results", json=body)
                    expected = {"kind": "tool_result", "call_id": event["call_id"], "approved": True, "reason": None}
                else:
                    sent = await other.post(f"/sessions/{session_id}/abort", json={"reason": "from the other worker"})
                    expected = {"kind": "abort", "reason": "from the other worker"}
                assert sent.status_code == 202 and sent.json() == {"status": "signalled"}
                assert store.signals[-1] == (session_id, expected)
                rest = [event async for event in events]
            end = rest[-1]
            assert end["type"] == "execution_end"
            if answer == "approve":
                assert end["status"] == "completed"
                assert [e["content"] for e in rest if e["type"] == "tool_result"] == [
                    [{"type": "text", "text": "deployed prod"}]
                ]
            else:
                assert end["status"] == "aborted"
                # the session keeps working; its next call gets the answer the aborted execution never asked for
                after = await one.post(f"/sessions/{session_id}/messages", json={"text": "Hi"})
                assert after.json()["response"] == "Deployed."


async def test_a_signal_for_a_session_running_nowhere_is_still_accepted(
    workers: tuple[LiveServer, LiveServer], store: SignallingStore
) -> None:
    first, _ = workers
    async with first.http() as one:
        session_id = await create_session(one)
        sent = await one.post(f"/sessions/{session_id}/abort")
        assert sent.status_code == 202 and store.signals[-1] == (session_id, {"kind": "abort", "reason": None})
        working = await one.post(f"/sessions/{session_id}/messages", json={"text": "Hi"})
        assert working.status_code == 200 and working.json()["response"] == "Hello there."
        missing = await one.post("/sessions/session_missing/abort")
        assert missing.status_code == 404
