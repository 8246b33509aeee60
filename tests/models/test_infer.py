"""`infer("provider:model")` and the places that take model strings (API.md §13)."""

from __future__ import annotations

import pytest

import agentick.models
from agentick import Fragment, System, Timeline, create_app, h, run
from agentick.models import OpenAIModel, infer
from agentick.models.infer import split_model_string
from agentick.testing import TestModel
from agentick.testing.fake_openai import FakeOpenAI

KNOWN = "the known providers are openai, anthropic, gemini (also written google or google-gla) and test"


@pytest.mark.parametrize(
    ("spec", "split"),
    [
        ("openai:gpt-4o", ("openai", "gpt-4o")),
        ("gpt-4o", ("openai", "gpt-4o")),
        ("anthropic:claude-sonnet-4-5", ("anthropic", "claude-sonnet-4-5")),
        ("gemini:gemini-2.5-flash", ("gemini", "gemini-2.5-flash")),
        ("google:gemini-2.5-flash", ("gemini", "gemini-2.5-flash")),
        ("google-gla:gemini-2.5-pro", ("gemini", "gemini-2.5-pro")),
        ("OpenAI:gpt-4o", ("openai", "gpt-4o")),
        ("openai:ft:gpt-4o-mini:acme::abc123", ("openai", "ft:gpt-4o-mini:acme::abc123")),  # the first colon splits
        ("test", ("test", "")),
    ],
)
def test_a_model_string_names_a_provider_and_a_model(spec, split):
    assert split_model_string(spec) == split


def test_an_openai_string_or_a_bare_name_builds_the_openai_adapter_with_the_options_given():
    model = infer("openai:gpt-4o", api_key="k", base_url="http://127.0.0.1:1/v1", temperature=0.2)
    bare = infer("gpt-4.1-mini")

    assert isinstance(model, OpenAIModel) and isinstance(bare, OpenAIModel)
    assert (model.metadata.id, model.metadata.provider, model.base_url) == ("gpt-4o", "openai", "http://127.0.0.1:1/v1")
    assert model.options == {"temperature": 0.2}
    assert bare.metadata.id == "gpt-4.1-mini"


def test_test_is_the_offline_model_the_cli_uses():
    model = infer("test")

    assert isinstance(model, TestModel) and model.call_tools is True


@pytest.mark.parametrize(
    ("spec", "constructor"), [("anthropic:claude-sonnet-4-5", "anthropic"), ("gemini:x", "gemini")]
)
def test_anthropic_and_gemini_strings_go_to_their_constructors(monkeypatch, spec, constructor):
    calls = []
    monkeypatch.setattr(agentick.models, constructor, lambda name, **options: calls.append((name, options)) or name)

    infer(spec, base_url="http://127.0.0.1:1")

    assert calls == [(spec.partition(":")[2], {"base_url": "http://127.0.0.1:1"})]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("mistral:large", f"unknown model provider 'mistral' in 'mistral:large': {KNOWN}."),
        ("llama3.1:8b", "A model name that holds a colon needs its provider first (for example 'openai:llama3.1:8b')"),
        ("openai:", "the model string 'openai:' names no model: write it as 'openai:<model name>'"),
        ("", "the model string '' names no model: write it as 'openai:<model name>'"),
    ],
)
def test_a_string_that_names_no_known_provider_or_no_model_is_a_value_error(spec, message):
    with pytest.raises(ValueError) as raised:
        infer(spec)

    assert message in str(raised.value)


def test_a_model_string_must_be_a_string():
    with pytest.raises(TypeError, match="a model string must be a str like 'openai:gpt-4o', not int"):
        infer(4)


def Chat():
    return h(Fragment, None, h(System, None, "Be brief."), h(Timeline))


@pytest.mark.anyio
async def test_create_app_takes_a_model_string(monkeypatch):
    with FakeOpenAI("From the string.") as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        app = create_app(Chat, model="openai:gpt-4.1-nano")

        result = await (await app.session()).send("Hi").result
        await app.close()

    assert isinstance(app.model, OpenAIModel)
    assert result.response == "From the string."
    assert server.requests[0].body["model"] == "gpt-4.1-nano"


@pytest.mark.anyio
async def test_run_and_spawn_take_model_strings_too():
    result = await run(h(Chat), messages=[{"role": "user", "content": "Hi"}], model="test").result
    assert result.response == "Test response"

    session = await create_app(Chat, model="test").session()
    child = await session.spawn(Chat, "Hi", model="test")
    assert (await child.result).response == "Test response"
