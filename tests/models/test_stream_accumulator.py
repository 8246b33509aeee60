"""Folding stream deltas into one `ModelOutput`: chunk boundaries never change the result."""

from __future__ import annotations

import itertools
import json

import anyio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentick.models import StreamAccumulator, openai
from agentick.models.base import deltas_of
from agentick.testing.fake_openai import reply, tool_call
from agentick.types import (
    BlockDelta,
    ImageBlock,
    MediaSource,
    Message,
    MessageStartDelta,
    ModelInput,
    ModelOutput,
    ReasoningBlock,
    ReasoningDelta,
    StopDelta,
    StreamDelta,
    TextBlock,
    TextDelta,
    ToolCallDelta,
    ToolUseBlock,
    Usage,
    UsageDelta,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
arguments = st.dictionaries(st.text(max_size=8), json_values, max_size=4)


@st.composite
def split(draw: st.DrawFn, text: str) -> list[str]:
    """`text` cut at arbitrary points (empty pieces included: some servers send them)."""
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    bounds = [0, *cuts, len(text)]
    return [text[start:end] for start, end in itertools.pairwise(bounds)]


def fold(deltas: list[StreamDelta]) -> ModelOutput:
    accumulator = StreamAccumulator()
    for delta in deltas:
        accumulator.add(delta)
    return accumulator.result()


def tool_stream(call_id: str, name: str, fragments: list[str], text_pieces: list[str]) -> list[StreamDelta]:
    deltas: list[StreamDelta] = [MessageStartDelta(model="gpt-4o")]
    deltas += [TextDelta(text=piece) for piece in text_pieces]
    deltas.append(ToolCallDelta(index=0, id=call_id, name=name, arguments=fragments[0]))
    deltas += [ToolCallDelta(index=0, arguments=fragment) for fragment in fragments[1:]]
    deltas += [UsageDelta(input_tokens=12, output_tokens=7), StopDelta(reason="tool_use")]
    return deltas


@given(data=st.data(), call_input=arguments, text=st.text(max_size=20))
def test_any_split_of_the_arguments_and_text_gives_the_same_output(data, call_input, text):
    encoded = json.dumps(call_input)
    whole = fold(tool_stream("call_1", "search", [encoded], [text]))

    pieces = fold(tool_stream("call_1", "search", data.draw(split(encoded)), data.draw(split(text))))

    assert pieces == whole
    assert pieces.tool_calls[0].input == call_input
    assert pieces.text == text


@given(data=st.data(), first=arguments, second=arguments)
def test_interleaved_fragments_of_parallel_calls_are_grouped_by_index(data, first, second):
    parts = {0: data.draw(split(json.dumps(first))), 1: data.draw(split(json.dumps(second)))}
    order = data.draw(st.permutations([0] * len(parts[0]) + [1] * len(parts[1])))
    deltas: list[StreamDelta] = [
        ToolCallDelta(index=0, id="call_a", name="a", arguments=""),
        ToolCallDelta(index=1, id="call_b", name="b", arguments=""),
    ]
    for index in order:
        deltas.append(ToolCallDelta(index=index, arguments=parts[index].pop(0)))

    output = fold(deltas)

    assert [(call.id, call.input) for call in output.tool_calls] == [("call_a", first), ("call_b", second)]


def test_arguments_that_are_not_a_json_object_are_kept_raw():
    output = fold([ToolCallDelta(index=0, id="c", name="f", arguments='{"a": 1'), StopDelta(reason="tool_use")])

    assert output.tool_calls[0].input == {"_raw_arguments": '{"a": 1'}


def test_empty_arguments_are_an_empty_object():
    assert fold([ToolCallDelta(index=0, id="c", name="f")]).tool_calls[0].input == {}


def test_an_empty_stream_is_an_empty_stop():
    output = fold([])

    assert (output.message.content, output.stop_reason, output.usage.total_tokens) == ([], "stop", 0)


def test_the_model_that_answered_replaces_the_requested_one():
    accumulator = StreamAccumulator(model="gpt-4o")
    accumulator.add(MessageStartDelta(model="gpt-4o-2024-08-06"))

    assert accumulator.result().model == "gpt-4o-2024-08-06"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), call_input=arguments)
def test_any_split_sent_by_a_server_gives_the_same_output(fake_openai, data, call_input):
    encoded = json.dumps(call_input)
    fragments = data.draw(split(encoded))
    fake_openai.respond_with(reply(tool_calls=[tool_call("search", encoded, id="c1")], chunk_size=len(encoded) + 1))
    fake_openai.respond_with(reply(tool_calls=[tool_call("search", fragments, id="c1")]))
    model = openai(api_key="k", base_url=fake_openai.base_url, max_retries=0)
    model_input = ModelInput(messages=[{"role": "user", "content": "find"}])

    async def both() -> tuple[ModelOutput, ModelOutput]:
        try:
            return await model.generate(model_input), await model.generate(model_input)
        finally:
            await model.aclose()

    whole, pieces = anyio.run(both)

    assert pieces == whole
    assert pieces.tool_calls[0].input == call_input


def test_add_returns_each_delta_as_kept_repaired_once_on_its_way_in():
    accumulator = StreamAccumulator("m")
    clean = TextDelta(text="Reading ")
    image = ImageBlock(source=MediaSource(type="url", url="https://example.com/caf\udce9.png"))

    kept = [
        accumulator.add(delta)
        for delta in (
            clean,
            TextDelta(text="caf\udce9.txt"),
            ReasoningDelta(text="a\udcff"),
            BlockDelta(block=image),
            StopDelta(reason="stop"),
        )
    ]
    output = accumulator.result()

    assert kept[0] is clean
    assert [delta.model_dump() for delta in kept[1:4]] == [
        {"type": "text", "text": "caf\ufffd.txt"},
        {"type": "reasoning", "text": "a\ufffd", "index": 0, "signature": None, "redacted": None, "provider": None},
        BlockDelta(
            block=image.model_copy(update={"source": MediaSource(type="url", url="https://example.com/caf\ufffd.png")})
        ).model_dump(),
    ]
    assert [block.model_dump() for block in output.message.content] == [
        {"type": "reasoning", "text": "a\ufffd", "signature": None, "redacted": None, "provider": None},
        {"type": "text", "text": "Reading caf\ufffd.txt"},
        kept[3].block.model_dump(),
    ]


def test_reasoning_pieces_form_one_block_per_index_with_the_signature_and_provider_they_carry():
    accumulator = StreamAccumulator("m")
    for delta in (
        ReasoningDelta(text="First ", index=0, provider="anthropic"),
        ReasoningDelta(text="thought.", index=0),
        ReasoningDelta(text="", index=0, signature="sig-1"),
        ReasoningDelta(text="", index=1, redacted="opaque", provider="anthropic"),
        ToolCallDelta(index=0, id="c1", name="look", arguments='{"q": 1}', provider_data={"gemini": {"sig": "x"}}),
        UsageDelta(input_tokens=10, output_tokens=2, cache_read_tokens=7, cache_write_tokens=3),
        UsageDelta(input_tokens=1, cache_read_tokens=1),
    ):
        accumulator.add(delta)

    output = accumulator.result()

    assert output.message.content == [
        ReasoningBlock(text="First thought.", signature="sig-1", provider="anthropic"),
        ReasoningBlock(text="", redacted="opaque", provider="anthropic"),
        ToolUseBlock(tool_use_id="c1", name="look", input={"q": 1}, provider_data={"gemini": {"sig": "x"}}),
    ]
    assert output.usage == Usage(
        input_tokens=11, output_tokens=2, total_tokens=13, cache_read_tokens=8, cache_write_tokens=3
    )


def test_deltas_of_reproduces_reasoning_metadata_provider_data_and_cache_usage():
    output = ModelOutput(
        message=Message(
            role="assistant",
            content=[
                ReasoningBlock(text="a", signature="s1", provider="anthropic"),
                ReasoningBlock(text="", redacted="r", provider="anthropic"),
                TextBlock(text="done"),
                ToolUseBlock(tool_use_id="c", name="t", input={}, provider_data={"gemini": {"thought_signature": "q"}}),
            ],
        ),
        stop_reason="tool_use",
        usage=Usage(input_tokens=5, output_tokens=1, total_tokens=6, cache_read_tokens=4, cache_write_tokens=1),
        model="m",
    )
    accumulator = StreamAccumulator()
    for delta in deltas_of(output):
        accumulator.add(delta)

    assert accumulator.result() == output
