"""Agents, models and checks shared by the engine tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio

from agentick import Fragment, System, Timeline, h, tool
from agentick.models import BaseModel
from agentick.testing import TestModel
from agentick.types import (
    ModelInput,
    ModelMetadata,
    StreamDelta,
    TextDelta,
    TimelineEntry,
    ToolResultBlock,
    ToolUseBlock,
)


def chat(*children: Any, system: str = "You are a test agent.") -> Any:
    return h(Fragment, None, h(System, None, system), *children, h(Timeline))


def agent_with(*tools: Any) -> Any:
    def Agent() -> Any:
        return chat(*[h(t) for t in tools])

    return Agent


class CheckpointModel(TestModel):
    """A streaming test model that yields to the event loop between deltas, so an abort can land
    between any two of them."""

    async def stream(self, model_input: ModelInput) -> AsyncIterator[StreamDelta]:
        async for delta in super().stream(model_input):
            await anyio.lowlevel.checkpoint()
            yield delta


class BrokenStreamModel(BaseModel):
    """Streams some text, then fails: a connection dropped mid-answer."""

    def __init__(self) -> None:
        super().__init__(ModelMetadata(id="broken", provider="test"))
        self.calls = 0

    async def stream(self, model_input: ModelInput) -> AsyncIterator[StreamDelta]:
        self.calls += 1
        yield TextDelta(text="partial ans")
        raise ConnectionError("stream cut after 11 characters")


def assert_consistent(entries: list[TimelineEntry]) -> None:
    """Every tool call is answered by the very next message, and every tool result by a call."""
    for index, entry in enumerate(entries):
        message = entry.message
        calls = [b.tool_use_id for b in message.content if isinstance(b, ToolUseBlock)]
        if calls:
            following = entries[index + 1].message if index + 1 < len(entries) else None
            assert following is not None and following.role == "tool", f"call {calls} has no result message"
            answered = [b.tool_use_id for b in following.content if isinstance(b, ToolResultBlock)]
            assert answered == calls
        if message.role == "tool":
            previous = entries[index - 1].message
            called = [b.tool_use_id for b in previous.content if isinstance(b, ToolUseBlock)]
            assert [b.tool_use_id for b in message.content if isinstance(b, ToolResultBlock)] == called


def Child() -> Any:
    """The agent `delegate` spawns."""
    return chat(system="You are a helper.")


@tool
async def delegate(task: str, com: Any) -> str:
    """Hand a task to a helper agent."""
    handle = await com.spawn(Child, task)
    return (await handle.result).response
