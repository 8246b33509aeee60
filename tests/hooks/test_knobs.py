"""Knobs: the section the model reads, the set_knob tool it writes with, and their rules."""

from __future__ import annotations

from typing import Any

import pytest

from agentick import Fragment, System, compile_element, create_app, h, use_state
from agentick.components import Knobs
from agentick.hooks import KnobError, knob, use_knob, use_on_tick_end, use_on_tick_start
from agentick.testing import create_test_model, render_agent
from tests.hooks.support import DictStore, calls, chat, set_knob_results, system_of, tool_results

pytestmark = pytest.mark.anyio


def Panel() -> Any:
    use_knob("verbose", False, description="Verbose output")
    use_knob("temp", 0.7, description="Temperature", min=0, max=2, step=0.1, group="Model")
    use_knob("tokens", 100, description="Max tokens", group="Model")
    use_knob("mode", "broad", description="Search mode", options=["broad", "deep"], group="Behavior")
    use_knob("label", "abc", description="Label", max_length=10, pattern="^[a-z]+$", group="Behavior")
    use_knob("planning", False, description="Plan first", momentary=True)
    use_knob("_hidden", False, description="Hidden", inline=True)
    return None


SECTION = """\
Knobs are adjustable parameters you can modify using the set_knob tool.

verbose [toggle]: false — Verbose output
planning [momentary toggle]: false — Plan first (resets after use)

### Model
temp [range]: 0.7 — Temperature (0 - 2, step 0.1)
tokens [number]: 100 — Max tokens

### Behavior
mode [select]: "broad" — Search mode (options: "broad", "deep")
label [text]: "abc" — Label (max 10 chars, pattern: ^[a-z]+$)

Content tagged <collapsed> can be expanded via set_knob (use name for one, group for batch)."""


def test_the_section_lists_knobs_by_group_with_types_values_and_hints() -> None:
    compiled = compile_element(h(Fragment, None, h(Knobs), h(Panel)))

    assert compiled.section("knobs") == SECTION
    assert compiled.tool("set_knob").description == (
        "Set a knob value by name, or set all knobs in a group at once. Provide either name or group, not both."
    )
    assert compiled.tool("set_knob").input_schema["required"] == ["value"]


def test_without_knobs_there_is_no_section_and_no_tool() -> None:
    compiled = compile_element(h(Fragment, None, h(System, None, "hi"), h(Knobs)))

    assert compiled.section("knobs") is None
    assert compiled.tools == []
    assert compiled.system == "hi"


def test_knobs_sees_knobs_declared_anywhere_in_the_tree_in_tree_order() -> None:
    def Leaf(name: str) -> Any:
        use_knob(name, 1)
        return None

    def Agent() -> Any:
        use_knob("root", True)
        return h(Fragment, None, h(Knobs), h(Leaf, {"name": "first"}), h(Fragment, None, h(Leaf, {"name": "second"})))

    compiled = compile_element(h(Agent))

    assert compiled.section("knobs") == (
        "Knobs are adjustable parameters you can modify using the set_knob tool.\n\n"
        "root [toggle]: true\nfirst [number]: 1\nsecond [number]: 1"
    )


def test_knob_ranges_open_on_one_side_show_a_star() -> None:
    def Agent() -> Any:
        use_knob("low", 5, min=1)
        use_knob("high", 5.5, max=9.5)
        return h(Knobs)

    assert compile_element(h(Agent)).section("knobs").splitlines()[2:] == [
        "low [range]: 5 (1 - *)",
        "high [range]: 5.5 (* - 9.5)",
    ]


async def test_the_section_shows_a_value_set_during_the_tick_by_a_later_component() -> None:
    def Planner() -> Any:
        _, set_mode = use_knob("mode", "broad", options=["broad", "deep"])
        use_on_tick_start(lambda tick_state, com: set_mode("deep"))
        return None

    harness = await render_agent(lambda: chat(h(Knobs), h(Planner)))
    await harness.send("go")

    assert system_of(harness.model.inputs[0]).endswith('mode [select]: "deep" (options: "broad", "deep")')


async def test_the_model_sets_a_knob_and_the_next_render_sees_it() -> None:
    seen: list[str] = []

    def Agent() -> Any:
        mode, _ = use_knob("mode", "broad", description="Search mode", options=["broad", "deep"])
        seen.append(mode)
        return chat(h(Knobs), system=f"mode={mode}")

    harness = await render_agent(Agent)
    harness.model.respond_with(calls({"name": "mode", "value": "deep"}))
    result = await harness.send("go deep")

    assert [(block.content[0].text, block.is_error) for block in tool_results(result)] == [
        ('Set mode to "deep".', False)
    ]
    assert [system_of(model_input).splitlines()[0] for model_input in harness.model.inputs] == [
        "mode=broad",
        "mode=deep",
    ]
    assert '\nmode [select]: "deep" — Search mode' in system_of(harness.model.inputs[1])
    assert seen[-1] == "deep"


def Validated() -> Any:
    use_knob("mode", "broad", options=["broad", "deep"])
    use_knob("temp", 0.7, min=0, max=2)
    use_knob("count", 3)
    use_knob("label", "abc", max_length=5, pattern="^[a-z]+$")
    use_knob("even", 2, validate=lambda v: None if v % 2 == 0 else "must be even")
    use_knob("positive", 1, validate=lambda v: v > 0)
    use_knob("a", True, group="flags")
    use_knob("b", 1, group="mixed")
    use_knob("c", "x", group="mixed")
    return chat(h(Knobs))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"name": "mode", "value": "wide"}, 'Invalid value for "mode". Valid options: "broad", "deep"'),
        ({"name": "mode", "value": 3}, 'Invalid type for "mode". Expected string, got integer.'),
        ({"name": "temp", "value": "hot"}, 'Invalid type for "temp". Expected number, got string.'),
        ({"name": "temp", "value": True}, 'Invalid type for "temp". Expected number, got boolean.'),
        ({"name": "count", "value": 2.5}, 'Invalid type for "count". Expected integer, got number.'),
        ({"name": "a", "value": "true"}, 'Invalid type for "a". Expected boolean, got string.'),
        ({"name": "temp", "value": -1}, 'Value for "temp" must be >= 0. Got -1.'),
        ({"name": "temp", "value": 2.5}, 'Value for "temp" must be <= 2. Got 2.5.'),
        ({"name": "label", "value": "abcdefg"}, 'Value for "label" exceeds max length of 5. Got 7 chars.'),
        ({"name": "label", "value": "AB"}, 'Value for "label" does not match pattern: ^[a-z]+$'),
        ({"name": "even", "value": 3}, 'Validation failed for "even": must be even'),
        ({"name": "positive", "value": -4}, 'Validation failed for "positive": -4 was rejected.'),
        ({"name": "mode", "group": "flags", "value": "deep"}, "Provide either name or group, not both."),
        ({"value": "deep"}, "Provide either name or group."),
        ({"name": "", "group": "", "value": "deep"}, "Provide either name or group."),
        (
            {"name": "nope", "value": 1},
            'Unknown knob "nope". Available: mode, temp, count, label, even, positive, a, b, c',
        ),
        ({"group": "nope", "value": 1}, 'No knobs found in group "nope". Groups: flags, mixed'),
        ({"group": "mixed", "value": 1}, 'Type mismatch in group "mixed": "c" is string, expected integer.'),
    ],
)
async def test_rejected_values_are_error_results_that_say_why(arguments: dict[str, Any], message: str) -> None:
    assert await set_knob_results(Validated, arguments) == [(message, True)]


async def test_validation_checks_the_type_before_the_options_and_the_range_before_the_validator() -> None:
    def Agent() -> Any:
        use_knob("n", 2, min=0, max=10, validate=lambda v: "never")
        return chat(h(Knobs))

    assert await set_knob_results(Agent, {"name": "n", "value": "2"}, {"name": "n", "value": 11}) == [
        ('Invalid type for "n". Expected integer, got string.', True),
        ('Value for "n" must be <= 10. Got 11.', True),
    ]


async def test_an_integral_float_is_accepted_for_an_integer_knob() -> None:
    def Agent() -> Any:
        count, _ = use_knob("count", 3)
        return chat(h(Knobs), system=f"count={count!r}")

    harness = await render_agent(Agent)
    harness.model.respond_with(calls({"name": "count", "value": 4.0}))
    result = await harness.send("go")

    assert [block.content[0].text for block in tool_results(result)] == ["Set count to 4."]
    assert system_of(harness.model.inputs[1]).startswith("count=4\n")


async def test_a_rejected_value_leaves_the_knob_unchanged_and_the_model_can_retry() -> None:
    def Agent() -> Any:
        mode, _ = use_knob("mode", "broad", options=["broad", "deep"])
        return chat(h(Knobs), system=f"mode={mode}")

    harness = await render_agent(Agent)
    harness.model.respond_with(calls({"name": "mode", "value": "wide"}, {"name": "mode", "value": "deep"}))
    result = await harness.send("go")

    assert [(block.content[0].text, block.is_error) for block in tool_results(result)] == [
        ('Invalid value for "mode". Valid options: "broad", "deep"', True),
        ('Set mode to "deep".', False),
    ]
    assert [system_of(i).splitlines()[0] for i in harness.model.inputs] == ["mode=broad", "mode=broad", "mode=deep"]


def Screenshots() -> Any:
    shown = [use_knob(f"shot{i}", False, group="screenshots", inline=True)[0] for i in range(3)]
    size, _ = use_knob("size", 1, group="sizes", max=5)
    use_knob("other", 2, group="sizes")
    return chat(h(Knobs), system=f"shown={shown} size={size}")


async def test_a_group_set_changes_every_knob_of_the_group() -> None:
    harness = await render_agent(Screenshots)
    harness.model.respond_with(calls({"group": "screenshots", "value": True}))
    result = await harness.send("show all")

    assert [block.content[0].text for block in tool_results(result)] == [
        'Set 3 knobs in group "screenshots" to true: shot0, shot1, shot2.'
    ]
    assert system_of(harness.model.inputs[1]).startswith("shown=[True, True, True] size=1\n")


async def test_a_group_set_is_checked_as_a_whole_before_any_knob_changes() -> None:
    harness = await render_agent(Screenshots)
    harness.model.respond_with(calls({"group": "sizes", "value": 7}))
    result = await harness.send("grow")

    assert [(block.content[0].text, block.is_error) for block in tool_results(result)] == [
        ('Value for "size" must be <= 5. Got 7.', True)
    ]
    assert harness.session.snapshot()["state"]["knob:other"] == 2


async def test_inline_knobs_are_hidden_from_the_list_but_settable_by_name() -> None:
    harness = await render_agent(Screenshots)
    harness.model.respond_with(calls({"name": "shot1", "value": True}))
    await harness.send("show one")

    system = system_of(harness.model.inputs[0])
    assert "shot1" not in system
    assert system.splitlines() == [
        "shown=[False, False, False] size=1",
        "",
        "Knobs are adjustable parameters you can modify using the set_knob tool.",
        "",
        "### sizes",
        "size [range]: 1 (* - 5)",
        "other [number]: 2",
        "",
        "Content tagged <collapsed> can be expanded via set_knob (use name for one, group for batch).",
    ]
    assert system_of(harness.model.inputs[1]).startswith("shown=[False, True, False] size=1\n")


async def test_momentary_knobs_reset_when_the_execution_ends() -> None:
    seen: list[tuple[bool, str]] = []

    def Agent() -> Any:
        planning, _ = use_knob("planning", False, momentary=True)
        mode, _ = use_knob("mode", knob("broad", options=["broad", "deep"]))
        seen.append((planning, mode))
        return chat(h(Knobs))

    store = DictStore()
    model = create_test_model()
    session = await create_app(Agent, model=model, store=store).session("s1")
    model.respond_with([[_set("planning", True), _set("mode", "deep")], "planned"])
    await session.send("plan").result
    after_first = list(seen)
    await session.send("again").result

    assert after_first[0] == (False, "broad")
    assert after_first[-1] == (True, "deep")
    assert seen[-1] == (False, "deep")
    assert store.snapshots["s1"]["state"]["knob:planning"] is False
    assert store.snapshots["s1"]["state"]["knob:mode"] == "deep"
    assert "planning [momentary toggle]: false" in system_of(model.inputs[-1])


async def test_knob_values_are_restored_from_the_store() -> None:
    def Agent() -> Any:
        mode, _ = use_knob("mode", "broad", options=["broad", "deep"])
        return chat(h(Knobs), system=f"mode={mode}")

    store = DictStore()
    first_model = create_test_model()
    session = await create_app(Agent, model=first_model, store=store).session("s2")
    first_model.respond_with(calls({"name": "mode", "value": "deep"}))
    await session.send("deeper").result

    later_model = create_test_model()
    restored = await create_app(Agent, model=later_model, store=store).session("s2")
    await restored.send("still deep?").result

    assert system_of(later_model.inputs[0]).startswith("mode=deep")


async def test_the_setter_checks_values_like_the_tool() -> None:
    errors: list[str] = []

    def Agent() -> Any:
        temp, set_temp = use_knob("temp", 0.5, min=0, max=1)

        def adjust(result: Any, com: Any) -> None:
            try:
                set_temp(3)
            except KnobError as error:
                errors.append(str(error))
            set_temp(lambda current: current + 0.25)

        use_on_tick_end(adjust)
        return chat(h(Knobs), system=f"temp={temp}")

    harness = await render_agent(Agent)
    await harness.send("one")
    await harness.send("two")

    assert errors == ['Value for "temp" must be <= 1. Got 3.'] * 2
    assert [system_of(i).splitlines()[0] for i in harness.model.inputs] == ["temp=0.5", "temp=0.75"]


async def test_knobs_are_unregistered_when_their_component_unmounts() -> None:
    def Extra() -> Any:
        use_knob("extra", 1)
        return None

    def Agent() -> Any:
        show, set_show = use_state(True)
        use_on_tick_end(lambda result, com: set_show(False))
        use_knob("base", True)
        return chat(h(Knobs), h(Extra) if show else None)

    harness = await render_agent(Agent)
    await harness.send("one")
    await harness.send("two")

    first, second = (system_of(i) for i in harness.model.inputs)
    assert "extra [number]: 1" in first
    assert "extra" not in second
    assert "base [toggle]: true" in second


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: knob([1]), TypeError, "a knob's default must be a str, int, float or bool, not list [1]"),
        (lambda: knob("x", min=1), TypeError, "min, max and step only apply to number knobs (default: 'x')"),
        (lambda: knob(1, pattern="x"), TypeError, "max_length and pattern only apply to string knobs (default: 1)"),
        (
            lambda: knob("x", options=[]),
            ValueError,
            "knob options must not be empty (leave options out for a free value)",
        ),
        (
            lambda: knob("c", options=["a", "b"]),
            ValueError,
            'a knob\'s default must follow its own rules: Invalid value for "default". Valid options: "a", "b"',
        ),
        (
            lambda: knob(5, max=3),
            ValueError,
            'a knob\'s default must follow its own rules: Value for "default" must be <= 3. Got 5.',
        ),
    ],
)
def test_descriptors_with_contradictory_rules_are_rejected(call: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


def test_descriptors_ignore_the_identity_of_their_validator() -> None:
    assert knob(1, validate=lambda v: None) == knob(1, validate=lambda v: True)
    assert knob(1, min=0) != knob(1, min=1)


def _set(name: str, value: Any) -> dict[str, Any]:
    return {"tool": {"name": "set_knob", "input": {"name": name, "value": value}}}
