"""First-token latency of the OpenAI adapter against the bare `AsyncOpenAI` client, over loopback.

Both sides send the same request (system prompt, a 20-message conversation, three tools) to the
same local fake server and stop the clock at the first text chunk; the adapter's time includes
mapping the `ModelInput` to Chat Completions messages and turning chunks into deltas, which is the
overhead it adds. Runs alternate between the two so drift (CPU frequency, GC, the server) hits both
equally; the table reports medians and the median of the paired differences.

    python benchmarks/adapter_latency.py            # prints the table and updates docs/benchmarks.md
    python benchmarks/adapter_latency.py --runs 200 --no-write
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import openai as openai_sdk
from openai import AsyncOpenAI

from agentick.models import OpenAIModel, openai
from agentick.models.openai import chat_messages, chat_tool
from agentick.testing.fake_openai import FakeOpenAI, reply
from agentick.types import ModelInput, TextDelta

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
SECTION = "## OpenAI adapter"
MODEL = "gpt-4o-mini"
ANSWER = reply("The capital of France is Paris. " * 4, chunk_size=8, usage=(900, 40))


def workload() -> ModelInput:
    messages: list[dict[str, Any]] = [{"role": "system", "content": "You are a careful assistant. " * 20}]
    for turn in range(10):
        messages.append({"role": "user", "content": f"Question {turn}: what is {turn} + {turn}? " * 3})
        messages.append({"role": "assistant", "content": f"The answer is {2 * turn}. " * 3})
    schema = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
    tools = [{"name": f"tool_{n}", "description": f"Tool number {n}.", "input_schema": schema} for n in range(3)]
    return ModelInput(messages=messages, tools=tools, options={"temperature": 0.2})


async def adapter_run(model: OpenAIModel, model_input: ModelInput) -> float:
    start = time.perf_counter()
    first = 0.0
    async for delta in model.stream(model_input):
        if not first and isinstance(delta, TextDelta):
            first = time.perf_counter() - start
    return first


async def direct_run(client: AsyncOpenAI, request: dict[str, Any]) -> float:
    start = time.perf_counter()
    first = 0.0
    stream = await client.chat.completions.create(**request, stream=True, stream_options={"include_usage": True})
    async for chunk in stream:
        if not first and chunk.choices and chunk.choices[0].delta.content:
            first = time.perf_counter() - start
    return first


async def measure(runs: int, warmup: int) -> tuple[list[float], list[float]]:
    model_input = workload()
    request = {
        "model": MODEL,
        "messages": chat_messages(model_input.messages),  # built once: the bare client gets it for free
        "tools": [chat_tool(tool) for tool in model_input.tools],
        "temperature": 0.2,
    }
    with FakeOpenAI(default=ANSWER) as server:
        model = openai(MODEL, api_key="bench", base_url=server.base_url, max_retries=0)
        client = AsyncOpenAI(api_key="bench", base_url=server.base_url, max_retries=0)
        try:
            adapter: list[float] = []
            direct: list[float] = []
            for run in range(warmup + runs):
                if run % 2:  # alternate which side goes first
                    bare = await direct_run(client, request)
                    ours = await adapter_run(model, model_input)
                else:
                    ours = await adapter_run(model, model_input)
                    bare = await direct_run(client, request)
                if run >= warmup:
                    adapter.append(ours)
                    direct.append(bare)
        finally:
            await model.aclose()
            await client.close()
    return adapter, direct


def table(adapter: list[float], direct: list[float]) -> str:
    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.3f}"

    differences = [a - d for a, d in zip(adapter, direct, strict=True)]
    rows = [
        "| path | median first token (ms) | p90 (ms) |",
        "|---|---:|---:|",
        f"| `AsyncOpenAI` directly | {ms(statistics.median(direct))} | {ms(statistics.quantiles(direct, n=10)[-1])} |",
        f"| agentick `OpenAIModel.stream` | {ms(statistics.median(adapter))} "
        f"| {ms(statistics.quantiles(adapter, n=10)[-1])} |",
        f"| **adapter overhead** (median of paired differences) | **{ms(statistics.median(differences))}** | |",
    ]
    setup = (
        f"{len(adapter)} alternating runs after warm-up; Python {platform.python_version()}, "
        f"openai {openai_sdk.__version__}, {platform.machine()} {platform.system()}. Request: system prompt, "
        "20 messages, 3 tools; response: 128 characters in 8-character chunks from the loopback `FakeOpenAI`. "
        "The adapter's time includes mapping the `ModelInput` to Chat Completions messages (the bare client "
        "reuses a prebuilt request) and turning chunks into deltas. The bare client calls "
        "`chat.completions.create`, which runs the SDK's request transform over every message; the adapter "
        "sends its prepared body with `client.post` and skips it, so it can come out ahead (a negative "
        "overhead). Target: overhead within 1 ms. "
        "Reproduce with `python benchmarks/adapter_latency.py`."
    )
    return "\n".join([SECTION, "", setup, "", *rows, ""])


def write_section(text: str) -> None:
    """Replace this benchmark's section of docs/benchmarks.md (other sections are left alone)."""
    document = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    lines = document.splitlines()
    if SECTION in lines:
        start = lines.index(SECTION)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines[start:end] = text.rstrip("\n").splitlines() + ([""] if end < len(lines) else [])
    else:
        lines += ["", *text.rstrip("\n").splitlines()]
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text("\n".join(lines).rstrip("\n") + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    gc.collect()
    adapter, direct = anyio.run(measure, args.runs, args.warmup)
    text = table(adapter, direct)
    print(text)
    if not args.no_write:
        write_section(text)
        print(f"updated {DOCS}", file=sys.stderr)


if __name__ == "__main__":
    main()
