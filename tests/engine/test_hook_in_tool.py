"""A hook called inside a tool handler (API.md §3): an error result, and an error log naming the tool."""

from __future__ import annotations

import inspect
import logging

import pytest

from agentick import create_app, tool, use_state
from agentick.testing import create_test_model
from tests.engine.support import agent_with, assert_consistent

pytestmark = pytest.mark.anyio


def hook_error(counter) -> str:
    """The HookError text, naming the handler line that called the hook."""
    lines, start = inspect.getsourcelines(counter.handler)
    line = start + next(i for i, text in enumerate(lines) if "use_state(0)" in text)
    return (
        f"use_state() was called outside a component render (at {__file__}:{line}); hooks can only be called "
        "while a component function runs (at its top level, unconditionally, in the same order every render)"
    )


@tool
def count_sync() -> str:
    """Counts (wrongly) with a hook."""
    count, _ = use_state(0)
    return str(count)


@tool
async def count_async() -> str:
    """Counts (wrongly) with a hook."""
    count, _ = use_state(0)
    return str(count)


@pytest.mark.parametrize("counter", [count_sync, count_async], ids=["sync", "async"])
async def test_a_hook_in_a_tool_handler_is_an_error_result_and_an_error_log(counter, caplog):
    model = create_test_model()
    model.respond_with([{"tool": {"name": counter.name, "input": {}}}, "noted"])
    session = await create_app(agent_with(counter), model=model).session()

    with caplog.at_level(logging.ERROR, logger="agentick"):
        result = await session.send("count").result

    [block] = session.timeline[2].message.content
    assert (block.is_error, block.content[0].text) == (True, f"HookError: {hook_error(counter)}")
    assert result.response == "noted"
    assert_consistent(session.timeline)

    [record] = [r for r in caplog.records if r.name.startswith("agentick")]
    assert (record.name, record.levelno) == ("agentick", logging.ERROR)
    assert record.getMessage() == (
        f"tool {counter.name!r} called a hook in its handler, which runs outside any component render: "
        f"{hook_error(counter)}. Call the hook in a component or in the tool's use= hook and read its value "
        "from the handler's deps, or keep the state with com.get_state()/com.set_state()"
    )
    assert record.exc_info is not None and record.exc_info[0].__name__ == "HookError"


async def test_other_handler_errors_are_not_logged(caplog):
    @tool
    def explode() -> str:
        """Fails like a tool may."""
        raise ValueError("disk is full")

    model = create_test_model()
    model.respond_with([{"tool": {"name": "explode", "input": {}}}, "ok"])
    session = await create_app(agent_with(explode), model=model).session()

    with caplog.at_level(logging.DEBUG, logger="agentick"):
        await session.send("go").result

    assert session.timeline[2].message.content[0].content[0].text == "ValueError: disk is full"
    assert [r for r in caplog.records if r.name.startswith("agentick")] == []
