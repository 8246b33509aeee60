"""`tool(strict=True)`: OpenAI gets the strict form of the schema; tools are non-strict by default (API.md §13)."""

from __future__ import annotations

from typing import Any

import pytest

from agentick import create_app, create_tool, tool
from agentick.errors import ToolError
from agentick.models import OpenAIModel
from agentick.testing.fake_openai import FakeOpenAI, reply, tool_call
from agentick.tools import ToolInputError

from ..engine.support import chat

pytestmark = pytest.mark.anyio


@tool(strict=True)
def repeat(word: str, times: int = 2) -> str:
    """Repeat a word."""
    return " ".join([word] * times)


@tool
def shout(word: str, loud: bool = True) -> str:
    """Shout a word."""
    return word.upper() if loud else word


def Agent() -> Any:
    return chat(system="Use the tools.")


async def test_a_strict_tool_is_sent_closed_with_defaults_nullable_and_a_default_tool_as_it_is(
    fake_openai: FakeOpenAI, gpt: OpenAIModel
):
    # The model leaves the defaulted `times` out the strict way, as null: the tool gets its default.
    fake_openai.respond_with(reply(tool_calls=[tool_call("repeat", {"word": "hi", "times": None})]), "Done.")
    session = await create_app(Agent, model=gpt, tools=[repeat, shout]).session()

    result = await session.send("Repeat hi").result

    tools = {tool["function"]["name"]: tool["function"] for tool in fake_openai.requests[0].body["tools"]}
    assert tools["repeat"] == {
        "name": "repeat",
        "description": "Repeat a word.",
        "strict": True,
        "parameters": {
            "type": "object",
            "properties": {"word": {"type": "string"}, "times": {"anyOf": [{"type": "integer"}, {"type": "null"}]}},
            "required": ["word", "times"],
            "additionalProperties": False,
        },
    }
    assert tools["shout"] == {
        "name": "shout",
        "description": "Shout a word.",
        "parameters": {
            "type": "object",
            "properties": {
                "word": {"type": "string"},
                "loud": {"default": True, "type": "boolean"},
            },
            "required": ["word"],
        },
    }
    assert result.response == "Done."
    assert session.timeline[2].message.content[0].content[0].text == "hi hi"


def test_a_null_for_a_required_property_is_still_invalid():
    with pytest.raises(ToolInputError) as raised:
        repeat.validate({"word": None, "times": None})

    assert str(raised.value) == "invalid arguments for repeat: word: Input should be a valid string"


def test_a_tool_whose_input_has_no_strict_form_cannot_be_strict():
    with pytest.raises(ToolError) as raised:

        @tool(strict=True)
        def tally(counts: dict[str, int]) -> str:
            return str(sum(counts.values()))

    assert str(raised.value) == (
        "tool 'tally' has strict=True, but its input schema has no strict form: #/properties/counts is an open "
        "object (a dict with free keys, like `dict[str, int]`), which strict schemas reject"
    )


def test_create_tool_takes_strict_too():
    search = create_tool(
        name="search",
        description="Search",
        input={"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
        handler=lambda query: query["q"],
        strict=True,
    )

    assert search.definition.strict is True
    assert repeat.definition.strict is True
    assert shout.definition.strict is False
