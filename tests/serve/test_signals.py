"""Abort and tool results reaching the worker that runs an execution through a real PostgreSQL
store: two servers (two apps on their own threads and event loops, each with its own
`PostgresStore`, as two worker processes would be) over one database. A third store's listener
records the signals the workers send each other (PostgreSQL NOTIFY)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from agentick import create_app
from agentick.stores import PostgresStore
from agentick.testing import create_test_model

from .support import Agent, LiveServer, create_session, events_of, wait_until

pytestmark = pytest.mark.anyio

DEPLOY = {"tool": {"name": "deploy", "input": {"target": "prod"}}}


@pytest.fixture
async def signals(postgres_url: str) -> AsyncIterator[list[tuple[str, dict[str, Any]]]]:
    """Every signal sent on the database while the test runs, as (session id, payload)."""
    received: list[tuple[str, dict[str, Any]]] = []
    async with PostgresStore(postgres_url) as store, store.listen(lambda id, payload: received.append((id, payload))):
        yield received


@pytest.fixture(scope="module")
def model() -> Any:
    return create_test_model(default_response="Hello there.")


@pytest.fixture(scope="module")
def workers(postgres_url: str, model: Any) -> Iterator[tuple[LiveServer, LiveServer]]:
    # a store string: each app makes (and closes) its own PostgresStore, as a worker process does
    with (
        LiveServer(create_app(Agent, model=model, store=postgres_url)) as first,
        LiveServer(create_app(Agent, model=model, store=postgres_url)) as second,
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
    workers: tuple[LiveServer, LiveServer], signals: list[tuple[str, dict[str, Any]]], model: Any
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
                await received(signals, session_id, expected)
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
    workers: tuple[LiveServer, LiveServer], signals: list[tuple[str, dict[str, Any]]]
) -> None:
    first, _ = workers
    async with first.http() as one:
        session_id = await create_session(one)
        sent = await one.post(f"/sessions/{session_id}/abort")
        assert sent.status_code == 202
        await received(signals, session_id, {"kind": "abort", "reason": None})
        working = await one.post(f"/sessions/{session_id}/messages", json={"text": "Hi"})
        assert working.status_code == 200 and working.json()["response"] == "Hello there."
        missing = await one.post("/sessions/session_missing/abort")
        assert missing.status_code == 404


async def received(signals: list[tuple[str, dict[str, Any]]], session_id: str, payload: dict[str, Any]) -> None:
    async def seen() -> bool:
        return (session_id, payload) in signals

    await wait_until(seen, f"the {payload['kind']} signal")
