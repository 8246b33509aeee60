"""The agent runtime: what a rendering agent tree can reach through hooks.

One `AgentRuntime` exists per session (and one per standalone compile). It is provided at the root
of the tree through `RuntimeContext`, so hooks find it with `use_context` and two sessions never
share anything. It holds the timeline the `Timeline` component renders, the session's context
object (`com`), the registries of tick hooks, and per-session caches.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from .errors import HookError
from .reconciler import Ref, create_context, use_context
from .types import Message, TimelineEntry

if TYPE_CHECKING:
    from .engine.context_info import ContextInfo
    from .engine.handle import ExecutionHandle
    from .engine.procedure import Procedure, ProcedurePromise
    from .engine.results import SendResult, TickState

__all__ = ["AgentRuntime", "Com", "Registry", "RuntimeContext", "SessionCom", "use_runtime"]


class Registry:
    """Callbacks registered by mounted components for one lifecycle phase, in registration order.

    Components register in a mount effect, so the order is children before parents, siblings in
    order, and later-mounted components last; each entry holds a ref to the latest committed
    callback.
    """

    __slots__ = ("_entries", "_next")

    def __init__(self) -> None:
        self._entries: dict[int, tuple[Ref[Any], str]] = {}
        self._next = 0

    def add(self, ref: Ref[Any], component: str) -> Callable[[], None]:
        key = self._next
        self._next += 1
        self._entries[key] = (ref, component)

        def remove() -> None:
            self._entries.pop(key, None)

        return remove

    def __iter__(self) -> Iterator[tuple[Ref[Any], str]]:
        return iter(list(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)


class Com(Protocol):
    """The session's context object (`agentick.Com`), passed to tick hooks and tool handlers and
    returned by `use_com()`.

    `get_state`/`set_state` hold session state that survives ticks and executions (and is saved in
    snapshots when persisted); `request_recompile()` asks for another compile pass in this tick.
    A protocol, so a tool handler typed `com: Com` can be given a stand-in in a unit test.
    """

    @property
    def session_id(self) -> str: ...

    def get_state(self, key: str, default: Any = None) -> Any: ...

    def set_state(self, key: str, value: Any) -> None: ...

    def request_recompile(self, reason: str | None = None) -> None: ...

    @property
    def timeline(self) -> list[TimelineEntry]: ...

    @property
    def tools(self) -> list[str]:
        """Names of the tools offered in the current tick."""
        ...

    def spawn(
        self,
        component: Any,
        messages: Iterable[Message | dict[str, Any]] | str | None = None,
        *,
        model: Any = None,
        max_ticks: int | None = None,
        props: dict[str, Any] | None = None,
    ) -> ProcedurePromise[ExecutionHandle, SendResult]:
        """Run a child agent (see `Session.spawn`); only available inside a session."""
        ...


class SessionCom:
    """The `Com` of an `AgentRuntime`; also lets the package's hooks subscribe to state keys."""

    def __init__(self, runtime: AgentRuntime, session_id: str) -> None:
        self._runtime = runtime
        self.session_id = session_id
        self.state: dict[str, Any] = {}
        self._listeners: dict[str, set[Callable[[], None]]] = {}
        self.spawner: Procedure[..., ExecutionHandle, SendResult] | None = None
        self.tool_names: Callable[[], list[str]] = list

    def get_state(self, key: str, default: Any = None) -> Any:
        return self.state.get(key, default)

    def set_state(self, key: str, value: Any) -> None:
        """Set a state value; components reading it (`use_com_state`) re-render in the next pass."""
        self.state[key] = value
        for listener in list(self._listeners.get(key, ())):
            listener()
        self.request_recompile()

    def subscribe(self, key: str, listener: Callable[[], None]) -> Callable[[], None]:
        listeners = self._listeners.setdefault(key, set())
        listeners.add(listener)
        return lambda: listeners.discard(listener)

    def request_recompile(self, reason: str | None = None) -> None:
        self._runtime.recompile_requested = True

    @property
    def timeline(self) -> list[TimelineEntry]:
        return [*self._runtime.history, *self._runtime.pending]

    @property
    def tools(self) -> list[str]:
        """Names of the tools offered in the current tick."""
        return self.tool_names()

    def spawn(
        self,
        component: Any,
        messages: Iterable[Message | dict[str, Any]] | str | None = None,
        *,
        model: Any = None,
        max_ticks: int | None = None,
        props: dict[str, Any] | None = None,
    ) -> ProcedurePromise[ExecutionHandle, SendResult]:
        """Run a child agent (see `Session.spawn`); only available inside a session."""
        if self.spawner is None:
            raise RuntimeError("spawn() needs a session; it is not available in a standalone compile")
        return self.spawner(component, messages, model=model, max_ticks=max_ticks, props=props)

    def __repr__(self) -> str:
        return f"<Com session={self.session_id!r}>"


class AgentRuntime:
    """Per-session state shared by the tree's hooks, components and the engine."""

    def __init__(self, session_id: str, model_id: str = "gpt-4o") -> None:
        from .tokens import TokenCounter

        self.com = SessionCom(self, session_id)
        self.history: list[TimelineEntry] = []  # timeline entries from before this execution
        self.pending: list[TimelineEntry] = []  # entries added by the current execution
        self.tick_state: TickState | None = None
        self.tokens = TokenCounter(model_id)
        self.recompile_requested = False
        self.tick_start = Registry()
        self.after_compile = Registry()
        self.tick_end = Registry()
        self.execution_start = Registry()
        self.execution_end = Registry()
        self.message = Registry()
        self.output_validator = Registry()
        self.tick_listeners: dict[int, Callable[[], None]] = {}
        self.entry_elements: dict[str, Any] = {}
        self.context_info: ContextInfo | None = None
        self.extensions: dict[str, Any] = {}  # per-session stores of optional features (data, knobs)
        # Objects of optional features shared by every session of the owner: the app's
        # `App.extensions` for a session (closed by `App.close()`); the runtime's own for a
        # standalone compile, closed with it.
        self.shared: dict[str, Any] = {}
        self.owns_shared = True
        # Puts an event (`emit(EventType, **fields)`) into the running execution's stream; set by
        # the execution while it runs, None otherwise (a standalone compile has no stream).
        self.emit: Callable[..., Any] | None = None
        self.deferred: list[Any] = []  # awaitables started by effects (async mount/unmount callbacks)
        self.transient_state: set[str] = set()  # com state keys excluded from snapshots

    @property
    def session_id(self) -> str:
        return self.com.session_id

    def extension(self, name: str, factory: Callable[[], Any]) -> Any:
        """A per-session object for an optional feature, created on first use."""
        value = self.extensions.get(name)
        if value is None:
            value = self.extensions[name] = factory()
        return value

    def share(self, owner: dict[str, Any]) -> None:
        """Use `owner` (an app's extensions) for the objects shared beyond this runtime; the owner closes them."""
        self.shared = owner
        self.owns_shared = False

    async def aclose(self) -> None:
        """Close what the runtime holds: its extensions with an `aclose()` (newest first), then the
        shared objects it owns (a standalone compile's). Every one is closed even if one fails."""
        closers = [value.aclose for value in reversed(list(self.extensions.values())) if hasattr(value, "aclose")]
        if self.owns_shared:
            closers += [value.aclose for value in reversed(list(self.shared.values())) if hasattr(value, "aclose")]
            self.shared = {}
        await close_all(closers)

    def new_tick(self) -> None:
        """Re-render every component that reads per-tick data (tick state, timeline, context info)."""
        for listener in list(self.tick_listeners.values()):
            listener()


async def close_all(closers: Iterable[Callable[[], Awaitable[Any]]]) -> None:
    """Await every closer; the first failure is raised after all ran, the others noted on it."""
    errors: list[Exception] = []
    for close in closers:  # one failure must not leave the rest open
        try:
            await close()
        except Exception as error:
            errors.append(error)
    if errors:
        for other in errors[1:]:
            errors[0].add_note(f"closing also failed with {type(other).__name__}: {other}")
        raise errors[0]


RuntimeContext = create_context(None, name="AgentRuntime")


def use_runtime(hook: str) -> AgentRuntime:
    """The runtime of the agent being rendered; HookError outside an agent tree."""
    runtime: AgentRuntime | None = use_context(RuntimeContext)
    if runtime is None:
        raise HookError(
            f"{hook}() needs an agent: render the component through a session, run(), compile_element() "
            "or the testing helpers"
        )
    return runtime
