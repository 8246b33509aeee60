"""Sessions: a mounted agent, its timeline, and the executions that extend it (API.md §6.3)."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any, Literal

from ..compiler import CompiledContext
from ..compiler.compile import Compiler, call_hook, compile_until_stable
from ..compiler.diff import ContextDiffer
from ..element import Element, h, type_name
from ..errors import PersistenceError, SessionClosedError, ToolError
from ..hooks.data import DataEntry, data_store
from ..message_input import extend_plain
from ..models.infer import model_from
from ..output import OutputMode, OutputOptions
from ..runtime import AgentRuntime
from ..stores.protocol import lease_of
from ..tools import ExecutableTool, normalize_result
from ..types import BYTES_ARE_NOT_TEXT, ContentBlock, Message, TextBlock, TimelineEntry
from ..utf8 import input_problem, repaired
from .events import SpawnEndEvent, SpawnStartEvent, StreamEvent
from .execution import Execution, new_id
from .handle import ExecutionHandle
from .procedure import Procedure
from .results import ExecutionUsage
from .structured import check_response_format
from .tasks import start_background

if TYPE_CHECKING:
    from .app import App

__all__ = ["Session"]

logger = logging.getLogger("agentick")

MAX_SPAWN_DEPTH = 10
SNAPSHOT_VERSION = 1
# The events an execution emits after saving its session: `result` and `execution_end`.
EVENTS_AFTER_SAVE = 2


class Session:
    """One conversation with an agent. Create it with `await app.session(id)`.

    `send`, `render`, `queue`, `dispatch` and `spawn` are procedures (awaitable, with `.result`,
    async-iterable). Sending while an execution runs does not start a second one: the messages are
    queued and the next execution, which starts when the current one ends, delivers them.
    """

    # set by _fresh_runtime: what is mounted, and made again when a newer snapshot is reloaded
    runtime: AgentRuntime
    context_differ: ContextDiffer
    last_compiled: CompiledContext | None
    _compiler: Compiler | None

    def __init__(
        self,
        app: App,
        session_id: str,
        *,
        component: Any = None,
        tools: Iterable[ExecutableTool[Any]] = (),
        model: Any = None,
        max_ticks: int | None = None,
        depth: int = 0,
        ephemeral: bool = False,
        output: OutputOptions | None = None,
    ) -> None:
        self.app = app
        self.id = session_id
        self.component = component if component is not None else app.component
        self.tools = list(tools)
        self.model = model_from(model)
        self.max_ticks = max_ticks
        self.depth = depth
        self.ephemeral = ephemeral  # run()/app.run(): closes itself after its execution
        self.output = output if output is not None else app.output  # structured output of its executions
        self.status: Literal["idle", "running", "closed"] = "idle"
        self.current_tick = 0
        self.sequence = 0
        self.usage = ExecutionUsage()
        self.revision = 0  # the stored revision this session holds (0: never saved; API.md §16)
        self.entries: list[TimelineEntry] = []
        self.props: dict[str, Any] | None = None
        self.queued: list[Message] = []
        self.children: list[Session] = []
        self._current: ExecutionHandle | None = None
        self._next: ExecutionHandle | None = None
        self._next_options: dict[str, Any] = {}
        self._tasks: set[Any] = set()
        self._dumped: dict[str, dict[str, Any]] = {}  # snapshot form of each entry, made once
        self._entries_made = 0  # entry ids given so far (see entry_ids)
        self._entry_prefix = f"entry_{uuid.uuid4().hex[:12]}_"
        self.send = Procedure(self._send, name="session.send")
        self.render = Procedure(self._render, name="session.render")
        self.queue = Procedure(self._queue, name="session.queue")
        self.dispatch = Procedure(self._dispatch, name="session.dispatch")
        self.spawn = Procedure(self._spawn, name="session.spawn")
        self._fresh_runtime()

    def _fresh_runtime(self) -> None:
        """A new runtime with nothing mounted (at creation, and when a newer snapshot is reloaded)."""
        self.last_compiled = None
        # The previous tick's model input, for `context_diff` events; a restored session starts
        # without one, so its first tick has no diff (like a new session's).
        self.context_differ = ContextDiffer()
        self.runtime = AgentRuntime(self.id, model_id=_model_id(self.model or self.app.model))
        self.runtime.share(self.app.extensions)
        self.runtime.com.spawner = self.spawn
        self.runtime.com.tool_names = self._tool_names
        self._compiler = None

    # --- state -------------------------------------------------------------------------------

    @property
    def timeline(self) -> list[TimelineEntry]:
        return list(self.entries)

    def entry_ids(self, count: int) -> list[str]:
        """`count` new timeline entry ids: unique within the session (a random prefix, then a
        counter) and cheap, since long imported histories need thousands at once."""
        first = self._entries_made + 1
        self._entries_made += count
        prefix = self._entry_prefix
        return [f"{prefix}{number}" for number in range(first, first + count)]

    def compiler(self) -> Compiler:
        if self._compiler is None:
            self._compiler = Compiler(self.runtime)
            self._compiler.before_render = self.context_differ.remember
        return self._compiler

    def _check_open(self) -> None:
        if self.status == "closed":
            raise SessionClosedError(f"session {self.id!r} is closed")

    def _tool_names(self) -> list[str]:
        compiled = self.last_compiled
        return [definition.name for definition in compiled.tools] if compiled is not None else []

    # --- procedures ----------------------------------------------------------------------------

    async def _send(
        self,
        input: str | Message | dict[str, Any] | None = None,
        *,
        messages: Iterable[Message | dict[str, Any]] | None = None,
        props: dict[str, Any] | None = None,
        max_ticks: int | None = None,
        tools: Iterable[ExecutableTool[Any]] | None = None,
        output_type: Any = None,
        output_retries: int | None = None,
        output_mode: OutputMode | None = None,
    ) -> ExecutionHandle:
        """Deliver messages (a string is one user message) and run the agent.

        `output_type`, `output_retries` and `output_mode` ask this execution for structured output
        (API.md §12); each one given wins over the app's."""
        self._check_open()
        new = _messages(input, messages)
        output = None
        if output_type is not None or output_retries is not None or output_mode is not None:
            output = self.output.override(output_type, output_retries, output_mode)
        check_response_format(
            output or self.output, getattr(self.model or self.app.model, "options", None), "on the model"
        )
        if props is not None:
            self.props = props
        if len(self.runtime.message):
            for message in new:
                await self._notify(message)
        return self._request(new, max_ticks=max_ticks, tools=list(tools or ()), output=output)

    async def _render(self, props: dict[str, Any] | None = None, max_ticks: int | None = None) -> ExecutionHandle:
        """Run the agent without new messages (with new props, if given)."""
        self._check_open()
        if props is not None:
            self.props = props
        return self._request([], max_ticks=max_ticks, tools=[], output=None)

    async def _queue(self, message: str | Message | dict[str, Any]) -> None:
        """Add a message that the next execution delivers; nothing runs now."""
        self._check_open()
        [value] = _messages(message, None)
        self.queued.append(value)
        await self._notify(value)

    def interrupt(
        self, message: str | Message | dict[str, Any] | None = None, reason: str | None = None
    ) -> ExecutionHandle | None:
        """Abort the running execution. With a message, an execution then delivers it (right away
        when idle, after the aborted one has unwound otherwise); its handle is returned."""
        self._check_open()
        delivered = _messages(message, None) if message is not None else []
        self.abort_current(reason or "interrupted")
        if message is None:
            return None
        self.queued.extend(delivered)
        return self._request([], max_ticks=None, tools=[], output=None)

    def abort_current(self, reason: str) -> None:
        if self._current is not None:
            self._current.abort(reason)

    async def mount(self) -> CompiledContext:
        """Render the agent once without calling the model (registers its tools; no tick hooks)."""
        self._check_open()
        if self.status == "running" and self.last_compiled is not None:
            return self.last_compiled
        compiler = self.compiler()
        element = compiler.wrap(h(self.component, self.props or {}))
        self.last_compiled = await compile_until_stable(compiler, element, tool_sources=[self.app.tools, self.tools])
        return self.last_compiled

    async def _dispatch(self, tool_name: str, input: dict[str, Any] | None = None) -> list[ContentBlock]:
        """Run a tool directly (user-audience tools too) and return its content; never calls the model."""
        self._check_open()
        compiled = self.last_compiled if self.last_compiled is not None else await self.mount()
        tool = compiled.find_tool(tool_name)
        if tool is None:
            names = ", ".join(item.name for item in compiled.tool_objects) or "none"
            raise ToolError(f"unknown tool {tool_name!r} in session {self.id!r}; its tools are: {names}")
        validated = tool.validate(input or {})
        return normalize_result(await tool.call(validated, com=self.runtime.com), tool.name)

    async def _spawn(
        self,
        component: Any,
        messages: Iterable[Message | dict[str, Any]] | str | None = None,
        *,
        model: Any = None,
        max_ticks: int | None = None,
        props: dict[str, Any] | None = None,
    ) -> ExecutionHandle:
        """Run a child agent in a child session (closed, or aborted, with this one)."""
        self._check_open()
        if self.depth >= MAX_SPAWN_DEPTH:
            raise RuntimeError(f"spawn depth limit ({MAX_SPAWN_DEPTH}) reached in session {self.id!r}")
        if isinstance(component, Element):
            props = {**component.props, **(props or {})}
            component = component.type
        child = Session(
            self.app,
            f"{self.id}/{new_id('child')}",
            component=component,
            model=model or self.model,
            max_ticks=max_ticks,
            depth=self.depth + 1,
            ephemeral=True,
            output=OutputOptions(),  # a child agent answers in text unless asked otherwise
        )
        self.children.append(child)
        text = messages if isinstance(messages, str) else None
        listed = None if isinstance(messages, str) else messages
        handle: ExecutionHandle = await child.send(text, messages=listed, props=props or {})
        parent = self._current
        if parent is not None:
            parent.push(_spawn_event(SpawnStartEvent, self, parent, child, handle, component=type_name(component)))

        def ended(result: Any, error: BaseException | None) -> None:
            # Runs as the child finishes, before anyone awaiting its result resumes, so the event
            # lands in the parent's stream while the parent is still running.
            if parent is not None:
                fields = (
                    {"response": result.response} if error is None else {"error": f"{type(error).__name__}: {error}"}
                )
                parent.push(_spawn_event(SpawnEndEvent, self, parent, child, handle, **fields))
            if child in self.children:
                self.children.remove(child)

        handle.on_finish(ended)
        return handle

    # --- executions ----------------------------------------------------------------------------

    def _request(
        self, messages: list[Message], *, max_ticks: int | None, tools: list[Any], output: OutputOptions | None
    ) -> ExecutionHandle:
        """Start an execution, or add to the one queued behind the running one. `output` `None`
        keeps the session's structured output (or what a queued send asked for)."""
        if self.status == "running":
            self.queued.extend(messages)
            if max_ticks is not None:
                self._next_options["max_ticks"] = max_ticks
            if tools:
                self._next_options.setdefault("tools", []).extend(tools)
            if output is not None:
                self._next_options["output"] = output  # the last send's wins, like max_ticks
            if self._next is None:
                self._next = ExecutionHandle(new_id("exec"), self.id, observe=self._observe)
            return self._next
        handle = ExecutionHandle(new_id("exec"), self.id, observe=self._observe)
        self._start(handle, messages, max_ticks=max_ticks, tools=tools, output=output)
        return handle

    def _observe(self, event: StreamEvent) -> None:
        """Show an event of this session to the app's observers. An observer that raises is logged and
        skipped: watching an execution never breaks it."""
        for observer in self.app.observers:
            try:
                observer(self, event)
            except Exception:
                logger.exception("session %r: event observer %r failed on a %r event", self.id, observer, event.type)

    def _start(
        self,
        handle: ExecutionHandle,
        messages: list[Message],
        *,
        max_ticks: int | None,
        tools: list[Any],
        output: OutputOptions | None,
    ) -> None:
        delivered, self.queued = [*self.queued, *messages], []
        self.status = "running"
        self._current = handle
        execution = Execution(
            self,
            handle,
            delivered,
            max_ticks=max_ticks,
            tools=tools,
            output=output if output is not None else self.output,
        )
        start_background(execution.run, self._tasks)

    def execution_ended(self, handle: ExecutionHandle) -> None:
        """Called by an execution as it ends: go idle, or start the execution sends were queued for.
        (An ephemeral session, run()'s, is then closed by the execution before its result resolves.)"""
        if self._current is handle:
            self._current = None
        if self.status == "closed":
            return
        self.status = "idle"
        if self._next is not None:
            following, self._next = self._next, None
            options, self._next_options = self._next_options, {}
            self._start(
                following,
                [],
                max_ticks=options.get("max_ticks"),
                tools=options.get("tools", []),
                output=options.get("output"),
            )

    async def _notify(self, message: Message) -> None:
        runtime = self.runtime
        for ref, name in runtime.message:
            await call_hook(name, ref.current, message, runtime.com, runtime.tick_state)

    # --- persistence ---------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The session as JSON-serialisable data: timeline, usage, persisted state and data."""
        runtime = self.runtime
        state = {
            key: value
            for key, value in runtime.com.state.items()
            if key not in runtime.transient_state and _json_ready(value)
        }
        data = {
            key: {"value": entry.value, "deps": list(entry.deps) if entry.deps is not None else None}
            for key, entry in data_store(runtime).entries.items()
            if _json_ready(entry.value) and (entry.deps is None or _json_ready(list(entry.deps)))
        }
        return {
            "version": SNAPSHOT_VERSION,
            "session_id": self.id,
            "timeline": [self._dump(entry) for entry in self.entries],
            "usage": self.usage.model_dump(),
            "state": state,
            "data": data,
            # Event sequence numbers stay monotonic across executions and workers (API.md §6.5): a
            # session restored from this snapshot numbers its events after this. An execution saves
            # before its last events (`result`, `execution_end`), so their numbers are counted in.
            "sequence": self.sequence + EVENTS_AFTER_SAVE,
        }

    def _dump(self, entry: TimelineEntry) -> dict[str, Any]:
        dumped = self._dumped.get(entry.id)
        if dumped is None:
            dumped = self._dumped[entry.id] = entry.model_dump(mode="json", exclude_none=True)
        return dumped

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Load a snapshot into this (new, unmounted) session."""
        try:
            # Repaired, not refused: a stored session must stay usable (see agentick/utf8.py).
            self.entries = [repaired(TimelineEntry.model_validate(entry)) for entry in snapshot.get("timeline", [])]
            self.usage = ExecutionUsage.model_validate(snapshot.get("usage") or {})
        except Exception as error:
            raise PersistenceError(f"the stored snapshot of session {self.id!r} is invalid: {error}") from error
        self.runtime.com.state.update(snapshot.get("state") or {})
        store = data_store(self.runtime)
        data: dict[str, dict[str, Any]] = snapshot.get("data") or {}
        for key, entry in data.items():
            deps = entry.get("deps")
            store.entries[key] = DataEntry(entry.get("value"), tuple(deps) if deps is not None else None)
        self.revision = int(snapshot.get("revision") or 0)
        self.sequence = max(self.sequence, int(snapshot.get("sequence") or 0))

    async def take_lease(self, exits: AsyncExitStack, on_lost: Callable[[], None]) -> None:
        """On a store with leases (API.md §16): own the session for the execution about to run
        (the lease is released when `exits` closes, after the save), and first reload the stored
        snapshot when it is not the revision this session holds (another worker saved, or deleted
        and created the session again). Raises `SessionBusyError` when another worker keeps the
        lease beyond the store's `lease_wait`, and `SessionClosedError` (closing this session)
        when the session was deleted elsewhere. A lease that can be lost (an `on_lost` attribute,
        like `PostgresLease`) calls `on_lost` when a renewal finds another holder."""
        store = self.app.store
        if store is None or self.ephemeral or not self.app.store_leases:
            return
        lease = await exits.enter_async_context(lease_of(store, self.id))
        if hasattr(lease, "on_lost"):  # an optional part of the lease (stores/protocol.py)
            losable: Any = lease
            losable.on_lost = on_lost
        if lease.revision == self.revision:
            return
        snapshot = await store.load(self.id) if lease.revision else None
        if snapshot is not None:
            await self._reload(snapshot)
        elif self.revision:  # stored before, nothing stored now: deleted by another worker
            await self._close_deleted()
            raise SessionClosedError(f"session {self.id!r} was deleted")

    async def _close_deleted(self) -> None:
        """Close this session from inside its execution because another worker deleted it: as
        `close` does, except that the running execution ends by itself (with the error), and a
        send queued behind it fails with the same error."""
        self.status = "closed"
        following, self._next, self._next_options = self._next, None, {}
        if following is not None:
            following.finish(None, SessionClosedError(f"session {self.id!r} was deleted"))
        for child in list(self.children):
            await child.close()
        self.children.clear()
        if self._compiler is not None:
            await self._compiler.unmount()
        self.app.forget(self)

    async def _reload(self, snapshot: dict[str, Any]) -> None:
        """Replace this session's state by a newer stored snapshot, in place: callers keep this
        `Session`. The tree is unmounted (as `close` does) and mounts again on a fresh runtime, so
        nothing of the stale state wins over the snapshot."""
        if self._compiler is not None:
            await self._compiler.unmount()
        self._fresh_runtime()
        self.entries = []
        self._dumped = {}
        self.usage = ExecutionUsage()
        self.restore(snapshot)
        if self.app.runner is not None and hasattr(self.app.runner, "on_restore"):
            self.app.runner.on_restore(self, snapshot)

    async def persist(self) -> None:
        store = self.app.store
        if store is None or self.ephemeral:
            return
        snapshot = self.snapshot()
        runner = self.app.runner
        if runner is not None and hasattr(runner, "on_persist"):
            try:
                snapshot = runner.on_persist(self, snapshot) or snapshot
            except Exception as error:
                raise PersistenceError(
                    f"saving session {self.id!r} failed: the runner's on_persist raised {type(error).__name__}: {error}"
                ) from error
        try:
            if self.app.store_saves_revisions:  # never over a newer revision (API.md §16)
                self.revision = await store.save(self.id, snapshot, expected_revision=self.revision)
            else:
                await store.save(self.id, snapshot)
        except PersistenceError:
            raise
        except Exception as error:
            raise PersistenceError(f"saving session {self.id!r} failed: {type(error).__name__}: {error}") from error

    # --- closing -------------------------------------------------------------------------------

    async def close(self) -> None:
        """Abort any running execution, close child sessions, unmount the agent. Final."""
        if self.status == "closed":
            return
        current = self._current
        self.status = "closed"
        self._next = None
        if current is not None:
            current.abort("session closed")
            await current._done.wait()
        for child in list(self.children):
            await child.close()
        self.children.clear()
        if self._compiler is not None:
            await self._compiler.unmount()
        self.app.forget(self)

    def __repr__(self) -> str:
        return f"<Session {self.id!r} {self.status}>"


def _messages(input: Any, messages: Iterable[Any] | None) -> list[Message]:
    """The messages given to send/queue/interrupt/run (a string is one user message), checked:
    bytes raise `TypeError`, text no provider can encode raises `ValueError` naming the message.
    Plain `{"role", "content"}` dicts take `extend_plain`'s fast path, already checked."""
    out: list[Message] = []
    unchecked: list[int] = []  # indexes of the messages still to check for unencodable text

    def add(message: Any) -> None:  # not a plain dict: validated, then checked for unencodable text
        unchecked.append(len(out))
        out.append(message if isinstance(message, Message) else Message.model_validate(message))

    if isinstance(input, bytes | bytearray | memoryview) or isinstance(messages, bytes | bytearray | memoryview):
        raise TypeError(BYTES_ARE_NOT_TEXT)
    if input is not None:
        if isinstance(input, str):
            unchecked.append(0)
            out.append(Message(role="user", content=[TextBlock(text=input)]))
        elif isinstance(input, Message | dict):
            if extend_plain([input], 0, out) == 0:
                add(input)
        else:
            out.extend(_messages(None, input))
    values = messages if isinstance(messages, list | tuple) else list(messages or ())
    index = 0
    while index < len(values):
        index = extend_plain(values, index, out)  # the common case: thousands of plain dicts per request
        if index < len(values):
            message = values[index]
            if isinstance(message, bytes | bytearray | memoryview):
                raise TypeError(BYTES_ARE_NOT_TEXT)
            add(message)
            index += 1
    for index in unchecked:
        message = out[index]
        problem = input_problem(message)
        if problem is not None:
            raise ValueError(
                f"message {index} (role {message.role!r}) has text that cannot be encoded as UTF-8 at {problem}: "
                "a lone surrogate, which no model provider accepts. Such text comes from bytes decoded with "
                "errors='surrogateescape' (file names, sys.argv, os.environ) or from JSON '\\udXXX' escapes: "
                "decode the bytes with errors='replace', or repair the text with "
                "agentick.utf8.repaired_text(text). Nothing was sent."
            )
    return out


def _json_ready(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _model_id(model: Any) -> str:
    metadata = getattr(model, "metadata", None)
    return getattr(metadata, "id", None) or "gpt-4o"


def _spawn_event(
    event_type: Any, session: Session, parent: ExecutionHandle, child: Session, handle: ExecutionHandle, **fields: Any
) -> Any:
    session.sequence += 1
    return event_type(
        execution_id=parent.execution_id,
        tick=session.current_tick,
        sequence=session.sequence,
        timestamp=time.time(),
        session_id=session.id,
        child_session_id=child.id,
        child_execution_id=handle.execution_id,
        **fields,
    )
