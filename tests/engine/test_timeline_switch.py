"""A `<Timeline>` whose options change between renders keeps working (its hooks never change order)."""

from __future__ import annotations

from typing import Any

import pytest

from agentick import System, Timeline, create_app, h, tool
from agentick.testing import create_test_model

pytestmark = pytest.mark.anyio


def Agent(timeline: dict[str, Any] | None = None) -> Any:
    return [h(System, None, "s"), h(Timeline, timeline)]


async def test_switching_between_the_whole_timeline_and_options_renders_each_time():
    model = create_test_model()
    session = await create_app(Agent, model=model).session()
    sent = []
    for text, options in [
        ("one", None),
        ("two", {"limit": 1}),
        ("three", None),
        ("four", {"roles": ["user"], "max_tokens": 1000}),
        ("five", {}),
    ]:
        await session.send(text, props={"timeline": options}).result
        sent.append([m.text for m in model.inputs[-1].messages[1:]])

    assert sent == [
        ["one"],
        ["Test response", "two"],
        ["one", "Test response", "two", "Test response", "three"],
        ["one", "two", "three", "four"],
        ["one", "Test response", "two", "Test response", "three", "Test response", "four", "Test response", "five"],
    ]


async def test_a_filter_is_applied_afresh_every_render():
    hidden = {"word": "alpha"}

    @tool
    def hide(word: str) -> str:
        """Hide messages containing a word."""
        hidden["word"] = word
        return "hidden"

    def Filtered() -> Any:
        return [
            h(System, None, "s"),
            h(hide),
            h(Timeline, {"filter": lambda entry: hidden["word"] not in entry.message.text}),
        ]

    model = create_test_model()
    session = await create_app(Filtered, model=model).session()
    await session.send("alpha one").result
    await session.send("beta two").result
    model.respond_with([{"tool": {"name": "hide", "input": {"word": "beta"}}}, "done"])
    await session.send("three").result

    first, second = (m[1:] for m in (model.inputs[-2].messages, model.inputs[-1].messages))
    assert [m.text for m in first] == ["Test response", "beta two", "Test response", "three"]
    assert [m.text for m in second] == ["alpha one", "Test response", "Test response", "three", "", "hidden"]
