"""Every stream event serialises to JSON (API.md §6.5): they are streamed over SSE as they are."""

from __future__ import annotations

import datetime
import json
import typing
from typing import Any

import pydantic
import pytest

from agentick import ModelError, create_app, h, tool
from agentick.engine import events as events_module
from agentick.mcp import MCPServer
from agentick.testing import create_test_model
from agentick.types import ModelInput

from .support import chat, delegate

pytestmark = pytest.mark.anyio


class Weather(pydantic.BaseModel):
    city: str
    celsius: float


def every_event_type() -> set[str]:
    return {
        typing.get_args(cls.model_fields["type"].annotation)[0]
        for cls in vars(events_module).values()
        if isinstance(cls, type) and issubclass(cls, events_module.Event) and cls is not events_module.Event
    }


@tool(requires_confirmation=True)
def delete_file(path: str) -> str:
    """Delete a file (asks first)."""
    return f"deleted {path}"


@tool
def explode() -> str:
    """Always fails."""
    raise OSError("disk is full")


def with_options(model: Any) -> Any:
    def Agent() -> Any:  # options a user may render: a pydantic class, a date, a tuple, a function
        options = {"response_format": Weather, "metadata": {"day": datetime.date(2025, 1, 2)}, "stop": ("\n",)}
        unreachable = h(MCPServer, {"name": "missing", "command": "/nonexistent/mcp-server"})  # an mcp_error event
        return chat(h(model, {**options, "logit_bias_fn": len}), h(delete_file), h(explode), h(delegate), unreachable)

    return Agent


def as_json(event: Any) -> Any:
    return json.loads(event.model_dump_json())


async def test_every_event_of_every_kind_of_execution_serialises_to_json():
    model = create_test_model(streaming=True)
    model.respond_with(
        [
            [
                {"reasoning": "Three things to do."},
                {"text": "On it."},
                {"tool": {"name": "delete_file", "input": {"path": "a.txt"}}},
                {"tool": {"name": "explode", "input": {}}},
                {"tool": {"name": "delegate", "input": {"task": "Summarise"}}},
            ],
            "A summary.",  # the helper's answer, while the tools run
            '{"city": "Oslo", "celsius": 3.5}',
        ]
    )
    session = await create_app(with_options(model), model=model).session()
    seen: list[Any] = []

    handle = await session.send("Tidy up")
    async for event in handle:
        seen.append(event)
        if event.type == "tool_confirmation_required":
            handle.submit_tool_result(event.call_id, approved=False, reason="not today")
    await handle.result

    aborted = await session.send("Again")
    aborted.abort("changed my mind")
    seen += [event async for event in aborted]
    model.set_error(ModelError("the server is down"))
    failed = await session.send("Once more")
    seen += [event async for event in failed]

    serialised = [as_json(event) for event in seen]
    assert every_event_type() - {event["type"] for event in serialised} == set()
    assert {(e["type"], e.get("status")) for e in serialised if e["type"] == "execution_end"} == {
        ("execution_end", "completed"),
        ("execution_end", "aborted"),
        ("execution_end", "error"),
    }
    [compiled] = [e for e in serialised if e["type"] == "compiled"][:1]
    assert compiled["model_input"]["options"] == {
        "response_format": {"type": "json_schema", "name": "Weather", "schema": Weather.model_json_schema()},
        "metadata": {"day": "2025-01-02"},
        "stop": ["\n"],
        "logit_bias_fn": "builtins.len",
    }


def test_model_input_options_in_json_keep_plain_values_and_name_the_rest():
    class Opaque:
        def __repr__(self) -> str:
            return "<Opaque>"

    model_input = ModelInput(options={"temperature": 0.2, "tools": [Weather], "kind": Opaque, "thing": Opaque()})

    assert json.loads(model_input.model_dump_json())["options"] == {
        "temperature": 0.2,
        "tools": [{"type": "json_schema", "name": "Weather", "schema": Weather.model_json_schema()}],
        "kind": f"{__name__}.test_model_input_options_in_json_keep_plain_values_and_name_the_rest.<locals>.Opaque",
        "thing": "<Opaque>",
    }
    assert model_input.model_dump()["options"]["kind"] is Opaque  # Python mode keeps the objects
