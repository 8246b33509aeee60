"""Who owns MCP connections (API.md §14, §17): shared per app, closed with the last user; no
server process outlives a run, a failure, an abort, a session, an app or run_sync."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import pytest

from agentick import Fragment, ModelError, Timeline, create_app, h, run, run_sync
from agentick.errors import AbortError
from agentick.mcp import MCPServer
from agentick.testing import compile_agent, create_test_model
from agentick.types import TextBlock

from .conftest import Toolbox, alive

pytestmark = pytest.mark.anyio


def agent_with(props: dict[str, Any]) -> Any:
    def Agent(mounted: bool = True) -> Any:
        return h(Fragment, None, h(MCPServer, props) if mounted else None, h(Timeline))

    return Agent


def call(name: str, arguments: dict[str, Any] | None = None, call_id: str = "c1") -> dict[str, Any]:
    return {"tool": {"name": name, "input": arguments or {}, "id": call_id}}


async def test_sessions_of_one_app_share_one_connection_until_the_last_unmounts(toolbox: Toolbox) -> None:
    async with create_app(agent_with(toolbox.props()), model=create_test_model()) as app:
        one, two = await app.session("one"), await app.session("two")
        await one.mount()
        await two.mount()
        [pid] = toolbox.pids
        assert await one.dispatch("pid") == await two.dispatch("pid") == [TextBlock(text=str(pid))]
        one.props = {"mounted": False}
        await one.mount()
        assert alive(pid)  # "two" still uses it
        await two.close()
        assert not alive(pid)  # the last user went: closed at once
    assert toolbox.lists == 1


async def test_shared_false_gives_each_session_its_own_process(toolbox: Toolbox) -> None:
    async with create_app(agent_with(toolbox.props(shared=False)), model=create_test_model()) as app:
        one, two = await app.session("one"), await app.session("two")
        await one.mount()
        await two.mount()
        assert len(toolbox.running()) == 2
        assert await one.dispatch("pid") != await two.dispatch("pid")
    assert toolbox.running() == []


async def test_app_close_closes_the_connections_of_open_sessions(toolbox: Toolbox) -> None:
    app = create_app(agent_with(toolbox.props()), model=create_test_model())
    session = await app.session("s")
    await session.send("hi").result
    [pid] = toolbox.pids
    assert alive(pid)
    await app.close()
    assert not alive(pid)


async def test_a_run_leaves_no_process_after_its_result(toolbox: Toolbox) -> None:
    model = create_test_model().respond_with([[call("add", {"a": 1, "b": 2})], "3"])
    result = await run(
        h(agent_with(toolbox.props())), messages=[{"role": "user", "content": "add"}], model=model
    ).result
    assert result.response == "3"
    [pid] = toolbox.pids
    assert not alive(pid)


async def test_a_failed_execution_leaves_no_process(toolbox: Toolbox) -> None:
    model = create_test_model()
    model.set_error(ModelError("the model is down"))
    with pytest.raises(ModelError):
        await run(h(agent_with(toolbox.props())), messages=[{"role": "user", "content": "x"}], model=model).result
    [pid] = toolbox.pids
    assert not alive(pid)


async def test_an_aborted_execution_leaves_no_process(toolbox: Toolbox) -> None:
    model = create_test_model().respond_with([[call("hang")]])
    handle = await run(h(agent_with(toolbox.props())), messages=[{"role": "user", "content": "x"}], model=model)
    async for event in handle:
        if event.type == "tool_call":
            handle.abort("enough")
    with pytest.raises(AbortError):
        await handle.result
    [pid] = toolbox.pids
    assert not alive(pid)


async def test_a_standalone_compile_closes_its_connection(toolbox: Toolbox) -> None:
    compiled = await compile_agent(agent_with(toolbox.props()))
    assert "pid" in [tool.name for tool in compiled.tools]
    [pid] = toolbox.pids
    assert not alive(pid)


def test_run_sync_leaves_no_process(toolbox: Toolbox) -> None:
    model = create_test_model().respond_with([[call("echo", {"text": "x"})], "ok"])
    result = run_sync(h(agent_with(toolbox.props())), messages=[{"role": "user", "content": "x"}], model=model)
    assert result.response == "ok"
    [pid] = toolbox.pids
    assert not alive(pid)


async def test_tools_list_changed_refreshes_the_tools_at_the_next_tick(toolbox: Toolbox) -> None:
    model = create_test_model().respond_with([[call("grow")], [call("fresh", call_id="c2")], "done"])
    async with create_app(agent_with(toolbox.props()), model=model) as app:
        session = await app.session("s")
        result = await session.send("grow").result
    first, second, _ = (sorted(tool.name for tool in model_input.tools) for model_input in model.inputs)
    assert "add" in first and "fresh" not in first
    assert "fresh" in second and "add" not in second
    tool_messages = [entry.message for entry in result.timeline if entry.message.role == "tool"]
    assert tool_messages[1].content[0].content == [TextBlock(text="fresh")]
    assert toolbox.lists == 2  # the first listing, and one after the notification


async def test_fifty_concurrent_calls_from_many_sessions_share_one_connection(toolbox: Toolbox) -> None:
    async with create_app(agent_with(toolbox.props()), model=create_test_model()) as app:
        sessions = [await app.session(f"s{index}") for index in range(10)]
        for session in sessions:
            await session.mount()
        results: dict[tuple[int, int], Any] = {}

        async def one(index: int, number: int) -> None:
            results[index, number] = await sessions[index].dispatch("add", {"a": index, "b": number})

        async with anyio.create_task_group() as group:
            for index in range(10):
                for number in range(5):
                    group.start_soon(one, index, number)
    assert len(toolbox.pids) == 1
    assert results == {(i, n): [TextBlock(text=str(i + n))] for i in range(10) for n in range(5)}


async def wait_until(condition: Any) -> None:
    """Bounded polling for something another process does (at most 30 s)."""
    with anyio.fail_after(30):
        while not condition():
            await anyio.sleep(0.02)


def test_an_app_and_its_session_work_under_two_successive_event_loops(toolbox: Toolbox) -> None:
    app = create_app(agent_with(toolbox.props()), model=create_test_model())
    sessions: list[Any] = []

    async def use() -> Any:
        if not sessions:
            sessions.append(await app.session("s"))
        await sessions[0].mount()
        return await sessions[0].dispatch("pid")

    first = asyncio.run(use())
    second = asyncio.run(use())  # the first loop's connection ended with it: a new one, not a dead one
    first_pid, second_pid = toolbox.pids
    assert (first, second) == ([TextBlock(text=str(first_pid))], [TextBlock(text=str(second_pid))])
    assert not alive(first_pid)
    asyncio.run(app.close())
    assert toolbox.running() == []
    assert app.extensions["mcp"].connections == []  # no entry of an ended loop left behind


async def test_closing_while_a_server_never_answers_the_handshake_does_not_wait_for_the_timeout(
    toolbox: Toolbox,
) -> None:
    props = toolbox.props(env={"TOOLBOX_MUTE": "1"}, timeout=3600)
    app = create_app(agent_with(props), model=create_test_model())
    session = await app.session("s")
    handle = await session.send("hi")
    await wait_until(lambda: toolbox.pids)  # the server runs, the render waits for its handshake
    handle.abort("enough")
    with anyio.fail_after(60):  # a guard: the close must not wait for the 3600 s connect timeout
        with pytest.raises(AbortError):
            await handle.result
        await app.close()
    assert toolbox.running() == []


async def test_aborting_a_run_while_its_server_connects_releases_it_at_once(toolbox: Toolbox) -> None:
    props = toolbox.props(env={"TOOLBOX_MUTE": "1"}, timeout=3600)
    handle = await run(h(agent_with(props)), messages=[{"role": "user", "content": "x"}], model=create_test_model())
    await wait_until(lambda: toolbox.pids)
    handle.abort("enough")
    with anyio.fail_after(60), pytest.raises(AbortError):  # a guard, as above
        await handle.result
    assert toolbox.running() == []
