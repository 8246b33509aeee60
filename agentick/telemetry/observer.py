"""`SpanObserver`: the events of an app's executions as OpenTelemetry spans (API.md §15).

One of `App.observers`, so it sees every event of every execution, spawned children included, as
it is pushed. Per execution::

    invoke_agent {component}            execution_start -> execution_end
      tick {n}                          tick_start -> tick_end
        chat {model}                    model_request -> message_end
        execute_tool {name}             message_end (its tool_call) -> tool_result

A spawned child's `invoke_agent` span nests under the parent's `execute_tool` span when exactly
one of the parent's tool calls is running (a tool that spawns), else under the parent's tick. An
execution that was not spawned nests under the OpenTelemetry context current as its task starts:
on asyncio, the context where `session.send` started it (inside `tracer.start_as_current_span(...)`).
An execution started for queued sends (a send while the session was running) is started by the
previous execution's task as it ends, so it inherits the context of the send that started that
previous execution, not the context of the sends that queued (docs/observability.md, "Queued
sends"). Spans take the events' timestamps. Whatever ends an execution, `execution_end` ends every span still open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..element import type_name
from ..types import ModelInput
from .content import finish_reason, input_messages, output_messages, system_instructions, text_of, to_json
from .tracer import TracerCache

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

    from ..engine.app import App
    from ..engine.events import (
        CompiledEvent,
        ExecutionEndEvent,
        ExecutionStartEvent,
        MessageEndEvent,
        MessageStartEvent,
        ModelRequestEvent,
        StreamEvent,
        TickStartEvent,
        ToolCallEvent,
        ToolConfirmationRequiredEvent,
        ToolConfirmationResultEvent,
        ToolResultEvent,
    )
    from ..engine.session import Session

__all__ = ["SpanObserver"]

# agentick's provider names that differ from the semantic conventions' `gen_ai.provider.name` values.
PROVIDER_NAMES = {"gemini": "gcp.gemini"}
ABORTED = "AbortError"  # the `error.type` of the spans an abort ended (what `handle.result` raises)
TOOL_ERROR = "tool_error"  # the `error.type` of a tool call whose result is an error


class _Run:
    """The open spans of one traced execution."""

    __slots__ = (
        "calls",
        "capture",
        "chat",
        "execution",
        "input_tokens",
        "model_input",
        "output_tokens",
        "requested",
        "session",
        "tick",
        "tools",
        "tracer",
    )

    def __init__(self, session: Session, tracer: Tracer, capture: bool, execution: Span) -> None:
        self.session = session
        self.tracer = tracer
        self.capture = capture
        self.execution = execution
        self.tick: Span | None = None
        self.chat: Span | None = None
        self.calls: list[ToolCallEvent] = []  # announced by the model call in flight, not started yet
        self.tools: dict[str, Span] = {}  # running tool calls, by call id
        self.model_input: ModelInput | None = None  # the compiled input, kept only to capture content
        self.input_tokens = 0
        self.output_tokens = 0
        self.requested = False  # a model call was made


class SpanObserver:
    """Records the app's executions as spans, to the tracer provider of `app.telemetry` (read when
    each execution starts). Executions that start with no provider are not watched at all."""

    __slots__ = ("_app", "_runs", "_tracers")

    def __init__(self, app: App) -> None:
        self._app = app
        self._runs: dict[str, _Run] = {}  # traced executions, by execution id
        self._tracers = TracerCache()

    def __call__(self, session: Session, event: StreamEvent) -> None:
        if event.type == "execution_start":
            self._begin(session, event)
            return
        run = self._runs.get(event.execution_id)
        if run is not None:
            handler = _HANDLERS.get(event.type)
            if handler is not None:
                handler(self, run, event)

    @property
    def open_executions(self) -> int:
        """How many executions have spans open (0 once every execution has ended)."""
        return len(self._runs)

    # --- execution ---------------------------------------------------------------------------

    def _begin(self, session: Session, event: ExecutionStartEvent) -> None:
        options = self._app.telemetry
        if options is None:
            return
        tracer = self._tracers.tracer(options.tracer_provider)
        if tracer is None:
            return
        from opentelemetry import trace

        parent = self._spawner(session) if session.depth else None
        name = type_name(session.component)
        span = tracer.start_span(
            f"invoke_agent {name}",
            context=trace.set_span_in_context(parent) if parent is not None else None,
            kind=trace.SpanKind.INTERNAL,
            attributes={
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": name,
                "gen_ai.conversation.id": session.id,
                "agentick.execution.id": event.execution_id,
            },
            start_time=_ns(event.timestamp),
        )
        self._runs[event.execution_id] = _Run(session, tracer, options.capture_content, span)

    def _spawner(self, child: Session) -> Span | None:
        """The span a spawned child's execution nests under: the parent's only running tool call,
        else its tick, else its execution (None when the parent is not traced)."""
        for run in self._runs.values():
            if any(session is child for session in run.session.children):
                if len(run.tools) == 1:
                    return next(iter(run.tools.values()))
                return run.tick or run.execution
        return None

    def _end(self, run: _Run, event: ExecutionEndEvent) -> None:
        del self._runs[event.execution_id]
        end = _ns(event.timestamp)
        if event.status == "completed":
            failure: tuple[str, str] | None = None
        elif event.status == "aborted":
            failure = (ABORTED, "aborted")
        else:
            error = event.error or "error"
            failure = (error.partition(":")[0], error)
        for span in [*run.tools.values(), run.chat, run.tick]:
            if span is not None:
                if failure is not None:
                    _fail(span, *failure)
                span.end(end)
        span = run.execution
        span.set_attribute("agentick.execution.status", event.status)
        span.set_attribute("gen_ai.usage.input_tokens", run.input_tokens)
        span.set_attribute("gen_ai.usage.output_tokens", run.output_tokens)
        if failure is not None:
            _fail(span, *failure)
        span.end(end)

    # --- ticks and model calls ---------------------------------------------------------------

    def _tick_start(self, run: _Run, event: TickStartEvent) -> None:
        run.tick = self._child(run, run.execution, f"tick {event.tick}", event.timestamp, {"agentick.tick": event.tick})

    def _tick_end(self, run: _Run, event: StreamEvent) -> None:
        if run.tick is not None:
            run.tick.end(_ns(event.timestamp))
            run.tick = None

    def _compiled(self, run: _Run, event: CompiledEvent) -> None:
        if run.capture:
            run.model_input = event.model_input

    def _model_request(self, run: _Run, event: ModelRequestEvent) -> None:
        attributes: dict[str, Any] = {"gen_ai.operation.name": "chat"}
        if event.provider:
            attributes["gen_ai.provider.name"] = PROVIDER_NAMES.get(event.provider, event.provider)
        attributes["gen_ai.request.model"] = event.model
        attributes["gen_ai.conversation.id"] = event.session_id
        if not run.requested:  # the execution's span names its first model
            run.requested = True
            for key in ("gen_ai.provider.name", "gen_ai.request.model"):
                if key in attributes:
                    run.execution.set_attribute(key, attributes[key])
        if run.model_input is not None:
            system = system_instructions(run.model_input.messages)
            if system is not None:
                attributes["gen_ai.system_instructions"] = system
            attributes["gen_ai.input.messages"] = input_messages(run.model_input.messages)
        from opentelemetry.trace import SpanKind

        run.chat = self._child(
            run, run.tick or run.execution, f"chat {event.model}", event.timestamp, attributes, SpanKind.CLIENT
        )

    def _message_start(self, run: _Run, event: MessageStartEvent) -> None:
        if run.chat is not None and event.model:
            run.chat.set_attribute("gen_ai.response.model", event.model)

    def _tool_call(self, run: _Run, event: ToolCallEvent) -> None:
        run.calls.append(event)

    def _message_end(self, run: _Run, event: MessageEndEvent) -> None:
        usage = event.usage
        run.input_tokens += usage.input_tokens
        run.output_tokens += usage.output_tokens
        chat = run.chat
        if chat is not None:
            run.chat = None
            chat.set_attribute("gen_ai.response.finish_reasons", [finish_reason(event.stop_reason)])
            chat.set_attribute("gen_ai.usage.input_tokens", usage.input_tokens)
            chat.set_attribute("gen_ai.usage.output_tokens", usage.output_tokens)
            if run.capture:
                chat.set_attribute("gen_ai.output.messages", output_messages(event.message, event.stop_reason))
            chat.end(_ns(event.timestamp))
        calls, run.calls = run.calls, []
        for call in calls:  # the tools run once the model's answer is complete
            attributes: dict[str, Any] = {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": call.name,
                "gen_ai.tool.call.id": call.call_id,
                "gen_ai.tool.type": "function",
                "gen_ai.conversation.id": call.session_id,
            }
            if run.capture:
                attributes["gen_ai.tool.call.arguments"] = to_json(call.input)
            run.tools[call.call_id] = self._child(
                run, run.tick or run.execution, f"execute_tool {call.name}", event.timestamp, attributes
            )

    # --- tool calls --------------------------------------------------------------------------

    def _confirmation_required(self, run: _Run, event: ToolConfirmationRequiredEvent) -> None:
        span = run.tools.get(event.call_id)
        if span is not None:
            span.add_event("agentick.tool.confirmation_required", timestamp=_ns(event.timestamp))

    def _confirmation_result(self, run: _Run, event: ToolConfirmationResultEvent) -> None:
        span = run.tools.get(event.call_id)
        if span is not None:
            span.add_event(
                "agentick.tool.confirmation_result",
                {"agentick.tool.approved": event.approved},
                timestamp=_ns(event.timestamp),
            )

    def _tool_result(self, run: _Run, event: ToolResultEvent) -> None:
        span = run.tools.pop(event.call_id, None)
        if span is None:
            return
        if run.capture:
            span.set_attribute("gen_ai.tool.call.result", text_of(event.content))
        if event.is_error:
            _fail(span, TOOL_ERROR, text_of(event.content))
        span.end(_ns(event.timestamp))

    # --- helpers -----------------------------------------------------------------------------

    def _child(
        self, run: _Run, parent: Span, name: str, timestamp: float, attributes: dict[str, Any], kind: Any = None
    ) -> Span:
        from opentelemetry import trace

        return run.tracer.start_span(
            name,
            context=trace.set_span_in_context(parent),
            kind=kind if kind is not None else trace.SpanKind.INTERNAL,
            attributes=attributes,
            start_time=_ns(timestamp),
        )


def _fail(span: Span, error_type: str, description: str) -> None:
    from opentelemetry.trace import Status, StatusCode

    span.set_attribute("error.type", error_type)
    span.set_status(Status(StatusCode.ERROR, description))


def _ns(timestamp: float) -> int:
    return int(timestamp * 1_000_000_000)


_HANDLERS: dict[str, Callable[[SpanObserver, _Run, Any], None]] = {
    "execution_end": SpanObserver._end,
    "tick_start": SpanObserver._tick_start,
    "tick_end": SpanObserver._tick_end,
    "compiled": SpanObserver._compiled,
    "model_request": SpanObserver._model_request,
    "message_start": SpanObserver._message_start,
    "tool_call": SpanObserver._tool_call,
    "message_end": SpanObserver._message_end,
    "tool_confirmation_required": SpanObserver._confirmation_required,
    "tool_confirmation_result": SpanObserver._confirmation_result,
    "tool_result": SpanObserver._tool_result,
}
