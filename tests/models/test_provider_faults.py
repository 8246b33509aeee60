"""The fault guarantees every adapter gives (API.md §13), run against each provider's fake alike.

Each test takes the `provider`, `provider_server` and `provider_model` fixtures (conftest.py,
parametrised over provider_cases.PROVIDERS) and scripts the fake with the provider-neutral
`agentick.testing.script` helpers only, so a new adapter gets the whole suite by adding its case.
Every failure is a `ModelError` subclass naming provider, model, status and the provider's message;
a session that met it stores no partial answer and sends again.
"""

from __future__ import annotations

import json
import threading

import pytest

from agentick import (
    AuthenticationError,
    ContextLengthError,
    Fragment,
    ModelError,
    ModelTimeoutError,
    ProviderError,
    RateLimitError,
    System,
    Timeline,
    create_app,
    h,
    tool,
)
from agentick.testing.script import error, reply, tool_call
from agentick.types import ImageBlock, MediaSource, ModelInput, TextDelta, ToolResultBlock
from tests.engine.support import assert_consistent

pytestmark = pytest.mark.anyio

HELLO = ModelInput(messages=[{"role": "user", "content": "Hi"}])
TIMEOUT = 0.2  # seconds: the fake never answers, so this only bounds how long the test waits


async def failure(model, model_input: ModelInput = HELLO) -> ModelError:
    with pytest.raises(ModelError) as raised:
        await model.generate(model_input)
    return raised.value


def assert_names_the_model(raised: ModelError, provider, status_code: int | None) -> None:
    assert (raised.provider, raised.model, raised.status_code) == (provider.name, provider.model_id, status_code)


@tool
async def add(a: int, b: int) -> str:
    """Add two integers."""
    return str(a + b)


def Calculator():
    return h(Fragment, None, h(System, None, "Use the tools."), h(add), h(Timeline))


# --- HTTP errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message", "kind"),
    [
        (401, "Incorrect API key provided", AuthenticationError),
        (403, "Your key may not use this model", AuthenticationError),
        (404, "The model does not exist", ProviderError),
        (408, "The request timed out", ModelTimeoutError),
        (504, "The gateway timed out", ModelTimeoutError),  # a gateway timeout is a timeout (docs/models.md)
        (429, "Rate limit reached for requests", RateLimitError),
        (400, "Invalid value for temperature", ProviderError),
        (500, "The server had an error", ProviderError),
        (503, "The engine is overloaded", ProviderError),
    ],
)
async def test_each_http_status_is_its_model_error_naming_provider_model_status_and_message(
    provider, provider_server, provider_model, status, message, kind
):
    provider_server.respond_with(error(status, message))

    raised = await failure(provider_model)

    assert type(raised) is kind
    assert_names_the_model(raised, provider, status)
    assert message in str(raised)
    assert message in json.dumps(raised.body)  # the provider's parsed error body


async def test_a_context_window_overflow_is_a_context_length_error(provider, provider_server, provider_model):
    overflow = provider.context_overflow
    provider_server.respond_with(overflow)

    raised = await failure(provider_model)

    assert type(raised) is ContextLengthError
    assert_names_the_model(raised, provider, overflow.status)
    assert overflow.message.rstrip(".") in str(raised)


async def test_input_the_adapter_cannot_send_is_a_model_error_naming_provider_and_model(
    provider, provider_server, provider_model
):
    image = ImageBlock(source=MediaSource(type="base64", data="aGk="))  # no media_type
    request = ModelInput(messages=[{"role": "user", "content": [image]}])

    raised = await failure(provider_model, request)

    assert type(raised) is ModelError
    assert_names_the_model(raised, provider, None)
    assert "has base64 data but no media_type" in str(raised)
    assert provider_server.requests == []


@pytest.mark.parametrize(
    ("headers", "seconds"), [({"retry-after": "7"}, 7.0), ({"retry-after": "0.5"}, 0.5), ({}, None)]
)
async def test_a_rate_limit_carries_the_wait_the_provider_asked_for(provider_server, provider_model, headers, seconds):
    provider_server.respond_with(error(429, "Rate limit reached for requests", headers=headers))

    raised = await failure(provider_model)

    assert type(raised) is RateLimitError
    assert raised.retry_after == seconds


# --- broken streams ---------------------------------------------------------------------------


STREAM_FAULTS = {
    "malformed": {"malformed_after": 2},
    "truncated": {"truncate_after": 3},
    "dropped": {"drop_after": 3},
    "error-event": {"error_after": 3},
}


@pytest.mark.parametrize("fault", STREAM_FAULTS.values(), ids=STREAM_FAULTS.keys())
async def test_a_broken_stream_is_a_provider_error_naming_the_model(provider, provider_server, provider_model, fault):
    provider_server.respond_with(reply("Hello world", chunk_size=2, **fault))

    raised = await failure(provider_model)

    assert type(raised) is ProviderError
    assert_names_the_model(raised, provider, provider.stream_error_status if "error_after" in fault else None)
    assert provider_model.metadata.id in str(raised)


async def test_text_streamed_before_a_failure_reaches_the_consumer_first(provider_server, provider_model):
    provider_server.respond_with(reply("Hello world", chunk_size=2, drop_after=5))

    received = []
    with pytest.raises(ProviderError):
        async for delta in provider_model.stream(HELLO):
            received.append(delta)

    text = "".join(delta.text for delta in received if isinstance(delta, TextDelta))
    assert text and "Hello world".startswith(text) and text != "Hello world"


async def test_a_failed_call_leaves_the_model_usable(provider_server, provider_model):
    provider_server.respond_with(reply("Hello world", chunk_size=2, drop_after=2), "recovered")

    await failure(provider_model)
    output = await provider_model.generate(HELLO)

    assert output.text == "recovered"


# --- timeouts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stall",
    [{"delay": 30}, {"hold": threading.Event(), "hold_after": 2}],
    ids=["before-the-response", "mid-stream"],
)
async def test_a_silent_provider_times_out_with_the_configured_timeout(provider, provider_server, stall):
    provider_server.respond_with(reply("too late", **stall))
    model = provider.model(provider_server, **{provider.timeout_option: TIMEOUT})

    raised = await failure(model)
    await model.aclose()

    assert type(raised) is ModelTimeoutError
    assert_names_the_model(raised, provider, None)


# --- tool calls the model got wrong -------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "told"),
    [
        (tool_call("add", '{"a": 1, "b":'), "the arguments for add are not a JSON object"),
        (tool_call("subtract", {"a": 1, "b": 2}), "unknown tool 'subtract'"),
    ],
    ids=["invalid-json", "unknown-tool"],
)
async def test_a_bad_tool_call_becomes_an_error_result_the_model_reads(
    provider, provider_server, provider_model, call, told
):
    provider_server.respond_with(reply(tool_calls=[call]), "Sorry, let me fix that.")
    session = await create_app(Calculator, model=provider_model).session()
    if not provider.sends_raw_tool_arguments and call.name == "add":
        # The provider reports arguments it could not form as a failed answer, not as a call.
        with pytest.raises(ProviderError, match="could not complete"):
            await session.send("What is 1 + 2?").result
        assert [entry.message.role for entry in session.timeline] == ["user"]
        assert (await session.send("Try again").result).response == "Sorry, let me fix that."
        return

    result = await session.send("What is 1 + 2?").result

    assert result.response == "Sorry, let me fix that."
    [block] = session.timeline[2].message.content
    assert isinstance(block, ToolResultBlock) and block.is_error
    assert told in block.content[0].text
    assert told in json.dumps(provider_server.requests[1].body)  # sent back to the model
    assert_consistent(session.timeline)


# --- the session after a failure ----------------------------------------------------------------


SESSION_FAULTS = {
    "http-500": error(500, "The server had an error"),
    "http-429": error(429, "Rate limit reached for requests"),
    "dropped": reply("Half an ans", chunk_size=2, drop_after=4),
    "truncated": reply("Half an ans", chunk_size=2, truncate_after=4),
    "malformed": reply("Half an ans", chunk_size=2, malformed_after=3),
    "error-event": reply("Half an ans", chunk_size=2, error_after=4),
}


@pytest.mark.parametrize("fault", SESSION_FAULTS.values(), ids=SESSION_FAULTS.keys())
async def test_after_a_failure_the_session_stores_no_partial_answer_and_sends_again(
    provider_server, provider_model, fault
):
    provider_server.respond_with(fault, "Second answer.")
    session = await create_app(Calculator, model=provider_model).session()

    with pytest.raises(ModelError):
        await session.send("first").result

    assert [entry.message.role for entry in session.timeline] == ["user"]
    result = await session.send("second").result
    assert result.response == "Second answer."
    assert [entry.message.text for entry in session.timeline] == ["first", "second", "Second answer."]


async def test_a_failure_in_a_later_tick_keeps_the_earlier_ticks_and_a_consistent_timeline(
    provider_server, provider_model
):
    provider_server.respond_with(
        reply(tool_calls=[tool_call("add", {"a": 1, "b": 2})]),
        reply("The sum is", chunk_size=2, drop_after=3),
        "The sum is 3.",
    )
    session = await create_app(Calculator, model=provider_model).session()

    with pytest.raises(ProviderError):
        await session.send("What is 1 + 2?").result

    assert [entry.message.role for entry in session.timeline] == ["user", "assistant", "tool"]
    assert_consistent(session.timeline)
    result = await session.send("Go on.").result
    assert result.response == "The sum is 3."
    assert_consistent(session.timeline)


async def test_a_timeout_leaves_the_session_able_to_send_again(provider, provider_server):
    provider_server.respond_with(reply("too late", delay=30), "In time.")
    model = provider.model(provider_server, **{provider.timeout_option: TIMEOUT})
    session = await create_app(Calculator, model=model).session()

    with pytest.raises(ModelTimeoutError):
        await session.send("first").result
    result = await session.send("second").result
    await model.aclose()

    assert result.response == "In time."
    assert [entry.message.role for entry in session.timeline] == ["user", "user", "assistant"]
