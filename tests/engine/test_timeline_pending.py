"""`<Timeline>` sends the current execution's messages as they grow tick by tick (it extends what it
worked out on the previous tick instead of re-reading them all), and starts afresh every execution."""

from __future__ import annotations

from typing import Any

import pytest

from agentick import System, Timeline, create_app, h, tool
from agentick.testing import create_test_model

pytestmark = pytest.mark.anyio


@tool
def note(text: str) -> str:
    """Note something down."""
    return f"noted {text}"


def Agent() -> Any:
    return [h(System, None, "s"), h(note), h(Timeline)]


def sent(model: Any, last: int) -> list[list[tuple[str, str]]]:
    return [[(m.role, m.text) for m in i.messages] for i in model.inputs[-last:]]


async def test_every_tick_sends_the_whole_execution_so_far_and_the_next_execution_starts_afresh():
    model = create_test_model()
    session = await create_app(Agent, model=model).session()
    await session.send("earlier").result
    model.respond_with(
        [{"tool": {"name": "note", "input": {"text": "a"}}}, {"tool": {"name": "note", "input": {"text": "b"}}}, "done"]
    )
    # A system message in the input joins the system prompt on every tick; an empty message is not sent.
    given = [{"role": "system", "content": "extra"}, {"role": "user", "content": []}]
    await session.send(messages=[*given, {"role": "user", "content": "now"}]).result

    system = ("system", "s\n\nextra")
    before = [("user", "earlier"), ("assistant", "Test response"), ("user", "now")]
    call_a, call_b = [("assistant", ""), ("tool", "noted a")], [("assistant", ""), ("tool", "noted b")]
    assert sent(model, 3) == [[system, *before], [system, *before, *call_a], [system, *before, *call_a, *call_b]]

    await session.send("later").result
    # The earlier execution's system message is history now: it still joins the system prompt,
    # and its entries are sent once, as history.
    assert sent(model, 1) == [[system, *before, *call_a, *call_b, ("assistant", "done"), ("user", "later")]]
