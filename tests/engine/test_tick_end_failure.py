"""A tick-end or continuation hook that raises (docs/sessions.md, "When things fail").

The tick's messages were committed before the hook ran, so they stay: the timeline holds the
input, the assistant message and the tool message answering it; `handle.result` raises the
`ComponentError`; the session sends again and the model sees the kept messages.
"""

from __future__ import annotations

from typing import Any

import pytest

from agentick import ComponentError, create_app, h, tool, use_continuation, use_on_tick_end
from agentick.testing import create_test_model
from agentick.types import ToolResultBlock, ToolUseBlock
from tests.engine.support import assert_consistent, chat

pytestmark = pytest.mark.anyio


@tool
def lookup(key: str) -> str:
    """Look a key up."""
    return f"value of {key}"


def agent_failing_in(hook: Any, armed: dict[str, bool]) -> Any:
    def Agent() -> Any:
        def check(tick_result: Any, com: Any) -> None:
            if armed["value"]:
                raise RuntimeError("hook broke")

        hook(check)
        return chat(h(lookup))

    return Agent


@pytest.mark.parametrize("hook", [use_on_tick_end, use_continuation], ids=["tick-end", "continuation"])
async def test_a_raising_tick_end_hook_keeps_the_committed_tick_and_the_session_sends_again(hook):
    armed = {"value": True}
    model = create_test_model()
    model.respond_with([{"tool": {"name": "lookup", "input": {"key": "a"}, "id": "call-1"}}, "a is known"])
    session = await create_app(agent_failing_in(hook, armed), model=model).session()

    handle = await session.send("look up a")
    with pytest.raises(ComponentError, match=rf"^the {hook.__name__} of Agent raised RuntimeError: hook broke"):
        await handle.result

    assert handle.status == "error" and session.status == "idle"
    events = [event.type for event in handle.events]
    assert events[-2:] == ["tool_result", "execution_end"]  # no tick_end, no result
    kept = session.timeline
    assert [entry.message.role for entry in kept] == ["user", "assistant", "tool"]
    [call] = kept[1].message.content
    [answer] = kept[2].message.content
    assert isinstance(call, ToolUseBlock) and (call.tool_use_id, call.name) == ("call-1", "lookup")
    assert isinstance(answer, ToolResultBlock) and (answer.tool_use_id, answer.content[0].text) == (
        "call-1",
        "value of a",
    )
    assert {entry.execution_id for entry in kept} == {handle.execution_id}

    armed["value"] = False
    result = await session.send("and now?").result

    assert result.response == "a is known"
    assert [m.role for m in model.inputs[-1].messages] == ["system", "user", "assistant", "tool", "user"]
    assert [entry.message.text for entry in session.timeline] == [
        "look up a",
        "",
        "value of a",
        "and now?",
        "a is known",
    ]
    assert_consistent(session.timeline)
