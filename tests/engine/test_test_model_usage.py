"""The test model's input-token estimate: characters of the text blocks / 4 (+1), on every call,
however the messages change between calls (it measures only messages it has not seen in place)."""

from __future__ import annotations

import pytest

from agentick import Fragment, System, Timeline, create_app, h, tool
from agentick.testing import create_test_model
from agentick.types import Message, ModelInput, ReasoningBlock, TextBlock, ToolUseBlock

pytestmark = pytest.mark.anyio


def expected(messages: list[Message]) -> int:
    return (
        sum(len(block.text) for message in messages for block in message.content if type(block) is TextBlock) // 4 + 1
    )


def text(role: str, content: str) -> Message:
    return Message(role=role, content=content)  # type: ignore[arg-type]


async def test_the_estimate_follows_growing_replaced_shrinking_and_shifted_inputs():
    model = create_test_model()
    history = [text("user" if i % 2 == 0 else "assistant", f"message number {i} " * (i % 5 + 1)) for i in range(40)]
    calls = [
        [text("system", "be brief"), *history[:10]],
        [text("system", "be brief, please"), *history[:12]],  # a new system message, two more
        [text("system", "be brief, please"), *history[:12]],  # all new objects at position 0
        history[2:14],  # shifted: a sliding window
        history[2:5],  # shrunk
        [],
        [
            Message(
                role="assistant",
                content=[
                    ReasoningBlock(text="not counted"),
                    TextBlock(text="counted"),
                    ToolUseBlock(tool_use_id="c", name="t"),
                ],
            ),
            *history,
        ],
    ]

    for messages in calls:
        output = await model.generate(ModelInput(messages=messages))
        assert output.usage.input_tokens == expected(messages)

    edited = list(calls[-1])
    edited[5] = text("user", "x" * 400)  # another object at an old position is measured again
    assert (await model.generate(ModelInput(messages=edited))).usage.input_tokens == expected(edited)

    model.inputs.clear()  # the previous call's messages are gone: everything is measured again
    assert (await model.generate(ModelInput(messages=history[:3]))).usage.input_tokens == expected(history[:3])
    model.set_error(RuntimeError("down"))
    with pytest.raises(RuntimeError):
        await model.generate(ModelInput(messages=history))  # recorded, not measured
    model.set_error(None)
    assert (await model.generate(ModelInput(messages=history[5:9]))).usage.input_tokens == expected(history[5:9])


async def test_each_tick_of_an_execution_reports_the_estimate_of_what_the_model_received():
    model = create_test_model().respond_with([{"tool": {"name": "noop", "input": {}, "id": "c1"}}, "done"])

    def noop() -> str:
        return "nothing to report"

    def Agent():
        return h(Fragment, None, h(System, None, "You help."), h(tool(noop, name="noop")), h(Timeline, {"limit": 6}))

    session = await create_app(Agent, model=model).session()
    history = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i}"} for i in range(9)]
    result = await session.send(messages=[*history, {"role": "user", "content": "go"}]).result
    again = await session.send("and again").result
    await session.close()

    first, second, third = (expected(model_input.messages) for model_input in model.inputs)
    assert result.usage.input_tokens == first + second
    assert again.usage.input_tokens == third
    assert result.usage.ticks == 2 and again.usage.ticks == 1
