"""Streamable HTTP with headers, `<MCPResource>` and `use_mcp_prompt` (API.md §14)."""

from __future__ import annotations

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
