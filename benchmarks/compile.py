"""Compile benchmark: system + 20 sections + 20 tools + a Timeline of 10 / 200 / 2,000 / 20,000 messages.

    python benchmarks/compile.py [--quick]

For each history size: the first tick (a fresh tree: mount, collect, assemble) and a later tick
(one message added, the tree re-rendered), against the floor: building the equivalent Chat
Completions payload by hand from the same messages and `json.dumps`-ing it. Runs alternate
between agentick and the floor so machine drift affects both. Writes the "Compiler" section of
docs/benchmarks.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import environment, median_ms, table, timed, write_section
from workload import SYSTEM, TOOLS, chat_tools

from agentick import Fragment, Section, System, Timeline, h
from agentick.compiler.compile import Compiler, compile_until_stable, entries_from, run_sync
from agentick.runtime import AgentRuntime
from agentick.types import Message, TimelineEntry

SECTIONS = [
    (f"section_{i}", f"Section {i}", f"Guidance paragraph {i}: keep answers short and factual.") for i in range(20)
]


def Agent() -> Any:
    return h(
        Fragment,
        None,
        h(System, None, SYSTEM),
        *[h(Section, {"id": sid, "title": title}, body) for sid, title, body in SECTIONS],
        *[h(tool) for tool in TOOLS],
        h(Timeline),
    )


def history(count: int) -> list[TimelineEntry]:
    messages = []
    for i in range(count):
        role = "user" if i % 2 == 0 else "assistant"
        messages.append({"role": role, "content": f"Message {i}: what about the weather and the trains in city {i}?"})
    return entries_from(messages)


def floor(entries: list[TimelineEntry]) -> str:
    """The payload by hand: system text (with sections), messages and tools, serialised."""
    system = "\n\n".join([SYSTEM, *(f"## {title}\n\n{body}" for _, title, body in SECTIONS)])
    messages = [{"role": "system", "content": system}]
    messages += [{"role": entry.message.role, "content": entry.message.text} for entry in entries]
    tools = chat_tools()
    return json.dumps({"model": "gpt-4o", "messages": messages, "tools": tools})


def compile_tick(compiler: Compiler) -> None:
    compiled = run_sync(compile_until_stable(compiler, compiler.wrap(h(Agent))), "benchmark")
    assert compiled.model_input.messages


def measure(size: int, runs: int) -> list[Any]:
    entries = history(size)
    first, later, floor_times = [], [], []
    for run in range(runs):
        runtime = AgentRuntime("bench")
        runtime.history = list(entries)
        compiler = Compiler(runtime)
        first.append(timed(lambda compiler=compiler: compile_tick(compiler)))
        floor_times.append(timed(lambda: floor(entries)))
        added = TimelineEntry(id=f"new{run}", message=Message(role="user", content="one more question"))
        runtime.pending.append(added)
        runtime.new_tick()
        later.append(timed(lambda compiler=compiler: compile_tick(compiler)))
        anyio.run(compiler.unmount)
    floor_ms = median_ms(floor_times)
    return [
        f"{size:,}",
        f"{median_ms(first):.2f}",
        f"{median_ms(later):.3f}",
        f"{floor_ms:.3f}",
        f"{median_ms(later) / floor_ms:.1f}x",
    ]


def main() -> None:
    quick = "--quick" in sys.argv
    sizes = {10: 41, 200: 41, 2_000: 15, 20_000: 5}
    rows = [measure(size, 3 if quick else runs) for size, runs in sizes.items()]
    body = "\n\n".join(
        [
            environment("pydantic"),
            "Rerun with `python benchmarks/compile.py`. Workload: system prompt + 20 titled sections + 20 "
            "tools (pydantic input) + a Timeline of N messages. *First tick* mounts and compiles a fresh "
            "tree; *later tick* adds one message and re-renders (the history's elements are reused, so "
            "only the new message is diffed and compiled). *Floor*: the same Chat Completions payload "
            "built by hand from the same messages and `json.dumps`-ed. Target: a later tick within 3x of "
            "the floor at 200 messages, linear growth.",
            table(["messages", "first tick (ms)", "later tick (ms)", "floor (ms)", "later / floor"], rows),
        ]
    )
    print(body)
    if not quick:
        write_section("Compiler", body)


if __name__ == "__main__":
    main()
