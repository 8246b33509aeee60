"""Structured output in the engine (API.md §12) with the test model: modes, retries, validators, limits."""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

import pydantic
import pytest

from agentick import (
    ComponentError,
    OutputValidationError,
    RetryOutput,
    SendResult,
    create_app,
    h,
    run,
    tool,
    use_on_tick_end,
    use_output_validator,
)
from agentick.models import openai
from agentick.testing import create_test_model
from agentick.types import TextBlock, ToolResultBlock, ToolUseBlock

from ..output_kinds import KINDS, City, Kind
from .support import agent_with, assert_consistent, chat

pytestmark = pytest.mark.anyio

ASK = [{"role": "user", "content": "Which city?"}]


def Agent() -> Any:
    return chat(system="You know cities.")


def final(arguments: dict[str, Any], id: str | None = None) -> dict[str, Any]:
    call: dict[str, Any] = {"name": "final_result", "input": arguments}
    if id is not None:
        call["id"] = id
    return {"tool": call}


def shape(timeline: list[Any]) -> list[tuple[str, list[str]]]:
    """Each entry's role and its blocks, compactly: text, tool calls by name, tool results by text."""
    out = []
    for entry in timeline:
        blocks = []
        for block in entry.message.content:
            if isinstance(block, TextBlock):
                blocks.append(block.text)
            elif isinstance(block, ToolUseBlock):
                blocks.append(f"call {block.name} {json.dumps(block.input)}")
            elif isinstance(block, ToolResultBlock):
                text = "".join(part.text for part in block.content)
                blocks.append(f"{'error' if block.is_error else 'result'} {block.name}: {text}")
        out.append((entry.message.role, blocks))
    return out


# --- each kind of output type, tool mode and native mode ---------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.id)
async def test_the_test_model_answers_every_kind_of_output_type_through_the_final_result_tool(kind: Kind):
    model = create_test_model()

    result = await run(Agent, messages=ASK, model=model, output_type=kind.type).result

    assert result.output == kind.example
    assert type(result.output) is type(kind.example)
    assert result.stop_reason == "output"
    request = model.inputs[0]
    assert request.output is not None and request.output.mode == "tool"
    assert request.tools[-1].name == "final_result"
    assert request.tools[-1].input_schema == request.output.json_schema
    assert request.output.json_schema["type"] == "object"
    assert ("response" in request.output.json_schema["properties"]) is kind.wrapped
    [_, answer, processed] = shape(result.timeline)
    assert answer[0] == "assistant" and answer[1][0].startswith("call final_result ")
    assert processed == ("tool", ["result final_result: Final result processed."])


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.id)
async def test_a_scripted_final_result_call_gives_the_validated_value(kind: Kind):
    model = create_test_model().respond_with([final(kind.answer)])

    result = await run(Agent, messages=ASK, model=model, output_type=kind.type).result

    assert result.output == kind.value
    assert len(model.inputs) == 1  # a valid final_result ends the execution: no further model call


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.id)
async def test_native_mode_parses_the_answer_text_as_json(kind: Kind):
    model = create_test_model().respond_with([json.dumps(kind.answer)])

    result = await run(Agent, messages=ASK, model=model, output_type=kind.type, output_mode="native").result

    assert result.output == kind.value
    assert result.response == json.dumps(kind.answer)
    assert result.stop_reason == "output"
    request = model.inputs[0]
    assert request.output is not None and request.output.mode == "native"
    assert [tool.name for tool in request.tools] == []
    assert shape(result.timeline)[1:] == [("assistant", [json.dumps(kind.answer)])]


async def test_the_test_model_answers_native_mode_with_json_from_the_schema():
    model = create_test_model()

    result = await run(Agent, messages=ASK, model=model, output_type=City, output_mode="native").result

    assert result.output == City(name="example")
    assert result.response == '{"name": "example"}'


async def test_the_test_model_with_call_tools_calls_the_tools_first_then_answers():
    @tool
    def population(city: str) -> str:
        """Look up a population."""
        return "2100000"

    model = create_test_model(call_tools=True)

    result = await run(agent_with(population), messages=ASK, model=model, output_type=City).result

    assert result.output == City(name="example")
    assert [name for role, blocks in shape(result.timeline) for name in blocks if name.startswith("call")] == [
        'call population {"city": "example"}',
        'call final_result {"name": "example"}',
    ]


async def test_without_an_output_type_the_output_is_the_response_text():
    result = await run(Agent, messages=ASK, model=create_test_model("Paris")).result

    assert (result.output, result.response, result.stop_reason) == ("Paris", "Paris", "stop")
    assert create_test_model().inputs == []


async def test_output_type_str_means_plain_text():
    model = create_test_model("Paris")

    result = await run(Agent, messages=ASK, model=model, output_type=str).result

    assert result.output == "Paris"
    assert model.inputs[0].output is None


# --- tools before the answer ---------------------------------------------------------------------------


async def test_tools_run_as_usual_before_the_final_result():
    @tool
    def population(city: str) -> str:
        """Look up a population."""
        return "2100000"

    model = create_test_model().respond_with(
        [{"tool": {"name": "population", "input": {"city": "Paris"}, "id": "c1"}}, final({"name": "Paris"}, "c2")]
    )

    result = await run(agent_with(population), messages=ASK, model=model, output_type=City).result

    assert result.output == City(name="Paris")
    assert shape(result.timeline)[1:] == [
        ("assistant", ['call population {"city": "Paris"}']),
        ("tool", ["result population: 2100000"]),
        ("assistant", ['call final_result {"name": "Paris"}']),
        ("tool", ["result final_result: Final result processed."]),
    ]
    assert [tool.name for tool in model.inputs[1].tools] == ["population", "final_result"]


async def test_other_calls_beside_a_valid_final_result_are_answered_but_not_run():
    ran = []

    @tool
    def population(city: str) -> str:
        """Look up a population."""
        ran.append(city)
        return "2100000"

    model = create_test_model().respond_with(
        [[{"tool": {"name": "population", "input": {"city": "Paris"}}}, final({"name": "Paris"})]]
    )

    result = await run(agent_with(population), messages=ASK, model=model, output_type=City).result

    assert ran == []
    assert shape(result.timeline)[2] == (
        "tool",
        [
            "result population: Not executed: the final result in the same response ended the conversation.",
            "result final_result: Final result processed.",
        ],
    )
    assert_consistent(result.timeline)


# --- retries -------------------------------------------------------------------------------------------


async def test_an_invalid_final_result_is_sent_back_with_the_errors_and_retried():
    model = create_test_model().respond_with(
        [final({"name": "Paris", "population": "many"}, "bad"), final({"name": "Paris", "population": 2}, "good")]
    )
    app = create_app(Agent, model=model, output_type=City)
    session = await app.session("s")

    result = await session.send("Which city?").result

    assert result.output == City(name="Paris", population=2)
    assert result.usage.ticks == 2
    assert shape(session.timeline) == [
        ("user", ["Which city?"]),
        ("assistant", ['call final_result {"name": "Paris", "population": 2}']),
        ("tool", ["result final_result: Final result processed."]),
    ]
    retry = model.inputs[1].messages
    assert retry[-2].content[0].input == {"name": "Paris", "population": "many"}
    assert retry[-1].role == "tool"
    [error] = retry[-1].content
    assert error.is_error and error.tool_use_id == "bad"
    assert error.content[0].text == (
        "Your answer failed validation with 1 error:\n"
        '- population: Input should be a valid integer, unable to parse string as an integer (got "many")\n'
        "Fix this and give your final answer again."
    )
    await app.close()


async def test_a_plain_text_answer_in_tool_mode_is_a_failed_attempt():
    model = create_test_model().respond_with(["It is Paris.", final({"name": "Paris"})])

    result = await run(Agent, messages=ASK, model=model, output_type=City).result

    assert result.output == City(name="Paris")
    assert [entry.message.role for entry in result.timeline] == ["user", "assistant", "tool"]
    retry = model.inputs[1].messages
    assert (retry[-2].role, retry[-2].text) == ("assistant", "It is Paris.")
    assert retry[-1].role == "user"
    assert retry[-1].text.startswith("You answered in plain text, but the answer must be given by calling the")


async def test_native_mode_sends_invalid_json_back_as_a_user_message():
    model = create_test_model().respond_with(["Paris!", '{"name": "Paris"}'])

    result = await run(Agent, messages=ASK, model=model, output_type=City, output_mode="native").result

    assert result.output == City(name="Paris")
    assert shape(result.timeline)[1:] == [("assistant", ['{"name": "Paris"}'])]
    feedback = model.inputs[1].messages[-1]
    assert feedback.role == "user"
    assert feedback.text == (
        "Your answer is not valid JSON (Expecting value at character 0). Answer with only a JSON value that "
        "follows the response schema.\nFix this and give your final answer again."
    )


async def test_all_failed_attempts_are_shown_to_the_model_until_one_succeeds():
    model = create_test_model().respond_with(["one", "two", final({"name": "Paris"})])

    result = await run(Agent, messages=ASK, model=model, output_type=City).result

    assert result.output == City(name="Paris")
    assert [message.text for message in model.inputs[2].messages[-4:] if message.role == "assistant"] == ["one", "two"]


async def test_exhausted_retries_raise_output_validation_error_and_the_session_keeps_working():
    bad = {"name": "Paris", "population": "many"}
    model = create_test_model().respond_with([final(bad), final(bad), final(bad)])
    app = create_app(Agent, model=model, output_type=City)
    session = await app.session("s")

    with pytest.raises(OutputValidationError) as info:
        await session.send("Which city?").result

    assert info.value.raw == json.dumps(bad)
    assert [(error["type"], error["loc"]) for error in info.value.errors] == [("int_parsing", ("population",))]
    assert "still invalid after 2 retries (output_retries=2)" in str(info.value)
    assert len(model.inputs) == 3
    assert shape(session.timeline) == [("user", ["Which city?"])]

    result = await session.send("And in Italy?").result

    assert result.output == City(name="example")
    sent = model.inputs[3].messages
    assert [message.role for message in sent] == ["system", "user", "user"]
    assert_consistent(session.timeline)
    await app.close()


async def test_output_retries_zero_fails_at_the_first_invalid_answer():
    model = create_test_model().respond_with(["Paris"])

    with pytest.raises(OutputValidationError) as info:
        await run(Agent, messages=ASK, model=model, output_type=City, output_retries=0).result

    assert info.value.raw == "Paris"
    assert info.value.errors[0]["type"] == "no_final_result"
    assert len(model.inputs) == 1


async def test_retries_are_ticks_and_count_against_max_ticks():
    model = create_test_model().respond_with(["one", "two", "three"])

    with pytest.raises(OutputValidationError) as info:
        await run(Agent, messages=ASK, model=model, output_type=City, output_retries=5, max_ticks=2).result

    assert len(model.inputs) == 2
    assert "it reached max_ticks=2 (retries count as ticks)" in str(info.value)
    assert info.value.raw == "two"


async def test_a_tick_end_stop_during_retries_ends_without_output():
    def Stopping() -> Any:
        use_on_tick_end(lambda result, com: {"stop": True, "reason": "budget"})
        return chat()

    model = create_test_model().respond_with(["one"])

    with pytest.raises(OutputValidationError, match=r"it was stopped \(budget\) before the model answered"):
        await run(Stopping, messages=ASK, model=model, output_type=City).result


async def test_a_valid_output_ends_the_execution_whatever_the_continuation_votes():
    def Eager() -> Any:
        use_on_tick_end(lambda result, com: True)
        return chat()

    model = create_test_model()

    result = await run(Eager, messages=ASK, model=model, output_type=City).result

    assert (result.stop_reason, len(model.inputs)) == ("output", 1)


# --- output validators ---------------------------------------------------------------------------------


async def test_retry_output_from_a_validator_is_a_failed_attempt_with_its_message():
    def Checked() -> Any:
        def known(city: City, com: Any) -> City:
            if city.name != "Paris":
                raise RetryOutput(f"{city.name} is not a capital; answer with a capital")
            return city

        use_output_validator(known)
        return chat()

    model = create_test_model().respond_with([final({"name": "Lyon"}), final({"name": "Paris"})])

    result = await run(Checked, messages=ASK, model=model, output_type=City).result

    assert result.output == City(name="Paris")
    feedback = model.inputs[1].messages[-1].content[0]
    assert feedback.is_error
    assert feedback.content[0].text == (
        "Lyon is not a capital; answer with a capital\nFix this and give your final answer again."
    )


async def test_validators_run_in_order_each_given_the_previous_value_sync_or_async():
    seen = []

    def Child() -> Any:
        async def upper(city: City, com: Any) -> City:
            seen.append(("child", city.name))
            return city.model_copy(update={"name": city.name.upper()})

        use_output_validator(upper)
        return None

    def Parent() -> Any:
        def count(city: City, com: Any) -> City:
            seen.append(("parent", city.name))
            return city.model_copy(update={"population": len(city.name)})

        use_output_validator(count)
        return chat(h(Child))

    model = create_test_model().respond_with([final({"name": "Paris"})])

    result = await run(Parent, messages=ASK, model=model, output_type=City).result

    assert seen == [("child", "Paris"), ("parent", "PARIS")]
    assert result.output == City(name="PARIS", population=5)


async def test_exhausted_retries_from_a_validator_carry_its_message():
    def Never() -> Any:
        def refuse(value: Any, com: Any) -> Any:
            raise RetryOutput("not good enough")

        use_output_validator(refuse)
        return chat()

    model = create_test_model()

    with pytest.raises(OutputValidationError) as info:
        await run(Never, messages=ASK, model=model, output_type=City, output_retries=1).result

    assert info.value.errors == [{"type": "retry_output", "loc": (), "msg": "not good enough"}]
    assert info.value.raw == '{"name": "example"}'
    assert len(model.inputs) == 2


async def test_a_validator_that_raises_another_error_names_itself():
    def Broken() -> Any:
        def crash(value: Any, com: Any) -> Any:
            raise KeyError("population")

        use_output_validator(crash)
        return chat()

    with pytest.raises(ComponentError, match=r"the use_output_validator of Broken raised KeyError: 'population'"):
        await run(Broken, messages=ASK, model=create_test_model(), output_type=City).result


# --- options -------------------------------------------------------------------------------------------


async def test_a_per_call_output_type_wins_over_the_apps():
    model = create_test_model()
    app = create_app(Agent, model=model, output_type=City, output_retries=0)
    session = await app.session()

    as_int: SendResult[int] = await session.send("How many?", output_type=int).result
    as_city = await session.send("Which?").result
    as_text = await session.send("Say it", output_type=str).result

    assert (as_int.output, as_city.output, as_text.output) == (1, City(name="example"), "Test response")
    assert [request.output.name if request.output else None for request in model.inputs] == ["int", "City", None]
    await app.close()


async def test_a_per_call_output_mode_wins_over_the_apps():
    model = create_test_model()
    app = create_app(Agent, model=model, output_type=City, output_mode="tool")

    result = await app.run(messages=ASK, output_mode="native").result

    assert result.output == City(name="example")
    assert model.inputs[0].output is not None and model.inputs[0].output.mode == "native"
    await app.close()


async def test_output_type_and_a_response_format_option_cannot_be_combined():
    gpt = openai("gpt-4o", api_key="unused", response_format={"type": "json"})
    with pytest.raises(ValueError, match=r"output_type=City and a response_format option \(on the model\)"):
        create_app(Agent, model=gpt, output_type=City)

    app = create_app(Agent, model=gpt)
    session = await app.session()
    with pytest.raises(ValueError, match="cannot be used together"):
        await session.send("Hi", output_type=City)

    def Formatted() -> Any:
        return chat(h(create_test_model(), {"response_format": City}))

    with pytest.raises(ValueError, match=r"a response_format option \(rendered in the tree\)"):
        await run(Formatted, messages=ASK, model=create_test_model(), output_type=City).result
    await app.close()


async def test_bad_output_options_fail_at_the_call():
    with pytest.raises(ValueError, match="output_mode must be one of 'auto', 'native', 'tool', not 'json'"):
        create_app(Agent, output_type=City, output_mode="json")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="output_retries must be a whole number of retries, 0 or more, not -1"):
        create_app(Agent, output_type=City, output_retries=-1)

    class Opaque:
        pass

    with pytest.raises(TypeError, match=r"output_type=.*Opaque cannot be used for structured output: pydantic"):
        create_app(Agent, output_type=Opaque)


async def test_a_tool_named_final_result_clashes_with_tool_mode():
    @tool
    def final_result(answer: str) -> str:
        """A tool of the user's with the reserved name."""
        return answer

    with pytest.raises(ValueError, match="a tool named 'final_result' is offered"):
        await run(agent_with(final_result), messages=ASK, model=create_test_model(), output_type=City).result


async def test_a_spawned_child_answers_in_text_whatever_the_parents_output_type():
    @tool
    async def delegate(task: str, com: Any) -> str:
        """Ask a helper."""
        child = await (await com.spawn(Agent, task)).result
        return f"child said {child.output}"

    model = create_test_model().respond_with([{"tool": {"name": "delegate", "input": {"task": "Hi"}}}, "Helper text"])

    result = await run(agent_with(delegate), messages=ASK, model=model, output_type=City).result

    assert result.output == City(name="example")
    assert shape(result.timeline)[2] == ("tool", ["result delegate: child said Helper text"])
    assert model.inputs[1].output is None


async def test_the_result_event_carries_the_output_and_serialises_to_json():
    model = create_test_model().respond_with([final({"response": "blue"})])
    from ..output_kinds import Color

    events = [event async for event in run(Agent, messages=ASK, model=model, output_type=Color)]

    [result] = [event for event in events if event.type == "result"]
    assert result.result.output is Color.BLUE
    dumped = json.loads(result.model_dump_json())
    assert dumped["result"]["output"] == "blue"
    assert result.model_dump(mode="json")["result"]["output"] == "blue"
    calls = [event.type for event in events if event.type in ("tool_call", "tool_result")]
    assert calls == ["tool_call", "tool_result"]


async def test_send_result_is_generic_over_the_output_type():
    result = SendResult[City](output=City(name="Paris"))

    assert result.output.name == "Paris"
    with pytest.raises(pydantic.ValidationError):
        SendResult[City](output="Paris")


class Link(pydantic.BaseModel):
    label: str
    next: Link | None


class Booking(pydantic.BaseModel):
    day: datetime.date
    id: uuid.UUID
    code: str = pydantic.Field(min_length=12, max_length=12)
    guests: int = pydantic.Field(gt=5, le=9)
    rooms: list[str] = pydantic.Field(min_length=2)
    chain: Link


async def test_the_test_models_default_answer_is_valid_for_constrained_and_recursive_schemas():
    result = await run(Agent, messages=ASK, model=create_test_model(), output_type=Booking).result

    booking = result.output
    assert (booking.day, booking.id) == (datetime.date(2025, 1, 1), uuid.UUID("00000000-0000-4000-8000-000000000000"))
    assert (booking.code, booking.guests, booking.rooms) == ("examplexxxxx", 6, ["example", "example"])
    depth, link = 0, booking.chain
    while link is not None:
        depth, link = depth + 1, link.next
    assert depth == 3  # a recursive schema ends in null where it may
