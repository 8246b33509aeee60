"""Gates: engaged by a tick, they keep the execution going until cleared (by the model or code)."""

from __future__ import annotations

from typing import Any

import pytest

from agentick import compile_element, h, tool, use_continuation
from agentick.components import Knobs
from agentick.hooks import GateState, gate, use_gate
from agentick.testing import render_agent
from tests.hooks.support import chat, system_of

pytestmark = pytest.mark.anyio

INSTRUCTIONS = "Run the tests before you finish."


@tool
async def edit_file(path: str) -> str:
    """Edit a file."""
    return f"edited {path}"


EditFile = edit_file

VERIFY = gate(
    description="Verify edits",
    instructions=INSTRUCTIONS,
    activate_when=lambda result: any(call.name == "edit_file" for call in result.tool_calls),
)


def verifying(states: list[GateState] | None = None) -> Any:
    def Agent() -> Any:
        verification = use_gate("verification", VERIFY)
        if states is not None:
            states.append(verification)
        return chat(h(Knobs), h(EditFile), verification.element)

    return Agent


def edit(path: str = "a.py") -> dict[str, Any]:
    return {"tool": {"name": "edit_file", "input": {"path": path}}}


def set_gate(name: str, value: str) -> dict[str, Any]:
    return {"tool": {"name": "set_knob", "input": {"name": name, "value": value}}}


def ends_with_instructions(model_input: Any) -> bool:
    return model_input.messages[-1].text == f"[Context]\n{INSTRUCTIONS}"


def test_an_idle_gate_is_a_knob_and_renders_nothing() -> None:
    states: list[GateState] = []
    compiled = compile_element(h(verifying(states)))

    state = states[-1]
    assert (state.active, state.deferred, state.engaged, state.element) == (False, False, False, None)
    assert compiled.section("knobs").splitlines()[2:] == [
        "### gates",
        'verification [select]: "inactive" — Verify edits (options: "inactive", "active", "deferred")',
    ]


async def test_a_gate_activated_by_a_tool_call_holds_the_execution_until_the_model_clears_it() -> None:
    harness = await render_agent(verifying())
    harness.model.respond_with([edit(), "all done", set_gate("verification", "inactive"), "verified and done"])
    result = await harness.send("fix the bug")

    inputs = harness.model.inputs
    assert result.usage.ticks == 4
    assert result.response == "verified and done"
    assert [ends_with_instructions(model_input) for model_input in inputs] == [False, True, True, False]
    assert '\nverification [select]: "active"' in system_of(inputs[1])
    assert '\nverification [select]: "inactive"' in system_of(inputs[3])


async def test_the_gate_reads_the_knob_after_the_tool_calls_of_its_tick() -> None:
    """Cleared and re-triggered in one tick: the gate is active again (the model's clear came first)."""
    harness = await render_agent(verifying())
    harness.model.respond_with(
        [edit(), [set_gate("verification", "inactive"), edit("b.py")], "done", set_gate("verification", "inactive")]
    )
    result = await harness.send("fix both")

    assert result.usage.ticks == 5
    assert [ends_with_instructions(model_input) for model_input in harness.model.inputs] == [
        False,
        True,
        True,
        True,
        False,
    ]


async def test_a_deferred_gate_lets_the_model_work_and_comes_back_when_it_would_stop() -> None:
    harness = await render_agent(verifying())
    harness.model.respond_with(
        [edit(), set_gate("verification", "deferred"), edit("b.py"), "done", set_gate("verification", "inactive")]
    )
    result = await harness.send("fix")

    assert result.usage.ticks == 6
    assert [ends_with_instructions(model_input) for model_input in harness.model.inputs] == [
        False,
        True,
        False,
        False,
        True,
        False,
    ]


async def test_code_clears_and_defers_gates() -> None:
    def Agent() -> Any:
        first = use_gate("first", gate(description="One", instructions="one", activate_when=lambda r: r.tick == 1))
        second = use_gate("second", gate(description="Two", instructions="two", activate_when=lambda r: r.tick == 1))

        def clear_one_per_tick(result: Any, com: Any) -> None:
            if result.tick == 2:
                first.clear()
            elif result.tick == 3:
                second.clear()

        use_continuation(clear_one_per_tick)
        return chat(h(Knobs))

    harness = await render_agent(Agent)
    result = await harness.send("go")

    assert result.usage.ticks == 4


async def test_max_ticks_bounds_a_gate_that_never_clears() -> None:
    always = gate(description="Never done", instructions="Keep going.", activate_when=lambda result: True)

    def Agent() -> Any:
        stuck = use_gate("stuck", always)
        return chat(stuck.element)

    harness = await render_agent(Agent, max_ticks=3)
    result = await harness.send("loop")

    assert (result.usage.ticks, result.stop_reason) == (3, "max_ticks")


async def test_a_later_continuation_can_still_stop_a_gated_tick() -> None:
    def Agent() -> Any:
        use_gate("verification", VERIFY)
        use_continuation(lambda result, com: False if result.tick >= 2 else None)
        return chat(h(EditFile))

    harness = await render_agent(Agent)
    harness.model.respond_with([edit(), "done"])
    result = await harness.send("fix")

    assert result.usage.ticks == 2


async def test_activate_when_may_be_async() -> None:
    async def after_first_tick(result: Any) -> bool:
        return result.tick == 1

    def Agent() -> Any:
        once = use_gate("once", gate(description="Once", instructions="Check once.", activate_when=after_first_tick))
        return chat(h(Knobs), once.element)

    harness = await render_agent(Agent)
    harness.model.respond_with(["first", set_gate("once", "inactive"), "second"])
    result = await harness.send("go")

    assert result.usage.ticks == 3
