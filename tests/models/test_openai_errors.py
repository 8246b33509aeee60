"""Every way an OpenAI call fails becomes a `ModelError` that names the model, the server and what to do."""

from __future__ import annotations

import logging
import socket

import openai as sdk
import pytest

from agentick.errors import ModelError
from agentick.models import OpenAIModel, openai
from agentick.testing.fake_openai import error, reply
from agentick.types import ModelInput, TextDelta

pytestmark = pytest.mark.anyio

HELLO = ModelInput(messages=[{"role": "user", "content": "Hi"}])


async def failure(model, model_input: ModelInput = HELLO) -> ModelError:
    with pytest.raises(ModelError) as raised:
        await model.generate(model_input)
    return raised.value


@pytest.mark.parametrize(
    ("response", "status_text", "advice", "cause"),
    [
        (
            error(401, "Incorrect API key provided", code="invalid_api_key"),
            "HTTP 401",
            "OPENAI_API_KEY",
            sdk.AuthenticationError,
        ),
        (error(403, "Project does not have access"), "HTTP 403", "permissions", sdk.PermissionDeniedError),
        (
            error(404, "The model `gpt-9` does not exist", code="model_not_found"),
            "HTTP 404",
            "model name",
            sdk.NotFoundError,
        ),
        (error(429, "Rate limit reached", code="rate_limit_exceeded"), "HTTP 429", "max_retries", sdk.RateLimitError),
        (
            error(429, "You exceeded your current quota", code="insufficient_quota"),
            "HTTP 429",
            "billing",
            sdk.RateLimitError,
        ),
        (
            error(400, "This model's maximum context length is 128000 tokens", code="context_length_exceeded"),
            "HTTP 400",
            "context window",
            sdk.BadRequestError,
        ),
        (error(400, "Invalid value for 'temperature'"), "HTTP 400", "model options", sdk.BadRequestError),
        (error(500, "The server had an error"), "HTTP 500", "try again later", sdk.InternalServerError),
    ],
)
async def test_http_errors_name_the_status_the_server_message_and_the_fix(
    gpt, fake_openai, response, status_text, advice, cause
):
    fake_openai.respond_with(response)

    raised = await failure(gpt)

    message = str(raised)
    assert status_text in message
    assert response.message.rstrip(".") in message
    assert advice in message
    assert "'gpt-4o-mini'" in message
    assert fake_openai.base_url in message
    assert isinstance(raised.__cause__, cause)


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


async def test_text_streamed_before_a_failure_reaches_the_consumer_first(gpt, fake_openai):
    fake_openai.respond_with(reply("Hello world", chunk_size=5, drop_after=3))

    received = []
    with pytest.raises(ModelError):
        async for delta in gpt.stream(HELLO):
            received.append(delta)

    assert [d.text for d in received if isinstance(d, TextDelta)] == ["Hello", " worl"]


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


async def test_a_failed_call_leaves_the_model_usable(gpt, fake_openai):
    fake_openai.respond_with(reply("Hel", drop_after=2), "recovered")

    await failure(gpt)
    output = await gpt.generate(HELLO)

    assert output.text == "recovered"


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
    assert caplog.records == [] and fake_openai.requests == []
