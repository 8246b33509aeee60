"""Every way an Anthropic call fails becomes a `ModelError` subclass naming the provider, the model, the status,
Anthropic's message and what to do; a session that hits one stores no partial answer and keeps working."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import anthropic as sdk
import pytest

from agentick import create_app
from agentick.errors import (
    AuthenticationError,
    ContextLengthError,
    ModelError,
    ModelTimeoutError,
    ProviderError,
    RateLimitError,
)
from agentick.models import anthropic
from agentick.testing.fake_anthropic import error, reply
from agentick.types import ModelInput, TextDelta
from tests.engine.support import assert_consistent, chat

pytestmark = pytest.mark.anyio

HELLO = ModelInput(messages=[{"role": "user", "content": "Hi"}])


async def failure(model, model_input: ModelInput = HELLO) -> ModelError:
    with pytest.raises(ModelError) as raised:
        await model.generate(model_input)
    return raised.value


@pytest.mark.parametrize(
    ("response", "kind", "error_type", "advice", "cause"),
    [
        (
            error(401, "invalid x-api-key"),
            AuthenticationError,
            "authentication_error",
            "ANTHROPIC_API_KEY",
            sdk.AuthenticationError,
        ),
        (
            error(403, "Your API key does not have permission"),
            AuthenticationError,
            "permission_error",
            "permissions",
            sdk.PermissionDeniedError,
        ),
        (error(404, "model: claude-9"), ProviderError, "not_found_error", "model name", sdk.NotFoundError),
        (
            error(408, "Request timed out"),
            ModelTimeoutError,
            "invalid_request_error",
            "try again later",
            sdk.RequestTimeoutError,
        ),
        (
            error(429, "Number of request tokens has exceeded your rate limit"),
            RateLimitError,
            "rate_limit_error",
            "max_retries",
            sdk.RateLimitError,
        ),
        (
            error(400, "prompt is too long: 208310 tokens > 200000 maximum"),
            ContextLengthError,
            "invalid_request_error",
            "context window",
            sdk.BadRequestError,
        ),
        (
            error(400, "input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000"),
            ContextLengthError,
            "invalid_request_error",
            "max_tokens option",
            sdk.BadRequestError,
        ),
        (
            error(413, "Request exceeds the maximum allowed number of bytes"),
            ProviderError,
            "request_too_large",
            "shorten the prompt",
            sdk.ContentTooLargeError,
        ),
        (
            error(400, "temperature: Input should be less than or equal to 1"),
            ProviderError,
            "invalid_request_error",
            "model options",
            sdk.BadRequestError,
        ),
        (
            error(402, "Your credit balance is too low"),
            ProviderError,
            "billing_error",
            "billing",
            sdk.PaymentRequiredError,
        ),
        (error(500, "Internal server error"), ProviderError, "api_error", "try again later", sdk.InternalServerError),
        (error(529, "Overloaded"), ProviderError, "overloaded_error", "fallback model", sdk.OverloadedError),
    ],
)
async def test_http_errors_map_to_a_subclass_naming_status_type_message_and_fix(
    claude, fake_anthropic, response, kind, error_type, advice, cause
):
    fake_anthropic.respond_with(response)

    raised = await failure(claude)

    message = str(raised)
    assert type(raised) is kind
    assert message.startswith(
        f"Anthropic model 'claude-sonnet-4-5' at {fake_anthropic.base_url} failed with HTTP {response.status} "
        f"({error_type}): {response.message}. "
    )
    assert advice in message
    assert (raised.provider, raised.model, raised.status_code) == ("anthropic", "claude-sonnet-4-5", response.status)
    assert raised.body == {
        "type": "error",
        "error": {"type": error_type, "message": response.message},
        "request_id": "req_fake",
    }
    assert isinstance(raised.__cause__, cause)


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [({"retry-after": "17"}, 17.0), ({"retry-after-ms": "1500", "retry-after": "2"}, 1.5), ({}, None)],
)
async def test_a_rate_limit_carries_the_servers_retry_after(claude, fake_anthropic, headers, retry_after):
    fake_anthropic.respond_with(error(429, "Rate limited", headers=headers))

    raised = await failure(claude)

    assert isinstance(raised, RateLimitError)
    assert raised.retry_after == retry_after


async def test_a_retry_after_given_as_an_http_date_is_the_seconds_until_then(claude, fake_anthropic):
    then = datetime.now(UTC) + timedelta(hours=1)
    fake_anthropic.respond_with(error(429, "Rate limited", headers={"retry-after": format_datetime(then, usegmt=True)}))

    raised = await failure(claude)

    assert isinstance(raised, RateLimitError)
    assert raised.retry_after is not None
    assert 3590 < raised.retry_after <= 3600  # the header has whole seconds; the test runs in well under 10 s


async def test_a_missing_api_key_fails_on_the_first_call_naming_the_variable():
    claude = anthropic("claude-sonnet-4-5")

    raised = await failure(claude)

    assert isinstance(raised, AuthenticationError)
    assert "set ANTHROPIC_API_KEY or pass api_key=..." in str(raised)
    assert (raised.provider, raised.model) == ("anthropic", "claude-sonnet-4-5")


async def test_a_refused_connection_names_the_url_to_check():
    with socket.socket() as probe:  # a port that was just free: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    claude = anthropic(api_key="k", base_url=base_url, max_retries=0)

    raised = await failure(claude)

    assert isinstance(raised, ProviderError)
    assert str(raised).startswith(
        f"Cannot connect to Anthropic model 'claude-sonnet-4-5' at {base_url}: Connection refused."
    )
    assert "ANTHROPIC_BASE_URL" in str(raised)
    assert isinstance(raised.__cause__, sdk.APIConnectionError)


async def test_a_slow_server_times_out_with_the_configured_timeout(fake_anthropic):
    fake_anthropic.respond_with(reply("too late", delay=30))
    claude = anthropic(api_key="k", base_url=fake_anthropic.base_url, timeout=0.2, max_retries=0)

    raised = await failure(claude)
    await claude.aclose()

    assert isinstance(raised, ModelTimeoutError)
    assert "did not answer within the 0.2s timeout" in str(raised)
    assert isinstance(raised.__cause__, sdk.APITimeoutError)


# --- faults in the stream ---------------------------------------------------------------------------


async def test_an_error_event_in_the_stream_is_classified_by_its_type(claude, fake_anthropic):
    fake_anthropic.respond_with(reply("Hello", error_after=3))

    raised = await failure(claude)

    assert type(raised) is ProviderError
    assert str(raised).startswith(
        f"Anthropic model 'claude-sonnet-4-5' at {fake_anthropic.base_url} reported an error in its response "
        "stream (overloaded_error): Overloaded. Anthropic is overloaded; try again later"
    )
    assert raised.body == {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    assert (raised.provider, raised.status_code) == ("anthropic", None)


async def test_a_connection_dropped_mid_stream_is_reported_as_cut_off(claude, fake_anthropic):
    fake_anthropic.respond_with(reply("Hello world", chunk_size=2, drop_after=4))

    raised = await failure(claude)

    assert isinstance(raised, ProviderError)
    assert "was cut off before the model finished" in str(raised)
    assert isinstance(raised.__cause__, sdk.APIConnectionError)


async def test_a_stream_that_ends_without_a_stop_reason_is_an_error(claude, fake_anthropic):
    fake_anthropic.respond_with(reply("Hello world", chunk_size=2, truncate_after=5))

    raised = await failure(claude)

    assert isinstance(raised, ProviderError)
    assert "ended before the model finished (no stop_reason)" in str(raised)


async def test_malformed_json_in_the_stream_is_reported_as_such(claude, fake_anthropic):
    fake_anthropic.respond_with(reply("Hello", malformed_after=3))

    raised = await failure(claude)

    assert isinstance(raised, ProviderError)
    assert "sent malformed JSON in its response stream" in str(raised)
    assert "content_block_delta" in str(raised)


async def test_text_streamed_before_a_failure_reaches_the_consumer_first(claude, fake_anthropic):
    fake_anthropic.respond_with(reply("Hello world", chunk_size=5, drop_after=5))

    received = []
    with pytest.raises(ProviderError):
        async for delta in claude.stream(HELLO):
            received.append(delta)

    assert [d.text for d in received if isinstance(d, TextDelta)] == ["Hello", " worl"]


async def test_overloaded_answers_are_retried_by_the_sdk(fake_anthropic):
    retry_now = {"retry-after-ms": "1"}
    fake_anthropic.respond_with(error(529, "Overloaded", headers=retry_now), "finally")
    claude = anthropic(api_key="k", base_url=fake_anthropic.base_url, max_retries=1)

    output = await claude.generate(HELLO)
    await claude.aclose()

    assert output.text == "finally"
    assert len(fake_anthropic.requests) == 2


@pytest.mark.parametrize(
    "fault",
    [
        reply("Half an answer", chunk_size=3, malformed_after=4),
        reply("Half an answer", chunk_size=3, truncate_after=5),
        reply("Half an answer", chunk_size=3, drop_after=5),
        reply("Half an answer", chunk_size=3, error_after=5),
        error(529, "Overloaded"),
    ],
    ids=["malformed", "truncated", "dropped", "error-event", "overloaded"],
)
async def test_a_session_stores_no_partial_answer_and_keeps_working(fake_anthropic, fault):
    fake_anthropic.respond_with("First.", fault, "Recovered.")
    claude = anthropic(api_key="k", base_url=fake_anthropic.base_url, max_retries=0)
    session = await create_app(lambda: chat(), model=claude).session()
    await session.send("one").result

    with pytest.raises(ProviderError):
        await session.send("two").result
    after_failure = [entry.message.text for entry in session.timeline]
    result = await session.send("three").result
    await claude.aclose()

    assert after_failure == ["one", "First.", "two"]  # the input stays; no partial answer is stored
    assert result.response == "Recovered."
    assert_consistent(session.timeline)
    assert fake_anthropic.requests[2].body["messages"][1:] == [
        {"role": "assistant", "content": [{"type": "text", "text": "First."}]},
        {"role": "user", "content": [{"type": "text", "text": "two"}, {"type": "text", "text": "three"}]},
    ]
