"""One `Session` object per id in a process, even while its snapshot is still loading (API.md §16)."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from anyio import wait_all_tasks_blocked

from agentick import create_app
from agentick.testing import create_test_model

from .support import chat

pytestmark = pytest.mark.anyio


def Chat() -> Any:
    return chat()


class SlowStore:
    """A store whose loads wait for `release`, so concurrent `app.session` calls overlap; `fail`
    makes the next load raise."""

    def __init__(self) -> None:
        self.rows: dict[str, str] = {}
        self.release = anyio.Event()
        self.loads = 0
        self.fail: Exception | None = None

    async def save(self, id: str, snapshot: dict[str, Any]) -> None:
        self.rows[id] = json.dumps(snapshot)

    async def load(self, id: str) -> dict[str, Any] | None:
        self.loads += 1
        await self.release.wait()
        if self.fail is not None:
            error, self.fail = self.fail, None
            raise error
        row = self.rows.get(id)
        return json.loads(row) if row is not None else None

    async def delete(self, id: str) -> None:
        self.rows.pop(id, None)


async def concurrently(app: Any, store: SlowStore, id: str, calls: int = 2) -> list[Any]:
    """`calls` overlapping `app.session(id)` calls, all started before the store answers."""
    outcomes: list[Any] = [None] * calls

    async def call(index: int) -> None:
        try:
            outcomes[index] = await app.session(id)
        except Exception as error:
            outcomes[index] = error

    async with anyio.create_task_group() as group:
        for index in range(calls):
            group.start_soon(call, index)
        await wait_all_tasks_blocked()  # every call is inside app.session, waiting for the store
        store.release.set()
    return outcomes


async def test_concurrent_calls_for_one_id_share_its_load_and_get_one_session():
    store = SlowStore()
    app = create_app(Chat, model=create_test_model(), store=store)

    first, second, third = await concurrently(app, store, "u1", calls=3)

    assert first is second is third
    assert store.loads == 1
    assert app.sessions == {"u1": first}


async def test_turns_sent_through_both_concurrent_calls_are_all_kept():
    store = SlowStore()
    app = create_app(Chat, model=create_test_model(default_response="noted"), store=store)
    one, other = await concurrently(app, store, "u1")

    first = await one.send("first turn")
    second = await other.send("second turn")  # queued behind the first: one session, one timeline
    await first.result
    await second.result

    saved = json.loads(store.rows["u1"])
    texts = [block["text"] for entry in saved["timeline"] for block in entry["message"]["content"]]
    assert texts == ["first turn", "noted", "second turn", "noted"]
    restored = await create_app(Chat, model=create_test_model(), store=store).session("u1")
    assert [entry.message.text for entry in restored.timeline] == texts


async def test_a_failed_load_fails_every_waiting_call_and_the_next_call_loads_again():
    store = SlowStore()
    store.fail = OSError("the database is busy")
    app = create_app(Chat, model=create_test_model(), store=store)

    outcomes = await concurrently(app, store, "u1")
    retried = await app.session("u1")

    assert [f"{type(outcome).__name__}: {outcome}" for outcome in outcomes] == ["OSError: the database is busy"] * 2
    assert outcomes[0] is outcomes[1]
    assert store.loads == 2
    assert app.sessions == {"u1": retried}


async def test_a_call_waiting_on_a_cancelled_load_loads_the_session_itself():
    store = SlowStore()
    app = create_app(Chat, model=create_test_model(), store=store)
    scope = anyio.CancelScope()
    waited: list[Any] = []

    async def cancelled() -> None:
        with scope:
            await app.session("u1")

    async def waiting() -> None:
        waited.append(await app.session("u1"))

    async with anyio.create_task_group() as group:
        group.start_soon(cancelled)
        await wait_all_tasks_blocked()  # the first call is loading
        group.start_soon(waiting)
        await wait_all_tasks_blocked()  # the second waits for that load
        scope.cancel()
        await wait_all_tasks_blocked()  # ... and, once it is cancelled, loads again itself
        store.release.set()

    assert store.loads == 2
    assert app.sessions == {"u1": waited[0]}
