"""The OpenAI adapter through the real `openai` client against the loopback server: streaming and requests."""

from __future__ import annotations

import gc
import threading
import warnings
from contextlib import aclosing
from typing import Any

import anyio
import pydantic
import pytest

from agentick.errors import ModelError
from agentick.models import OpenAIModel, StreamAccumulator, openai
from agentick.testing.fake_openai import FakeOpenAI, reply, tool_call
from agentick.types import (
    MessageStartDelta,
    ModelInput,
    ModelOutput,
    ReasoningBlock,
    ReasoningDelta,
    StopDelta,
    StreamDelta,
    TextDelta,
    ToolCallDelta,
    ToolUseBlock,
    UsageDelta,
)

pytestmark = pytest.mark.anyio

HELLO = ModelInput(messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])


async def collect(model: OpenAIModel, model_input: ModelInput = HELLO) -> list[StreamDelta]:
    return [delta async for delta in model.stream(model_input)]


async def sent_body(model: OpenAIModel, server: FakeOpenAI, model_input: ModelInput = HELLO) -> dict[str, Any]:
    server.respond_with("ok")
    await model.generate(model_input)
    body = server.requests[-1].body
    assert isinstance(body, dict)
    return body


# --- streaming ---------------------------------------------------------------------------------------


async def test_text_streams_as_deltas_with_the_model_id_the_server_reports(gpt, fake_openai):
    fake_openai.respond_with(reply("Hello world!", chunk_size=5, usage=(21, 3)))

    deltas = await collect(gpt)

    assert deltas[0] == MessageStartDelta(model="gpt-4o-mini-2024-07-18")
    assert [d.text for d in deltas if isinstance(d, TextDelta)] == ["Hello", " worl", "d!"]
    assert deltas[-2:] == [UsageDelta(input_tokens=21, output_tokens=3), StopDelta(reason="stop")]


async def test_the_first_text_arrives_while_the_server_is_still_streaming(gpt, fake_openai):
    release = threading.Event()
    fake_openai.respond_with(reply("Hello world", chunk_size=5, hold=release, hold_after=2))

    received: list[StreamDelta] = []
    held_at_first_text = None
    async for delta in gpt.stream(HELLO):
        received.append(delta)
        if isinstance(delta, TextDelta) and held_at_first_text is None:
            held_at_first_text = not release.is_set()
            release.set()

    assert held_at_first_text  # the server was still holding the rest when the first text reached us
    assert "".join(d.text for d in received if isinstance(d, TextDelta)) == "Hello world"


async def test_generate_accumulates_the_stream(gpt, fake_openai):
    fake_openai.respond_with(reply("Paris.", usage=(30, 2), model="gpt-4o-mini-2024-07-18"))

    output = await gpt.generate(HELLO)

    assert output.text == "Paris."
    assert output.model == "gpt-4o-mini-2024-07-18"
    assert (output.usage.input_tokens, output.usage.output_tokens, output.usage.total_tokens) == (30, 2, 32)
    assert output.stop_reason == "stop"


async def test_tool_call_arguments_split_across_chunks_are_reassembled(gpt, fake_openai):
    fragments = ['{"ci', 'ty": "Pa', 'ris", "days"', ": 3}"]
    fake_openai.respond_with(reply(tool_calls=[tool_call("weather", fragments, id="call_abc")]))

    deltas = await collect(gpt)

    calls = [d for d in deltas if isinstance(d, ToolCallDelta)]
    assert [c.arguments for c in calls] == ["", *fragments]
    assert {c.id for c in calls} == {"call_abc"}  # the id is repeated on fragments that do not carry it
    assert calls[0].name == "weather"
    output = fold(deltas)
    assert output.message.content == [
        ToolUseBlock(tool_use_id="call_abc", name="weather", input={"city": "Paris", "days": 3})
    ]
    assert output.stop_reason == "tool_use"


def fold(deltas: list[StreamDelta]) -> ModelOutput:
    accumulator = StreamAccumulator()
    for delta in deltas:
        accumulator.add(delta)
    return accumulator.result()


async def test_parallel_tool_calls_keep_their_order_and_ids(gpt, fake_openai):
    fake_openai.respond_with(
        reply(
            "Checking both.",
            tool_calls=[
                tool_call("add", {"a": 1, "b": 2}, id="call_1"),
                tool_call("mul", {"a": 3, "b": 4}, id="call_2"),
            ],
            chunk_size=3,
        )
    )

    output = await gpt.generate(HELLO)

    assert output.text == "Checking both."
    assert [(c.id, c.name, c.input) for c in output.tool_calls] == [
        ("call_1", "add", {"a": 1, "b": 2}),
        ("call_2", "mul", {"a": 3, "b": 4}),
    ]


async def test_interleaved_streams_on_one_model_keep_their_tool_call_ids_apart(gpt, fake_openai):
    release = threading.Event()
    fake_openai.respond_with(
        reply(tool_calls=[tool_call("a", ['{"x"', ": 1}"], id="call_first")], hold=release, hold_after=2),
        reply(tool_calls=[tool_call("b", ['{"y"', ": 2}"], id="call_second")]),
    )

    first = gpt.stream(HELLO)
    first_deltas = [await anext(first)]  # the first response is now held mid-stream by the server
    second = await gpt.generate(HELLO)
    release.set()
    first_deltas += [delta async for delta in first]

    assert [(c.id, c.input) for c in fold(first_deltas).tool_calls] == [("call_first", {"x": 1})]
    assert [(c.id, c.input) for c in second.tool_calls] == [("call_second", {"y": 2})]


async def test_reasoning_content_from_compatible_servers_becomes_reasoning(gpt, fake_openai):
    fake_openai.respond_with(reply("42", reasoning="Six times seven."))

    deltas = await collect(gpt)
    output = fold(deltas)

    assert "".join(d.text for d in deltas if isinstance(d, ReasoningDelta)) == "Six times seven."
    assert output.message.content[0] == ReasoningBlock(text="Six times seven.")
    assert output.text == "42"


@pytest.mark.parametrize(
    ("finish_reason", "stop_reason"),
    [("stop", "stop"), ("length", "max_tokens"), ("content_filter", "content_filter"), ("function_call", "tool_use")],
)
async def test_finish_reasons_map_to_stop_reasons(gpt, fake_openai, finish_reason, stop_reason):
    fake_openai.respond_with(reply("x", finish_reason=finish_reason))

    assert (await gpt.generate(HELLO)).stop_reason == stop_reason


async def test_a_stream_without_usage_reports_none(gpt, fake_openai):
    fake_openai.respond_with(reply("x", usage=None))

    deltas = await collect(gpt)

    assert not [d for d in deltas if isinstance(d, UsageDelta)]
    assert deltas[-1] == StopDelta(reason="stop")


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_streaming_works_under_trio(fake_openai):
    model = openai(api_key="test-key", base_url=fake_openai.base_url, max_retries=0)
    fake_openai.respond_with(reply("from trio"))

    output = await model.generate(HELLO)
    await model.aclose()

    assert output.text == "from trio"


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_streams_left_early_failing_or_cancelled_close_their_responses(fake_openai):
    release = threading.Event()
    fake_openai.respond_with(
        reply("abcdefgh", chunk_size=1),
        reply("Hello", error_after=2),
        reply("Hello world", chunk_size=2, drop_after=3),
        reply("held back", hold=release, hold_after=1),
        "still works",
    )
    model = openai(api_key="test-key", base_url=fake_openai.base_url, max_retries=0)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with aclosing(model.stream(HELLO)) as deltas:
            async for _ in deltas:
                break  # the consumer has seen enough
        with pytest.raises(ModelError, match="reported an error in its response stream"):
            await model.generate(HELLO)
        with pytest.raises(ModelError, match="was cut off"):
            await model.generate(HELLO)
        with anyio.CancelScope() as scope:  # an abort while the server holds the stream
            async with aclosing(model.stream(HELLO)) as deltas:
                async for _ in deltas:
                    scope.cancel()
        release.set()
        last = await model.generate(HELLO)
        await model.aclose()
        gc.collect()

    assert last.text == "still works"
    assert [str(warning.message) for warning in caught if issubclass(warning.category, ResourceWarning)] == []


# --- the client -------------------------------------------------------------------------------------


async def test_the_client_is_created_once_and_reused(gpt, fake_openai):
    fake_openai.respond_with("a", "b")

    await gpt.generate(HELLO)
    client = gpt.client()
    await gpt.generate(HELLO)

    assert gpt.client() is client
    assert len(fake_openai.requests) == 2


async def test_api_key_and_base_url_come_from_the_environment(fake_openai, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "env-key")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    model = openai("gpt-4o")
    fake_openai.respond_with("from env")

    output = await model.generate(HELLO)
    await model.aclose()

    assert output.text == "from env"
    assert fake_openai.requests[0].headers["authorization"] == "Bearer env-key"


async def test_arguments_win_over_the_environment(fake_openai, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "env-key")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    model = openai(api_key="argument-key", base_url=fake_openai.base_url)
    fake_openai.respond_with("ok")

    await model.generate(HELLO)
    await model.aclose()

    assert fake_openai.requests[0].headers["authorization"] == "Bearer argument-key"


async def test_a_missing_api_key_fails_on_the_first_call_naming_the_variable():
    model = openai("gpt-4o")  # constructing it is fine: an agent module can define it without a key

    with pytest.raises(ModelError, match="OPENAI_API_KEY") as raised:
        await model.generate(HELLO)

    assert "gpt-4o" in str(raised.value)


async def test_a_compatible_server_needs_no_api_key(fake_openai):
    model = openai("llama3", base_url=fake_openai.base_url)
    fake_openai.respond_with("local")

    assert (await model.generate(HELLO)).text == "local"
    await model.aclose()


async def test_a_client_passed_in_is_used_and_left_open(fake_openai):
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key="own-key", base_url=fake_openai.base_url, max_retries=0)
    model = OpenAIModel("gpt-4o", client=client)
    fake_openai.respond_with("ok", "still open")

    await model.generate(HELLO)
    await model.aclose()
    second = await model.generate(HELLO)
    await client.close()

    assert second.text == "still open"
    assert model.client() is client
    assert model.base_url == fake_openai.base_url


def test_metadata_comes_from_the_catalog_unless_overridden():
    assert openai("gpt-4o-mini").metadata.model_dump() == {
        "id": "gpt-4o-mini",
        "provider": "openai",
        "context_window": 128_000,
        "max_output_tokens": 16_384,
    }
    custom = OpenAIModel("my-finetune", context_window=32_000, max_output_tokens=2_000)
    assert (custom.metadata.context_window, custom.metadata.max_output_tokens) == (32_000, 2_000)
    assert openai("llama3").metadata.context_window is None


# --- the request -----------------------------------------------------------------------------------


async def test_the_request_streams_with_usage_and_names_the_model(gpt, fake_openai):
    body = await sent_body(gpt, fake_openai)

    assert fake_openai.requests[-1].path == "/v1/chat/completions"
    assert fake_openai.requests[-1].headers["authorization"] == "Bearer test-key"
    assert body["model"] == "gpt-4o-mini"
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert "tools" not in body


async def test_options_from_the_constructor_and_the_tree_are_sent_tree_first(fake_openai):
    model = openai(api_key="k", base_url=fake_openai.base_url, temperature=0.7, top_p=0.9, seed=7)
    model_input = HELLO.model_copy(
        update={
            "options": {
                "temperature": 0.2,
                "max_tokens": 64,
                "stop": ["\n\n"],
                "top_p": None,
                "logit_bias": {"50256": -100},
            }
        }
    )

    body = await sent_body(model, fake_openai, model_input)
    await model.aclose()

    assert body["temperature"] == 0.2
    assert body["max_tokens"] == 64
    assert body["stop"] == ["\n\n"]
    assert body["seed"] == 7
    assert "top_p" not in body  # None means "not set", so the server default applies
    assert body["logit_bias"] == {"50256": -100}  # unknown options pass through


@pytest.mark.parametrize("model_id", ["o3-mini", "o1", "gpt-5", "gpt-5-mini-2025-08-07", "openai/o4-mini"])
async def test_reasoning_models_get_max_completion_tokens(fake_openai, model_id):
    model = openai(model_id, api_key="k", base_url=fake_openai.base_url)

    body = await sent_body(model, fake_openai, HELLO.model_copy(update={"options": {"max_tokens": 500}}))
    await model.aclose()

    assert body["max_completion_tokens"] == 500
    assert "max_tokens" not in body


async def test_a_string_model_option_selects_another_model(gpt, fake_openai):
    body = await sent_body(gpt, fake_openai, HELLO.model_copy(update={"options": {"model": "gpt-4.1"}}))

    assert body["model"] == "gpt-4.1"


async def test_tools_are_sent_as_functions(gpt, fake_openai):
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    model_input = ModelInput(
        messages=HELLO.messages,
        tools=[{"name": "square", "description": "Square a number.", "input_schema": schema}, {"name": "now"}],
        options={"tool_choice": "square", "parallel_tool_calls": False},
    )

    body = await sent_body(gpt, fake_openai, model_input)

    assert body["tools"] == [
        {"type": "function", "function": {"name": "square", "parameters": schema, "description": "Square a number."}},
        {"type": "function", "function": {"name": "now", "parameters": {"type": "object", "properties": {}}}},
    ]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "square"}}
    assert body["parallel_tool_calls"] is False


class Answer(pydantic.BaseModel):
    city: str


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ({"type": "json"}, {"type": "json_object"}),
        (
            {"type": "json_schema", "schema": {"type": "object"}, "name": "thing", "strict": True},
            {"type": "json_schema", "json_schema": {"name": "thing", "schema": {"type": "object"}, "strict": True}},
        ),
        (
            Answer,
            {"type": "json_schema", "json_schema": {"name": "Answer", "schema": Answer.model_json_schema()}},
        ),
        ({"type": "json_object"}, {"type": "json_object"}),
    ],
)
async def test_response_format_shorthands(gpt, fake_openai, given, sent):
    body = await sent_body(gpt, fake_openai, HELLO.model_copy(update={"options": {"response_format": given}}))

    assert body["response_format"] == sent


async def test_text_only_messages_are_strings_and_code_and_json_are_fenced(gpt, fake_openai):
    model_input = ModelInput(
        messages=[
            {"role": "system", "content": "Rules."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Fix this:"},
                    {"type": "code", "text": "print(1", "language": "python"},
                    {"type": "json", "text": '{"a": 1}', "data": {"a": 1}},
                    {"type": "reasoning", "text": "not sent"},
                ],
            },
        ]
    )

    body = await sent_body(gpt, fake_openai, model_input)

    assert body["messages"] == [
        {"role": "system", "content": "Rules."},
        {"role": "user", "content": 'Fix this:\n```python\nprint(1\n```\n```json\n{"a": 1}\n```'},
    ]


async def test_images_become_image_url_parts(gpt, fake_openai):
    model_input = ModelInput(
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Compare"},
                    {"type": "image", "source": "https://example.com/a.png"},
                    {"type": "image", "source": {"type": "base64", "data": "iVBORw0KGgo=", "media_type": "image/png"}},
                ],
            }
        ]
    )

    body = await sent_body(gpt, fake_openai, model_input)

    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "Compare"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ]


async def test_a_base64_image_without_media_type_is_refused_before_any_request(gpt, fake_openai):
    model_input = ModelInput(
        messages=[{"role": "user", "content": [{"type": "image", "source": {"type": "base64", "data": "AAAA"}}]}]
    )

    with pytest.raises(ModelError, match="media_type"):
        await gpt.generate(model_input)

    assert fake_openai.requests == []


async def test_tool_calls_and_results_map_to_assistant_tool_calls_and_tool_messages_in_order(gpt, fake_openai):
    model_input = ModelInput(
        messages=[
            {"role": "user", "content": "Add and multiply."},
            {
                "role": "assistant",
                "content": [
                    {"type": "reasoning", "text": "two tools"},
                    {"type": "tool_use", "tool_use_id": "call_1", "name": "add", "input": {"a": 1, "b": 2}},
                    {"type": "tool_use", "tool_use_id": "call_2", "name": "mul", "input": {}},
                ],
            },
            {
                "role": "tool",
                "content": [
                    {"type": "tool_result", "tool_use_id": "call_1", "name": "add", "content": "3"},
                    {
                        "type": "tool_result",
                        "tool_use_id": "call_2",
                        "name": "mul",
                        "content": "bad input",
                        "is_error": True,
                    },
                ],
            },
        ]
    )

    body = await sent_body(gpt, fake_openai, model_input)

    assert body["messages"][1:] == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'}},
                {"id": "call_2", "type": "function", "function": {"name": "mul", "arguments": "{}"}},
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "3"},
        {"role": "tool", "tool_call_id": "call_2", "content": "Error: bad input"},
    ]


async def test_images_returned_by_a_tool_follow_its_results_in_a_user_message(gpt, fake_openai):
    model_input = ModelInput(
        messages=[
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Taking a screenshot."},
                    {"type": "tool_use", "tool_use_id": "call_1", "name": "screenshot", "input": {}},
                ],
            },
            {
                "role": "tool",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "call_1",
                        "name": "screenshot",
                        "content": [
                            {"type": "text", "text": "done"},
                            {"type": "image", "source": "https://x.test/s.png"},
                        ],
                    }
                ],
            },
        ]
    )

    body = await sent_body(gpt, fake_openai, model_input)

    assert body["messages"] == [
        {
            "role": "assistant",
            "content": "Taking a screenshot.",
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "screenshot", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "done"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Attachments returned by screenshot:"},
                {"type": "image_url", "image_url": {"url": "https://x.test/s.png"}},
            ],
        },
    ]


async def test_an_empty_tool_result_still_answers_the_call(gpt, fake_openai):
    model_input = ModelInput(
        messages=[
            {"role": "assistant", "content": [{"type": "tool_use", "tool_use_id": "c", "name": "noop", "input": {}}]},
            {"role": "tool", "content": [{"type": "tool_result", "tool_use_id": "c", "name": "noop", "content": []}]},
        ]
    )

    body = await sent_body(gpt, fake_openai, model_input)

    assert body["messages"][1] == {"role": "tool", "tool_call_id": "c", "content": "(no output)"}


async def test_rendering_the_model_in_a_tree_sets_its_options_for_the_request(fake_openai):
    from agentick import Fragment, System, Timeline, compile_element, h

    gpt = openai("gpt-4o", api_key="k", base_url=fake_openai.base_url, temperature=0.7, seed=1)
    tree = h(Fragment, None, h(System, None, "Be brief."), h(gpt, {"temperature": 0.2}), h(Timeline))
    compiled = compile_element(tree, messages=[{"role": "user", "content": "Hi"}])

    body = await sent_body(gpt, fake_openai, compiled.model_input)
    await gpt.aclose()

    assert (body["temperature"], body["seed"]) == (0.2, 1)
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
