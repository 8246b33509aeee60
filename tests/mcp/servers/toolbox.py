"""A test MCP server with knobs for every fault agentick must survive.

Run as `python toolbox.py [--http PORT]` (stdio by default). Environment:
- `TOOLBOX_PIDS`: a file the server appends its pid to when it starts (tests check none outlives them).
- `TOOLBOX_LISTS`: a file the server appends a line to for every tools/list request it answers.
- `TOOLBOX_PREFIX`: a prefix for the names of the server's tools (two servers that clash or not).
- `TOOLBOX_READS`: a file the server appends the uri to for every resource read it answers.
- `TOOLBOX_MUTE`: if set, the server starts (and records its pid) but never answers the handshake.
"""

from __future__ import annotations

import base64
import os
import sys
import time
from pathlib import Path
from typing import Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp_types import (
    BlobResourceContents,
    CallToolResult,
    EmbeddedResource,
    ImageContent,
    ResourceLink,
    TextContent,
    TextResourceContents,
)

PNG = base64.b64encode(bytes.fromhex("89504e470d0a1a0a0000000d49484452")).decode()
prefix = os.environ.get("TOOLBOX_PREFIX", "")


class CountingServer(MCPServer):
    """Records every tools/list request in the TOOLBOX_LISTS file."""

    async def list_tools(self) -> Any:
        lists = os.environ.get("TOOLBOX_LISTS")
        if lists:
            with open(lists, "a") as file:
                file.write("list\n")
        return await super().list_tools()


server = CountingServer("toolbox")


def name(base: str) -> str:
    return prefix + base


@server.tool(name=name("echo"), description="Echo the text back.")
def echo(text: str) -> str:
    return f"echo: {text}"


@server.tool(name=name("add"), description="Add two integers.")
def add(a: int, b: int) -> str:
    return str(a + b)


@server.tool(name=name("pid"), description="The server's process id.")
def pid() -> str:
    return str(os.getpid())


@server.tool(name=name("image"), description="A tiny PNG and a caption.")
def image() -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text="a pixel"), ImageContent(type="image", data=PNG, mime_type="image/png")]
    )


@server.tool(name=name("resources"), description="Embedded resources and a link.")
def resources() -> CallToolResult:
    return CallToolResult(
        content=[
            EmbeddedResource(
                type="resource", resource=TextResourceContents(uri="notes://a", mime_type="text/plain", text="note A")
            ),
            EmbeddedResource(
                type="resource", resource=BlobResourceContents(uri="files://p.png", mime_type="image/png", blob=PNG)
            ),
            EmbeddedResource(
                type="resource",
                resource=BlobResourceContents(uri="files://r.pdf", mime_type="application/pdf", blob=PNG),
            ),
            ResourceLink(type="resource_link", name="readme", uri="files://README.md", description="the readme"),
        ]
    )


@server.tool(name=name("structured"), description="Structured content only.")
def structured() -> CallToolResult:
    return CallToolResult(content=[], structured_content={"answer": 42})


@server.tool(name=name("fail"), description="An isError result with two blocks.")
def fail() -> CallToolResult:
    return CallToolResult(
        is_error=True,
        content=[
            TextContent(type="text", text="disk full"),
            ImageContent(type="image", data=PNG, mime_type="image/png"),
        ],
    )


@server.tool(name=name("malformed"), description="An image that is not base64.")
def malformed() -> CallToolResult:
    return CallToolResult(content=[ImageContent(type="image", data="not base64!!", mime_type="image/png")])


@server.tool(name=name("crash"), description="The server exits during the call.")
def crash() -> str:
    sys.stdout.flush()
    os._exit(3)


@server.tool(name=name("hang"), description="Never answers.")
async def hang() -> str:
    await anyio.sleep_forever()
    return ""


@server.tool(name=name("headers"), description="The X-Test header of the request.")
def headers(ctx: Context) -> str:
    return (ctx.headers or {}).get("x-test", "<none>")


def fresh() -> str:
    return "fresh"


@server.tool(name=name("grow"), description="Add the tool `fresh`, remove `add`, notify the client.")
async def grow(ctx: Context) -> str:
    server.add_tool(fresh, name=name("fresh"), description="A tool added at run time.")
    server.remove_tool(name("add"))
    await ctx.notify_tools_changed()
    await ctx.session.send_tool_list_changed()
    return "grown"


@server.resource("notes://{key}", description="A note.")
def note(key: str) -> str:
    reads = os.environ.get("TOOLBOX_READS")
    if reads:
        with open(reads, "a") as file:
            file.write(f"notes://{key}\n")
    if key == "broken":
        raise ValueError("the note 'broken' cannot be read")
    return f"the note {key}"


@server.prompt(description="Ask for a review of a topic.")
def review(topic: str) -> str:
    return f"Please review {topic}."


def main() -> None:
    pids = os.environ.get("TOOLBOX_PIDS")
    if pids:
        with Path(pids).open("a") as file:
            file.write(f"{os.getpid()}\n")
    if os.environ.get("TOOLBOX_MUTE"):
        while True:
            time.sleep(3600)
    if len(sys.argv) > 2 and sys.argv[1] == "--http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()


if __name__ == "__main__":
    main()
