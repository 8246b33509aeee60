"""Faults (issue 15): a server that cannot start, dies during a call, hangs past its timeout; bad
props. None breaks a session or leaks a process; the next tick reconnects after the backoff."""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from agentick import ComponentError, Fragment, Timeline, create_app, h
from agentick.mcp import MCPServer
from agentick.mcp.config import MCPConfigError, ServerConfig
from agentick.mcp.pool import MCPPool
from agentick.testing import compile_agent, create_test_model
from agentick.types import TextBlock

from .conftest import TOOLBOX, Toolbox, alive

pytestmark = pytest.mark.anyio


def agent_with(props: dict[str, Any]) -> Any:
    def Agent() -> Any:
        return h(Fragment, None, h(MCPServer, props), h(Timeline))

    return Agent


def call(name: str, arguments: dict[str, Any] | None = None, call_id: str = "c1") -> dict[str, Any]:
    return {"tool": {"name": name, "input": arguments or {}, "id": call_id}}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_command_that_does_not_exist_offers_no_tools_and_emits_one_mcp_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, "agentick")
    model = create_test_model()
    async with create_app(agent_with({"name": "ghost", "command": "/nonexistent/mcp-ghost"}), model=model) as app:
        session = await app.session("s")
        handle = await session.send("hi")
        events = [event async for event in handle]
        result = await handle.result
        assert result.response == "Test response"
        assert model.inputs[0].tools == []
        [error] = [event for event in events if event.type == "mcp_error"]
        assert error.server == "ghost"
        assert "mcp-ghost" in error.message
        assert (await session.send("again").result).response == "Test response"  # the session keeps working
    [line] = [record.getMessage() for record in caplog.records if record.levelno == logging.ERROR]
    assert line.startswith("MCP server 'ghost' (stdio) failed: ")


async def test_the_next_tick_after_the_backoff_reconnects(toolbox: Toolbox, tmp_path: Path) -> None:
    script = tmp_path / "late_server.py"  # absent at first: python exits, the connection fails
    props = {**toolbox.props(), "args": [str(script)]}
    clock = Clock()
    app = create_app(agent_with(props), model=create_test_model())
    app.extensions["mcp"] = MCPPool(clock=clock)
    async with app:
        session = await app.session("s")
        assert (await session.mount()).tools == []
        shutil.copy(TOOLBOX, script)
        clock.now += 0.9  # within the 1 s backoff: no new attempt
        assert (await session.mount()).tools == []
        assert toolbox.pids == []
        clock.now += 0.2
        # the reconnect runs in the background: this render does not wait for it (later ticks never do)
        assert (await session.mount()).tools == []
        [connection] = app.extensions["mcp"].connections
        assert connection.state == "connecting"
        await connection.wait_ready()
        compiled = await session.mount()  # the first render after it is ready has its tools
        assert "echo" in [tool.name for tool in compiled.tools]
        assert (connection.failures, connection.backoff) == (1, 1.0)  # success resets the backoff


async def test_backoff_doubles_up_to_thirty_seconds() -> None:
    clock = Clock()
    pool = MCPPool(clock=clock)
    connection = pool.acquire(ServerConfig.from_props("ghost", command="/nonexistent/ghost"), "s")
    retries = []
    for _ in range(7):
        await connection.wait_ready()
        assert connection.state == "failed"
        retries.append(connection.retry_at - clock.now)
        assert not connection.reconnect_due()
        clock.now = connection.retry_at
        assert connection.reconnect_due()
        connection.open()
    assert retries == [1, 2, 4, 8, 16, 30, 30]
    await pool.release(connection)


async def test_a_server_that_exits_during_a_call_gives_an_error_result_and_the_session_goes_on(
    toolbox: Toolbox,
) -> None:
    model = create_test_model().respond_with([[call("crash")], "sorry", "fine"])
    async with create_app(agent_with(toolbox.props()), model=model) as app:
        session = await app.session("s")
        handle = await session.send("crash it")
        events = [event async for event in handle]
        result = await handle.result
        [tool_result] = [event for event in events if event.type == "tool_result"]
        assert tool_result.is_error is True
        assert tool_result.content[0].text.startswith("MCP server 'box', tool 'crash' failed: the server connection")
        assert [(event.server, event.type) for event in events if event.type == "mcp_error"] == [("box", "mcp_error")]
        assert result.response == "sorry"
        [pid] = toolbox.pids
        assert not alive(pid)
        # the next execution has no tools from it until the backoff expires, then reconnects
        assert (await session.send("again").result).response == "fine"
        assert model.inputs[-1].tools == []


async def test_a_call_that_hangs_past_the_timeout_is_an_error_result(toolbox: Toolbox) -> None:
    model = create_test_model().respond_with([[call("hang", call_id="c1"), call("echo", {"text": "a"}, "c2")], "ok"])
    async with create_app(agent_with(toolbox.props(timeout=3)), model=model) as app:
        session = await app.session("s")
        handle = await session.send("hang")
        events = [event async for event in handle]
        await handle.result
        results = {event.call_id: event for event in events if event.type == "tool_result"}
        assert results["c1"].is_error is True
        assert results["c1"].content == [TextBlock(text="MCP server 'box', tool 'hang' did not answer within 3s")]
        assert results["c2"].content == [TextBlock(text="echo: a")]
        assert [event.server for event in events if event.type == "mcp_error"] == ["box"]
        assert await session.dispatch("echo", {"text": "b"}) == [TextBlock(text="echo: b")]  # still alive


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"name": "x"}, "<MCPServer name='x'> needs exactly one of command= (a stdio server) or url="),
        ({"name": "x", "command": "c", "url": "http://h"}, "got both"),
        ({"name": "x", "command": "c", "timeout": 0}, "timeout= must be a positive number of seconds, not 0"),
        ({"name": "x", "command": "c", "args": "a b"}, "args= must be a list of strings, not 'a b'"),
        ({"name": "x", "url": "ftp://h"}, "url= must be an http:// or https:// URL string"),
        ({"name": "x", "url": "http://h", "headers": {"a": 1}}, "headers= must be a dict of strings; 'a': 1"),
        ({"name": "", "command": "c"}, "<MCPServer> needs a non-empty string name="),
    ],
)
def test_bad_props_name_the_server_and_the_prop(props: dict[str, Any], message: str) -> None:
    with pytest.raises(MCPConfigError) as caught:
        ServerConfig.from_props(props.pop("name"), **props)
    assert message in str(caught.value)


async def test_bad_props_in_a_tree_fail_the_render_naming_the_component() -> None:
    async with create_app(agent_with({"name": "x", "command": sys.executable, "timeout": -1}), model=None) as app:
        session = await app.session("s")
        with pytest.raises(ComponentError) as caught:
            await session.mount()
    assert "MCPServer" in str(caught.value) and "timeout=" in str(caught.value)


async def test_exclude_none_is_no_filter(toolbox: Toolbox) -> None:
    compiled = await compile_agent(agent_with(toolbox.props(include=["e*"], exclude=None)))
    assert [tool.name for tool in compiled.tools] == ["echo"]


@pytest.mark.parametrize(
    ("prop", "value", "message"),
    [
        ("include", "echo", "include= must be a list of glob patterns, not the string 'echo' (write ['echo'])"),
        ("exclude", "hang", "exclude= must be a list of glob patterns, not the string 'hang' (write ['hang'])"),
        ("exclude", [1], "exclude= must be a list of strings; 1 is not a string"),
        ("prefix", 5, "prefix= must be a string, not 5"),
        ("requires_confirmation", "yes", "requires_confirmation= must be True, False or a callable"),
    ],
)
async def test_bad_view_props_fail_the_first_render_before_the_server_is_reached(
    prop: str, value: Any, message: str
) -> None:
    # the command does not exist: the error comes from the props, not from a connection
    props = {"name": "ghost", "command": "/nonexistent/mcp-ghost", prop: value}
    with pytest.raises(ComponentError) as caught:
        await compile_agent(agent_with(props))
    assert f"<MCPServer name='ghost'>: {message}" in str(caught.value)


async def test_mounts_sharing_a_connection_keep_their_own_name_and_timeout(toolbox: Toolbox) -> None:
    def Agent(name: str = "slowbox", timeout: float = 600) -> Any:
        return h(Fragment, None, h(MCPServer, toolbox.props(name, timeout=timeout)), h(Timeline))

    model = create_test_model().respond_with([[call("hang")], "gave up"])
    async with create_app(Agent, model=model) as app:
        slow, fast = await app.session("slow"), await app.session("fast")
        await slow.mount()
        fast.props = {"name": "fastbox", "timeout": 2}
        handle = await fast.send("hang")
        events = [event async for event in handle]
        assert len(toolbox.pids) == 1  # one connection, the first mount's config
        [result] = [event for event in events if event.type == "tool_result"]
        assert result.content == [TextBlock(text="MCP server 'fastbox', tool 'hang' did not answer within 2s")]
        assert [event.server for event in events if event.type == "mcp_error"] == ["fastbox"]


async def test_an_unreachable_http_server_is_one_mcp_error_naming_its_url() -> None:
    from .conftest import free_port

    url = f"http://127.0.0.1:{free_port()}/mcp"  # nothing listens there
    async with create_app(agent_with({"name": "web", "url": url, "timeout": 10}), model=create_test_model()) as app:
        session = await app.session("s")
        events = [event async for event in session.send("hi")]
    [error] = [event for event in events if event.type == "mcp_error"]
    assert error.server == "web"
    assert error.message.startswith(f"{url}: ")
    assert "None" not in error.message
    assert events[-1].type == "execution_end" and events[-1].status == "completed"
