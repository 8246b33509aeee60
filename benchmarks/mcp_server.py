"""The stdio MCP server benchmarks/mcp.py measures against: 50 tools, and a log of the requests it
receives.

    python benchmarks/mcp_server.py REQUEST_LOG

Each tool `lookup_<i>(city, days)` answers at once, so a call's time is the protocol's and the
client's. Every request the server receives appends its method to REQUEST_LOG (one line each,
flushed), so the benchmark counts the round trips a tick makes without adding any.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any, TextIO

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from pydantic import Field

TOOLS = 50

City = Annotated[str, Field(description="The city to look up.")]
Days = Annotated[int, Field(description="How many days the trip lasts.")]


class RequestLog:
    """Server middleware appending the method of every request (not notification) to a file."""

    def __init__(self, log: TextIO) -> None:
        self.log = log

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.request_id is not None:
            self.log.write(ctx.method + "\n")
            self.log.flush()
        return await call_next(ctx)


def lookup(number: int) -> Callable[[str, int], str]:
    def handler(city: City, days: Days) -> str:
        return f"{city}: fact {number} holds for {days} days"

    return handler


def build(log: TextIO) -> MCPServer:
    server = MCPServer("bench", middleware=[RequestLog(log)])
    for number in range(TOOLS):
        server.add_tool(
            lookup(number), name=f"lookup_{number}", description=f"Look up travel fact number {number} for a city."
        )
    return server


if __name__ == "__main__":
    with open(sys.argv[1], "a", encoding="utf-8") as requests:
        build(requests).run()
