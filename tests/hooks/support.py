"""Agents, stores and readers shared by the hook tests."""

from __future__ import annotations

from typing import Any

from agentick import Fragment, SendResult, System, Timeline, h
from agentick.testing import TestModel, render_agent
from agentick.types import ModelInput, ToolResultBlock


def chat(*children: Any, system: str = "You are a test agent.") -> Any:
    return h(Fragment, None, h(System, None, system), *children, h(Timeline))


def system_of(model_input: ModelInput) -> str:
    first = model_input.messages[0]
    assert first.role == "system", f"no system message in {model_input.messages!r:.200}"
    return first.text


def tool_results(result: SendResult) -> list[ToolResultBlock]:
    return [block for entry in result.timeline for block in entry.message.content if isinstance(block, ToolResultBlock)]


def calls(*arguments: dict[str, Any], then: str = "done") -> list[Any]:
    """A script: one set_knob call per model turn, then a text answer."""
    return [*({"tool": {"name": "set_knob", "input": a}} for a in arguments), then]


async def set_knob_results(agent: Any, *arguments: dict[str, Any], model: TestModel | None = None) -> list[Any]:
    """Send one message to `agent` while the model calls set_knob with each of `arguments`; returns
    `(text, is_error)` of each result."""
    harness = await render_agent(agent, model=model)
    harness.model.respond_with(calls(*arguments))
    result = await harness.send("go")
    return [(block.content[0].text, block.is_error) for block in tool_results(result)]


class DictStore:
    """A custom store: any object with async save/load/delete."""

    def __init__(self) -> None:
        self.snapshots: dict[str, dict[str, Any]] = {}

    async def save(self, id: str, snapshot: dict[str, Any]) -> None:
        self.snapshots[id] = snapshot

    async def load(self, id: str) -> dict[str, Any] | None:
        return self.snapshots.get(id)

    async def delete(self, id: str) -> None:
        self.snapshots.pop(id, None)
