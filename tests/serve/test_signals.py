"""Abort and tool results reaching the worker that runs an execution through a real PostgreSQL
store: two servers (two apps on their own threads and event loops, each with its own
`PostgresStore`, as two worker processes would be) over one database. A third store's listener
records the signals the workers send each other (PostgreSQL NOTIFY)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx2
import pytest

from agentick import create_app
from agentick.stores import PostgresStore
from agentick.testing import create_test_model

from .support import GUARD, Agent, LiveServer, create_session, events_of, wait_until

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


async def test_abort_while_a_send_waits_for_the_lease_reaches_the_lease_holder(
    workers: tuple[LiveServer, LiveServer], signals: list[tuple[str, dict[str, Any]]], model: Any
) -> None:
    # The first worker's execution holds the lease (it waits for a confirmation); a send to the
    # second worker waits for that lease. An abort asked of the second worker is for the running
    # execution, the first worker's: the waiting send is not running there, and runs afterwards.
    first, second = workers
    async with first.http() as one, second.http() as other:
        session_id = await create_session(one)
        model.respond_with([DEPLOY, "Deployed."])
        path = f"/sessions/{session_id}/messages"
        sse = {"Accept": "text/event-stream"}
        with anyio.fail_after(GUARD):
            async with one.stream("POST", path, json={"text": "Ship it"}, headers=sse) as holding:
                held = events_of(holding)
                async for event in held:
                    if event["type"] == "tool_confirmation_required":
                        break
                async with other.stream("POST", path, json={"text": "Hi"}, headers=sse) as waiting:
                    queued = events_of(waiting)
                    # its response has started: the send waits for the lease (before its
                    # execution_start, API.md §16), and has not ticked on this worker
                    sent = await other.post(f"/sessions/{session_id}/abort", json={"reason": "stop"})
                    assert sent.status_code == 202 and sent.json() == {"status": "signalled"}
                    ended = [event async for event in held][-1]
                    assert ended["type"] == "execution_end" and ended["status"] == "aborted"
                    after = [event async for event in queued][-1]
                    assert after["type"] == "execution_end" and after["status"] == "completed"
        await received(signals, session_id, {"kind": "abort", "reason": "stop"})
        state = (await one.get(f"/sessions/{session_id}")).json()
        assert [entry["message"]["role"] for entry in state["timeline"]][-2:] == ["user", "assistant"]


async def test_concurrent_sends_to_one_session_through_two_workers_each_land_once(
    workers: tuple[LiveServer, LiveServer],
) -> None:
    first, second = workers
    async with first.http() as one, second.http() as other:
        session_id = await create_session(one)
        answers: dict[str, int] = {}

        async def send(http: httpx2.AsyncClient, text: str) -> None:
            answer = await http.post(f"/sessions/{session_id}/messages", json={"text": text})
            answers[text] = answer.status_code

        async with anyio.create_task_group() as group:
            group.start_soon(send, one, "from the first worker")
            group.start_soon(send, other, "from the second worker")
        assert set(answers.values()) <= {200, 409} and 200 in answers.values(), answers
        state = (await other.get(f"/sessions/{session_id}")).json()
        timeline = [(entry["message"]["role"], entry["message"]["content"][0]["text"]) for entry in state["timeline"]]
        users = [text for role, text in timeline if role == "user"]
        assert sorted(users) == sorted(text for text, status in answers.items() if status == 200)  # each once
        assert [role for role, _ in timeline] == ["user", "assistant"] * len(users)


async def received(signals: list[tuple[str, dict[str, Any]]], session_id: str, payload: dict[str, Any]) -> None:
    async def seen() -> bool:
        return (session_id, payload) in signals

    await wait_until(seen, f"the {payload['kind']} signal")
