"""MCP benchmark: what a mounted MCP server adds per tick, and per tool call over the bare client.

    python benchmarks/mcp_overhead.py [--quick]

Both measure against benchmarks/mcp_server.py (stdio, 50 tools that answer at once, logging every
request it receives), with the scripted test model (no model time).

1. *Per tick*: the agent of benchmarks/tick.py (~60-word system prompt, 20 local tools, the
   timeline) with and without `<MCPServer>` mounting the 50-tool server, one session each, sends
   alternating between them. The first send of the MCP session connects and lists the tools; the
   later ones should make no request to the server at all (the tools are cached until the server
   says its list changed), which the server's request log shows.
2. *Per call*: the same tool call (`lookup_0`) through the bare `mcp` client's `call_tool` and
   through agentick: `await session.dispatch("lookup_0", ...)` on a session mounting the server
   (finding the tool, validating the arguments, forwarding, mapping the result), and a whole
   execution whose one tool call goes to the server, against the same execution calling an
   equivalent local tool. Calls alternate between the sides; medians, and the median of the
   paired differences.

Writes the "MCP servers" section of docs/benchmarks.md.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import environment, median_ms, table, write_section
from workload import SYSTEM, TOOLS

from agentick import Fragment, System, Timeline, create_app, create_tool, h
from agentick.mcp import MCPServer
from agentick.testing import create_test_model

SECTION = "MCP servers"
SERVER = str(Path(__file__).resolve().with_name("mcp_server.py"))
CALL = {"city": "Oslo", "days": 2}
ANSWER = "Oslo: fact 0 holds for 2 days"
WARM_UP = 5  # untimed sends after the first: the connection settles (its notification stream opens)


SCHEMA = {  # the input schema the server lists for each of its tools
    "type": "object",
    "properties": {
        "city": {"description": "The city to look up.", "title": "City", "type": "string"},
        "days": {"description": "How many days the trip lasts.", "title": "Days", "type": "integer"},
    },
    "required": ["city", "days"],
}


def _lookup(number: int) -> Callable[[dict[str, Any]], Awaitable[str]]:
    async def handler(arguments: dict[str, Any]) -> str:
        return f"{arguments['city']}: fact {number} holds for {arguments['days']} days"

    return handler


LOCAL_LOOKUPS = [  # the server's 50 tools as local tools (same names, descriptions, schemas, answers)
    create_tool(
        name=f"lookup_{n}", description=f"Look up travel fact number {n} for a city.", input=SCHEMA, handler=_lookup(n)
    )
    for n in range(50)
]


class RequestLog:
    """The server's request log: the method of every request it has received so far."""

    def __init__(self, directory: str, name: str) -> None:
        self.path = Path(directory) / name
        self.path.touch()

    def methods(self) -> list[str]:
        return self.path.read_text(encoding="utf-8").splitlines()

    @staticmethod
    def summary(methods: list[str]) -> str:
        """`2 (server/discover, tools/list)`: how many requests, and which."""
        kinds = sorted(set(methods), key=methods.index)
        return f"{len(methods)} ({', '.join(f'{kind} x{methods.count(kind)}' for kind in kinds)})" if methods else "0"


def plain_agent() -> Any:
    return h(Fragment, None, h(System, None, SYSTEM), *[h(tool) for tool in TOOLS], h(Timeline))


def agent_with_server(log: RequestLog) -> Callable[[], Any]:
    def Agent() -> Any:
        server = h(MCPServer, {"name": "bench", "command": sys.executable, "args": [SERVER, str(log.path)]})
        return h(Fragment, None, h(System, None, SYSTEM), *[h(tool) for tool in TOOLS], server, h(Timeline))

    return Agent


def agent_with_local_lookups() -> Any:
    local = [h(tool) for tool in (*TOOLS, *LOCAL_LOOKUPS)]
    return h(Fragment, None, h(System, None, SYSTEM), *local, h(Timeline))


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await call()
    return time.perf_counter() - start


def sender(session: Any, text: str) -> Callable[[], Awaitable[Any]]:
    """A call sending `text` to `session` and waiting for the result."""
    return lambda: session.send(text).result


def paired_median_ms(ours: list[float], theirs: list[float]) -> float:
    return median_ms([a - b for a, b in zip(ours, theirs, strict=True)])


# --- 1. per tick ---------------------------------------------------------------------------------


async def per_tick(directory: str, runs: int) -> list[list[object]]:
    log = RequestLog(directory, "ticks.log")
    apps = [
        create_app(plain_agent, model=create_test_model()),
        create_app(agent_with_local_lookups, model=create_test_model()),
        create_app(agent_with_server(log), model=create_test_model()),
    ]
    async with apps[0], apps[1], apps[2]:
        sessions = [await app.session() for app in apps]
        first = [await timed(sender(session, "Hello.")) for session in sessions]
        for _ in range(WARM_UP):
            for session in sessions:
                await session.send("Hello again.").result
        setup_requests = log.methods()  # connecting, listing, and the notification stream it opens
        ticks: list[list[float]] = [[], [], []]
        for _ in range(runs):
            for session, samples in zip(sessions, ticks, strict=True):
                samples.append(await timed(sender(session, "Plan it.")))
        later_requests = log.methods()[len(setup_requests) :]
    local, mounted = ticks[1:]
    return [
        ["first tick (the server: connect, list)", *(f"{median_ms([sample]):.2f}" for sample in first),
         f"{(first[2] - first[1]) * 1000:+.2f}", RequestLog.summary(setup_requests) + ", up to the timed ticks"],
        [f"later tick (median of {runs})", *(f"{median_ms(samples):.3f}" for samples in ticks),
         f"{paired_median_ms(mounted, local):+.3f}", f"{RequestLog.summary(later_requests)} in {runs} ticks"],
    ]  # fmt: skip


# --- 2. per call ---------------------------------------------------------------------------------


async def per_call(directory: str, runs: int) -> list[list[object]]:
    bare_log, mcp_log = RequestLog(directory, "bare.log"), RequestLog(directory, "agentick.log")
    parameters = StdioServerParameters(command=sys.executable, args=[SERVER, str(bare_log.path)])
    model = create_test_model()
    local_model = create_test_model()
    mcp_app = create_app(agent_with_server(mcp_log), model=model)
    local_app = create_app(agent_with_local_lookups, model=local_model)
    script = [{"tool": {"name": "lookup_0", "input": CALL}}, "Done."]
    bare_calls: list[float] = []
    run_calls: list[float] = []
    mcp_executions: list[float] = []
    local_executions: list[float] = []
    async with Client(parameters) as client, mcp_app, local_app:
        session, local_session = await mcp_app.session(), await local_app.session()
        await session.send("Warm up.").result  # connects and lists the tools
        for _ in range(3):  # warm both paths up
            await client.call_tool("lookup_0", CALL)
            await session.dispatch("lookup_0", CALL)
        for _ in range(runs):
            bare_calls.append(await timed(lambda: client.call_tool("lookup_0", CALL)))
            run_calls.append(await timed(lambda: session.dispatch("lookup_0", CALL)))
            model.respond_with(script)
            mcp_executions.append(await timed(lambda: session.send("Look it up.").result))
            local_model.respond_with(script)
            local_executions.append(await timed(lambda: local_session.send("Look it up.").result))
        result = await client.call_tool("lookup_0", CALL)
        assert [block.text for block in result.content] == [ANSWER]  # type: ignore[union-attr]
        assert [block.text for block in await session.dispatch("lookup_0", CALL)] == [ANSWER]
    bare = median_ms(bare_calls)
    return [
        ["bare `mcp` client: `call_tool`", f"{bare:.3f}", "", "1.0x"],
        ["agentick: `await session.dispatch(...)`", f"{median_ms(run_calls):.3f}",
         f"{paired_median_ms(run_calls, bare_calls):+.3f}", f"{median_ms(run_calls) / bare:.1f}x"],
        ["agentick: execution with the MCP call, minus the same with a local tool",
         f"{paired_median_ms(mcp_executions, local_executions):.3f}",
         f"{paired_median_ms(mcp_executions, local_executions) - bare:+.3f}",
         f"{paired_median_ms(mcp_executions, local_executions) / bare:.1f}x"],
    ]  # fmt: skip


async def main() -> None:
    quick = "--quick" in sys.argv
    with tempfile.TemporaryDirectory() as directory:
        tick_rows = await per_tick(directory, 10 if quick else 201)
        call_rows = await per_call(directory, 10 if quick else 301)
    body = "\n\n".join(
        [
            environment("mcp", "pydantic", "anyio"),
            "Rerun with `python benchmarks/mcp_overhead.py` (`--quick` for a smoke run that writes nothing). Server: "
            "benchmarks/mcp_server.py over stdio, 50 tools that answer at once, logging each request it "
            "receives. Model: the scripted test model (no model time).",
            "**Per tick.** The agent of *Engine ticks* (20 local tools), alone, with the server's 50 tools "
            "defined as local tools (same names, descriptions, schemas), and with `<MCPServer>` mounting the "
            f"server instead; one session each, sends alternating after {WARM_UP} untimed ones; a send is one "
            "tick with a text answer. *Server vs local* is the median of the paired differences between the "
            "last two. "
            "*Server requests* are read from the server's log; `subscriptions/listen` is the stream the "
            "client opens once per connection for the server's notifications (such as `tools/list_changed`). "
            "Target: no round trip to the server once its tools are listed.",
            table(
                [
                    "tick",
                    "20 tools (ms)",
                    "+ 50 local (ms)",
                    "+ the server (ms)",
                    "server vs local (ms)",
                    "server requests",
                ],
                tick_rows,
            ),
            "**Per call.** The same `lookup_0` call through the bare `mcp` client (its own connection to "
            "another process of the same server) and through agentick, alternating; medians, *over bare* is "
            "the median of the paired differences. The last row is what one MCP call adds to an execution "
            "(a tool call then an answer) over the same execution with a local tool returning the same text.",
            table(["call", "median (ms)", "over bare (ms)", "/ bare"], call_rows),
            "Reading: the first tick pays for starting the server (a Python process importing `mcp`: most "
            "of that second) and listing its tools, once per connection, shared by every session of the app. "
            "After that a mounted server costs what the same tools defined locally cost (the paired "
            "difference is within noise) and makes no request per tick: its tool objects are cached per "
            "listing and view, so the reconciler skips them. A call costs the bare client's round trip plus "
            "agentick's validation, forwarding (raced in a task group against the connection's end, so a dying "
            "server fails the call at once) and result mapping.",
        ]
    )
    print(body)
    if not quick:
        write_section(SECTION, body)


if __name__ == "__main__":
    anyio.run(main)
