"""The last event of an execution's stream comes after its save (API.md §16): a client that saw
`execution_end` knows the turn is durable, and a failed save shows in `execution_end` itself."""

from __future__ import annotations

from typing import Any

import pytest

from agentick import AbortError, PersistenceError, create_app
from agentick.engine.session import Session
from agentick.stores import MemoryStore
from agentick.testing import create_test_model
from tests.engine.support import assert_consistent, chat

pytestmark = pytest.mark.anyio

TURN = [
    "execution_start",
    "tick_start",
    "compiled",
    "model_request",
    "message_start",
    "content_delta",
    "message_end",
    "tick_end",
]


def Chat():
    return chat()


class WatchedStore(MemoryStore):
    """A store that records, at each save, the event types the session had emitted so far; its
    saves fail with `failure` while that is set, and run `during_save` (if set) first."""

    def __init__(self) -> None:
        super().__init__()
        self.emitted: list[str] = []
        self.seen_at_save: list[list[str]] = []
        self.failure: Exception | None = None
        self.during_save: Any = None

    def observe(self, session: Session, event: Any) -> None:
        self.emitted.append(event.type)

    async def save(self, id: str, snapshot: dict[str, Any]) -> None:
        self.seen_at_save.append(list(self.emitted))
        if self.during_save is not None:
            self.during_save()
        if self.failure is not None:
            raise self.failure
        await super().save(id, snapshot)


def watched_app(store: WatchedStore, **options: Any) -> Any:
    app = create_app(Chat, model=create_test_model(), store=store, telemetry=False, **options)
    app.observers.append(store.observe)
    return app


async def test_the_save_runs_before_result_and_execution_end_are_emitted():
    store = WatchedStore()
    session = await watched_app(store).session("u")

    handle = await session.send("hello")
    result = await handle.result

    assert store.seen_at_save == [TURN]
    assert [event.type for event in handle.events] == [*TURN, "result", "execution_end"]
    end = handle.events[-1]
    assert (end.status, end.error, handle.status) == ("completed", None, "completed")
    assert handle.events[-2].result.response == result.response == "Test response"
    assert [entry["message"]["role"] for entry in (await store.load("u"))["timeline"]] == ["user", "assistant"]


async def test_a_failed_save_ends_the_stream_with_an_error_naming_the_store_error():
    store = WatchedStore()
    session = await watched_app(store).session("u")
    store.failure = RuntimeError("disk full while writing")

    handle = await session.send("lost")
    with pytest.raises(PersistenceError, match="disk full while writing"):
        await handle.result

    assert [event.type for event in handle.events] == [*TURN, "execution_end"]  # no result: it is not durable
    end = handle.events[-1]
    assert (end.status, end.stop_reason, handle.status) == ("error", "stop", "error")
    assert end.error == "PersistenceError: saving session 'u' failed: RuntimeError: disk full while writing"
    assert await store.load("u") is None
    assert_consistent(session.timeline)

    store.failure = None
    assert (await session.send("again").result).response == "Test response"
    assert [entry["message"]["content"][0]["text"] for entry in (await store.load("u"))["timeline"]] == [
        "lost",
        "Test response",
        "again",
        "Test response",
    ]


async def test_an_abort_that_arrives_during_the_save_is_what_the_stream_and_the_handle_report():
    store = WatchedStore()
    session = await watched_app(store).session("u")
    handle = await session.send("hello")
    store.during_save = lambda: handle.abort("too late")

    with pytest.raises(AbortError, match="too late"):
        await handle.result

    assert [event.type for event in handle.events] == [*TURN, "execution_end"]
    assert (handle.events[-1].status, handle.status) == ("aborted", "aborted")
    assert len((await store.load("u"))["timeline"]) == 2  # saved all the same: an aborted turn is kept too
    assert (await session.send("again").result).response == "Test response"


async def test_a_runner_whose_on_persist_fails_fails_the_execution_like_a_failed_save():
    class Runner:
        def on_persist(self, session: Session, snapshot: dict[str, Any]) -> dict[str, Any]:
            raise ValueError("cannot encrypt the snapshot")

    store = WatchedStore()
    session = await watched_app(store, runner=Runner()).session("u")

    handle = await session.send("hello")
    with pytest.raises(PersistenceError, match="cannot encrypt the snapshot"):
        await handle.result

    assert handle.events[-1].error == (
        "PersistenceError: saving session 'u' failed: the runner's on_persist raised ValueError: "
        "cannot encrypt the snapshot"
    )
    assert await store.load("u") is None
    assert session.status == "idle"


async def test_runs_are_not_saved_and_still_end_with_result_then_execution_end():
    store = WatchedStore()
    app = watched_app(store)

    handle = await app.run(messages=[{"role": "user", "content": "hi"}])
    result = await handle.result

    assert result.response == "Test response"
    assert [event.type for event in handle.events] == [*TURN, "result", "execution_end"]
    assert store.seen_at_save == []
