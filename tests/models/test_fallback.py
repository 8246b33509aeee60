"""`fallback(...)`: the next model answers when one fails before streaming anything (API.md §13)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pydantic
import pytest

from agentick import (
    Fragment,
    Model,
    ModelError,
    ProviderError,
    RateLimitError,
    System,
    Timeline,
    create_app,
    h,
    run,
)
from agentick.models import BaseModel, FallbackModel, anthropic, fallback, openai
from agentick.testing import create_test_model
from agentick.testing.fake_anthropic import FakeAnthropic
from agentick.testing.fake_openai import FakeOpenAI, error, reply, tool_call
from agentick.types import ModelInput, ModelMetadata, ModelOutput, StreamDelta, TextDelta

pytestmark = pytest.mark.anyio

HELLO = ModelInput(messages=[{"role": "user", "content": "Hi"}])
BACKUP_ID = "gpt-4o-2024-08-06"  # what the second server says answered


@pytest.fixture
def servers():
    with FakeOpenAI() as first, FakeOpenAI(model=BACKUP_ID) as second:
        yield first, second


@pytest.fixture
async def models(servers):
    first, second = servers
    primary = openai("gpt-4o-mini", api_key="k", base_url=first.base_url, max_retries=0)
    backup = openai("gpt-4o", api_key="k", base_url=second.base_url, max_retries=0)
    yield primary, backup
    await primary.aclose()
    await backup.aclose()


def Chat():
    return h(Fragment, None, h(System, None, "Be brief."), h(Timeline))


async def send(model, text: str = "Hi"):
    session = await create_app(Chat, model=model).session()
    handle = await session.send(text)
    events = [event async for event in handle]
    return session, await handle.result, events


async def test_a_rate_limited_first_model_hands_the_tick_to_the_next_which_message_start_names(servers, models):
    first, second = servers
    first.respond_with(error(429, "Rate limit reached", headers={"retry-after": "20"}))
    second.respond_with("Backup here.")

    session, result, events = await send(fallback(*models))

    assert result.response == "Backup here."
    [start] = [event for event in events if event.type == "message_start"]
    assert start.model == BACKUP_ID
    [request] = [event for event in events if event.type == "model_request"]
    assert request.model == "gpt-4o-mini"  # the fallback is asked as the first model
    assert [entry.message.text for entry in session.timeline] == ["Hi", "Backup here."]
    assert (len(first.requests), len(second.requests)) == (1, 1)


async def test_a_failure_before_any_content_falls_back_even_after_the_stream_started(servers, models):
    first, second = servers
    first.respond_with(reply("never", error_after=1))  # the role chunk (message start), then an error event
    second.respond_with("Backup here.")

    output = await fallback(*models).generate(HELLO)

    assert (output.text, output.model) == ("Backup here.", BACKUP_ID)


async def test_a_failure_after_content_was_streamed_propagates_without_trying_the_next(servers, models):
    first, second = servers
    first.respond_with(reply("Hello world", chunk_size=2, drop_after=3))

    received = []
    with pytest.raises(ProviderError, match="cut off"):
        async for delta in fallback(*models).stream(HELLO):
            received.append(delta)

    assert "".join(delta.text for delta in received if isinstance(delta, TextDelta)) == "Hell"
    assert second.requests == []


async def test_an_error_not_in_on_propagates_from_the_first_model(servers, models):
    first, second = servers
    first.respond_with(error(500, "The server had an error"))

    with pytest.raises(ProviderError, match="HTTP 500"):
        await fallback(*models, on=RateLimitError).generate(HELLO)

    assert second.requests == []


async def test_when_every_model_fails_the_last_error_is_raised_with_the_earlier_ones_as_notes(servers, models):
    first, second = servers
    first.respond_with(error(429, "Rate limit reached"))
    second.respond_with(error(503, "Overloaded"))

    with pytest.raises(ProviderError) as raised:
        await fallback(*models).generate(HELLO)

    assert raised.value.status_code == 503 and raised.value.model == "gpt-4o"
    [note] = raised.value.__notes__
    assert note.startswith("fallback: openai model 'gpt-4o-mini' failed before it with RateLimitError: ")
    assert "HTTP 429: Rate limit reached" in note


async def test_options_from_the_tree_reach_whichever_model_runs(servers, models):
    first, second = servers
    first.respond_with(error(401, "Incorrect API key"))
    second.respond_with("Backup here.")
    either = fallback(*models)

    def Agent():
        return h(Fragment, None, h(Model, {"model": either, "temperature": 0.1}), h(System, None, "Hi."), h(Timeline))

    session = await create_app(Agent).session()
    result = await session.send("Hi").result

    assert result.response == "Backup here."
    assert first.requests[0].body["temperature"] == second.requests[0].body["temperature"] == 0.1


async def test_a_fallback_renders_as_a_component_with_its_options(servers, models):
    first, second = servers
    first.respond_with(error(500, "Boom"))
    second.respond_with("Backup here.")
    Either = fallback(*models)

    def Agent():
        return h(Fragment, None, h(Either, {"max_tokens": 50}), h(Timeline))

    result = await (await create_app(Agent).session()).send("Hi").result

    assert result.response == "Backup here."
    assert second.requests[0].body["max_tokens"] == 50


class Recording(BaseModel):
    """A model that only generates, and records being closed."""

    def __init__(self, id: str, answer: str | Exception) -> None:
        super().__init__(ModelMetadata(id=id, provider="local", context_window=1000))
        self.answer = answer
        self.closed = 0

    async def generate(self, model_input: ModelInput) -> ModelOutput:
        if isinstance(self.answer, Exception):
            raise self.answer
        return ModelOutput(message={"role": "assistant", "content": self.answer}, stop_reason="stop", model=None)

    async def aclose(self) -> None:
        self.closed += 1


class GenerateOnly:
    """A `ModelAdapter` that is no `BaseModel` and has no `stream`."""

    metadata = ModelMetadata(id="plain", provider="local")

    async def generate(self, model_input: ModelInput) -> ModelOutput:
        return ModelOutput(message={"role": "assistant", "content": "plain answer"}, stop_reason="stop")


async def test_metadata_is_the_first_models_and_a_model_without_a_reported_id_is_named_by_its_metadata():
    first = Recording("local-a", ModelError("down"))
    second = Recording("local-b", "from b")
    either = fallback(first, second)

    deltas = [delta async for delta in either.stream(HELLO)]

    assert either.metadata is first.metadata
    assert deltas[0].type == "message_start" and deltas[0].model == "local-b"
    assert (await fallback(first, GenerateOnly()).generate(HELLO)).text == "plain answer"


async def test_aclose_closes_every_model():
    first, second = Recording("a", "x"), Recording("b", "y")

    async with fallback(first, second):
        pass

    assert (first.closed, second.closed) == (1, 1)


async def test_model_strings_are_inferred():
    either = fallback("test", create_test_model(default_response="unused"))

    assert isinstance(either, FallbackModel)
    assert [model.metadata.provider for model in either.models] == ["test", "test"]
    assert (await either.generate(HELLO)).text == "Test response"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fallback(create_test_model(), 42), "fallback() model 2 is 42, which is not a model"),
        (lambda: fallback(create_test_model(), on="RateLimitError"), "takes exception classes, not 'RateLimitError'"),
        (lambda: fallback(create_test_model(), on=(RateLimitError, 3)), "takes exception classes, not 3"),
    ],
)
def test_what_is_not_a_model_or_an_exception_class_is_refused(call, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        call()


async def test_a_generator_abandoned_by_its_consumer_closes_the_running_models_stream():
    closed = []

    class Endless(BaseModel):
        def __init__(self) -> None:
            super().__init__(ModelMetadata(id="endless"))

        async def stream(self, model_input: ModelInput) -> AsyncIterator[StreamDelta]:
            try:
                while True:
                    yield TextDelta(text="more ")
            finally:
                closed.append(True)

    deltas = fallback(Endless(), create_test_model()).stream(HELLO)
    async for delta in deltas:
        if isinstance(delta, TextDelta):
            break
    await deltas.aclose()

    assert closed == [True]


def ask(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


class City(pydantic.BaseModel):
    name: str
    population: int


async def test_structured_output_through_a_fallback_uses_the_mode_every_model_can_answer(servers):
    """Auto mode with a native-capable first model and an Anthropic backup: the tool, which both speak."""
    first, _ = servers
    with FakeAnthropic() as claude_server:
        claude_server.respond_with(
            reply(tool_calls=[tool_call("final_result", {"name": "Paris", "population": 2_100_000})])
        )
        first.respond_with(error(500, "The server had an error"))
        primary = openai("gpt-4o", api_key="k", base_url=first.base_url, max_retries=0)
        claude = anthropic("claude-sonnet-4-5", api_key="k", base_url=claude_server.base_url, max_retries=0)
        async with primary, claude:
            result = await run(
                h(Chat), messages=[ask("Biggest city?")], model=fallback(primary, claude), output_type=City
            ).result

        assert result.output == City(name="Paris", population=2_100_000)
        assert result.stop_reason == "output"
        assert "response_format" not in first.requests[0].body
        assert [tool["function"]["name"] for tool in first.requests[0].body["tools"]] == ["final_result"]
        assert [tool["name"] for tool in claude_server.requests[0].body["tools"]] == ["final_result"]


async def test_a_fallback_of_native_capable_models_keeps_native_output(servers, models):
    first, second = servers
    first.respond_with(error(429, "Rate limit reached for requests"))
    second.respond_with(reply('{"name": "Lyon", "population": 520000}'))

    result = await run(h(Chat), messages=[ask("A city?")], model=fallback(*models), output_type=City).result

    assert result.output == City(name="Lyon", population=520_000)
    assert second.requests[0].body["response_format"]["type"] == "json_schema"
    assert first.requests[0].body["response_format"] == second.requests[0].body["response_format"]
