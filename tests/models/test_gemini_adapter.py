"""The Gemini adapter through the real `google-genai` SDK against the loopback server: requests and streaming."""

from __future__ import annotations

from typing import Any, Literal

import pydantic
import pytest

from agentick import Fragment, System, Timeline, create_app, h, tool
from agentick.errors import ModelError
from agentick.models import GeminiModel, gemini
from agentick.models.providers.gemini import gemini_schema
from agentick.testing.fake_gemini import FakeGemini, reply, signature, tool_call
from agentick.types import (
    ImageBlock,
    Message,
    MessageStartDelta,
    ModelInput,
    OutputRequest,
    ReasoningBlock,
    ReasoningDelta,
    StopDelta,
    StreamDelta,
    TextBlock,
    TextDelta,
    ToolCallDelta,
    ToolDefinition,
    ToolResultBlock,
    ToolUseBlock,
    UsageDelta,
)

pytestmark = pytest.mark.anyio

HELLO = ModelInput(messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])


@pytest.fixture
async def flash(fake_gemini):
    model = gemini("gemini-2.5-flash", api_key="test-key", base_url=fake_gemini.base_url, max_retries=0)
    yield model
    await model.aclose()


async def collect(model: GeminiModel, model_input: ModelInput = HELLO) -> list[StreamDelta]:
    return [delta async for delta in model.stream(model_input)]


async def sent_body(model: GeminiModel, server: FakeGemini, model_input: ModelInput = HELLO) -> dict[str, Any]:
    server.respond_with("ok")
    await model.generate(model_input)
    body = server.requests[-1].body
    assert isinstance(body, dict)
    return body


# --- streaming ---------------------------------------------------------------------------------------


async def test_text_streams_as_deltas_with_the_model_version_the_server_reports(flash, fake_gemini):
    fake_gemini.respond_with(reply("Hello world!", chunk_size=5, usage=(21, 3), model="gemini-2.5-flash-001"))

    deltas = await collect(flash)

    assert deltas[0] == MessageStartDelta(model="gemini-2.5-flash-001")
    assert [d.text for d in deltas if isinstance(d, TextDelta)] == ["Hello", " worl", "d!"]
    assert deltas[-2:] == [UsageDelta(input_tokens=21, output_tokens=3), StopDelta(reason="stop")]


async def test_the_request_goes_to_stream_generate_content_with_the_api_key_header(flash, fake_gemini):
    await sent_body(flash, fake_gemini)

    request = fake_gemini.requests[0]
    assert (request.method, request.path) == ("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")
    assert request.headers["x-goog-api-key"] == "test-key"
    assert request.headers["x-goog-api-client"].startswith("google-genai-sdk/")


async def test_system_messages_become_the_system_instruction_and_turns_alternate(flash, fake_gemini):
    model_input = ModelInput(
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "system", "content": "Answer in French."},
            {"role": "user", "content": "Hi"},
            {"role": "user", "content": [{"type": "code", "text": "print(1)", "language": "python"}]},
            {"role": "assistant", "content": "Bonjour"},
            {"role": "system", "content": "Now in German."},
            {"role": "user", "content": "Again"},
        ]
    )

    body = await sent_body(flash, fake_gemini, model_input)

    assert body == {
        "systemInstruction": {"parts": [{"text": "Be brief."}, {"text": "Answer in French."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "Hi"}, {"text": "```python\nprint(1)\n```"}]},
            {"role": "model", "parts": [{"text": "Bonjour"}]},
            {"role": "user", "parts": [{"text": "Now in German."}, {"text": "Again"}]},
        ],
    }


async def test_options_become_the_generation_config_and_tree_options_win(fake_gemini):
    model = gemini(
        api_key="k", base_url=fake_gemini.base_url, max_retries=0, temperature=0.9, top_k=40, thinking_budget=1024
    )
    model_input = HELLO.model_copy(
        update={
            "options": {
                "temperature": 0.2,
                "max_tokens": 300,
                "top_p": 0.5,
                "stop": "END",
                "seed": 7,
                "include_thoughts": True,
                "safety_settings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
                "cached_content": "cachedContents/abc",
                "responseLogprobs": True,
                "presence_penalty": None,
            }
        }
    )

    body = await sent_body(model, fake_gemini, model_input)
    await model.aclose()

    assert body["generationConfig"] == {
        "temperature": 0.2,
        "topK": 40,
        "maxOutputTokens": 300,
        "topP": 0.5,
        "stopSequences": ["END"],
        "seed": 7,
        "responseLogprobs": True,
        "thinkingConfig": {"thinkingBudget": 1024, "includeThoughts": True},
    }
    assert body["safetySettings"] == [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]
    assert body["cachedContent"] == "cachedContents/abc"


async def test_a_model_option_from_the_tree_calls_that_model(flash, fake_gemini):
    await sent_body(flash, fake_gemini, HELLO.model_copy(update={"options": {"model": "gemini-2.5-pro"}}))

    assert fake_gemini.requests[0].path.startswith("/v1beta/models/gemini-2.5-pro:streamGenerateContent")


@pytest.mark.parametrize(
    ("choice", "config"),
    [
        ("auto", {"functionCallingConfig": {"mode": "AUTO"}}),
        ("none", {"functionCallingConfig": {"mode": "NONE"}}),
        ("required", {"functionCallingConfig": {"mode": "ANY"}}),
        ("add", {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["add"]}}),
    ],
)
async def test_tool_choice_becomes_the_function_calling_config(flash, fake_gemini, choice, config):
    body = await sent_body(flash, fake_gemini, HELLO.model_copy(update={"options": {"tool_choice": choice}}))

    assert body["toolConfig"] == config


# --- tools ---------------------------------------------------------------------------------------------


class Address(pydantic.BaseModel):
    street: str
    city: str = pydantic.Field(description="The city name")


class Order(pydantic.BaseModel):
    """An order."""

    item: Literal["tea", "coffee"]
    quantity: int = pydantic.Field(default=1, ge=1, le=10)
    ship_to: Address | None = None
    tags: dict[str, str] = {}
    when: str = pydantic.Field(json_schema_extra={"format": "date-time"})
    email: str = pydantic.Field(json_schema_extra={"format": "email"})


async def test_tools_are_function_declarations_with_schemas_in_geminis_dialect(flash, fake_gemini):
    tools = [
        ToolDefinition(name="order", description="Place an order.", input_schema=Order.model_json_schema()),
        ToolDefinition(name="ping", description="Check the line."),
    ]

    body = await sent_body(flash, fake_gemini, HELLO.model_copy(update={"tools": tools}))

    assert body["tools"] == [
        {
            "functionDeclarations": [
                {
                    "name": "order",
                    "description": "Place an order.",
                    "parameters": {
                        "type": "OBJECT",
                        "description": "An order.",
                        "properties": {
                            "item": {"type": "STRING", "enum": ["tea", "coffee"]},
                            "quantity": {"type": "INTEGER", "minimum": 1, "maximum": 10},
                            "ship_to": {
                                "type": "OBJECT",
                                "nullable": True,
                                "properties": {
                                    "street": {"type": "STRING"},
                                    "city": {"type": "STRING", "description": "The city name"},
                                },
                                "required": ["street", "city"],
                            },
                            "tags": {"type": "OBJECT"},
                            "when": {"type": "STRING", "format": "date-time"},
                            "email": {"type": "STRING", "description": "Format: email"},
                        },
                        "required": ["item", "when", "email"],
                    },
                },
                {"name": "ping", "description": "Check the line."},
            ]
        }
    ]


def test_schema_conversion_covers_what_gemini_cannot_express():
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "title": "Tree",
        "properties": {
            "node": {"$ref": "#/$defs/Node"},
            "kind": {"const": "tree"},
            "level": {"enum": [1, 2, 3]},
            "label": {"type": ["string", "null"], "default": None},
            "value": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
            "either": {"type": ["integer", "boolean"]},
            "size": {"allOf": [{"properties": {"w": {"type": "number"}}}, {"properties": {"h": {"type": "number"}}}]},
            "ratio": {"type": "number", "exclusiveMinimum": 0, "format": "double", "examples": [0.5]},
            "items": {"type": "array", "items": {"type": "string"}, "prefixItems": [{"type": "string"}]},
        },
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
                "additionalProperties": False,
            }
        },
    }

    assert gemini_schema(schema, ordered=True) == {
        "type": "OBJECT",
        "properties": {
            "node": {
                "type": "OBJECT",
                "properties": {
                    "children": {"type": "ARRAY", "items": {"type": "OBJECT", "description": "(a Node object)"}}
                },
            },
            "kind": {"type": "STRING", "enum": ["tree"]},
            "level": {"description": "Allowed values: 1, 2, 3"},
            "label": {"type": "STRING", "nullable": True},
            "value": {"anyOf": [{"type": "INTEGER"}, {"type": "STRING"}]},
            "either": {"anyOf": [{"type": "INTEGER"}, {"type": "BOOLEAN"}]},
            "size": {"type": "OBJECT", "properties": {"w": {"type": "NUMBER"}, "h": {"type": "NUMBER"}}},
            "ratio": {"type": "NUMBER", "format": "double"},
            "items": {"type": "ARRAY", "items": {"type": "STRING"}},
        },
        "propertyOrdering": ["node", "kind", "level", "label", "value", "either", "size", "ratio", "items"],
    }


def test_a_reference_to_an_undefined_schema_is_named():
    with pytest.raises(ModelError, match="refers to '#/\\$defs/Missing', which it does not define"):
        gemini_schema({"type": "object", "properties": {"x": {"$ref": "#/$defs/Missing"}}})


async def test_parallel_function_calls_arrive_whole_with_ids_and_the_first_one_signed(flash, fake_gemini):
    fake_gemini.respond_with(reply(tool_calls=[tool_call("add", {"a": 1, "b": 2}), tool_call("mul", {"a": 3})]))

    deltas = await collect(flash)

    assert [d for d in deltas if isinstance(d, ToolCallDelta)] == [
        ToolCallDelta(
            index=0,
            id="call_fake-1_0",
            name="add",
            arguments='{"a": 1, "b": 2}',
            provider_data={"gemini": {"thought_signature": signature(1)}},
        ),
        ToolCallDelta(index=1, id="call_fake-1_1", name="mul", arguments='{"a": 3}'),
    ]
    assert deltas[-1] == StopDelta(reason="tool_use")


async def test_a_call_id_the_server_sends_is_used_and_echoed_back(flash, fake_gemini):
    fake_gemini.respond_with(reply(tool_calls=[tool_call("add", {"a": 1}, id="fc-9")]))
    output = await flash.generate(HELLO)
    [call] = output.message.content
    assert isinstance(call, ToolUseBlock) and call.tool_use_id == "fc-9"
    result = ToolResultBlock(tool_use_id="fc-9", name="add", content="1")
    follow_up = ModelInput(messages=[*HELLO.messages, output.message, Message(role="tool", content=[result])])

    body = await sent_body(flash, fake_gemini, follow_up)

    assert body["contents"][1:] == [
        {
            "role": "model",
            "parts": [
                {"functionCall": {"name": "add", "args": {"a": 1}, "id": "fc-9"}, "thoughtSignature": signature(1)}
            ],
        },
        {"role": "user", "parts": [{"functionResponse": {"name": "add", "response": {"result": "1"}, "id": "fc-9"}}]},
    ]


async def test_signatures_are_echoed_for_gemini_calls_only_and_results_travel_in_one_turn(flash, fake_gemini):
    assistant = Message(
        role="assistant",
        content=[
            TextBlock(text="Let me check."),
            ToolUseBlock(
                tool_use_id="a", name="add", input={"a": 1}, provider_data={"gemini": {"thought_signature": "c2ln"}}
            ),
            ToolUseBlock(tool_use_id="b", name="mul", input={"a": 2}, provider_data={"openai": {"x": 1}}),
        ],
    )
    results = Message(
        role="tool",
        content=[
            ToolResultBlock(tool_use_id="a", name="add", content="3"),
            ToolResultBlock(tool_use_id="b", name="mul", content="no such number", is_error=True),
        ],
    )
    after = Message(role="user", content="And now?")
    model_input = ModelInput(messages=[*HELLO.messages, assistant, results, after])

    body = await sent_body(flash, fake_gemini, model_input)

    assert body["contents"][1:] == [
        {
            "role": "model",
            "parts": [
                {"text": "Let me check."},
                {"functionCall": {"name": "add", "args": {"a": 1}}, "thoughtSignature": "c2ln"},
                {"functionCall": {"name": "mul", "args": {"a": 2}}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"name": "add", "response": {"result": "3"}}},
                {"functionResponse": {"name": "mul", "response": {"error": "no such number"}}},
                {"text": "And now?"},
            ],
        },
    ]


# --- reasoning ---------------------------------------------------------------------------------------


async def test_thoughts_stream_as_gemini_reasoning_when_asked_for(fake_gemini):
    model = gemini(api_key="k", base_url=fake_gemini.base_url, max_retries=0, include_thoughts=True)
    fake_gemini.respond_with(reply("Four.", reasoning="Two and two.", chunk_size=6))

    deltas = await collect(model)
    await model.aclose()

    assert [d for d in deltas if isinstance(d, ReasoningDelta)] == [
        ReasoningDelta(text="Two an", provider="gemini"),
        ReasoningDelta(text="d two.", provider="gemini"),
        ReasoningDelta(text="", signature=signature(1), provider="gemini"),
    ]
    assert fake_gemini.requests[0].body["generationConfig"] == {"thinkingConfig": {"includeThoughts": True}}


async def test_a_text_signature_is_kept_as_reasoning_and_resent_on_the_text(flash, fake_gemini):
    fake_gemini.respond_with(reply("Four.", reasoning="hidden"))  # thoughts not asked for: only the signature
    output = await flash.generate(HELLO)

    assert output.message.content == [
        ReasoningBlock(text="", signature=signature(1), provider="gemini"),
        TextBlock(text="Four."),
    ]
    foreign = Message(role="assistant", content=[ReasoningBlock(text="hm", signature="other", provider="anthropic")])
    again = Message(role="user", content="Sure?")
    body = await sent_body(flash, fake_gemini, ModelInput(messages=[*HELLO.messages, output.message, foreign, again]))
    assert body["contents"][1:] == [
        {"role": "model", "parts": [{"text": "Four.", "thoughtSignature": signature(1)}]},
        {"role": "user", "parts": [{"text": "Sure?"}]},
    ]


# --- media -------------------------------------------------------------------------------------------


async def test_images_go_inline_as_base64_or_by_file_uri(flash, fake_gemini):
    content = [
        {"type": "text", "text": "Compare"},
        {"type": "image", "source": "data:image/png;base64,iVBORw0KGgo="},
        {"type": "image", "source": {"type": "url", "url": "gs://bucket/cat.jpg", "media_type": "image/jpeg"}},
        {"type": "document", "source": {"type": "file_id", "file_id": "https://generativelanguage/files/abc"}},
    ]

    body = await sent_body(flash, fake_gemini, ModelInput(messages=[{"role": "user", "content": content}]))

    assert body["contents"] == [
        {
            "role": "user",
            "parts": [
                {"text": "Compare"},
                {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
                {"fileData": {"fileUri": "gs://bucket/cat.jpg", "mimeType": "image/jpeg"}},
                {"fileData": {"fileUri": "https://generativelanguage/files/abc"}},
            ],
        }
    ]


async def test_images_a_tool_returned_follow_its_function_response(flash, fake_gemini):
    image = ImageBlock(source={"type": "base64", "data": "AAAA", "media_type": "image/png"})
    messages = [
        {"role": "user", "content": "Draw"},
        Message(role="assistant", content=[ToolUseBlock(tool_use_id="a", name="draw")]),
        Message(
            role="tool",
            content=[ToolResultBlock(tool_use_id="a", name="draw", content=[TextBlock(text="done"), image])],
        ),
    ]

    body = await sent_body(flash, fake_gemini, ModelInput(messages=messages))

    assert body["contents"][2] == {
        "role": "user",
        "parts": [
            {"functionResponse": {"name": "draw", "response": {"result": "done"}}},
            {"text": "Attachments returned by draw:"},
            {"inlineData": {"mimeType": "image/png", "data": "AAAA"}},
        ],
    }


async def test_base64_media_without_a_media_type_is_refused_before_sending(flash, fake_gemini):
    content = [{"type": "image", "source": {"type": "base64", "data": "AAAA"}}]

    with pytest.raises(ModelError, match="has base64 data but no media_type"):
        await flash.generate(ModelInput(messages=[{"role": "user", "content": content}]))
    assert fake_gemini.requests == []


async def test_a_response_format_gemini_cannot_use_is_refused_naming_provider_and_model(flash, fake_gemini):
    with pytest.raises(ModelError, match="is not one Gemini can use") as raised:
        await flash.generate(ModelInput(messages=[{"role": "user", "content": "Hi"}], options={"response_format": 3}))

    assert (raised.value.provider, raised.value.model) == ("gemini", flash.metadata.id)
    assert fake_gemini.requests == []


# --- structured output -------------------------------------------------------------------------------


class Weather(pydantic.BaseModel):
    city: str
    celsius: float


async def test_native_structured_output_sets_the_json_mime_type_and_response_schema(flash, fake_gemini):
    output = OutputRequest(name="Weather", json_schema=Weather.model_json_schema(), mode="native")

    body = await sent_body(flash, fake_gemini, HELLO.model_copy(update={"output": output}))

    assert body["generationConfig"] == {
        "responseMimeType": "application/json",
        "responseSchema": {
            "type": "OBJECT",
            "properties": {"city": {"type": "STRING"}, "celsius": {"type": "NUMBER"}},
            "required": ["city", "celsius"],
            "propertyOrdering": ["city", "celsius"],
        },
    }


async def test_tool_mode_structured_output_adds_nothing_to_the_request(flash, fake_gemini):
    output = OutputRequest(name="Weather", json_schema=Weather.model_json_schema(), mode="tool")

    body = await sent_body(flash, fake_gemini, HELLO.model_copy(update={"output": output}))

    assert "generationConfig" not in body


@pytest.mark.parametrize(
    ("response_format", "expected"),
    [
        ({"type": "json"}, {"responseMimeType": "application/json"}),
        (
            {"type": "json_schema", "schema": {"type": "object", "properties": {"a": {"type": "string"}}}},
            {
                "responseMimeType": "application/json",
                "responseSchema": {"type": "OBJECT", "properties": {"a": {"type": "STRING"}}},
            },
        ),
        (
            Weather,
            {
                "responseMimeType": "application/json",
                "responseSchema": {
                    "type": "OBJECT",
                    "properties": {"city": {"type": "STRING"}, "celsius": {"type": "NUMBER"}},
                    "required": ["city", "celsius"],
                    "propertyOrdering": ["city", "celsius"],
                },
            },
        ),
    ],
)
async def test_response_format_shorthands(flash, fake_gemini, response_format, expected):
    body = await sent_body(
        flash, fake_gemini, HELLO.model_copy(update={"options": {"response_format": response_format}})
    )

    assert body["generationConfig"] == expected


# --- usage and finish reasons ------------------------------------------------------------------------


class DetailedUsage(FakeGemini):
    def usage_metadata(self, response, thoughts):
        return {
            "promptTokenCount": 120,
            "cachedContentTokenCount": 100,
            "toolUsePromptTokenCount": 5,
            "candidatesTokenCount": 7,
            "thoughtsTokenCount": 30,
            "totalTokenCount": 162,
        }


async def test_usage_counts_cached_prompt_tokens_and_thoughts_as_output():
    with DetailedUsage("Hi") as server:
        model = gemini(api_key="k", base_url=server.base_url, max_retries=0)
        output = await model.generate(HELLO)
        await model.aclose()

    usage = output.usage
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens, usage.total_tokens) == (125, 37, 100, 162)


@pytest.mark.parametrize(
    ("finish_reason", "stop_reason"),
    [
        ("STOP", "stop"),
        ("MAX_TOKENS", "max_tokens"),
        ("SAFETY", "content_filter"),
        ("RECITATION", "content_filter"),
        ("OTHER", "other"),
    ],
)
async def test_finish_reasons_are_mapped(flash, fake_gemini, finish_reason, stop_reason):
    fake_gemini.respond_with(reply("Hi", finish_reason=finish_reason))

    output = await flash.generate(HELLO)

    assert output.stop_reason == stop_reason


# --- through a session ---------------------------------------------------------------------------------


@tool
async def add(a: int, b: int) -> str:
    """Add two integers."""
    return str(a + b)


@tool
async def mul(a: int, b: int) -> str:
    """Multiply two integers."""
    return str(a * b)


def Calculator():
    return h(Fragment, None, h(System, None, "Use the tools."), h(add), h(mul), h(Timeline))


async def test_parallel_tool_calls_run_through_a_session_and_their_results_go_back_together(flash, fake_gemini):
    fake_gemini.respond_with(
        reply(tool_calls=[tool_call("add", {"a": 1, "b": 2}), tool_call("mul", {"a": 3, "b": 4})]), "3 and 12."
    )
    session = await create_app(Calculator, model=flash).session()

    result = await session.send("Add 1+2 and multiply 3*4.").result

    assert result.response == "3 and 12."
    second = fake_gemini.requests[1].body
    assert second["systemInstruction"] == {"parts": [{"text": "Use the tools."}]}
    assert [declaration["name"] for declaration in second["tools"][0]["functionDeclarations"]] == ["add", "mul"]
    assert second["contents"] == [
        {"role": "user", "parts": [{"text": "Add 1+2 and multiply 3*4."}]},
        {
            "role": "model",
            "parts": [
                {"functionCall": {"name": "add", "args": {"a": 1, "b": 2}}, "thoughtSignature": signature(1)},
                {"functionCall": {"name": "mul", "args": {"a": 3, "b": 4}}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"name": "add", "response": {"result": "3"}}},
                {"functionResponse": {"name": "mul", "response": {"result": "12"}}},
            ],
        },
    ]
    assert [entry.message.role for entry in session.timeline] == ["user", "assistant", "tool", "assistant"]
    assert result.usage.input_tokens == 20


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_streaming_works_under_trio(fake_gemini):
    model = gemini(api_key="k", base_url=fake_gemini.base_url, max_retries=0)
    fake_gemini.respond_with(reply("from trio", tool_calls=[tool_call("add", {"a": 1, "b": 2})]))

    output = await model.generate(HELLO)
    await model.aclose()

    assert output.text == "from trio"
    assert [call.name for call in output.tool_calls] == ["add"]
