"""MCP server tools offered to the model and called through a session (API.md §14)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from agentick import Fragment, System, Timeline, create_app, h
from agentick.mcp import MCPServer
from agentick.testing import compile_agent, create_test_model
from agentick.types import AudioBlock, DocumentBlock, ImageBlock, TextBlock

from .conftest import Toolbox

pytestmark = pytest.mark.anyio


def agent_with(*servers: dict[str, Any]) -> Any:
    def Agent() -> Any:
        return h(
            Fragment, None, h(System, None, "Use the tools."), *(h(MCPServer, props) for props in servers), h(Timeline)
        )

    return Agent


def call(name: str, arguments: dict[str, Any] | None = None, call_id: str = "c1") -> dict[str, Any]:
    return {"tool": {"name": name, "input": arguments or {}, "id": call_id}}


async def run_calls(agent: Any, *calls: dict[str, Any]) -> Any:
    """One execution whose first model turn makes `calls`; returns the tool result blocks."""
    model = create_test_model().respond_with([list(calls), "done"])
    async with create_app(agent, model=model) as app:
        session = await app.session("s")
        result = await session.send("go").result
    [tool_message] = [entry.message for entry in result.timeline if entry.message.role == "tool"]
    return tool_message.content


async def test_the_servers_tools_are_offered_with_their_names_descriptions_and_schemas(toolbox: Toolbox) -> None:
    compiled = await compile_agent(agent_with(toolbox.props()))
    tools = {tool.name: tool for tool in compiled.tools}
    assert list(tools) == [
        "echo", "add", "pid", "image", "resources", "structured",
        "fail", "malformed", "crash", "hang", "headers", "grow",
    ]  # fmt: skip
    assert tools["add"].description == "Add two integers."
    # cleaned like a local tool's schema: no pydantic `title`s (tokens the model does not need)
    assert tools["add"].input_schema == {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    }


async def test_include_exclude_and_prefix_shape_the_view(toolbox: Toolbox) -> None:
    props = toolbox.props(include=["e*", "a?d", "image"], exclude=["image"], prefix="box.")
    compiled = await compile_agent(agent_with(props))
    assert [tool.name for tool in compiled.tools] == ["box_echo", "box_add"]  # "." sanitised to "_"


async def test_long_names_are_truncated_to_64_characters_kept_unique_and_warned_about_once(
    toolbox: Toolbox, caplog: pytest.LogCaptureFixture
) -> None:
    props = toolbox.props(prefix="p" * 70, include=["echo", "add"])
    with caplog.at_level(logging.WARNING, logger="agentick"):
        compiled = await compile_agent(agent_with(props))
    assert [tool.name for tool in compiled.tools] == ["p" * 64, "p" * 62 + "_2"]
    assert [record.getMessage() for record in caplog.records] == [
        f"the MCP server 'box' offers the tool {name!r}, whose name {'p' * 70 + name!r} is longer than the 64 "
        f"characters providers accept: the model sees it cut to {cut!r}"
        for name, cut in (("echo", "p" * 64), ("add", "p" * 62 + "_2"))
    ]


async def test_a_call_is_forwarded_and_its_text_comes_back(toolbox: Toolbox) -> None:
    [result] = await run_calls(agent_with(toolbox.props()), call("add", {"a": 2, "b": 40}))
    assert result.is_error is False
    assert result.content == [TextBlock(text="42")]


async def test_invalid_arguments_are_an_error_result_before_reaching_the_server(toolbox: Toolbox) -> None:
    [result] = await run_calls(agent_with(toolbox.props()), call("add", {"a": "x"}))
    assert result.is_error is True
    assert "invalid arguments for add" in result.content[0].text


async def test_images_embedded_resources_links_and_structured_content_map_to_blocks(toolbox: Toolbox) -> None:
    image, resources, structured = await run_calls(
        agent_with(toolbox.props()),
        call("image", call_id="c1"),
        call("resources", call_id="c2"),
        call("structured", call_id="c3"),
    )
    png = "iVBORw0KGgoAAAANSUhEUg=="
    assert image.content[0] == TextBlock(text="a pixel")
    assert isinstance(image.content[1], ImageBlock)
    assert (image.content[1].source.type, image.content[1].source.data, image.content[1].source.media_type) == (
        "base64", png, "image/png",
    )  # fmt: skip
    text, picture, document, link = resources.content
    assert text == TextBlock(text="[resource notes://a]\nnote A")
    assert isinstance(picture, ImageBlock) and picture.source.data == png and picture.alt_text == "files://p.png"
    assert isinstance(document, DocumentBlock) and document.source.media_type == "application/pdf"
    assert document.title == "files://r.pdf"
    assert link == TextBlock(text="[resource readme at files://README.md: the readme]")
    assert json.loads(structured.content[0].text) == {"answer": 42}
    assert not isinstance(structured.content[0], AudioBlock)


async def test_an_is_error_result_keeps_the_servers_blocks(toolbox: Toolbox) -> None:
    [result] = await run_calls(agent_with(toolbox.props()), call("fail"))
    assert result.is_error is True
    assert result.content[0] == TextBlock(text="disk full")
    assert isinstance(result.content[1], ImageBlock)


async def test_a_malformed_result_is_an_error_naming_the_server_and_tool(toolbox: Toolbox) -> None:
    [result, after] = await run_calls(
        agent_with(toolbox.props()), call("malformed", call_id="c1"), call("echo", {"text": "hi"}, "c2")
    )
    assert result.is_error is True
    assert result.content[0].text.startswith(
        "MCP server 'box', tool 'malformed' returned image content that is not valid base64"
    )
    assert after.content == [TextBlock(text="echo: hi")]  # the connection is fine


async def test_requires_confirmation_asks_before_forwarding(toolbox: Toolbox) -> None:
    model = create_test_model().respond_with([[call("echo", {"text": "x"})], "done"])
    agent = agent_with(toolbox.props(requires_confirmation=lambda arguments: arguments["text"] == "x"))
    async with create_app(agent, model=model) as app:
        session = await app.session("s")
        handle = await session.send("go")
        async for event in handle:
            if event.type == "tool_confirmation_required":
                handle.submit_tool_result(event.call_id, approved=False, reason="no")
        result = await handle.result
    [tool_message] = [entry.message for entry in result.timeline if entry.message.role == "tool"]
    assert tool_message.content[0].is_error is True
    assert tool_message.content[0].content == [TextBlock(text="the user denied this tool call: no")]
    assert toolbox.lists == 1


async def test_a_name_clash_lets_the_later_mount_win_with_one_warning(
    toolbox: Toolbox, caplog: pytest.LogCaptureFixture
) -> None:
    first = toolbox.props("first", include=["pid", "add"])
    second = toolbox.props("second", include=["pid"], cwd="/")  # another connection key: its own process

    def Agent(later: bool = False) -> Any:
        # "second" comes first in the tree but mounts later: the mount order decides, not the tree order
        servers = [h(MCPServer, second, key="second")] if later else []
        return h(Fragment, None, *servers, h(MCPServer, first, key="first"), h(Timeline))

    caplog.set_level(logging.WARNING, "agentick")
    async with create_app(Agent, model=create_test_model()) as app:
        session = await app.session("s")
        compiled = await session.mount()
        assert sorted(tool.name for tool in compiled.tools) == ["add", "pid"]
        [first_pid] = toolbox.pids
        assert await session.dispatch("pid") == [TextBlock(text=str(first_pid))]
        session.props = {"later": True}
        compiled = await session.mount()
        assert sorted(tool.name for tool in compiled.tools) == ["add", "pid"]
        [_, second_pid] = toolbox.pids
        session.last_compiled = compiled
        assert await session.dispatch("pid") == [TextBlock(text=str(second_pid))]
        compiled = await session.mount()  # a later tick: no second warning
    warnings = [record.getMessage() for record in caplog.records if "both offer" in record.getMessage()]
    assert warnings == [
        "the MCP servers 'first' and 'second' both offer the tool 'pid'; 'second' was mounted later and wins"
    ]


async def test_tools_stay_the_same_objects_and_ask_the_current_confirmation_callable(toolbox: Toolbox) -> None:
    def Agent(careful: bool = False) -> Any:
        # an inline lambda: a new object every render
        props = toolbox.props(include=["echo"], requires_confirmation=lambda arguments: careful)
        return h(Fragment, None, h(MCPServer, props), h(Timeline))

    model = create_test_model().respond_with([[call("echo", {"text": "x"})], "done"])
    async with create_app(Agent, model=model) as app:
        session = await app.session("s")
        [first] = (await session.mount()).tools
        [second] = (await session.mount()).tools
        assert second is first  # not rebuilt: no per-tick cost, and nothing accumulates
        session.props = {"careful": True}
        [third] = (await session.mount()).tools
        assert third is first
        handle = await session.send("go")
        asked = []
        async for event in handle:
            if event.type == "tool_confirmation_required":
                asked.append(event.name)
                handle.submit_tool_result(event.call_id, approved=True)
        await handle.result
        assert asked == ["echo"]  # the tool asked the current callable (careful=True)
