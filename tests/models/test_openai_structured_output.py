"""Structured output over the real `openai` SDK and the loopback server: native `json_schema` and the tool."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pydantic
import pytest

from agentick import OutputValidationError, create_app, h, run
from agentick.models import OpenAIModel, openai
from agentick.models.strict_schema import strict_json_schema
from agentick.output import output_spec
from agentick.testing.fake_openai import FakeOpenAI, reply, tool_call
from agentick.types import ModelInput, OutputRequest

from ..engine.support import chat
from ..output_kinds import KINDS, City, Kind

pytestmark = pytest.mark.anyio

ASK = [{"role": "user", "content": "Which city?"}]


def Agent() -> Any:
    return chat(system="You know cities.")


@pytest.fixture
async def legacy(fake_openai: FakeOpenAI) -> AsyncIterator[OpenAIModel]:
    """A model without Structured Outputs (the first gpt-4o snapshot): auto mode uses the tool."""
    model = openai("gpt-4o-2024-05-13", api_key="test-key", base_url=fake_openai.base_url, max_retries=0)
    yield model
    await model.aclose()


# --- native mode ---------------------------------------------------------------------------------------


async def test_native_mode_sends_the_strict_schema_as_response_format(gpt, fake_openai):
    fake_openai.respond_with(reply('{"name": "Paris", "population": 2100000}'))

    result = await run(Agent, messages=ASK, model=gpt, output_type=City).result

    assert result.output == City(name="Paris", population=2_100_000)
    assert result.stop_reason == "output"
    body = fake_openai.requests[0].body
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "City",
            "schema": {
                "description": "A city and how many people live there.",
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "population": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                },
                "required": ["name", "population"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    }
    assert "tools" not in body


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.id)
async def test_every_kind_of_output_type_works_natively(gpt, fake_openai, kind: Kind):
    fake_openai.respond_with(reply(json.dumps(kind.answer)))

    result = await run(Agent, messages=ASK, model=gpt, output_type=kind.type).result

    assert result.output == kind.value
    spec = output_spec(kind.type)
    assert fake_openai.requests[0].body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": spec.name, "schema": strict_json_schema(spec.json_schema), "strict": True},
    }
    schema = fake_openai.requests[0].body["response_format"]["json_schema"]["schema"]
    assert ("response" in schema["properties"]) is kind.wrapped


async def test_a_null_for_a_defaulted_field_gives_the_default(gpt, fake_openai):
    fake_openai.respond_with(reply('{"name": "Paris", "population": null}'))

    result = await run(Agent, messages=ASK, model=gpt, output_type=City).result

    assert result.output == City(name="Paris", population=0)


async def test_an_invalid_native_answer_is_retried_with_the_errors_as_a_user_message(gpt, fake_openai):
    fake_openai.respond_with(reply('{"name": 7}'), reply('{"name": "Paris", "population": 1}'))
    app = create_app(Agent, model=gpt, output_type=City)
    session = await app.session()

    result = await session.send("Which city?").result

    assert result.output == City(name="Paris", population=1)
    retry = fake_openai.requests[1].body["messages"]
    assert retry[-2:] == [
        {"role": "assistant", "content": '{"name": 7}'},
        {
            "role": "user",
            "content": "Your answer failed validation with 1 error:\n- name: Input should be a valid string (got 7)\n"
            "Fix this and give your final answer again.",
        },
    ]
    assert [entry.message.text for entry in session.timeline] == ["Which city?", '{"name": "Paris", "population": 1}']
    await app.close()


class Scores(pydantic.BaseModel):
    scores: dict[str, int]


async def test_auto_mode_uses_the_tool_when_the_schema_has_no_strict_form(gpt, fake_openai):
    fake_openai.respond_with(reply(tool_calls=[tool_call("final_result", {"scores": {"a": 1}})]))

    result = await run(Agent, messages=ASK, model=gpt, output_type=Scores).result

    assert result.output == Scores(scores={"a": 1})
    body = fake_openai.requests[0].body
    assert "response_format" not in body
    assert [tool["function"]["name"] for tool in body["tools"]] == ["final_result"]


async def test_forced_native_mode_without_a_strict_form_sends_the_schema_unstrict(gpt, fake_openai):
    fake_openai.respond_with(reply('{"scores": {"a": 1}}'))

    result = await run(Agent, messages=ASK, model=gpt, output_type=Scores, output_mode="native").result

    assert result.output == Scores(scores={"a": 1})
    assert fake_openai.requests[0].body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Scores", "schema": Scores.model_json_schema(), "strict": False},
    }


async def test_the_adapter_refuses_native_output_beside_a_response_format_option(gpt):
    request = OutputRequest(name="City", json_schema=City.model_json_schema(), mode="native")
    model_input = ModelInput(messages=ASK, options={"response_format": {"type": "json"}}, output=request)

    with pytest.raises(ValueError, match="asks for structured output and also has a response_format option"):
        await gpt.generate(model_input)


# --- tool mode -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.id)
async def test_every_kind_of_output_type_works_through_the_final_result_tool(legacy, fake_openai, kind: Kind):
    fake_openai.respond_with(reply(tool_calls=[tool_call("final_result", kind.answer, id="call_final")]))
    app = create_app(Agent, model=legacy, output_type=kind.type)
    session = await app.session()

    result = await session.send("Which city?").result

    assert result.output == kind.value
    body = fake_openai.requests[0].body
    assert "response_format" not in body
    [final] = body["tools"]
    assert final["function"]["name"] == "final_result"
    assert final["function"]["parameters"] == output_spec(kind.type).json_schema
    assert final["function"]["description"].startswith("Give your final answer: call this tool with the answer")

    fake_openai.respond_with(reply(tool_calls=[tool_call("final_result", kind.answer)]))
    await session.send("Again?").result
    history = fake_openai.requests[1].body["messages"]
    assert history[2]["tool_calls"][0]["function"] == {"name": "final_result", "arguments": json.dumps(kind.answer)}
    assert history[3] == {"role": "tool", "tool_call_id": "call_final", "content": "Final result processed."}
    await app.close()


async def test_a_bad_final_result_goes_back_as_an_error_tool_result(legacy, fake_openai):
    fake_openai.respond_with(
        reply(tool_calls=[tool_call("final_result", {"name": "Paris", "population": "many"}, id="call_bad")]),
        reply(tool_calls=[tool_call("final_result", {"name": "Paris"}, id="call_good")]),
    )

    result = await run(Agent, messages=ASK, model=legacy, output_type=City).result

    assert result.output == City(name="Paris")
    retry = fake_openai.requests[1].body["messages"]
    assert retry[-1] == {
        "role": "tool",
        "tool_call_id": "call_bad",
        "content": "Error: Your answer failed validation with 1 error:\n- population: Input should be a valid integer, "
        'unable to parse string as an integer (got "many")\nFix this and give your final answer again.',
    }
    assert [message["role"] for message in retry] == ["system", "user", "assistant", "tool"]


async def test_after_exhausted_retries_the_next_request_holds_no_failed_attempt(legacy, fake_openai):
    bad = reply(tool_calls=[tool_call("final_result", '{"name": ')])  # arguments cut off: not JSON
    fake_openai.respond_with(bad, bad, reply(tool_calls=[tool_call("final_result", {"name": "Rome"})]))
    app = create_app(Agent, model=legacy, output_type=City, output_retries=1)
    session = await app.session()

    with pytest.raises(OutputValidationError) as info:
        await session.send("Which city?").result

    assert (info.value.raw, info.value.errors[0]["type"]) == ('{"name": ', "json_invalid")
    result = await session.send("And in Italy?").result
    assert result.output == City(name="Rome")
    assert [message["role"] for message in fake_openai.requests[2].body["messages"]] == ["system", "user", "user"]
    await app.close()


async def test_a_tree_model_option_naming_a_model_without_native_output_uses_the_tool(gpt, fake_openai):
    def Legacy() -> Any:
        return chat(h(gpt, {"model": "gpt-4o-2024-05-13"}))

    fake_openai.respond_with(reply(tool_calls=[tool_call("final_result", {"name": "Paris"})]))

    result = await run(Legacy, messages=ASK, output_type=City).result

    assert result.output == City(name="Paris")
    body = fake_openai.requests[0].body
    assert (body["model"], "response_format" in body) == ("gpt-4o-2024-05-13", False)
