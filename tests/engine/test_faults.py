"""Every failure leaves the session's timeline consistent and the session able to send again."""

from __future__ import annotations

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentick import (
    AbortError,
    ComponentError,
    ModelError,
    SessionClosedError,
    System,
    create_app,
    h,
    tool,
    use_after_compile,
    use_on_execution_end,
    use_on_tick_end,
    use_on_tick_start,
    use_state,
)
from agentick.testing import create_test_model
from tests.engine.support import BrokenStreamModel, CheckpointModel, agent_with, assert_consistent, chat

pytestmark = pytest.mark.anyio


def Chat():
    return chat()


# --- tools --------------------------------------------------------------------------------------


@tool
async def explode() -> str:
    """Always raises."""
    raise ValueError("disk is full")


@tool(timeout=0.05)
async def hang() -> str:
    """Never finishes on its own."""
    await anyio.Event().wait()
    return "unreachable"


class Unprintable:
    pass


@tool
async def garbage() -> object:
    """Returns something that is not content."""
    return Unprintable()


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (explode, "ValueError: disk is full"),
        (hang, "hang did not finish within its 0.05s timeout"),
        (garbage, "tool 'garbage' returned a Unprintable, which is not text"),
    ],
    ids=["raises", "times-out", "returns-garbage"],
)
async def test_a_failing_tool_becomes_an_error_result_and_the_execution_continues(broken, expected):
    model = create_test_model()
    model.respond_with([{"tool": {"name": broken.name, "input": {}}}, "recovered"])
    session = await create_app(agent_with(broken), model=model).session()

    result = await session.send("go").result

    assert result.response == "recovered"
    tool_message = session.timeline[2].message
    [block] = tool_message.content
    assert block.is_error is True
    assert block.content[0].text.startswith(expected)
    assert_consistent(session.timeline)


async def test_an_unknown_tool_name_from_the_model_is_an_error_result_listing_the_tools():
    model = create_test_model()
    model.respond_with([{"tool": {"name": "delete_everything", "input": {}}}, "ok"])
    session = await create_app(agent_with(explode), model=model).session()

    await session.send("go").result

    [block] = session.timeline[2].message.content
    assert block.is_error
    assert block.content[0].text == "unknown tool 'delete_everything'; the tools available are: explode"


async def test_arguments_that_are_not_json_are_an_error_result():
    model = create_test_model()
    model.respond_with([{"tool": {"name": "explode", "input": {"_raw_arguments": "{not json"}}}, "ok"])
    session = await create_app(agent_with(explode), model=model).session()

    await session.send("go").result

    [block] = session.timeline[2].message.content
    assert block.is_error
    assert "the arguments for explode are not a JSON object: '{not json'" in block.content[0].text


# --- the model ----------------------------------------------------------------------------------


async def test_a_stream_that_fails_midway_stores_no_partial_message_and_the_session_recovers():
    broken = BrokenStreamModel()
    app = create_app(Chat, model=broken)
    session = await app.session()

    with pytest.raises(ConnectionError, match="stream cut"):
        await session.send("first").result

    assert [entry.message.role for entry in session.timeline] == ["user"]
    session.model = create_test_model(default_response="second answer")
    result = await session.send("second").result
    assert result.response == "second answer"
    assert [e.message.text for e in session.timeline] == ["first", "second", "second answer"]


async def test_no_model_is_a_clear_error_naming_the_options():
    session = await create_app(Chat).session()

    with pytest.raises(ModelError, match=r"no model is configured: pass model= to create_app\(\) or run\(\)"):
        await session.send("hi").result

    assert session.status == "idle"


# --- hooks --------------------------------------------------------------------------------------


def failing_agent(hook):
    def Agent():
        def fail(*args):
            raise RuntimeError("hook broke")

        hook(fail)
        return chat()

    return Agent


@pytest.mark.parametrize(
    "hook",
    [use_on_tick_start, use_after_compile, use_on_tick_end],
    ids=["tick-start", "after-compile", "tick-end"],
)
async def test_a_raising_hook_fails_the_execution_naming_hook_and_component(hook):
    model = create_test_model()
    session = await create_app(failing_agent(hook), model=model).session()

    with pytest.raises(ComponentError, match=rf"the {hook.__name__} of Agent raised RuntimeError: hook broke"):
        await session.send("go").result

    assert_consistent(session.timeline)
    assert session.status == "idle"


async def test_a_raising_execution_end_hook_fails_a_successful_execution_and_keeps_the_timeline():
    session = await create_app(failing_agent(use_on_execution_end), model=create_test_model()).session()

    with pytest.raises(ComponentError, match="the use_on_execution_end of Agent raised RuntimeError"):
        await session.send("go").result

    assert [entry.message.text for entry in session.timeline] == ["go", "Test response"]


async def test_a_render_error_names_the_component_path_and_the_session_sends_again():
    armed = {"value": True}

    def Flaky():
        if armed["value"]:
            raise KeyError("missing config")
        return "fine"

    def Agent():
        return chat(h(System, None, h(Flaky)))

    session = await create_app(Agent, model=create_test_model()).session()
    with pytest.raises(ComponentError, match=r"Agent > System > Flaky \(.*\) raised KeyError: 'missing config'"):
        await session.send("one").result

    armed["value"] = False
    result = await session.send("two").result
    assert result.response == "Test response"


# --- sessions -----------------------------------------------------------------------------------


async def test_sending_to_a_closed_session_raises_and_close_is_idempotent():
    session = await create_app(Chat, model=create_test_model()).session()
    await session.close()
    await session.close()

    with pytest.raises(SessionClosedError, match="is closed"):
        await session.send("hi")
    with pytest.raises(SessionClosedError):
        await session.render()


async def test_concurrent_sends_run_one_execution_at_a_time_in_order():
    model = create_test_model()
    model.respond_with(["a1", "a2", "a3"])
    session = await create_app(Chat, model=model).session()

    first = await session.send("one")
    second = await session.send("two")
    third = await session.send("three")

    assert second is third  # both queued for the execution after the running one
    await first.result
    await third.result
    assert [e.message.text for e in session.timeline] == ["one", "a1", "two", "three", "a2"]


async def test_two_sessions_running_concurrently_never_share_hook_state():
    seen: dict[str, list[int]] = {"a": [], "b": []}

    def Counter(name: str):
        count, set_count = use_state(0)
        use_on_tick_start(lambda tick_state, com: set_count(lambda n: n + 1))
        seen[name].append(count)
        return chat()

    app = create_app(Counter, model=CheckpointModel(streaming=True, chunk_size=1))
    a, b = await app.session("a"), await app.session("b")

    async with anyio.create_task_group() as group:
        for session, name in ((a, "a"), (b, "b"), (a, "a"), (b, "b")):
            group.start_soon(_send_and_wait, session, name)

    assert seen["a"] == seen["b"]
    assert max(seen["a"]) == 2


async def _send_and_wait(session, name):
    await (await session.send("hi", props={"name": name})).result


# --- aborting -----------------------------------------------------------------------------------


@tool
async def lookup(key: str) -> str:
    """Look a key up."""
    await anyio.lowlevel.checkpoint()
    return f"value of {key}"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stop_after=st.integers(min_value=1, max_value=40))
def test_an_abort_at_any_point_leaves_a_consistent_timeline(stop_after):
    async def scenario():
        model = CheckpointModel(streaming=True, chunk_size=2)
        model.respond_with(
            [[{"tool": {"name": "lookup", "input": {"key": "a"}}}, {"tool": {"name": "lookup", "input": {"key": "b"}}}],
             "all done"]
        )  # fmt: skip
        session = await create_app(agent_with(lookup), model=model).session()
        handle = await session.send("go")
        seen = 0
        async for _ in handle:
            seen += 1
            if seen == stop_after:
                handle.abort("test")
        try:
            await handle.result
        except AbortError:
            assert handle.status == "aborted"
        assert_consistent(session.timeline)
        after = await session.send("again").result
        assert after.response in ("Test response", "all done")
        assert_consistent(session.timeline)

    anyio.run(scenario)
