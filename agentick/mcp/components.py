"""`<MCPServer>`, `<MCPResource>` and `use_mcp_prompt`: MCP servers as components.

A mounted `MCPServer` holds a reference to a pooled connection (`pool.py`) for as long as it is
mounted; its render waits for the first tool listing (like `use_data`) and then renders one tool
per listed tool, built once per (listing, view props), so later ticks cost no server round trip.
Per session, `SessionMCP` remembers which connections the session holds and in which order its
servers mounted (the later mount wins a tool-name clash); closing the session's runtime releases
them all, including references taken by a render that never committed.
"""

from __future__ import annotations

import fnmatch
import itertools
import logging
import re
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from ..element import Element, Fragment, h
from ..engine.events import MCPErrorEvent
from ..errors import ToolError
from ..reconciler import Ref, Suspend, use_effect, use_force_update, use_memo, use_ref
from ..runtime import AgentRuntime, use_runtime
from ..schema import clean_schema
from ..tools import ExecutableTool
from ..types import Message
from .config import DEFAULT_TIMEOUT, MCPConfigError, ServerConfig, ToolView
from .connection import MCPCallError, MCPConnection
from .pool import pool_of

__all__ = ["MCPResource", "MCPServer", "use_mcp_prompt"]

logger = logging.getLogger("agentick")

_NAME = re.compile(r"[^A-Za-z0-9_-]")
_mount_order = itertools.count(1)


@dataclass(eq=False)
class _Mount:
    """One mounted `<MCPServer>` of a session."""

    name: str
    connection: MCPConnection
    order: int
    rerender: Callable[[], None]
    names: set[str] = field(default_factory=set[str])  # final tool names it offers


@dataclass(eq=False)
class _Served:
    """A rendered `<MCPServer>` as `<MCPResource>`/`use_mcp_prompt` find it: its connection and config."""

    connection: MCPConnection
    config: ServerConfig


@dataclass(eq=False)
class _Read:
    """A resource read for `<MCPResource>`: its text, from which connection and for which execution
    (a failed read is shown once, by the render that waited for it, and never reused)."""

    connection: MCPConnection
    execution: str | None
    text: str
    failed: bool


class SessionMCP:
    """A session's MCP state: its connection references, mounts, resource reads and prompts.

    The session holds at most one pool reference per connection key: taken by the first render
    that needs it, released when the last committed `<MCPServer>` using it unmounts, or when the
    runtime closes (which also covers renders that suspended or failed and never committed).
    What is remembered per connection is keyed by the connection object, weakly: a connection
    replaced after a remount or a new event loop never inherits another's state."""

    def __init__(self, runtime: AgentRuntime) -> None:
        self.runtime = runtime
        self.held: dict[tuple[Any, ...], MCPConnection] = {}  # connection key -> the pooled connection
        self.users: dict[tuple[Any, ...], set[str]] = {}  # connection key -> names of committed mounts using it
        self.mounts: dict[str, _Mount] = {}  # by server name
        self.pending: dict[str, _Served] = {}  # servers rendered (maybe still connecting), by name
        self.reported: weakref.WeakKeyDictionary[MCPConnection, int] = weakref.WeakKeyDictionary()  # failures told
        self.warned: set[tuple[str, str, str]] = set()
        self.resources: dict[tuple[str, str], _Read] = {}  # (server, uri) -> the read <MCPResource> shows
        self.prompts: weakref.WeakKeyDictionary[MCPConnection, dict[Any, list[Message] | MCPCallError]] = (
            weakref.WeakKeyDictionary()
        )  # use_mcp_prompt results by (name, arguments)

    def acquire(self, config: ServerConfig) -> MCPConnection:
        key = config.key(self.runtime.session_id)
        pool = pool_of(self.runtime.shared)
        connection = self.held.get(key)
        if connection is None or not pool.owns(connection):  # closed, or kept from an ended event loop
            connection = self.held[key] = pool.acquire(config, self.runtime.session_id)
        return connection

    def mounted(self, name: str, config: ServerConfig) -> Callable[[], None]:
        """Register a committed mount; the returned cleanup unregisters it (releasing the reference
        with the last one, in the compile loop's deferred work)."""
        key = config.key(self.runtime.session_id)
        self.users.setdefault(key, set()).add(name)

        def unmounted() -> None:
            self.mounts.pop(name, None)
            self.pending.pop(name, None)
            users = self.users.get(key, set())
            users.discard(name)
            if not users:
                self.users.pop(key, None)
                connection = self.held.pop(key, None)
                if connection is not None:
                    self.runtime.deferred.append(pool_of(self.runtime.shared).release(connection))

        return unmounted

    async def aclose(self) -> None:
        """Release every reference the session holds (its runtime is closing)."""
        held, self.held = self.held, {}
        self.users.clear()
        self.mounts.clear()
        self.pending.clear()
        self.resources.clear()
        pool = pool_of(self.runtime.shared)
        for connection in held.values():
            await pool.release(connection)

    def report(self, connection: MCPConnection, server: str) -> None:
        """Emit one `mcp_error` per failure of the connection into this session's execution."""
        if self.reported.get(connection, 0) >= connection.failures:
            return
        self.reported[connection] = connection.failures
        self.emit(server, connection.error or connection.unavailable())

    def emit(self, server: str, message: str) -> None:
        if self.runtime.emit is not None:
            self.runtime.emit(MCPErrorEvent, server=server, message=message)

    def by_name(self, server: str, what: str) -> _Served:
        """The session's `<MCPServer name=server>`; the render waits while it first connects."""
        served = self.pending.get(server)
        if served is not None:
            if must_wait(served.connection):
                raise Suspend(_Later(served.connection.wait_ready))
            return served
        names = ", ".join(sorted(self.pending)) or "none"
        raise MCPConfigError(
            f"{what} names the MCP server {server!r}, but no <MCPServer name={server!r}> is "
            f"mounted in this session (mounted: {names})"
        )


def must_wait(connection: MCPConnection) -> bool:
    """Whether a render waits for the connection: only for its first attempt. A reconnect runs in
    the background (its mounts re-render when it settles), so later ticks never wait."""
    return connection.state == "connecting" and connection.attempts <= 1


class _Later:
    """An awaitable that calls `start()` only when awaited (a render that suspends on it and is
    then abandoned leaves no coroutine behind)."""

    __slots__ = ("start",)

    def __init__(self, start: Callable[[], Awaitable[None]]) -> None:
        self.start = start

    def __await__(self) -> Any:
        return self.start().__await__()


def session_mcp(runtime: AgentRuntime) -> SessionMCP:
    state: SessionMCP = runtime.extension("mcp", lambda: SessionMCP(runtime))
    return state


def MCPServer(
    name: str,
    command: str | None = None,
    args: Sequence[str] = (),
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    url: str | None = None,
    headers: dict[str, str] | None = None,
    include: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    prefix: str = "",
    timeout: float = DEFAULT_TIMEOUT,
    requires_confirmation: bool | Callable[[Any], bool | Awaitable[bool]] = False,
    shared: bool = True,
    children: Any = (),
) -> Element | None:
    """Offer an MCP server's tools while mounted (API.md §14): stdio (`command`, `args`, `env`,
    `cwd`) or streamable HTTP (`url`, `headers`). `include`/`exclude` are glob patterns on the
    server's own tool names (None: no filter), applied before `prefix`; `timeout` (seconds)
    bounds connecting, listing and each call; `shared=False` gives this session a connection of
    its own. The first render waits for the connection; a reconnect never makes a render wait."""
    runtime = use_runtime("MCPServer")
    state = session_mcp(runtime)
    config = use_memo(
        lambda: ServerConfig.from_props(
            name, command=command, args=args, env=env, cwd=cwd, url=url, headers=headers, timeout=timeout, shared=shared
        ),
        [name, command, _frozen(args), _frozen(env), cwd, url, _frozen(headers), timeout, shared],
    )
    view = ToolView.from_props(
        name, include=include, exclude=exclude, prefix=prefix, requires_confirmation=requires_confirmation
    )
    confirm = use_ref(requires_confirmation)
    confirm.current = requires_confirmation  # the tools read the current callable: no rebuild when it changes
    built = use_ref(cast("tuple[tuple[Any, ...], list[ExecutableTool[Any]]] | None", None))
    order = use_ref(0)
    rerender = use_force_update()
    connection = state.acquire(config)
    use_effect(lambda: state.mounted(name, config), [name, config])
    use_effect(lambda: connection.watch(rerender), [connection])
    state.pending[name] = _Served(connection, config)  # found by <MCPResource>/use_mcp_prompt while it connects
    if connection.reconnect_due():
        connection.open()
    if must_wait(connection):
        raise Suspend(_Later(connection.wait_ready))
    if connection.state == "ready" and connection.stale:
        raise Suspend(_Later(connection.refresh))
    if order.current == 0:
        order.current = next(_mount_order)
    mount = state.mounts.get(name)
    if mount is None or mount.connection is not connection:
        mount = state.mounts[name] = _Mount(name, connection, order.current, rerender)
    if connection.state != "ready":
        if connection.state == "failed":
            state.report(connection, name)
        mount.names = set()
        return None
    key = (connection, connection.listing, view, name, config.timeout)
    if built.current is None or built.current[0] != key:  # one entry per mount, replaced
        built.current = (key, _tools(state, connection, view, name, config.timeout, confirm))
    offered = _resolve_clashes(state, mount, built.current[1])
    return h(Fragment, None, *(h(tool, {"key": tool.name}) for tool in offered))


def _tools(
    state: SessionMCP,
    connection: MCPConnection,
    view: ToolView,
    server: str,
    timeout: float,
    confirm: Ref[Any],
) -> list[ExecutableTool[Any]]:
    """The agent tools for one listing and view: filtered, prefixed, sanitised, unique."""
    tools: list[ExecutableTool[Any]] = []
    taken: set[str] = set()
    requires_confirmation: Any = view.confirm if view.confirm != "callable" else _current(confirm)
    for listed in connection.tools:
        original = listed.name
        if view.include is not None and not any(fnmatch.fnmatchcase(original, pattern) for pattern in view.include):
            continue
        if any(fnmatch.fnmatchcase(original, pattern) for pattern in view.exclude):
            continue
        sanitised = _NAME.sub("_", view.prefix + original)
        final = _unique(sanitised[:64] or "tool", taken)  # the warning names what the model really sees
        taken.add(final)
        if len(sanitised) > 64 and ("cut", server, original) not in state.warned:
            state.warned.add(("cut", server, original))
            logger.warning(
                "the MCP server %r offers the tool %r, whose name %r is longer than the 64 characters providers "
                "accept: the model sees it cut to %r",
                server,
                original,
                sanitised,
                final,
            )
        tools.append(
            ExecutableTool(
                name=final,
                description=listed.description or listed.title or "",
                input=clean_schema(dict(listed.input_schema or {"type": "object", "properties": {}})),
                handler=_forward(state, connection, original, server, timeout),
                requires_confirmation=requires_confirmation,
            )
        )
    return tools


def _current(confirm: Ref[Any]) -> Callable[[Any], Any]:
    """A confirmation callable that calls the mount's current one (an inline lambda is a new
    object every render; the tools are built once)."""

    def requires_confirmation(arguments: Any) -> Any:
        return confirm.current(arguments)

    return requires_confirmation


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    for number in itertools.count(2):
        suffix = f"_{number}"
        candidate = name[: 64 - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable")


def _forward(
    state: SessionMCP, connection: MCPConnection, tool: str, server: str, timeout: float
) -> Callable[[dict[str, Any]], Awaitable[Any]]:
    async def call(arguments: dict[str, Any]) -> Any:
        try:
            return await connection.call_tool(tool, arguments, server=server, timeout=timeout)
        except MCPCallError as error:
            if error.connection_failed:
                state.emit(server, str(error))
                state.reported[connection] = connection.failures  # reported here, not again at render
            raise ToolError(str(error), content=error.content) from None

    return call


def _resolve_clashes(state: SessionMCP, mount: _Mount, tools: list[ExecutableTool[Any]]) -> list[ExecutableTool[Any]]:
    """Leave out the names a later-mounted server of the session offers too (it wins), warning once."""
    offered: list[ExecutableTool[Any]] = []
    for tool in tools:
        winner = next(
            (
                other
                for other in state.mounts.values()
                if other is not mount and other.order > mount.order and tool.name in other.names
            ),
            None,
        )
        if winner is None:
            offered.append(tool)
            continue
        warning = (mount.name, winner.name, tool.name)
        if warning not in state.warned:
            state.warned.add(warning)
            logger.warning(
                "the MCP servers %r and %r both offer the tool %r; %r was mounted later and wins",
                mount.name,
                winner.name,
                tool.name,
                winner.name,
            )
    names = {tool.name for tool in offered}
    for other in state.mounts.values():  # an earlier server offering one of ours must drop it
        if other is not mount and other.order < mount.order and other.names & names:
            other.rerender()
    mount.names = names
    return offered


def MCPResource(server: str, uri: str, children: Any = ()) -> str:
    """The text of the resource `uri` of the mounted `<MCPServer name=server>`, where it stands.

    Read at most once per execution (the server's data may change between executions; within one
    the text stays put), and again when `uri` changes; only the current `uri` is kept. A failed
    read renders a line saying why, emits `mcp_error`, and is read again at the next render; a
    server that is not connected renders a line saying so (its `<MCPServer>` reports the failure)."""
    runtime = use_runtime("MCPResource")
    state = session_mcp(runtime)
    shown = use_ref(cast("tuple[str, str] | None", None))
    key = (server, uri)
    if shown.current is not None and shown.current != key:
        state.resources.pop(shown.current, None)  # cache only the current uri
    shown.current = key
    served = state.by_name(server, f"<MCPResource uri={uri!r}>")
    connection = served.connection
    execution = runtime.tick_state.execution_id if runtime.tick_state is not None else None
    read = state.resources.get(key)
    if read is not None and read.connection is connection and (read.failed or read.execution == execution):
        if read.failed:
            del state.resources[key]  # shown by this render only
        return read.text
    if connection.state != "ready":
        return f"[MCP server {server!r}, resource {uri!r}: {connection.unavailable()}]"
    raise Suspend(_Later(lambda: _read(state, served, server, uri, execution)))


async def _read(state: SessionMCP, served: _Served, server: str, uri: str, execution: str | None) -> None:
    connection = served.connection
    try:
        text = await connection.read_resource(uri, server=server, timeout=served.config.timeout)
    except MCPCallError as error:
        if error.connection_failed:  # reported here, not again by its <MCPServer>
            state.reported[connection] = connection.failures
        state.emit(server, str(error))
        state.resources[server, uri] = _Read(connection, execution, f"[{error}]", failed=True)
        return
    state.resources[server, uri] = _Read(connection, execution, text, failed=False)


def use_mcp_prompt(server: str, name: str, arguments: dict[str, str] | None = None) -> list[Message]:
    """The messages of the prompt `name` of the mounted `<MCPServer name=server>` with `arguments`
    (fetched once per arguments, like `use_data`; the render waits for them). A failure raises
    `MCPCallError` naming the server, the prompt and the server's message, which the renderer
    wraps in a `ComponentError` naming the component; the next render asks again."""
    runtime = use_runtime("use_mcp_prompt")
    state = session_mcp(runtime)
    served = state.by_name(server, f"use_mcp_prompt({name!r})")
    connection = served.connection
    cache = state.prompts.setdefault(connection, {})
    key = (name, _frozen(arguments))
    value = cache.get(key)
    if isinstance(value, MCPCallError):
        del cache[key]  # asked again at the next render
        raise MCPCallError(str(value))
    if value is not None:
        return value
    raise Suspend(_Later(lambda: _prompt(served, server, name, arguments, cache, key)))


async def _prompt(
    served: _Served,
    server: str,
    name: str,
    arguments: dict[str, str] | None,
    cache: dict[Any, list[Message] | MCPCallError],
    key: Any,
) -> None:
    try:
        cache[key] = await served.connection.get_prompt(name, arguments, server=server, timeout=served.config.timeout)
    except MCPCallError as error:
        cache[key] = error


def _frozen(value: object) -> Any:
    """A hashable form of a prop (lists and dicts) for memo dependencies and cache keys."""
    if isinstance(value, dict):
        mapping = cast("dict[object, object]", value)
        return tuple(sorted(((key, _frozen(item)) for key, item in mapping.items()), key=repr))
    if isinstance(value, list | tuple):
        items = cast("Sequence[Any]", value)
        return tuple(_frozen(item) for item in items)
    return value
