"""`confirmation_timeout=` (API.md §7): an unanswered confirmation request becomes a denial."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from agentick import Tool, ToolError, create_app, create_tool, h, tool
from agentick.engine import ExecutionHandle
from agentick.testing import create_test_model
from tests.engine.support import agent_with, assert_consistent, chat

pytestmark = pytest.mark.anyio

GUARD = 5  # seconds; only reached when the code under test hangs
EXPIRED = "the user did not answer the confirmation request within 0.05s"


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


ran: list[str] = []


@pytest.fixture(autouse=True)
def _forget_runs() -> None:
    ran.clear()


def deploy_handler(params: Any) -> str:
    ran.append("deploy")
    return "deployed"


def deploy_tool(**options: Any) -> Any:
    return create_tool(name="deploy", description="Deploy the app", handler=deploy_handler, **options)


async def run_unanswered(agent: Any, **app_options: Any) -> tuple[ExecutionHandle, list[Any]]:
    """Send, answer nothing, and collect the execution's events."""
    model = create_test_model()
    model.respond_with([{"tool": {"name": "deploy", "input": {}, "id": "call-1"}}, "carried on"])
    session = await create_app(agent, model=model, **app_options).session()
    handle = await session.send("ship it")
    with anyio.fail_after(GUARD):
        events = [event async for event in handle]
    assert_consistent(session.timeline)
    return handle, events


def tool_result_of(handle_events: list[Any]) -> tuple[bool, str]:
    [event] = [e for e in handle_events if e.type == "tool_result"]
    return event.is_error, event.content[0].text


def confirmation_results(events: list[Any]) -> list[tuple[str, bool, str | None]]:
    return [(e.call_id, e.approved, e.reason) for e in events if e.type == "tool_confirmation_result"]


async def test_an_unanswered_confirmation_expires_as_a_denial_with_its_reason():
    agent = agent_with(deploy_tool(requires_confirmation=True, confirmation_timeout=0.05))
    handle, events = await run_unanswered(agent)

    types = [e.type for e in events]
    assert (
        types.index("tool_confirmation_required") < types.index("tool_confirmation_result") < types.index("tool_result")
    )
    assert confirmation_results(events) == [("call-1", False, EXPIRED)]
    assert tool_result_of(events) == (True, f"deploy was not run: {EXPIRED}")
    assert ran == []
    assert (await handle.result).response == "carried on"


async def test_the_app_default_applies_to_tools_without_their_own_timeout():
    _, events = await run_unanswered(agent_with(deploy_tool(requires_confirmation=True)), confirmation_timeout=0.05)

    assert confirmation_results(events) == [("call-1", False, EXPIRED)]
    assert tool_result_of(events) == (True, f"deploy was not run: {EXPIRED}")


async def test_a_tool_timeout_overrides_the_app_default():
    agent = agent_with(deploy_tool(requires_confirmation=True, confirmation_timeout=0.05))
    _, events = await run_unanswered(agent, confirmation_timeout=3600)

    assert confirmation_results(events) == [("call-1", False, EXPIRED)]


@pytest.mark.parametrize("form", ["@tool", "<Tool>", "rendered override"])
async def test_every_way_of_making_a_tool_accepts_the_option(form):
    if form == "@tool":

        @tool(requires_confirmation=True, confirmation_timeout=0.05)
        def deploy() -> str:
            """Deploy the app."""
            return deploy_handler(None)

        agent = agent_with(deploy)
    elif form == "<Tool>":
        options = {"name": "deploy", "handler": deploy_handler, "requires_confirmation": True}

        def agent() -> Any:
            return chat(h(Tool, {**options, "confirmation_timeout": 0.05}))
    else:
        base = deploy_tool(requires_confirmation=True)

        def agent() -> Any:
            return chat(h(base, {"confirmation_timeout": 0.05}))

    _, events = await run_unanswered(agent)

    assert confirmation_results(events) == [("call-1", False, EXPIRED)]
    assert ran == []


async def test_an_answer_in_time_runs_the_tool():
    model = create_test_model()
    model.respond_with([{"tool": {"name": "deploy", "input": {}, "id": "call-1"}}, "done"])
    agent = agent_with(deploy_tool(requires_confirmation=True, confirmation_timeout=GUARD))
    session = await create_app(agent, model=model).session()
    handle = await session.send("ship it")
    delivered = []
    with anyio.fail_after(GUARD):
        async for event in handle:
            if event.type == "tool_confirmation_required":
                delivered.append(handle.submit_tool_result("call-1", approved=True))
                delivered.append(handle.submit_tool_result("call-1", approved=False, reason="changed my mind"))

    assert delivered == [True, False]  # the first answer counts; a second one is ignored
    assert confirmation_results(handle.events) == [("call-1", True, None)]
    assert tool_result_of(handle.events) == (False, "deployed")
    assert ran == ["deploy"]


async def test_an_answer_after_expiry_is_ignored_and_the_session_goes_on():
    model = create_test_model()
    model.respond_with([{"tool": {"name": "deploy", "input": {}, "id": "call-1"}}, "carried on"])
    agent = agent_with(deploy_tool(requires_confirmation=True, confirmation_timeout=0.05))
    session = await create_app(agent, model=model).session()
    handle = await session.send("ship it")
    late = []
    with anyio.fail_after(GUARD):
        async for event in handle:
            if event.type == "tool_confirmation_result":
                late.append(handle.submit_tool_result("call-1", approved=True))
    late.append(handle.submit_tool_result("call-1", approved=True))  # after the execution ended

    assert late == [False, False]
    assert confirmation_results(handle.events) == [("call-1", False, EXPIRED)]
    assert tool_result_of(handle.events) == (True, f"deploy was not run: {EXPIRED}")
    assert ran == [] and handle.status == "completed"
    with pytest.raises(KeyError, match="no tool call 'call-2' was asked for confirmation in execution"):
        handle.submit_tool_result("call-2", approved=True)
    assert (await session.send("again").result).response == "Test response"


def test_a_timeout_must_be_positive():
    with pytest.raises(ToolError, match=r"tool 'deploy': confirmation_timeout must be a positive number of seconds"):
        deploy_tool(requires_confirmation=True, confirmation_timeout=0)
    with pytest.raises(ValueError, match=r"confirmation_timeout must be a positive number of seconds or None, not -1"):
        create_app(agent_with(), confirmation_timeout=-1)


async def test_a_confirmation_message_that_raises_leaves_no_request_waiting():
    """The message is user code: when it raises, the call is an error result and no confirmation
    stays registered, so an answer for that call id is refused."""

    def message(params: Any) -> str:
        raise ValueError("no template")

    agent = agent_with(deploy_tool(requires_confirmation=True, confirmation_message=message))
    handle, events = await run_unanswered(agent)

    [result] = [event for event in events if event.type == "tool_result"]
    assert (result.is_error, result.content[0].text) == (True, "ValueError: no template")
    assert [event.type for event in events if event.type.startswith("tool_confirmation")] == []
    with pytest.raises(KeyError):
        handle.submit_tool_result("call-1", approved=True)
    assert ran == []
