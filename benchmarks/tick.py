"""Engine benchmark: framework overhead per tick with the test model (zero model time).

    python benchmarks/tick.py [--quick]

Workload: a ~60-word system prompt, 20 tools with two typed arguments, a history of 10 / 200 /
2,000 prior messages; one run = a tool call on tick 1, then a final answer on tick 2. Reports median
and p90 time per tick against the floor (building and `json.dumps`-ing the equivalent Chat
Completions payload for each of the two requests), and peak memory of 1,000 idle sessions.
Writes the "Engine ticks" section of docs/benchmarks.md.
"""

from __future__ import annotations

import gc
import json
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import environment, median_ms, p90_ms, table, write_section
from workload import SYSTEM, TOOLS, chat_tools

from agentick import Fragment, System, Timeline, create_app, h
from agentick.testing import create_test_model


def Agent() -> Any:
    return h(Fragment, None, h(System, None, SYSTEM), *[h(tool) for tool in TOOLS], h(Timeline))


def history(count: int) -> list[dict[str, Any]]:
    return [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"Message {i} about trains and weather in city {i}."}
        for i in range(count)
    ]


def floor(session: Any) -> None:
    """Both requests of a run, built by hand from the session's messages and serialised."""
    tools = chat_tools()
    base = [{"role": "system", "content": SYSTEM}]
    base += [{"role": e.message.role, "content": e.message.text} for e in session.entries]
    first = [*base, {"role": "user", "content": "Plan it."}]
    json.dumps({"model": "gpt-4o", "messages": first, "tools": tools})
    call = {"id": "c1", "type": "function", "function": {"name": "tool_3", "arguments": '{"city": "Oslo", "days": 2}'}}
    second = [
        *first,
        {"role": "assistant", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "Oslo: sunny for 2 days"},
    ]
    json.dumps({"model": "gpt-4o", "messages": second, "tools": tools})


async def measure(size: int, runs: int) -> list[Any]:
    model = create_test_model()
    app = create_app(Agent, model=model)
    ticks, floors = [], []
    for _ in range(runs):
        session = await app.session()
        await session.send(messages=history(size), max_ticks=1).result  # import the history
        model.respond_with([{"tool": {"name": "tool_3", "input": {"city": "Oslo", "days": 2}}}, "It will be sunny."])
        start = time.perf_counter()
        result = await session.send("Plan it.").result
        ticks.append((time.perf_counter() - start) / result.usage.ticks)
        start = time.perf_counter()
        floor(session)
        floors.append((time.perf_counter() - start) / 2)
        await session.close()
    floor_ms = median_ms(floors)
    return [
        f"{size:,}",
        f"{median_ms(ticks):.3f}",
        f"{p90_ms(ticks):.3f}",
        f"{floor_ms:.3f}",
        f"{median_ms(ticks) / floor_ms:.1f}x",
    ]


async def idle_sessions(count: int) -> tuple[float, float]:
    """Peak and retained memory (MiB) of `count` sessions that each ran one execution."""
    gc.collect()
    tracemalloc.start()
    app = create_app(Agent, model=create_test_model())
    sessions = []
    for i in range(count):
        session = await app.session(f"user-{i}")
        await session.send("hello").result
        sessions.append(session)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, current / 2**20


async def main() -> None:
    quick = "--quick" in sys.argv
    runs = {10: 101, 200: 101, 2_000: 31}
    rows = [await measure(size, 5 if quick else count) for size, count in runs.items()]
    peak, retained = await idle_sessions(100 if quick else 1000)
    body = "\n\n".join(
        [
            environment("pydantic", "anyio"),
            "Rerun with `python benchmarks/tick.py`. Workload: ~60-word system prompt, 20 tools with two "
            "typed arguments, a history of N messages; one run = a tool call on tick 1 (the tool runs) "
            "then a final answer on tick 2, answered by the scripted test model (no model time). *Per "
            "tick*: the whole engine (tick hooks, compile, model call plumbing, events, tool call, timeline) "
            "divided by the ticks; *floor*: building and `json.dumps`-ing the same two Chat Completions "
            "requests by hand, per request.",
            table(["history", "median per tick (ms)", "p90 (ms)", "floor (ms)", "median / floor"], rows),
            f"1,000 idle sessions (each mounted, one execution done): peak {peak:.1f} MiB traced, "
            f"{retained:.1f} MiB retained ({retained * 1024 / 1000:.0f} KiB per session)."
            if not quick
            else "",
        ]
    )
    print(body)
    if not quick:
        write_section("Engine ticks", body)


if __name__ == "__main__":
    anyio.run(main)
