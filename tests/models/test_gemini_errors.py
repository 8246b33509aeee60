"""Every way a Gemini call fails becomes a `ModelError` subclass naming the provider, model, status and fix."""

from __future__ import annotations

import socket

import pytest
from google.genai import errors as genai_errors

from agentick import Fragment, System, Timeline, create_app, h
from agentick.errors import (
    AuthenticationError,
    ContextLengthError,
    ModelError,
    ModelTimeoutError,
    ProviderError,
    RateLimitError,
)
from agentick.models import gemini
from agentick.testing.fake_gemini import error, reply, tool_call
from agentick.types import ModelInput, TextDelta

pytestmark = pytest.mark.anyio

HELLO = ModelInput(messages=[{"role": "user", "content": "Hi"}])


@pytest.fixture
async def flash(fake_gemini):
    model = gemini("gemini-2.5-flash", api_key="test-key", base_url=fake_gemini.base_url, max_retries=0)
    yield model
    await model.aclose()


async def failure(model, model_input: ModelInput = HELLO) -> ModelError:
    with pytest.raises(ModelError) as raised:
        await model.generate(model_input)
    return raised.value


@pytest.mark.parametrize(
    ("response", "kind", "status_text", "advice", "cause"),
    [
        (
            error(401, "Request had invalid authentication credentials."),
            AuthenticationError,
            "HTTP 401 UNAUTHENTICATED",
            "GEMINI_API_KEY",
            genai_errors.ClientError,
        ),
        (
            error(400, "API key not valid. Please pass a valid API key.", code="API_KEY_INVALID"),
            AuthenticationError,
            "HTTP 400 INVALID_ARGUMENT",
            "GEMINI_API_KEY",
            genai_errors.ClientError,
        ),
        (
            error(403, "Method doesn't allow unregistered callers."),
            AuthenticationError,
            "HTTP 403 PERMISSION_DENIED",
            "API is enabled",
            genai_errors.ClientError,
        ),
        (
            error(404, "models/gemini-9 is not found for API version v1beta"),
            ProviderError,
            "HTTP 404 NOT_FOUND",
            "model name",
            genai_errors.ClientError,
        ),
        (
            error(429, "Resource has been exhausted (e.g. check quota).", headers={"retry-after": "37"}),
            RateLimitError,
            "HTTP 429 RESOURCE_EXHAUSTED",
            "Google suggests waiting 37s",
            genai_errors.ClientError,
        ),
        (
            error(400, "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."),
            ContextLengthError,
            "HTTP 400 INVALID_ARGUMENT",
            "context window",
            genai_errors.ClientError,
        ),
        (
            error(400, "Invalid value at 'generation_config.temperature'"),
            ProviderError,
            "HTTP 400 INVALID_ARGUMENT",
            "model options",
            genai_errors.ClientError,
        ),
        (error(408, "Request timed out."), ModelTimeoutError, "HTTP 408", "took too long", genai_errors.ClientError),
        (
            error(500, "Internal error encountered."),
            ProviderError,
            "HTTP 500 INTERNAL",
            "try again later",
            genai_errors.ServerError,
        ),
        (
            error(503, "The model is overloaded."),
            ProviderError,
            "HTTP 503 UNAVAILABLE",
            "try again later",
            genai_errors.ServerError,
        ),
        (
            error(504, "Deadline exceeded."),
            ModelTimeoutError,
            "HTTP 504 DEADLINE_EXCEEDED",
            "took too long",
            genai_errors.ServerError,
        ),
    ],
)
async def test_http_errors_map_to_a_subclass_naming_the_status_googles_message_and_the_fix(
    flash, fake_gemini, response, kind, status_text, advice, cause
):
    fake_gemini.respond_with(response)

    raised = await failure(flash)

    message = str(raised)
    assert type(raised) is kind
    assert status_text in message
    assert response.message.rstrip(".") in message
    assert advice in message
    assert f"Gemini model 'gemini-2.5-flash' at {fake_gemini.base_url}" in message
    assert (raised.provider, raised.model, raised.status_code) == ("gemini", "gemini-2.5-flash", response.status)
    assert raised.body["error"]["message"] == response.message
    assert isinstance(raised.__cause__, cause)


async def test_a_rate_limit_carries_the_retry_delay_google_gives(flash, fake_gemini):
    fake_gemini.respond_with(error(429, "Quota exceeded.", headers={"retry-after": "2.5"}))

    raised = await failure(flash)

    assert isinstance(raised, RateLimitError)
    assert raised.retry_after == 2.5
    assert raised.body["error"]["details"] == [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2.5s"}
    ]


async def test_a_rate_limit_without_a_delay_has_no_retry_after(flash, fake_gemini):
    fake_gemini.respond_with(error(429, "Quota exceeded."))

    raised = await failure(flash)

    assert isinstance(raised, RateLimitError) and raised.retry_after is None


async def test_a_refused_connection_names_the_url_to_check():
    with socket.socket() as probe:  # a port that was just free: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    model = gemini(api_key="k", base_url=base_url, max_retries=0)

    raised = await failure(model)
    await model.aclose()

    assert isinstance(raised, ProviderError)
    assert str(raised).startswith(
        f"Cannot connect to Gemini model 'gemini-2.5-flash' at {base_url}: Connection refused."
    )
    assert "GOOGLE_GEMINI_BASE_URL" in str(raised)


async def test_a_slow_server_times_out_with_the_configured_timeout(fake_gemini):
    fake_gemini.respond_with(reply("too late", delay=30))
    model = gemini(api_key="k", base_url=fake_gemini.base_url, timeout=0.2, max_retries=0)

    raised = await failure(model)
    await model.aclose()

    assert isinstance(raised, ModelTimeoutError)
    assert "did not answer within the 0.2s timeout" in str(raised)
    assert (raised.provider, raised.model) == ("gemini", "gemini-2.5-flash")


async def test_a_connection_dropped_mid_stream_is_reported_as_cut_off(flash, fake_gemini):
    fake_gemini.respond_with(reply("Hello world", chunk_size=2, drop_after=3))

    raised = await failure(flash)

    assert isinstance(raised, ProviderError)
    assert "The response stream of Gemini model 'gemini-2.5-flash'" in str(raised)
    assert "was cut off before the model finished" in str(raised)


async def test_a_stream_that_ends_without_a_finish_reason_is_an_error(flash, fake_gemini):
    fake_gemini.respond_with(reply("Hello world", chunk_size=2, truncate_after=3))

    raised = await failure(flash)

    assert isinstance(raised, ProviderError)
    assert "ended before the model finished (no finishReason)" in str(raised)


async def test_malformed_json_in_the_stream_is_reported_as_such(flash, fake_gemini):
    fake_gemini.respond_with(reply("Hello", malformed_after=1))

    raised = await failure(flash)

    assert isinstance(raised, ProviderError)
    assert "sent malformed JSON in its response stream" in str(raised)
    assert '{"candidates": [{"content"' in str(raised)


async def test_an_error_event_in_the_stream_carries_googles_message(flash, fake_gemini):
    fake_gemini.respond_with(reply("Hello", error_after=1))

    raised = await failure(flash)

    assert isinstance(raised, ProviderError)
    assert "reported an error in its response stream (500 INTERNAL): Internal error encountered." in str(raised)
    assert raised.status_code == 500
    assert isinstance(raised.__cause__, genai_errors.ServerError)


async def test_a_function_call_the_model_botched_is_an_error_saying_to_retry(flash, fake_gemini):
    fake_gemini.respond_with(reply(tool_calls=[tool_call("add", '{"a": 1,')]))

    raised = await failure(flash)

    assert isinstance(raised, ProviderError)
    assert 'generated a function call it could not complete (Malformed function call: add({"a": 1,))' in str(raised)


async def test_text_streamed_before_a_failure_reaches_the_consumer_first(flash, fake_gemini):
    fake_gemini.respond_with(reply("Hello world", chunk_size=5, drop_after=2))

    received = []
    with pytest.raises(ModelError):
        async for delta in flash.stream(HELLO):
            received.append(delta)

    assert [d.text for d in received if isinstance(d, TextDelta)] == ["Hello", " worl"]


async def test_a_failed_call_leaves_the_model_usable(flash, fake_gemini):
    fake_gemini.respond_with(reply("Hel", drop_after=1), "recovered")

    await failure(flash)
    output = await flash.generate(HELLO)

    assert output.text == "recovered"


async def test_retries_are_the_sdks_and_configurable(fake_gemini):
    fake_gemini.respond_with(error(503, "Overloaded"), "finally")
    model = gemini(api_key="k", base_url=fake_gemini.base_url, max_retries=1)

    output = await model.generate(HELLO)
    await model.aclose()

    assert output.text == "finally"
    assert len(fake_gemini.requests) == 2


async def test_when_retries_run_out_the_error_says_how_many_were_made(fake_gemini):
    fake_gemini.respond_with(error(500, "Boom"), error(500, "Boom"))
    model = gemini(api_key="k", base_url=fake_gemini.base_url, max_retries=1)

    raised = await failure(model)
    await model.aclose()

    assert "HTTP 500 INTERNAL: Boom. The server failed (after 1 retries)" in str(raised)
    assert len(fake_gemini.requests) == 2


# --- the API key -----------------------------------------------------------------------------------------


async def test_a_missing_api_key_names_both_variables(fake_gemini):
    model = gemini(base_url=fake_gemini.base_url, max_retries=0)

    raised = await failure(model)

    assert isinstance(raised, AuthenticationError)
    assert str(raised).startswith(
        "No API key for Gemini model 'gemini-2.5-flash': set GEMINI_API_KEY (or GOOGLE_API_KEY)"
    )
    assert fake_gemini.requests == []


@pytest.mark.parametrize("variable", ["GEMINI_API_KEY", "GOOGLE_API_KEY"])
async def test_the_api_key_is_read_from_the_environment(fake_gemini, monkeypatch, variable):
    monkeypatch.setenv(variable, "from-env")
    fake_gemini.respond_with("ok")
    model = gemini(base_url=fake_gemini.base_url, max_retries=0)

    await model.generate(HELLO)
    await model.aclose()

    assert fake_gemini.requests[0].headers["x-goog-api-key"] == "from-env"


async def test_gemini_api_key_wins_over_google_api_key(fake_gemini, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "gemini")
    monkeypatch.setenv("GOOGLE_API_KEY", "google")

    assert gemini().api_key == "gemini"


# --- in a session ------------------------------------------------------------------------------------------


def Chat():
    return h(Fragment, None, h(System, None, "Be brief."), h(Timeline))


@pytest.mark.parametrize(
    "broken",
    [
        reply("Hello world", chunk_size=2, malformed_after=2),
        reply("Hello world", chunk_size=2, truncate_after=2),
        reply("Hello world", chunk_size=2, drop_after=2),
        reply("Hello world", chunk_size=2, error_after=2),
        error(429, "Slow down."),
        error(500, "Internal error encountered."),
    ],
    ids=["malformed", "truncated", "dropped", "error-event", "http-429", "http-500"],
)
async def test_a_failed_stream_stores_no_partial_message_and_the_session_keeps_working(flash, fake_gemini, broken):
    fake_gemini.respond_with(broken, "second answer")
    session = await create_app(Chat, model=flash).session()

    with pytest.raises(ModelError) as raised:
        await session.send("first").result

    assert type(raised.value) is not ModelError  # always a subclass saying what kind of failure it was
    assert raised.value.provider == "gemini"
    assert [entry.message.role for entry in session.timeline] == ["user"]
    result = await session.send("second").result
    assert result.response == "second answer"
    assert [entry.message.text for entry in session.timeline] == ["first", "second", "second answer"]
