"""Every way an OpenAI call fails becomes a `ModelError` that names the model, the server and what to do.

What every adapter shares (the subclass per failure, its attributes, a session that survives) is
tested for all providers in test_provider_faults.py; these tests pin the OpenAI adapter's wording
and what only it does (retries, the SDK cause, headers and keys it cannot send).
"""

from __future__ import annotations

import email.utils
import logging
import socket
from datetime import UTC, datetime, timedelta
from unittest.mock import ANY

import openai as sdk
import pytest

from agentick.errors import (
    AuthenticationError,
    ContextLengthError,
    ModelError,
    ModelTimeoutError,
    ProviderError,
    RateLimitError,
)
from agentick.models import OpenAIModel, openai
from agentick.testing.fake_openai import FakeOpenAI, error, reply
from agentick.types import ModelInput

pytestmark = pytest.mark.anyio

HELLO = ModelInput(messages=[{"role": "user", "content": "Hi"}])


async def failure(model, model_input: ModelInput = HELLO) -> ModelError:
    with pytest.raises(ModelError) as raised:
        await model.generate(model_input)
    return raised.value


@pytest.mark.parametrize(
    ("response", "advice", "cause", "kind"),
    [
        (
            error(401, "Incorrect API key provided", code="invalid_api_key"),
            "OPENAI_API_KEY",
            sdk.AuthenticationError,
            AuthenticationError,
        ),
        (error(403, "Project does not have access"), "permissions", sdk.PermissionDeniedError, AuthenticationError),
        (
            error(404, "The model `gpt-9` does not exist", code="model_not_found"),
            "model name",
            sdk.NotFoundError,
            ProviderError,
        ),
        (error(408, "Request timed out"), "try again later", sdk.APIStatusError, ModelTimeoutError),
        (
            error(429, "Rate limit reached", code="rate_limit_exceeded"),
            "max_retries",
            sdk.RateLimitError,
            RateLimitError,
        ),
        (
            error(429, "You exceeded your current quota", code="insufficient_quota"),
            "billing",
            sdk.RateLimitError,
            RateLimitError,
        ),
        (
            error(400, "This model's maximum context length is 128000 tokens", code="context_length_exceeded"),
            "context window",
            sdk.BadRequestError,
            ContextLengthError,
        ),
        (error(400, "Invalid value for 'temperature'"), "model options", sdk.BadRequestError, ProviderError),
        (error(500, "The server had an error"), "try again later", sdk.InternalServerError, ProviderError),
    ],
)
async def test_http_errors_name_the_status_the_server_message_and_the_fix(
    gpt, fake_openai, response, advice, cause, kind
):
    fake_openai.respond_with(response)

    raised = await failure(gpt)

    message = str(raised)
    assert f"HTTP {response.status}" in message
    assert response.message.rstrip(".") in message
    assert advice in message
    assert "'gpt-4o-mini'" in message
    assert fake_openai.base_url in message
    assert isinstance(raised.__cause__, cause)
    assert type(raised) is kind
    assert (raised.provider, raised.model, raised.status_code) == ("openai", "gpt-4o-mini", response.status)
    assert raised.body == {"error": {"message": response.message, "type": ANY, "param": None, "code": response.code}}


async def test_a_context_overflow_is_recognised_by_its_message_when_the_server_sends_no_code(gpt, fake_openai):
    fake_openai.respond_with(error(400, "This model's maximum context length is 8192 tokens. However, ..."))

    raised = await failure(gpt)

    assert type(raised) is ContextLengthError
    assert "give <Timeline> a max_tokens budget" not in str(raised)  # the hint follows OpenAI's code only


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after-ms": "1500", "retry-after": "7"}, 1.5),  # the precise one wins, as in the SDK
        ({"Retry-After": "0.25"}, 0.25),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
async def test_a_rate_limit_carries_the_wait_the_server_asked_for(gpt, fake_openai, headers, seconds):
    fake_openai.respond_with(error(429, "Rate limit reached", code="rate_limit_exceeded", headers=headers))

    raised = await failure(gpt)

    assert type(raised) is RateLimitError
    assert raised.retry_after == seconds


async def test_a_rate_limit_retry_after_given_as_an_http_date_is_the_seconds_until_then(gpt, fake_openai):
    later = email.utils.format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    fake_openai.respond_with(error(429, "Rate limit reached", headers={"retry-after": later}))

    raised = await failure(gpt)

    assert 3500 < raised.retry_after <= 3600


async def test_a_refused_connection_names_the_url_to_check():
    with socket.socket() as probe:  # a port that was just free: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/v1"
    model = openai(api_key="k", base_url=base_url, max_retries=0)

    raised = await failure(model)

    assert str(raised).startswith(f"Cannot connect to OpenAI model 'gpt-4o-mini' at {base_url}: Connection refused.")
    assert "OPENAI_BASE_URL" in str(raised)
    assert isinstance(raised.__cause__, sdk.APIConnectionError)
    # the server (or the way to it) failed, and may work later: a provider failure without a status
    assert type(raised) is ProviderError
    assert (raised.provider, raised.model, raised.status_code, raised.body) == ("openai", "gpt-4o-mini", None, None)


async def test_a_slow_server_times_out_with_the_configured_timeout(fake_openai):
    fake_openai.respond_with(reply("too late", delay=30))
    model = openai(api_key="k", base_url=fake_openai.base_url, timeout=0.2, max_retries=0)

    raised = await failure(model)
    await model.aclose()

    assert "did not answer within the 0.2s timeout" in str(raised)
    assert "timeout=" in str(raised)
    assert isinstance(raised.__cause__, sdk.APITimeoutError)


async def test_a_connection_dropped_mid_stream_is_reported_as_cut_off(gpt, fake_openai):
    fake_openai.respond_with(reply("Hello world", chunk_size=2, drop_after=3))

    raised = await failure(gpt)

    assert "was cut off before the model finished" in str(raised)
    assert isinstance(raised.__cause__, sdk.APIConnectionError)


async def test_a_stream_that_ends_without_a_finish_reason_is_an_error(gpt, fake_openai):
    fake_openai.respond_with(reply("Hello world", chunk_size=2, truncate_after=3))

    raised = await failure(gpt)

    assert "ended before the model finished (no finish_reason)" in str(raised)


async def test_malformed_json_in_the_stream_is_reported_as_such(gpt, fake_openai):
    fake_openai.respond_with(reply("Hello", malformed_after=1))

    raised = await failure(gpt)

    assert "malformed JSON" in str(raised)
    assert "chatcmpl-broken" in str(raised)


async def test_an_error_event_in_the_stream_carries_the_server_message(gpt, fake_openai):
    fake_openai.respond_with(reply("Hello", error_after=2))

    raised = await failure(gpt)

    assert "reported an error in its response stream: The server had an error" in str(raised)
    assert isinstance(raised.__cause__, sdk.APIError)
    assert raised.body == {"message": ANY, "type": "server_error", "param": None, "code": None}  # the event's error


async def test_an_error_event_saying_the_context_is_too_long_is_a_context_length_error(gpt, fake_openai):
    class Overflowing(FakeOpenAI):
        def error_body(self, response):
            if response.status == 500:  # the in-stream error event
                response = error(
                    400, "This model's maximum context length is 8192 tokens", code="context_length_exceeded"
                )
            return super().error_body(response)

    with Overflowing(reply("Hello", error_after=1)) as server:
        model = openai(api_key="k", base_url=server.base_url, max_retries=0)
        raised = await failure(model)
        await model.aclose()

    assert type(raised) is ContextLengthError and raised.status_code is None


@pytest.mark.parametrize("max_retries", [0, 1, 3])
async def test_retries_are_configurable(fake_openai, max_retries):
    retry_now = {"retry-after-ms": "1"}  # the SDK honours it, so retries happen without backoff
    fake_openai.respond_with(*[error(503, "Overloaded", headers=retry_now)] * max_retries, "finally")
    model = openai(api_key="k", base_url=fake_openai.base_url, max_retries=max_retries)

    output = await model.generate(HELLO)
    await model.aclose()

    assert output.text == "finally"
    assert len(fake_openai.requests) == max_retries + 1


async def test_when_retries_run_out_the_error_says_how_many_were_made(fake_openai):
    fake_openai.respond_with(*[error(500, "Boom", headers={"retry-after-ms": "1"})] * 3)
    model = openai(api_key="k", base_url=fake_openai.base_url, max_retries=2)

    raised = await failure(model)
    await model.aclose()

    assert "HTTP 500" in str(raised)
    assert "(after 2 retries)" in str(raised)
    assert len(fake_openai.requests) == 3


# --- text a request cannot carry outside its messages --------------------------------------------------


async def test_a_non_ascii_api_key_is_named_and_neither_retried_nor_logged_as_a_text_repair(fake_openai, caplog):
    gpt = openai(api_key="sk-\u2018abc\u2019", base_url=fake_openai.base_url, max_retries=0)

    with caplog.at_level(logging.DEBUG, logger="agentick"):
        error = await failure(gpt)
    await gpt.aclose()

    assert str(error) == (
        f"The request to OpenAI model 'gpt-4o-mini' at {fake_openai.base_url} could not be sent: the API key "
        "holds '\u2018' (character 3 of the key), which is not ASCII, as HTTP headers must be. Check api_key=... "
        "(or OPENAI_API_KEY): a key copied from a document may hold typographic quotes or dashes."
    )
    assert isinstance(error.__cause__, UnicodeEncodeError)
    assert type(error) is AuthenticationError and (error.provider, error.model) == ("openai", "gpt-4o-mini")
    assert caplog.records == [] and fake_openai.requests == []


async def test_a_non_ascii_header_is_named_even_when_the_messages_need_repair_too(fake_openai, caplog):
    from openai import AsyncOpenAI

    client = AsyncOpenAI(
        api_key="k", base_url=fake_openai.base_url, max_retries=0, default_headers={"X-Team": "Z\u00fcrich"}
    )
    gpt = OpenAIModel("gpt-4o", client=client)
    unencodable = ModelInput(messages=[{"role": "user", "content": "caf\udce9"}])

    with caplog.at_level(logging.DEBUG, logger="agentick"):
        error = await failure(gpt, unencodable)
    await client.close()

    assert str(error) == (
        f"The request to OpenAI model 'gpt-4o' at {fake_openai.base_url} could not be sent: its X-Team header "
        "holds '\u00fc' (character 1), which is not ASCII, as HTTP headers must be. Pass the client only ASCII "
        "header values."
    )
    assert type(error) is ModelError and (error.provider, error.model) == ("openai", "gpt-4o")
    assert caplog.records == [] and fake_openai.requests == []


# --- failures that are not the provider's ---------------------------------------------------------------


async def test_a_missing_api_key_is_an_authentication_error_before_any_request():
    model = openai("gpt-4o")

    raised = await failure(model)

    assert type(raised) is AuthenticationError
    assert (raised.provider, raised.model, raised.status_code) == ("openai", "gpt-4o", None)


async def test_a_block_chat_completions_cannot_send_is_a_plain_model_error_naming_provider_and_model(gpt, fake_openai):
    video = {"type": "video", "source": {"type": "url", "url": "https://example.com/a.mp4"}}
    model_input = ModelInput(messages=[{"role": "user", "content": [video]}], options={"model": "gpt-4.1"})

    raised = await failure(gpt, model_input)

    assert str(raised).startswith("Chat Completions cannot send a video block")
    assert type(raised) is ModelError  # bad input, not a provider failure
    assert (raised.provider, raised.model, raised.status_code) == ("openai", "gpt-4.1", None)
    assert fake_openai.requests == []
