"""What the Anthropic adapter makes of a streamed response: deltas, reasoning, tool calls, usage, stop reasons;
and whole sessions over FakeAnthropic with parallel tool calls and thinking round trips."""

from __future__ import annotations

from typing import Any

import pytest

from agentick import create_app, h, tool
from agentick.models import anthropic
from agentick.testing.fake_anthropic import FakeAnthropic, reply, signature, tool_call
from agentick.types import (
    MessageStartDelta,
    ModelInput,
    ReasoningBlock,
    ReasoningDelta,
    StopDelta,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageDelta,
)
from tests.engine.support import agent_with, chat

pytestmark = pytest.mark.anyio

HELLO = ModelInput(messages=[{"role": "user", "content": "Hi"}])


async def test_text_streams_as_deltas_with_the_model_the_server_reports(claude, fake_anthropic):
    fake_anthropic.respond_with(reply("Hello world", chunk_size=5, usage=(12, 3)))

    deltas = [delta async for delta in claude.stream(HELLO)]

    assert deltas == [
        MessageStartDelta(model="claude-sonnet-4-5-20250929"),
        TextDelta(text="Hello"),
        TextDelta(text=" worl"),
        TextDelta(text="d"),
        UsageDelta(input_tokens=12, output_tokens=3),
        StopDelta(reason="stop"),
    ]


async def test_thinking_streams_as_reasoning_with_its_signature_then_text_and_calls(claude, fake_anthropic):
    fake_anthropic.respond_with(
        reply(
            "Calling.",
            reasoning="Need both.",
            chunk_size=5,
            tool_calls=[tool_call("add", ['{"a": 1,', ' "b": 2}'], id="toolu_1"), tool_call("now", id="toolu_2")],
        )
    )

    deltas = [delta async for delta in claude.stream(HELLO)]

    thinking = dict(index=0, provider="anthropic")
    assert deltas[1:-2] == [
        ReasoningDelta(text="Need ", **thinking),
        ReasoningDelta(text="both.", **thinking),
        ReasoningDelta(text="", signature=signature(1), **thinking),
        TextDelta(text="Calli"),
        TextDelta(text="ng."),
        ToolCallDelta(index=0, id="toolu_1", name="add"),
        ToolCallDelta(index=0, arguments='{"a": 1,'),
        ToolCallDelta(index=0, arguments=' "b": 2}'),
        ToolCallDelta(index=1, id="toolu_2", name="now"),
        ToolCallDelta(index=1, arguments="{}"),
    ]
    assert deltas[-1] == StopDelta(reason="tool_use")


async def test_generate_folds_the_stream_into_one_output(claude, fake_anthropic):
    fake_anthropic.respond_with(reply("Sum.", reasoning="Add.", tool_calls=[tool_call("add", {"a": 1}, id="t")]))

    output = await claude.generate(HELLO)

    assert [block.model_dump(exclude_none=True) for block in output.message.content] == [
        {"type": "reasoning", "text": "Add.", "signature": signature(1), "provider": "anthropic"},
        {"type": "text", "text": "Sum."},
        {"type": "tool_use", "tool_use_id": "t", "name": "add", "input": {"a": 1}},
    ]
    assert (output.stop_reason, output.model) == ("tool_use", "claude-sonnet-4-5-20250929")


async def test_usage_counts_cached_input_in_the_input_tokens(claude, fake_anthropic):
    fake_anthropic.respond_with(reply("ok", usage=(1000, 20), cache_usage=(700, 200)))

    output = await claude.generate(HELLO)

    # On the wire: input_tokens 100, cache_read_input_tokens 700, cache_creation_input_tokens 200.
    assert output.usage == Usage(
        input_tokens=1000, output_tokens=20, total_tokens=1020, cache_read_tokens=700, cache_write_tokens=200
    )


@pytest.mark.parametrize(
    ("stop_reason", "reported"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("tool_use", "tool_use"),
        ("max_tokens", "max_tokens"),
        ("model_context_window_exceeded", "max_tokens"),
        ("refusal", "content_filter"),
        ("pause_turn", "pause_turn"),
    ],
)
async def test_stop_reasons_map_to_the_same_reasons_as_openai(claude, fake_anthropic, stop_reason, reported):
    fake_anthropic.respond_with(reply("x", finish_reason=stop_reason))

    output = await claude.generate(HELLO)

    assert output.stop_reason == reported


class RedactingFake(FakeAnthropic):
    """Answers with a redacted thinking block first, as Anthropic does when its safety systems flag thinking."""

    def content(self, response: Any, number: int) -> list[dict[str, Any]]:
        return [{"type": "redacted_thinking", "data": f"opaque-{number}"}, *super().content(response, number)]


async def test_redacted_thinking_becomes_a_redacted_reasoning_block_and_goes_back_as_it_came():
    with RedactingFake(reply("Hi.", reasoning="Visible."), "Again.") as server:
        claude = anthropic("claude-sonnet-4-5", api_key="k", base_url=server.base_url, max_retries=0)
        first = await claude.generate(HELLO)
        follow_up = ModelInput(messages=[*HELLO.messages, first.message, {"role": "user", "content": "More"}])
        await claude.generate(follow_up)
        await claude.aclose()

    assert first.message.content[:2] == [
        ReasoningBlock(text="", redacted="opaque-1", provider="anthropic"),
        ReasoningBlock(text="Visible.", signature=signature(1), provider="anthropic"),
    ]
    assert server.requests[1].body["messages"][1]["content"] == [
        {"type": "redacted_thinking", "data": "opaque-1"},
        {"type": "thinking", "thinking": "Visible.", "signature": signature(1)},
        {"type": "text", "text": "Hi."},
    ]


async def test_the_sdks_own_non_streaming_call_reads_the_fakes_message(fake_anthropic):
    from anthropic import AsyncAnthropic

    fake_anthropic.respond_with(reply("Hi.", reasoning="Hm.", tool_calls=[tool_call("add", {"a": 1}, id="t")]))
    async with AsyncAnthropic(api_key="k", base_url=fake_anthropic.base_url, max_retries=0) as client:
        message = await client.messages.create(
            model="claude-sonnet-4-5", max_tokens=100, messages=[{"role": "user", "content": "Hi"}]
        )

    assert [block.type for block in message.content] == ["thinking", "text", "tool_use"]
    assert message.content[0].signature == signature(1)  # type: ignore[union-attr]
    assert message.content[2].input == {"a": 1}  # type: ignore[union-attr]
    assert (message.stop_reason, message.usage.input_tokens, message.usage.output_tokens) == ("tool_use", 10, 5)


async def test_the_sdks_own_stream_helper_accumulates_the_fakes_stream(fake_anthropic):
    from anthropic import AsyncAnthropic

    fake_anthropic.respond_with(reply("Hi there.", reasoning="Hm.", tool_calls=[tool_call("add", ['{"a"', ": 1}"])]))
    client = AsyncAnthropic(api_key="k", base_url=fake_anthropic.base_url, max_retries=0)
    async with (
        client,
        client.messages.stream(
            model="claude-sonnet-4-5", max_tokens=100, messages=[{"role": "user", "content": "Hi"}]
        ) as stream,
    ):
        message = await stream.get_final_message()

    assert message.content[1].text == "Hi there."  # type: ignore[union-attr]
    assert message.content[2].input == {"a": 1}  # type: ignore[union-attr]
    assert message.stop_reason == "tool_use"


# --- sessions -----------------------------------------------------------------------------------------


@tool
async def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


@tool
async def mul(a: int, b: int) -> int:
    """Multiply two numbers."""
    return a * b


async def test_a_session_runs_parallel_tool_calls_and_sends_their_results_back_in_one_message(fake_anthropic):
    fake_anthropic.respond_with(
        reply(
            "Computing.",
            reasoning="Both at once.",
            tool_calls=[tool_call("add", {"a": 2, "b": 3}, id="t_add"), tool_call("mul", {"a": 2, "b": 3}, id="t_mul")],
        ),
        reply("5 and 6.", usage=(40, 4), cache_usage=(30, 0)),
    )
    claude = anthropic("claude-sonnet-4-5", api_key="k", base_url=fake_anthropic.base_url, max_retries=0)
    session = await create_app(agent_with(add, mul), model=claude).session()

    result = await session.send("2+3 and 2*3?").result
    await claude.aclose()

    assert result.response == "5 and 6."
    assert (result.usage.input_tokens, result.usage.cache_read_tokens) == (50, 30)
    second = fake_anthropic.requests[1].body
    assert second["system"] == [{"type": "text", "text": "You are a test agent."}]
    assert [tool["name"] for tool in second["tools"]] == ["add", "mul"]
    assert second["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "2+3 and 2*3?"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "Both at once.", "signature": signature(1)},
                {"type": "text", "text": "Computing."},
                {"type": "tool_use", "id": "t_add", "name": "add", "input": {"a": 2, "b": 3}},
                {"type": "tool_use", "id": "t_mul", "name": "mul", "input": {"a": 2, "b": 3}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "t_add", "content": [{"type": "text", "text": "5"}]},
                {"type": "tool_result", "tool_use_id": "t_mul", "content": [{"type": "text", "text": "6"}]},
            ],
        },
    ]


async def test_an_invalid_tool_input_becomes_an_error_result_the_model_can_read(fake_anthropic):
    fake_anthropic.respond_with(
        reply(tool_calls=[tool_call("add", ['{"a": 2, ', '"b": '], id="t_bad")]),  # cut-off JSON
        "Sorry.",
    )
    claude = anthropic("claude-sonnet-4-5", api_key="k", base_url=fake_anthropic.base_url, max_retries=0)
    session = await create_app(agent_with(add), model=claude).session()

    result = await session.send("add").result
    await claude.aclose()

    assert result.response == "Sorry."
    [answer] = fake_anthropic.requests[1].body["messages"][2]["content"]
    assert (answer["tool_use_id"], answer["is_error"]) == ("t_bad", True)


async def test_the_tree_can_turn_on_caching_and_thinking(fake_anthropic):
    fake_anthropic.respond_with("ok")
    claude = anthropic("claude-opus-4-5", api_key="k", base_url=fake_anthropic.base_url, max_retries=0)

    def Agent() -> Any:
        return chat(h(claude, {"cache": True, "thinking": 4096}), h(add))

    session = await create_app(Agent, model=claude).session()
    await session.send("Hi").result
    await claude.aclose()

    body = fake_anthropic.requests[0].body
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 4096}
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert body["tools"][0]["cache_control"] == {"type": "ephemeral"}
    assert "cache" not in body
