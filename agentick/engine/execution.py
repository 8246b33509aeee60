"""One execution: the tick loop of API.md §6.4.

1. tick-start callbacks → 2. compile until stable (render, catch-up tick-start, after-compile) →
3. model call (streamed) → 4. tool calls, concurrently → 5. timeline updated → 6. tick-end and
continuation callbacks → 7. continue or stop.

The timeline only ever receives whole ticks: the user's input when the execution starts, then per
tick the assistant message together with the tool message answering its calls, committed together
at step 5. An error or an abort before that commit leaves the tick out entirely; one after it (a
tick-end, continuation or execution-end hook, saving) keeps the committed tick. Either way the
timeline never holds a tool call without its result, and the session can send again. A tick whose
answer was a failed structured-output attempt is never committed (see `structured.py`).
"""

from __future__ import annotations

import inspect
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, aclosing
from typing import TYPE_CHECKING, Any, TypeVar, cast

import anyio

from ..compiler import CompiledContext
from ..compiler.compile import call_hook, compile_until_stable
from ..element import h
from ..errors import AbortError, ModelError, PersistenceError
from ..hooks.lifecycle import check_vote
from ..models.base import StreamAccumulator
from ..output import OutputOptions
from ..types import (
    ContentBlock,
    Message,
    MessageStartDelta,
    ModelInput,
    ModelOutput,
    ReasoningDelta,
    TextDelta,
    TimelineEntry,
)
from ..utf8 import repaired
from .context_info import ContextInfo
from .events import (
    NO_SECTIONS,
    NO_TOOLS,
    CompiledEvent,
    ContentDeltaEvent,
    ContextDiffEvent,
    Event,
    ExecutionEndEvent,
    ExecutionStartEvent,
    MessageEndEvent,
    MessagesDiff,
    MessageStartEvent,
    ModelRequestEvent,
    ResultEvent,
    SectionsDiff,
    StreamEvent,
    TickEndEvent,
    TickStartEvent,
    ToolCallEvent,
    ToolResultEvent,
    ToolsDiff,
)
from .handle import ExecutionHandle
from .lint import lint
from .results import ExecutionUsage, SendResult, TickResult, TickState
from .structured import StructuredOutput, Verdict
from .tool_runner import run_tool_calls

if TYPE_CHECKING:
    from .session import Session

__all__ = ["Execution", "new_id"]

logger = logging.getLogger("agentick")

EventT = TypeVar("EventT", bound=Event)


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


class Execution:
    """Runs one execution of a session and reports it through its handle."""

    def __init__(
        self,
        session: Session,
        handle: ExecutionHandle,
        messages: list[Message],
        *,
        max_ticks: int | None,
        tools: list[Any],
        output: OutputOptions,
    ) -> None:
        self.session = session
        self.handle = handle
        self.messages = messages
        self.max_ticks = max_ticks
        self.tools = tools
        spec = output.spec
        self.structured = StructuredOutput(spec, output) if spec is not None else None
        self.scope: anyio.CancelScope | None = None
        self.usage = ExecutionUsage()
        self.added: list[TimelineEntry] = []
        self.lease = AsyncExitStack()  # holds the session's lease on a leasing store, until after the save
        # On a leasing store, nothing is saved unless this execution got the lease: without it the
        # session may be stale and its owner elsewhere mid-execution.
        self.unleased = session.app.store_leases and not session.ephemeral
        # Set when the store reports the lease lost (it expired and another worker took it): the
        # execution is stopped with this error and saves nothing (the save would be refused).
        self.lost: PersistenceError | None = None
        handle._abort = self.abort

    # --- control -------------------------------------------------------------------------------

    def abort(self, reason: str) -> None:
        if self.scope is not None:
            self.scope.cancel()
        for child in list(self.session.children):
            child.abort_current(f"parent aborted: {reason}")

    def lease_lost(self) -> None:
        """The store's lease callback: stop this execution now, before it does more work that no
        save can keep."""
        self.lost = PersistenceError(
            f"session {self.session.id!r}: the lease was lost (it expired and another worker took it); "
            "the execution was stopped and not saved"
        )
        self.abort("lease lost")

    def emit(self, event_type: type[EventT], **fields: Any) -> EventT:
        session = self.session
        session.sequence += 1
        event = event_type(
            execution_id=self.handle.execution_id,
            tick=session.current_tick,
            sequence=session.sequence,
            timestamp=time.time(),
            session_id=session.id,
            **fields,
        )
        self.handle.push(cast(StreamEvent, event))  # every event class is a member of the union
        return event

    # --- the run -------------------------------------------------------------------------------

    async def run(self) -> None:
        result: SendResult[Any] | None = None
        error: BaseException | None = None
        try:
            with anyio.CancelScope() as scope:
                self.scope = scope
                if self.handle.status == "aborted":
                    scope.cancel()
                result = await self._ticks()
        except Exception as caught:
            error = caught
        if self.lost is not None:
            error = self.lost
        with anyio.CancelScope(shield=True):
            await self._finish(result, error)

    async def _ticks(self) -> SendResult[Any]:
        session = self.session
        session.current_tick = 0
        # The lease comes first (API.md §16: taken before the execution): it may reload a newer
        # revision (a new runtime, so everything below reads it after) and with it the event
        # sequence another worker reached, which execution_start then continues (API.md §6.5).
        # A send that cannot get the lease still shows execution_start, then execution_end.
        try:
            await session.take_lease(self.lease, self.lease_lost)
        finally:
            self.emit(ExecutionStartEvent)
        self.unleased = False
        runtime = session.runtime
        compiler = session.compiler()
        app = session.app
        execution_id = self.handle.execution_id
        runtime.history = list(session.entries)
        runtime.pending = []
        runtime.emit = self.emit
        self._commit(self.messages, tags=["input"], tick=1)
        props = session.props or {}
        tool_sources = [app.tools, session.tools, self.tools]
        max_ticks = self.max_ticks or session.max_ticks or app.max_ticks
        started: set[int] = set()
        previous: TickResult | None = None
        response = ""
        stop_reason: str | None = None
        structured = self.structured
        verdict: Verdict | None = None
        for tick in range(1, max_ticks + 1):
            session.current_tick = tick
            tick_state = TickState(tick, execution_id, tuple(session.entries), tuple(session.queued), previous)
            runtime.tick_state = tick_state
            self.emit(TickStartEvent)
            fired: set[int] = set()
            await self._tick_start(tick_state, fired, started)
            runtime.new_tick()
            element = compiler.wrap(h(session.component, props))

            async def catch_up(state: TickState = tick_state, done: set[int] = fired) -> None:
                await self._tick_start(state, done, started)

            compiled = await compile_until_stable(compiler, element, tool_sources=tool_sources, after_render=catch_up)
            session.last_compiled = compiled
            lint(
                compiled,
                component=session.component,
                has_messages=bool(session.entries),
                root=compiler.root.fiber,
                warned=runtime.extension("lint", set),
            )
            self.emit(
                CompiledEvent, system=compiled.system, model_input=compiled.model_input, iterations=compiled.iterations
            )
            self._context_diff(compiled)
            if tick_state.stopped:
                stop_reason = tick_state.stop_reason or "stopped"
                self.emit(TickEndEvent, should_continue=False, stop_reason=stop_reason)
                break
            model = self._model(compiled)
            model_input = compiled.model_input
            if structured is not None:
                model_input = structured.request(model, model_input)
            output = await self._call_model(model, model_input)
            self.usage.input_tokens += output.usage.input_tokens
            self.usage.output_tokens += output.usage.output_tokens
            self.usage.cache_read_tokens += output.usage.cache_read_tokens
            self.usage.cache_write_tokens += output.usage.cache_write_tokens
            self.usage.total_tokens += output.usage.total_tokens or (
                output.usage.input_tokens + output.usage.output_tokens
            )
            self.usage.ticks += 1
            calls = output.tool_calls
            verdict = await structured.judge(output, runtime) if structured is not None else None
            results = []
            if verdict is not None and verdict.kind != "tools":
                results = verdict.results  # final_result is answered, not run (structured.py)
                for call, result in zip(calls, results, strict=True):
                    self.emit(
                        ToolResultEvent,
                        call_id=call.id,
                        name=call.name,
                        content=result.content,
                        is_error=result.is_error,
                    )
                if verdict.exhausted and structured is not None:
                    raise structured.exhausted()
            elif calls:
                results = await run_tool_calls(
                    calls,
                    compiled,
                    com=runtime.com,
                    handle=self.handle,
                    emit=self.emit,
                    runner=app.runner,
                    confirmation_timeout=app.confirmation_timeout,
                )
            if verdict is None or verdict.kind != "retry":  # failed attempts stay out of the timeline
                tick_messages = [output.message]
                if results:
                    tick_messages.append(Message(role="tool", content=list[ContentBlock](results)))
                self._commit(tick_messages, tags=["output"], tick=tick)
                if output.text:
                    response = output.text
            tick_result = TickResult(tick, output.message.content, calls, results, output.stop_reason, output.usage)
            if verdict is not None and verdict.kind == "retry":
                tick_result.should_continue = True
            elif verdict is not None and verdict.kind == "output":
                tick_result.should_continue = False
                tick_result.decided_reason = "output"
            for ref, name in runtime.tick_end:
                callback = ref.current
                tick_result.vote(check_vote(name, callback, await call_hook(name, callback, tick_result, runtime.com)))
            if verdict is not None and verdict.kind == "output":
                tick_result.should_continue = False  # a valid output ends the execution, whatever the votes
                tick_result.decided_reason = "output"
            self.emit(
                TickEndEvent,
                should_continue=tick_result.should_continue,
                stop_reason=output.stop_reason,
                usage=output.usage,
            )
            runtime.context_info = ContextInfo.after_tick(model, output, self.usage, compiled)
            previous = tick_result
            if not tick_result.should_continue:
                stop_reason = tick_result.decided_reason
                break
        else:
            stop_reason = "max_ticks"
            logger.warning(
                "session %r: the execution stopped at max_ticks=%d while the agent still wanted to continue "
                "(the last tick voted to go on); raise max_ticks on create_app(...) or send(...) if it needs "
                "more ticks",
                session.id,
                max_ticks,
            )
        if structured is None:
            output_value: Any = response
        elif verdict is not None and verdict.kind == "output":
            output_value = verdict.value
        else:
            raise structured.missing(stop_reason, max_ticks)
        return SendResult(
            response=response, output=output_value, usage=self.usage, stop_reason=stop_reason, timeline=list(self.added)
        )

    async def _tick_start(self, tick_state: TickState, fired: set[int], started: set[int]) -> None:
        """Run the tick-start callbacks not yet run this tick (and execution-start ones not yet run
        this execution): before the first render for mounted components, after each render for
        components that mounted in it."""
        runtime = self.session.runtime
        for ref, name in runtime.execution_start:
            if id(ref) not in started:
                started.add(id(ref))
                await call_hook(name, ref.current, self.handle.execution_id, runtime.com)
        for ref, name in runtime.tick_start:
            if id(ref) not in fired:
                fired.add(id(ref))
                await call_hook(name, ref.current, tick_state, runtime.com)

    def _model(self, compiled: CompiledContext) -> Any:
        session = self.session
        model = session.model or session.app.model or compiled.model
        if model is None:
            raise ModelError(
                "no model is configured: pass model= to create_app() or run(), or render <Model model=...> "
                "(agentick.models.openai(...) for an OpenAI-compatible endpoint, "
                "agentick.testing.create_test_model() offline)"
            )
        return model

    async def _call_model(self, model: Any, model_input: ModelInput) -> ModelOutput:
        self.session.app.model_used(model)
        runner = self.session.app.runner
        if runner is not None and hasattr(runner, "transform_model_input"):
            model_input = runner.transform_model_input(model_input)
            if inspect.isawaitable(model_input):
                model_input = await model_input
        self.session.context_differ.commit()  # the model sees this tick's context: the next diff's baseline
        self.emit(ModelRequestEvent, model=model.metadata.id, provider=model.metadata.provider)
        stream = getattr(model, "stream", None)
        if stream is None:
            # An adapter without `stream` (agentick's models all stream): its text is checked here.
            output: ModelOutput = repaired(await model.generate(model_input))
            self.emit(MessageStartEvent, model=output.model or model.metadata.id)
            if output.text:
                self.emit(ContentDeltaEvent, delta=output.text)
        else:
            output = await self._stream(stream(model_input), model.metadata.id)
        for call in output.tool_calls:
            self.emit(ToolCallEvent, call_id=call.id, name=call.name, input=call.input)
        self.emit(MessageEndEvent, message=output.message, stop_reason=output.stop_reason, usage=output.usage)
        if output.stop_reason == "max_tokens":
            logger.warning(
                "session %r: the answer of model %r in tick %d was cut off at its output token limit (stop reason "
                "max_tokens); raise the model's max_tokens option if its answers need more room",
                self.session.id,
                model.metadata.id,
                self.session.current_tick,
            )
        return output

    async def _stream(self, deltas: AsyncIterator[Any], model_id: str) -> ModelOutput:
        accumulator = StreamAccumulator(model_id)
        started = False
        async with aclosing(deltas):  # type: ignore[type-var]
            async for delta in deltas:
                delta = accumulator.add(delta)  # repaired if need be, so the events are clean too (utf8.py)
                if not started:
                    started = True
                    model = delta.model if isinstance(delta, MessageStartDelta) and delta.model else model_id
                    self.emit(MessageStartEvent, model=model)
                if isinstance(delta, TextDelta):
                    self.emit(ContentDeltaEvent, delta=delta.text)
                elif isinstance(delta, ReasoningDelta):
                    self.emit(ContentDeltaEvent, delta=delta.text, block_type="reasoning")
        if not started:
            self.emit(MessageStartEvent, model=model_id)
        return accumulator.result()

    def _commit(self, messages: list[Message], *, tags: list[str], tick: int) -> None:
        """Append whole messages to the timeline (the session's and the rendering runtime's)."""
        session = self.session
        entries = TimelineEntry.trusted_many(
            session.entry_ids(len(messages)), messages, tags, self.handle.execution_id, tick
        )
        session.entries.extend(entries)
        session.runtime.pending.extend(entries)
        self.added.extend(entries)

    def _context_diff(self, compiled: CompiledContext) -> None:
        """Emit what changed since the session's previous tick (nothing on its first)."""
        changes = self.session.context_differ.diff(compiled, self.session.compiler().root.fiber)
        if changes is None:
            return
        sections = NO_SECTIONS  # shared when nothing changed (frozen): no model built
        if changes.sections_added or changes.sections_removed or changes.sections_changed:
            sections = SectionsDiff(
                added=tuple(changes.sections_added),
                removed=tuple(changes.sections_removed),
                changed=tuple(changes.sections_changed),
            )
        tools = NO_TOOLS
        if changes.tools_added or changes.tools_removed:
            tools = ToolsDiff(added=tuple(changes.tools_added), removed=tuple(changes.tools_removed))
        self.emit(
            ContextDiffEvent,
            system=changes.system,
            sections=sections,
            messages=MessagesDiff(added=changes.messages_added, removed=changes.messages_removed),
            tools=tools,
            token_delta=changes.token_delta,
            sources=changes.sources,
        )

    async def _finish(self, result: SendResult[Any] | None, error: BaseException | None) -> None:
        session = self.session
        runtime = session.runtime
        aborted = self.handle.status == "aborted"
        if result is None and error is None and not aborted:
            error = AbortError("the execution was cancelled")
        for ref, name in runtime.execution_end:
            try:
                await call_hook(name, ref.current, runtime.com)
            except Exception as hook_error:
                if error is None and not aborted:
                    error = hook_error
        session.usage.input_tokens += self.usage.input_tokens
        session.usage.output_tokens += self.usage.output_tokens
        session.usage.total_tokens += self.usage.total_tokens
        session.usage.cache_read_tokens += self.usage.cache_read_tokens
        session.usage.cache_write_tokens += self.usage.cache_write_tokens
        session.usage.ticks += self.usage.ticks
        if session.ephemeral:
            # run()/spawn sessions end with their execution: what they hold (connections, subprocesses)
            # is released before the end is reported, so `run_sync` returns with nothing left open and
            # the stream's last event tells the truth: a close failure is the execution's error, as
            # `session.close()` and `app.close()` raise theirs.
            session.execution_ended(self.handle)
            if session.status == "idle":
                try:
                    await session.close()
                except Exception as close_error:
                    if error is None and not aborted:
                        error = close_error
        runtime.tick_state = None
        runtime.emit = None
        # Saved before the last events (API.md §16): a client that saw `execution_end` knows the turn
        # is durable, and a failed save is reported by `execution_end` itself. `result` comes after
        # the save too, so the stream shows a result exactly when `handle.result` resolves to one.
        try:
            if not self.unleased and self.lost is None:
                await session.persist()
        except PersistenceError as persist_error:
            if error is None and not aborted:
                error = persist_error
        try:  # released after the save, before the last events: a client that saw them may send anywhere
            await self.lease.aclose()
        except Exception as release_error:
            logger.warning("session %r: releasing its lease failed: %s", session.id, release_error)
        aborted = self.handle.status == "aborted"  # an abort may arrive while the hooks or the save run
        if result is not None and error is None and not aborted:
            self.emit(ResultEvent, result=result)
        status = "aborted" if aborted else ("error" if error is not None else "completed")
        self.emit(
            ExecutionEndEvent,
            status=status,
            stop_reason=result.stop_reason if result is not None else None,
            error=f"{type(error).__name__}: {error}" if error is not None else None,
        )
        if not session.ephemeral:
            session.execution_ended(self.handle)
        self.handle.finish(result if error is None else None, error)
