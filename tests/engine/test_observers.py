"""`App.observers` see every event of every execution, spawned children included, in stream order;
an observer that raises is logged and the execution goes on (telemetry and DevTools build on this)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from agentick import create_app, h
from agentick.engine.events import StreamEvent
from agentick.engine.session import Session
from agentick.testing import create_test_model

from .support import chat, delegate

pytestmark = pytest.mark.anyio


def Agent() -> Any:
    return chat(h(delegate), system="You delegate.")


async def test_observers_see_every_event_of_parent_and_child_in_order() -> None:
    model = create_test_model(default_response="done")
    model.respond_with([{"tool": {"name": "delegate", "input": {"task": "sum"}}}, "child done", "parent done"])
    seen: list[tuple[str, StreamEvent]] = []
    async with create_app(Agent, model=model) as app:
        app.observers.append(lambda session, event: seen.append((session.id, event)))
        session = await app.session("s1")
        handle = await session.send("go")
        streamed = [event async for event in handle]
        await handle.result
    parent = [event for session_id, event in seen if session_id == "s1"]
    assert parent == streamed
    children = {session_id for session_id, _ in seen if session_id != "s1"}
    assert len(children) == 1 and next(iter(children)).startswith("s1/child_")
    child_types = [event.type for session_id, event in seen if session_id != "s1"]
    assert child_types[0] == "execution_start" and child_types[-1] == "execution_end"


async def test_a_failing_observer_is_logged_and_the_execution_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []

    def broken(session: Session, event: StreamEvent) -> None:
        calls.append(event.type)
        raise RuntimeError("observer bug")

    async with create_app(Agent, model=create_test_model(default_response="hi")) as app:
        app.observers.append(broken)
        with caplog.at_level(logging.ERROR, logger="agentick"):
            result = await (await app.session("s1")).send("hello").result
    assert result.response == "hi"
    assert calls[0] == "execution_start" and calls[-1] == "execution_end"
    failures = [record for record in caplog.records if "event observer" in record.getMessage()]
    assert len(failures) == len(calls)
    assert "session 's1'" in failures[0].getMessage() and "'execution_start' event" in failures[0].getMessage()
