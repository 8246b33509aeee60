"""The agent workload the compiler and engine benchmarks share: a ~60-word system prompt and 20
tools with two typed arguments (the same shape benchmarks/peers.py gives every framework)."""

from __future__ import annotations

from pydantic import BaseModel

from agentick import create_tool

SYSTEM = (
    "You are a meticulous travel assistant. You help people plan trips, compare options, and book "
    "transport and lodging. Ask clarifying questions when the request is ambiguous, prefer concrete "
    "recommendations with prices, and always confirm before booking anything on the user's behalf."
)


class Arguments(BaseModel):
    city: str
    days: int


async def _lookup(arguments: Arguments) -> str:
    return f"{arguments.city}: sunny for {arguments.days} days"


TOOLS = [
    create_tool(
        name=f"tool_{i}", description=f"Look up travel fact number {i} for a city.", input=Arguments, handler=_lookup
    )
    for i in range(20)
]


def chat_tools() -> list[dict[str, object]]:
    """The tools as a Chat Completions request lists them (for the hand-built floor)."""
    return [
        {"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.input_schema}}
        for t in TOOLS
    ]
