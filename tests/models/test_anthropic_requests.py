"""What the Anthropic adapter sends: exact Messages API bodies, as FakeAnthropic received them from the real SDK."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from agentick import Fragment, System, Timeline, compile_element, h
from agentick.errors import ModelError
from agentick.models import AnthropicModel, anthropic
from agentick.types import ModelInput, OutputRequest

pytestmark = pytest.mark.anyio

HELLO = ModelInput(messages=[{"role": "user", "content": "Hi"}])


def hello(**fields: Any) -> ModelInput:
    """HELLO with more fields (validated, so dicts become tools and outputs)."""
    return ModelInput(messages=[{"role": "user", "content": "Hi"}], **fields)


EPHEMERAL = {"type": "ephemeral"}


async def sent_body(model: Any, server: Any, model_input: ModelInput = HELLO) -> dict[str, Any]:
    server.respond_with("ok")
    await model.generate(model_input)
    body: dict[str, Any] = server.requests[-1].body
    return body


def call(call_id: str, name: str, **arguments: Any) -> dict[str, Any]:
    return {"type": "tool_use", "tool_use_id": call_id, "name": name, "input": arguments}


def result(call_id: str, name: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": call_id, "name": name, "content": text, **extra}


# --- the envelope ---------------------------------------------------------------------------------------


async def test_a_plain_request_streams_to_v1_messages_with_max_tokens_from_the_catalog(claude, fake_anthropic):
    body = await sent_body(claude, fake_anthropic)

    request = fake_anthropic.requests[0]
    assert (request.method, request.path) == ("POST", "/v1/messages")
    assert request.headers["authorization"] == "Bearer test-key"
    assert "anthropic-version" in request.headers
    assert body == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 64_000,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
        "stream": True,
    }


@pytest.mark.parametrize(
    ("model_id", "max_tokens"),
    [("claude-opus-4-1-20250805", 32_000), ("claude-3-5-haiku-latest", 8_192), ("claude-private-1", 4096)],
)
async def test_max_tokens_defaults_to_the_models_max_output(fake_anthropic, model_id, max_tokens):
    model = anthropic(model_id, api_key="k", base_url=fake_anthropic.base_url)

    body = await sent_body(model, fake_anthropic)
    await model.aclose()

    assert body["max_tokens"] == max_tokens


async def test_max_output_tokens_and_a_max_tokens_option_override_the_catalog(fake_anthropic):
    stated = anthropic("claude-private-1", api_key="k", base_url=fake_anthropic.base_url, max_output_tokens=900)
    optioned = anthropic("claude-sonnet-4-5", api_key="k", base_url=fake_anthropic.base_url, max_tokens=1000)

    assert (await sent_body(stated, fake_anthropic))["max_tokens"] == 900
    assert (await sent_body(optioned, fake_anthropic))["max_tokens"] == 1000
    await stated.aclose()
    await optioned.aclose()


async def test_a_string_model_option_selects_another_model_and_its_max_output(claude, fake_anthropic):
    body = await sent_body(claude, fake_anthropic, hello(options={"model": "claude-opus-4-1"}))

    assert (body["model"], body["max_tokens"]) == ("claude-opus-4-1", 32_000)


async def test_system_messages_become_the_top_level_system_in_order(claude, fake_anthropic):
    model_input = ModelInput(
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "system", "content": "Answer in French."},
        ]
    )

    body = await sent_body(claude, fake_anthropic, model_input)

    assert body["system"] == [{"type": "text", "text": "Be brief."}, {"type": "text", "text": "Answer in French."}]
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]


async def test_options_from_the_constructor_and_the_tree_are_sent_tree_first(fake_anthropic):
    claude = anthropic(
        "claude-sonnet-4-5", api_key="k", base_url=fake_anthropic.base_url, temperature=0.7, top_k=5, metadata=None
    )
    tree = h(Fragment, None, h(System, None, "Be brief."), h(claude, {"temperature": 0.2}), h(Timeline))
    compiled = compile_element(tree, messages=[{"role": "user", "content": "Hi"}])

    body = await sent_body(claude, fake_anthropic, compiled.model_input)
    await claude.aclose()

    assert (body["temperature"], body["top_k"]) == (0.2, 5)
    assert "metadata" not in body  # None means "not set"
    assert body["system"] == [{"type": "text", "text": "Be brief."}]


@pytest.mark.parametrize(
    ("options", "sent"),
    [
        ({"thinking": 2048}, {"thinking": {"type": "enabled", "budget_tokens": 2048}}),
        ({"thinking": {"type": "adaptive"}}, {"thinking": {"type": "adaptive"}}),
        ({"thinking": False}, {}),
        ({"stop": "END"}, {"stop_sequences": ["END"]}),
        ({"stop": ["A", "B"]}, {"stop_sequences": ["A", "B"]}),
        ({"tool_choice": "auto"}, {"tool_choice": {"type": "auto"}}),
        ({"tool_choice": "required"}, {"tool_choice": {"type": "any"}}),
        ({"tool_choice": "none"}, {"tool_choice": {"type": "none"}}),
        ({"tool_choice": "lookup"}, {"tool_choice": {"type": "tool", "name": "lookup"}}),
        ({"parallel_tool_calls": False}, {"tool_choice": {"type": "auto", "disable_parallel_tool_use": True}}),
        (
            {"tool_choice": "any", "parallel_tool_calls": False},
            {"tool_choice": {"type": "any", "disable_parallel_tool_use": True}},
        ),
        ({"service_tier": "standard_only"}, {"service_tier": "standard_only"}),
    ],
)
async def test_option_shorthands(claude, fake_anthropic, options, sent):
    body = await sent_body(claude, fake_anthropic, hello(options=options))

    extra = {key: value for key, value in body.items() if key not in ("model", "max_tokens", "messages", "stream")}
    assert extra == sent


async def test_tools_are_sent_with_their_input_schema(claude, fake_anthropic):
    schema = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
    model_input = hello(tools=[{"name": "lookup", "description": "Look up", "input_schema": schema}, {"name": "noop"}])

    body = await sent_body(claude, fake_anthropic, model_input)

    assert body["tools"] == [
        {"name": "lookup", "description": "Look up", "input_schema": schema},
        {"name": "noop", "input_schema": {"type": "object", "properties": {}}},
    ]


# --- messages -------------------------------------------------------------------------------------------


async def test_code_and_json_are_fenced_and_empty_text_is_left_out(claude, fake_anthropic):
    model_input = ModelInput(
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": ""},
                    {"type": "code", "text": "x = 1", "language": "python"},
                    {"type": "json", "text": "", "data": {"a": 1}},
                ],
            }
        ]
    )

    body = await sent_body(claude, fake_anthropic, model_input)

    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "```python\nx = 1\n```"},
        {"type": "text", "text": '```json\n{\n  "a": 1\n}\n```'},
    ]


async def test_images_and_documents_by_url_base64_and_text(claude, fake_anthropic):
    note = base64.b64encode(b"Plain notes.").decode()
    model_input = ModelInput(
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}},
                    {"type": "image", "source": {"type": "base64", "data": "iVBORw0=", "media_type": "image/png"}},
                    {
                        "type": "document",
                        "source": {"type": "base64", "data": "JVBERi0=", "media_type": "application/pdf"},
                        "title": "Report",
                    },
                    {"type": "document", "source": {"type": "url", "url": "https://example.com/a.pdf"}},
                    {"type": "document", "source": {"type": "base64", "data": note, "media_type": "text/plain"}},
                    {"type": "audio", "source": {"type": "url", "url": "https://x/a.mp3"}, "transcript": "Said."},
                ],
            }
        ]
    )

    body = await sent_body(claude, fake_anthropic, model_input)

    assert body["messages"][0]["content"] == [
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0="}},
        {
            "type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="},
            "title": "Report",
        },
        {"type": "document", "source": {"type": "url", "url": "https://example.com/a.pdf"}},
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "Plain notes."}},
        {"type": "text", "text": "Said."},
    ]


@pytest.mark.parametrize(
    ("block", "complaint"),
    [
        ({"type": "image", "source": {"type": "base64", "data": "iVBORw0="}}, "no media_type"),
        ({"type": "video", "source": {"type": "url", "url": "https://x/v.mp4"}}, "cannot take a video block"),
        ({"type": "image", "source": {"type": "url"}}, "has no data"),
    ],
)
async def test_media_the_api_cannot_take_is_refused_before_any_request(claude, fake_anthropic, block, complaint):
    model_input = ModelInput(messages=[{"role": "user", "content": [block]}])

    with pytest.raises(ModelError, match=complaint) as raised:
        await claude.generate(model_input)

    assert raised.value.provider == "anthropic"
    assert fake_anthropic.requests == []


async def test_parallel_tool_results_go_back_in_one_user_message_results_first(claude, fake_anthropic):
    model_input = ModelInput(
        messages=[
            {"role": "user", "content": "Add and multiply."},
            {
                "role": "assistant",
                "content": [{"type": "text", "text": "Both."}, call("a", "add", x=1), call("m", "mul")],
            },
            {"role": "tool", "content": [result("a", "add", "3"), result("m", "mul", "boom", is_error=True)]},
            {"role": "user", "content": "[Context]\nnow"},
        ]
    )

    body = await sent_body(claude, fake_anthropic, model_input)

    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Add and multiply."}]},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Both."},
                {"type": "tool_use", "id": "a", "name": "add", "input": {"x": 1}},
                {"type": "tool_use", "id": "m", "name": "mul", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "a", "content": [{"type": "text", "text": "3"}]},
                {
                    "type": "tool_result",
                    "tool_use_id": "m",
                    "content": [{"type": "text", "text": "boom"}],
                    "is_error": True,
                },
                {"type": "text", "text": "[Context]\nnow"},
            ],
        },
    ]


async def test_tool_results_in_separate_messages_are_merged_and_may_hold_images_or_nothing(claude, fake_anthropic):
    image = {"type": "image", "source": {"type": "url", "url": "https://example.com/chart.png"}}
    model_input = ModelInput(
        messages=[
            {"role": "assistant", "content": [call("c", "chart"), call("n", "noop")]},
            {
                "role": "tool",
                "content": [result("c", "chart", "") | {"content": [{"type": "text", "text": "A chart:"}, image]}],
            },
            {"role": "tool", "content": [{"type": "tool_result", "tool_use_id": "n", "name": "noop", "content": []}]},
        ]
    )

    body = await sent_body(claude, fake_anthropic, model_input)

    assert body["messages"][1] == {
        "role": "user",
        "content": [
            {
                "type": "tool_result",
                "tool_use_id": "c",
                "content": [
                    {"type": "text", "text": "A chart:"},
                    {"type": "image", "source": {"type": "url", "url": "https://example.com/chart.png"}},
                ],
            },
            {"type": "tool_result", "tool_use_id": "n"},
        ],
    }


async def test_anthropic_reasoning_is_resent_with_its_signature_and_other_reasoning_is_dropped(claude, fake_anthropic):
    model_input = ModelInput(
        messages=[
            {"role": "user", "content": "Weather?"},
            {
                "role": "assistant",
                "content": [
                    {"type": "reasoning", "text": "Use the tool.", "signature": "sig-1", "provider": "anthropic"},
                    {"type": "reasoning", "text": "", "redacted": "opaque==", "provider": "anthropic"},
                    {"type": "reasoning", "text": "OpenAI thoughts", "provider": "openai"},
                    {"type": "reasoning", "text": "Gemini thoughts", "signature": "g", "provider": "gemini"},
                    {"type": "reasoning", "text": "unsigned", "provider": "anthropic"},
                    {"type": "reasoning", "text": "whose?"},
                    call("w", "weather", city="Paris"),
                ],
            },
            {"role": "tool", "content": [result("w", "weather", "Sunny")]},
        ]
    )

    body = await sent_body(claude, fake_anthropic, model_input)

    assert body["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": "Use the tool.", "signature": "sig-1"},
            {"type": "redacted_thinking", "data": "opaque=="},
            {"type": "tool_use", "id": "w", "name": "weather", "input": {"city": "Paris"}},
        ],
    }


async def test_an_assistant_message_left_empty_is_not_sent(claude, fake_anthropic):
    model_input = ModelInput(
        messages=[
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": [{"type": "reasoning", "text": "hm", "provider": "openai"}]},
            {"role": "user", "content": "Hello?"},
        ]
    )

    body = await sent_body(claude, fake_anthropic, model_input)

    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "Hello?"}]}
    ]


# --- prompt caching -------------------------------------------------------------------------------------


def conversation(turns: int) -> ModelInput:
    """A system prompt, a tool, and `turns` rounds of user → tool call → result, then trailing context."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": "Be brief."}]
    for turn in range(turns):
        messages.append({"role": "user", "content": f"question {turn}"})
        messages.append({"role": "assistant", "content": [call(f"c{turn}", "lookup", q=str(turn))]})
        messages.append({"role": "tool", "content": [result(f"c{turn}", "lookup", f"answer {turn}")]})
    messages.append({"role": "user", "content": "[Context]\nchanges every tick"})
    return ModelInput(messages=messages, tools=[{"name": "lookup"}], options={"cache": True})


def breakpoints(body: dict[str, Any]) -> list[str]:
    """Where the body's cache_control markers are, as short descriptions."""
    found = [f"system[{i}]" for i, block in enumerate(body.get("system", [])) if "cache_control" in block]
    found += [f"tools[{i}]" for i, tool in enumerate(body.get("tools", [])) if "cache_control" in tool]
    for m, message in enumerate(body["messages"]):
        for b, block in enumerate(message["content"]):
            if "cache_control" in block:
                assert block["cache_control"] == EPHEMERAL
                found.append(f"messages[{m}].content[{b}]:{block['type']}")
    return found


async def test_cache_marks_the_system_prompt_the_tools_and_the_ends_of_the_last_two_turns(claude, fake_anthropic):
    body = await sent_body(claude, fake_anthropic, conversation(3))

    assert body["system"][-1]["cache_control"] == EPHEMERAL
    # messages: u0, a0, [r0 u1], a1, [r1 u2], a2, [r2 context]: a turn ends with its results, not the user text after
    assert breakpoints(body) == [
        "system[0]",
        "tools[0]",
        "messages[4].content[0]:tool_result",
        "messages[6].content[0]:tool_result",
    ]


@pytest.mark.parametrize(("turns", "marks"), [(0, 2), (1, 3), (2, 4), (5, 4)])
async def test_there_are_never_more_than_four_breakpoints(claude, fake_anthropic, turns, marks):
    body = await sent_body(claude, fake_anthropic, conversation(turns))

    assert len(breakpoints(body)) == marks


async def test_a_turn_without_tool_calls_ends_with_the_assistants_answer(claude, fake_anthropic):
    model_input = ModelInput(
        messages=[
            {"role": "user", "content": "Hi"},
            {
                "role": "assistant",
                "content": [
                    {"type": "reasoning", "text": "t", "signature": "s", "provider": "anthropic"},
                    {"type": "text", "text": "Hello"},
                ],
            },
            {"role": "user", "content": "Bye"},
        ],
        options={"cache": True},
    )

    body = await sent_body(claude, fake_anthropic, model_input)

    assert breakpoints(body) == ["messages[1].content[1]:text"]  # thinking blocks cannot carry a breakpoint


async def test_the_previous_requests_last_breakpoint_is_marked_again_on_the_next_tick(claude, fake_anthropic):
    first = breakpoints(await sent_body(claude, fake_anthropic, conversation(2)))
    tick = conversation(2)
    tick.messages[-1:] = ModelInput(
        messages=[
            {"role": "assistant", "content": [call("d", "lookup")]},
            {"role": "tool", "content": [result("d", "lookup", "more")]},
            {"role": "user", "content": "[Context]\nnew"},
        ]
    ).messages
    second = breakpoints(await sent_body(claude, fake_anthropic, tick))

    assert first[-1] == "messages[4].content[0]:tool_result"
    assert second[-2:] == ["messages[4].content[0]:tool_result", "messages[6].content[0]:tool_result"]


async def test_without_cache_nothing_is_marked(claude, fake_anthropic):
    body = await sent_body(claude, fake_anthropic, conversation(2).model_copy(update={"options": {}}))

    assert breakpoints(body) == []
    assert "cache" not in body


async def test_cache_can_be_a_constructor_default(fake_anthropic):
    claude = anthropic("claude-haiku-4-5", api_key="k", base_url=fake_anthropic.base_url, cache=True)

    body = await sent_body(claude, fake_anthropic, conversation(2).model_copy(update={"options": {}}))
    await claude.aclose()

    assert len(breakpoints(body)) == 4


# --- structured output ----------------------------------------------------------------------------------

FINAL = {"name": "final_result", "input_schema": {"type": "object", "properties": {"answer": {"type": "string"}}}}
OUTPUT = OutputRequest(name="Answer", json_schema=FINAL["input_schema"], mode="tool")


async def test_tool_output_mode_forces_the_final_result_tool_when_it_is_the_only_one(claude, fake_anthropic):
    body = await sent_body(claude, fake_anthropic, hello(tools=[FINAL], output=OUTPUT))

    assert body["tool_choice"] == {"type": "tool", "name": "final_result"}


async def test_tool_output_mode_requires_some_tool_when_there_are_others(claude, fake_anthropic):
    model_input = hello(tools=[{"name": "lookup"}, FINAL], output=OUTPUT)

    body = await sent_body(claude, fake_anthropic, model_input)

    assert body["tool_choice"] == {"type": "any"}


async def test_tool_output_mode_leaves_the_choice_to_the_model_while_thinking(claude, fake_anthropic):
    model_input = hello(tools=[FINAL], output=OUTPUT, options={"thinking": 1024})

    body = await sent_body(claude, fake_anthropic, model_input)

    assert "tool_choice" not in body
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 1024}


async def test_native_output_mode_is_refused_with_the_mode_to_use(claude, fake_anthropic):
    native = OUTPUT.model_copy(update={"mode": "native"})

    with pytest.raises(ValueError, match=r"Anthropic model 'claude-sonnet-4-5' .* use output_mode='tool'"):
        await claude.generate(hello(output=native))

    assert fake_anthropic.requests == []


# --- the model as a component ---------------------------------------------------------------------------


async def test_the_class_renders_as_a_component_that_keeps_one_instance(fake_anthropic):
    tree = h(AnthropicModel, {"model": "claude-opus-4-5", "api_key": "k", "base_url": fake_anthropic.base_url})

    compiled = compile_element(tree)

    assert isinstance(compiled.model, AnthropicModel)
    assert compiled.model.metadata.model_dump() == {
        "id": "claude-opus-4-5",
        "provider": "anthropic",
        "context_window": 200_000,
        "max_output_tokens": 64_000,
    }
