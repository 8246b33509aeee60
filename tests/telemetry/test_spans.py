"""Executions become OpenTelemetry spans (API.md §15): `invoke_agent` > `tick n` > `chat` and
`execute_tool` as siblings, with the GenAI semantic-convention attributes, error statuses, content
only when asked for, and no span left open whatever ends the execution."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind, StatusCode

from agentick import AbortError, ModelError, create_app, h, tool
from agentick.engine.events import MessageEndEvent, StreamEvent, ToolCallEvent
from agentick.telemetry import SpanObserver
from agentick.testing import create_test_model

from ..engine.support import chat, delegate
from .conftest import Recorder
from .support import attributes, named, status, tree

pytestmark = pytest.mark.anyio

UNSET = (StatusCode.UNSET, None)


@tool
def add(a: int, b: int) -> str:
    """Add two integers."""
    return str(a + b)


@tool
def explode() -> str:
    """Always fails."""
    raise OSError("disk is full")


def Agent() -> Any:
    return chat(h(add), h(explode), system="You add.")


def usage_of(events: list[StreamEvent]) -> list[tuple[int, int]]:
    return [(e.usage.input_tokens, e.usage.output_tokens) for e in events if isinstance(e, MessageEndEvent)]


def call_ids(events: list[StreamEvent]) -> list[str]:
    return [event.call_id for event in events if isinstance(event, ToolCallEvent)]


async def run_agent(
    provider: TracerProvider, model: Any, *, capture: bool = False, agent: Any = Agent, fails: bool = False
) -> tuple[list[StreamEvent], str]:
    """One execution of `agent` in session "s1" (which must raise `ModelError` if `fails`); its
    events and its id."""
    telemetry = {"tracer_provider": provider, "capture_content": capture}
    async with create_app(agent, model=model, telemetry=telemetry) as app:
        session = await app.session("s1")
        handle = await session.send("What is 2 + 3?")
        if fails:
            with pytest.raises(ModelError):
                await handle.result
        else:
            await handle.result
        [observer] = [o for o in app.observers if isinstance(o, SpanObserver)]
        assert observer.open_executions == 0
        return handle.events, handle.execution_id


def tool_model() -> Any:
    model = create_test_model()
    model.respond_with([{"tool": {"name": "add", "input": {"a": 2, "b": 3}}}, "5"])
    return model


async def test_a_tool_using_execution_is_an_agent_span_with_a_tick_span_per_tick(
    recorder: tuple[TracerProvider, Recorder],
) -> None:
    provider, spans = recorder
    events, execution_id = await run_agent(provider, tool_model())

    recorded = spans.spans
    assert tree(recorded) == [
        (
            "invoke_agent Agent",
            [
                ("tick 1", [("chat test-model", []), ("execute_tool add", [])]),
                ("tick 2", [("chat test-model", [])]),
            ],
        )
    ]
    (first_usage, second_usage), [call_id] = usage_of(events), call_ids(events)
    [agent] = named(recorded, "invoke_agent Agent")
    assert attributes(agent) == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "Agent",
        "gen_ai.conversation.id": "s1",
        "agentick.execution.id": execution_id,
        "gen_ai.provider.name": "test",
        "gen_ai.request.model": "test-model",
        "agentick.execution.status": "completed",
        "gen_ai.usage.input_tokens": first_usage[0] + second_usage[0],
        "gen_ai.usage.output_tokens": first_usage[1] + second_usage[1],
    }
    assert [attributes(span) for span in named(recorded, "tick 1") + named(recorded, "tick 2")] == [
        {"agentick.tick": 1},
        {"agentick.tick": 2},
    ]
    chats = named(recorded, "chat test-model")
    assert [attributes(span) for span in chats] == [
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "test",
            "gen_ai.request.model": "test-model",
            "gen_ai.conversation.id": "s1",
            "gen_ai.response.model": "test-model",
            "gen_ai.response.finish_reasons": (finish,),
            "gen_ai.usage.input_tokens": usage[0],
            "gen_ai.usage.output_tokens": usage[1],
        }
        for finish, usage in [("tool_call", first_usage), ("stop", second_usage)]
    ]
    [execute] = named(recorded, "execute_tool add")
    assert attributes(execute) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "add",
        "gen_ai.tool.call.id": call_id,
        "gen_ai.tool.type": "function",
        "gen_ai.conversation.id": "s1",
    }
    assert [span.kind for span in (agent, chats[0], execute)] == [SpanKind.INTERNAL, SpanKind.CLIENT, SpanKind.INTERNAL]
    assert {status(span) for span in recorded} == {UNSET}
    assert {span.context.trace_id for span in recorded if span.context} == {agent.context.trace_id}
    assert agent.parent is None
    assert chats[0].end_time == execute.start_time  # the tool runs once the model's answer is complete


async def test_content_is_recorded_only_when_capture_content_is_on(recorder: tuple[TracerProvider, Recorder]) -> None:
    provider, spans = recorder
    events, _ = await run_agent(provider, tool_model(), capture=True)

    recorded = spans.spans
    [call_id] = call_ids(events)
    first, second = named(recorded, "chat test-model")
    system = json.dumps([{"type": "text", "content": "You add."}])
    question = {"role": "user", "parts": [{"type": "text", "content": "What is 2 + 3?"}]}
    call = {"type": "tool_call", "id": call_id, "name": "add", "arguments": {"a": 2, "b": 3}}
    assert attributes(first)["gen_ai.system_instructions"] == system
    assert json.loads(attributes(first)["gen_ai.input.messages"]) == [question]
    assert json.loads(attributes(first)["gen_ai.output.messages"]) == [
        {"role": "assistant", "parts": [call], "finish_reason": "tool_call"}
    ]
    assert json.loads(attributes(second)["gen_ai.input.messages"]) == [
        question,
        {"role": "assistant", "parts": [call]},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": call_id, "response": "5"}]},
    ]
    assert json.loads(attributes(second)["gen_ai.output.messages"]) == [
        {"role": "assistant", "parts": [{"type": "text", "content": "5"}], "finish_reason": "stop"}
    ]
    [execute] = named(recorded, "execute_tool add")
    assert attributes(execute)["gen_ai.tool.call.arguments"] == '{"a": 2, "b": 3}'
    assert attributes(execute)["gen_ai.tool.call.result"] == "5"
    content_keys = {
        "gen_ai.system_instructions",
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.tool.call.arguments",
        "gen_ai.tool.call.result",
    }
    assert {key for span in recorded for key in attributes(span)} & content_keys == content_keys

    provider2 = TracerProvider()
    off = Recorder()
    provider2.add_span_processor(off)
    await run_agent(provider2, tool_model(), capture=False)
    provider2.shutdown()
    assert not {key for span in off.spans for key in attributes(span)} & content_keys


async def test_a_model_error_marks_the_chat_the_tick_and_the_execution(
    recorder: tuple[TracerProvider, Recorder],
) -> None:
    provider, spans = recorder
    model = create_test_model()
    model.set_error(ModelError("the provider is down", provider="test"))
    await run_agent(provider, model, fails=True)

    recorded = spans.spans
    assert tree(recorded) == [("invoke_agent Agent", [("tick 1", [("chat test-model", [])])])]
    failed = (StatusCode.ERROR, "ModelError: the provider is down")
    assert [status(span) for span in recorded] == [failed, failed, failed]
    assert [attributes(span)["error.type"] for span in recorded] == ["ModelError"] * 3
    [agent] = named(recorded, "invoke_agent Agent")
    assert attributes(agent)["agentick.execution.status"] == "error"
    [chat_span] = named(recorded, "chat test-model")
    assert "gen_ai.response.finish_reasons" not in attributes(chat_span)


async def test_a_tool_error_marks_only_its_execute_tool_span(recorder: tuple[TracerProvider, Recorder]) -> None:
    provider, spans = recorder
    model = create_test_model()
    model.respond_with([{"tool": {"name": "explode", "input": {}}}, "It failed."])
    await run_agent(provider, model)

    recorded = spans.spans
    [execute] = named(recorded, "execute_tool explode")
    assert status(execute) == (StatusCode.ERROR, "OSError: disk is full")
    assert attributes(execute)["error.type"] == "tool_error"
    assert {status(span) for span in recorded if span is not execute} == {UNSET}
    [agent] = named(recorded, "invoke_agent Agent")
    assert attributes(agent)["agentick.execution.status"] == "completed"


async def test_an_abort_ends_every_open_span_as_aborted(recorder: tuple[TracerProvider, Recorder]) -> None:
    provider, spans = recorder
    started = anyio.Event()

    @tool
    async def wait_forever() -> str:
        """Never answers."""
        started.set()
        await anyio.sleep_forever()
        return "never"

    def Waiting() -> Any:
        return chat(h(wait_forever))

    model = create_test_model()
    model.respond_with([{"tool": {"name": "wait_forever", "input": {}}}])
    async with create_app(Waiting, model=model, telemetry={"tracer_provider": provider}) as app:
        handle = await (await app.session("s1")).send("go")
        await started.wait()
        handle.abort("the user left")
        with pytest.raises(AbortError):
            await handle.result

    recorded = spans.spans
    assert tree(recorded) == [
        ("invoke_agent Waiting", [("tick 1", [("chat test-model", []), ("execute_tool wait_forever", [])])])
    ]
    aborted = (StatusCode.ERROR, "aborted")
    by_name = {span.name: span for span in recorded}
    assert status(by_name["chat test-model"]) == UNSET  # it had finished
    for name in ("execute_tool wait_forever", "tick 1", "invoke_agent Waiting"):
        assert status(by_name[name]) == aborted
        assert attributes(by_name[name])["error.type"] == "AbortError"
    assert attributes(by_name["invoke_agent Waiting"])["agentick.execution.status"] == "aborted"


def Delegating() -> Any:
    return chat(h(delegate), system="You delegate.")


async def test_a_spawned_child_execution_nests_under_the_tool_call_that_spawned_it(
    recorder: tuple[TracerProvider, Recorder],
) -> None:
    provider, spans = recorder
    model = create_test_model()
    model.respond_with([{"tool": {"name": "delegate", "input": {"task": "sum"}}}, "child done", "parent done"])
    events, _ = await run_agent(provider, model, agent=Delegating)

    recorded = spans.spans
    assert tree(recorded) == [
        (
            "invoke_agent Delegating",
            [
                (
                    "tick 1",
                    [
                        ("chat test-model", []),
                        ("execute_tool delegate", [("invoke_agent Child", [("tick 1", [("chat test-model", [])])])]),
                    ],
                ),
                ("tick 2", [("chat test-model", [])]),
            ],
        )
    ]
    [child] = named(recorded, "invoke_agent Child")
    [spawned] = [event for event in events if event.type == "spawn_start"]
    assert attributes(child)["gen_ai.conversation.id"] == spawned.child_session_id
    assert attributes(child)["agentick.execution.id"] == spawned.child_execution_id
    assert {span.context.trace_id for span in recorded if span.context} == {child.context.trace_id}


async def test_an_execution_started_inside_a_span_of_the_application_nests_under_it(
    recorder: tuple[TracerProvider, Recorder],
) -> None:
    provider, spans = recorder
    tracer = provider.get_tracer("the-application")
    async with create_app(Agent, model=create_test_model(), telemetry={"tracer_provider": provider}) as app:
        session = await app.session("s1")
        with tracer.start_as_current_span("POST /chat"):
            handle = await session.send("hi")
        await handle.result

    assert tree(spans.spans) == [("POST /chat", [("invoke_agent Agent", [("tick 1", [("chat test-model", [])])])])]


async def test_a_queued_execution_nests_under_the_span_of_the_send_that_started_the_running_one(
    recorder: tuple[TracerProvider, Recorder],
) -> None:
    """As documented ("Queued sends"): the running execution starts the queued one from its own task."""
    provider, spans = recorder
    tracer = provider.get_tracer("the-application")
    started, release = anyio.Event(), anyio.Event()

    @tool
    async def wait() -> str:
        """Waits until released."""
        started.set()
        await release.wait()
        return "done"

    model = create_test_model(default_response="second")
    model.respond_with([{"tool": {"name": "wait", "input": {}}}, "first"])
    async with create_app(lambda: chat(h(wait)), model=model, telemetry={"tracer_provider": provider}) as app:
        session = await app.session("s1")
        with tracer.start_as_current_span("request A"):
            first = await session.send("a")
        await started.wait()
        with tracer.start_as_current_span("request B"):
            queued = await session.send("b")  # the session is running: queued for the next execution
        release.set()
        assert (await first.result).response == "first" and (await queued.result).response == "second"

    [request_a] = named(spans.spans, "request A")
    executions = [span for span in spans.spans if span.name.startswith("invoke_agent")]
    assert [attributes(span)["agentick.execution.id"] for span in executions] == [
        first.execution_id,
        queued.execution_id,
    ]
    assert [span.parent.span_id if span.parent else None for span in executions] == [request_a.context.span_id] * 2
    assert sorted(span.name for span in spans.spans if span.parent is None) == ["request A", "request B"]


async def test_the_global_tracer_provider_is_used_when_none_is_passed(global_recorder: Recorder) -> None:
    async with create_app(Agent, model=create_test_model()) as app:
        await (await app.session("s1")).send("hi").result
    assert tree(global_recorder.spans) == [("invoke_agent Agent", [("tick 1", [("chat test-model", [])])])]


async def test_telemetry_false_records_nothing_and_watches_nothing(global_recorder: Recorder) -> None:
    async with create_app(Agent, model=create_test_model(), telemetry=False) as app:
        assert app.telemetry is None and app.observers == []
        await (await app.session("s1")).send("hi").result
    assert global_recorder.spans == []


async def test_run_records_to_the_global_provider(global_recorder: Recorder) -> None:
    from agentick import run

    await run(Agent, messages=[{"role": "user", "content": "hi"}], model=create_test_model()).result
    [(name, _)] = tree(global_recorder.spans)
    assert name == "invoke_agent Agent"


@tool(requires_confirmation=True)
def delete_file(path: str) -> str:
    """Delete a file (asks first)."""
    return f"deleted {path}"


async def test_a_confirmation_is_recorded_as_events_of_its_tool_span(recorder: tuple[TracerProvider, Recorder]) -> None:
    provider, spans = recorder

    def Deleting() -> Any:
        return chat(h(delete_file))

    model = create_test_model()
    model.respond_with([{"tool": {"name": "delete_file", "input": {"path": "a.txt"}}}, "Gone."])
    async with create_app(Deleting, model=model, telemetry={"tracer_provider": provider}) as app:
        handle = await (await app.session("s1")).send("delete a.txt")
        async for event in handle:
            if event.type == "tool_confirmation_required":
                handle.submit_tool_result(event.call_id, approved=False, reason="keep it")
        await handle.result

    [execute] = named(spans.spans, "execute_tool delete_file")
    assert [(event.name, dict(event.attributes or {})) for event in execute.events] == [
        ("agentick.tool.confirmation_required", {}),
        ("agentick.tool.confirmation_result", {"agentick.tool.approved": False}),
    ]
    assert status(execute) == (StatusCode.ERROR, "the user denied this tool call: keep it")
