"""Streamable HTTP with headers, `<MCPResource>` and `use_mcp_prompt` (API.md §14)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentick import ComponentError, Fragment, Section, Timeline, create_app, h
from agentick.mcp import MCPResource, MCPServer, use_mcp_prompt
from agentick.testing import compile_agent, create_test_model
from agentick.types import Message, TextBlock

from .conftest import Toolbox

pytestmark = pytest.mark.anyio


async def test_streamable_http_with_headers(http_toolbox: str) -> None:
    def Agent() -> Any:
        props = {"name": "web", "url": http_toolbox, "headers": {"X-Test": "secret-1"}, "prefix": "web_"}
        return h(Fragment, None, h(MCPServer, props), h(Timeline))

    async with create_app(Agent, model=create_test_model()) as app:
        session = await app.session("s")
        compiled = await session.mount()
        assert {"web_echo", "web_headers"} <= {tool.name for tool in compiled.tools}
        assert await session.dispatch("web_headers") == [TextBlock(text="secret-1")]  # the server saw the header
        assert await session.dispatch("web_add", {"a": 1, "b": 1}) == [TextBlock(text="2")]


async def test_mcp_resource_renders_the_resource_text_and_rereads_when_the_uri_changes(toolbox: Toolbox) -> None:
    def Agent(note: str = "a") -> Any:
        return h(
            Fragment,
            None,
            h(MCPServer, toolbox.props("notes")),
            h(Section, {"id": "note"}, h(MCPResource, {"server": "notes", "uri": f"notes://{note}"})),
        )

    async with create_app(Agent, model=create_test_model()) as app:
        session = await app.session("s")
        assert "the note a" in (await session.mount()).system
        session.props = {"note": "b"}
        system = (await session.mount()).system
        assert "the note b" in system and "the note a" not in system


async def test_mcp_resource_naming_no_mounted_server_is_a_clear_error() -> None:
    def Agent() -> Any:
        return h(MCPResource, {"server": "git", "uri": "git://log"})

    with pytest.raises(ComponentError) as caught:
        await compile_agent(Agent)
    assert "<MCPResource uri='git://log'> names the MCP server 'git', but no <MCPServer name='git'>" in str(
        caught.value
    )


async def test_use_mcp_prompt_returns_the_prompts_messages(toolbox: Toolbox) -> None:
    seen: list[list[Message]] = []

    def Review() -> Any:
        messages = use_mcp_prompt("box", "review", {"topic": "the tests"})
        seen.append(messages)
        return h(Section, {"id": "review"}, messages[0].content[0].text)  # type: ignore[union-attr]

    def Agent() -> Any:
        return h(Fragment, None, h(MCPServer, toolbox.props()), h(Review))

    compiled = await compile_agent(Agent)
    assert "Please review the tests." in compiled.system
    assert seen[-1] == [Message(role="user", content=[TextBlock(text="Please review the tests.")])]


def section_agent(toolbox: Toolbox, reads: Path) -> Any:
    def Agent(note: str = "a") -> Any:
        return h(
            Fragment,
            None,
            h(MCPServer, toolbox.props("notes", env={"TOOLBOX_READS": str(reads)})),
            h(Section, {"id": "note"}, h(MCPResource, {"server": "notes", "uri": f"notes://{note}"})),
            h(Timeline),
        )

    return Agent


def reads_of(reads: Path) -> list[str]:
    return reads.read_text().split() if reads.exists() else []


async def test_mcp_resource_keeps_only_the_current_uri(toolbox: Toolbox, tmp_path: Path) -> None:
    reads = tmp_path / "reads"
    async with create_app(section_agent(toolbox, reads), model=create_test_model()) as app:
        session = await app.session("s")
        assert (await session.mount()).section("note") == "the note a"
        assert (await session.mount()).section("note") == "the note a"
        session.props = {"note": "b"}
        assert (await session.mount()).section("note") == "the note b"
        session.props = {"note": "a"}
        assert (await session.mount()).section("note") == "the note a"
    assert reads_of(reads) == ["notes://a", "notes://b", "notes://a"]  # going back reads again


async def test_mcp_resource_is_read_once_per_execution(toolbox: Toolbox, tmp_path: Path) -> None:
    reads = tmp_path / "reads"
    model = create_test_model().respond_with([[call("echo", {"text": "x"})], "one", "two"])
    async with create_app(section_agent(toolbox, reads), model=model) as app:
        session = await app.session("s")
        await session.send("first").result  # two ticks
        await session.send("second").result
    assert reads_of(reads) == ["notes://a", "notes://a"]


async def test_a_failed_resource_read_is_not_kept_and_reported_once(toolbox: Toolbox, tmp_path: Path) -> None:
    reads = tmp_path / "reads"
    async with create_app(section_agent(toolbox, reads), model=create_test_model()) as app:
        session = await app.session("s")
        session.props = {"note": "broken"}
        events = [event async for event in session.send("hi")]
        shown = session.last_compiled.section("note")
        assert shown == (  # the server's own message
            "[MCP server 'notes', resource 'notes://broken' failed: "
            "Error creating resource from template notes://broken]"
        )
        assert [(event.server, event.message) for event in events if event.type == "mcp_error"] == [
            ("notes", shown[1:-1])
        ]
        await session.mount()
    assert reads_of(reads) == ["notes://broken", "notes://broken"]  # read again, not kept


def call(name: str, arguments: dict[str, Any] | None = None, call_id: str = "c1") -> dict[str, Any]:
    return {"tool": {"name": name, "input": arguments or {}, "id": call_id}}


async def test_a_prompt_that_fails_is_a_component_error_naming_server_prompt_and_reason(toolbox: Toolbox) -> None:
    def Review() -> Any:
        use_mcp_prompt("box", "nope", {"topic": "x"})

    def Agent() -> Any:
        return h(Fragment, None, h(MCPServer, toolbox.props()), h(Review))

    with pytest.raises(ComponentError) as caught:
        await compile_agent(Agent)
    assert caught.value.component == "Review"
    assert "MCP server 'box', prompt 'nope' failed: " in str(caught.value)
    assert "nope" in str(caught.value.__cause__)
