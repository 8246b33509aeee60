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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..element import Element, Fragment, h
from ..engine.events import MCPErrorEvent
from ..errors import ToolError
from ..reconciler import Suspend, use_effect, use_force_update, use_memo, use_ref
from ..runtime import AgentRuntime, use_runtime
from ..tools import ExecutableTool
from ..types import Message
from .config import DEFAULT_TIMEOUT, MCPConfigError, ServerConfig
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


class SessionMCP:
    """A session's MCP state: its connection references, mounts and tool caches.

    The session holds at most one pool reference per connection key: taken by the first render
    that needs it, released when the last committed `<MCPServer>` using it unmounts, or when the
    runtime closes (which also covers renders that suspended or failed and never committed)."""

    def __init__(self, runtime: AgentRuntime) -> None:
        self.runtime = runtime
        self.held: dict[tuple[Any, ...], MCPConnection] = {}  # connection key -> the pooled connection
        self.users: dict[tuple[Any, ...], set[str]] = {}  # connection key -> names of committed mounts using it
        self.mounts: dict[str, _Mount] = {}  # by server name
        self.pending: dict[str, MCPConnection] = {}  # servers rendered (maybe still connecting), by name
        self.reported: dict[int, int] = {}  # connection id -> failures already reported in this session
        self.tools: dict[tuple[Any, ...], list[ExecutableTool[Any]]] = {}
        self.warned: set[tuple[str, str, str]] = set()
        self.resources: dict[tuple[int, str], str] = {}  # (connection id, uri) -> text, for <MCPResource>
        self.prompts: dict[Any, list[Message] | MCPCallError] = {}  # use_mcp_prompt results by arguments

    def acquire(self, config: ServerConfig) -> MCPConnection:
        key = config.key(self.runtime.session_id)
        connection = self.held.get(key)
        if connection is None or connection.state == "closed":
            connection = self.held[key] = pool_of(self.runtime.shared).acquire(config, self.runtime.session_id)
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
        pool = pool_of(self.runtime.shared)
        for connection in held.values():
            await pool.release(connection)

    def report(self, connection: MCPConnection) -> None:
        """Emit one `mcp_error` per failure of the connection into this session's execution."""
        if self.reported.get(id(connection), 0) >= connection.failures:
            return
        self.reported[id(connection)] = connection.failures
        self.emit(connection.name, connection.error or "failed")

    def emit(self, server: str, message: str) -> None:
        if self.runtime.emit is not None:
            self.runtime.emit(MCPErrorEvent, server=server, message=message)

    def by_name(self, server: str, what: str) -> MCPConnection:
        """The connection of the session's `<MCPServer name=server>`; the render waits while it connects."""
        connection = self.pending.get(server)
        if connection is not None:
            if connection.state == "connecting":
                raise Suspend(_Later(connection.wait_ready))
            return connection
        names = ", ".join(sorted(self.pending)) or "none"
        raise MCPConfigError(
            f"{what} names the MCP server {server!r}, but no <MCPServer name={server!r}> is "
            f"mounted in this session (mounted: {names})"
        )


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
    exclude: Sequence[str] = (),
    prefix: str = "",
    timeout: float = DEFAULT_TIMEOUT,
    requires_confirmation: bool | Callable[[Any], bool | Awaitable[bool]] = False,
    shared: bool = True,
    children: Any = (),
) -> Element | None:
    """Offer an MCP server's tools while mounted (API.md §14): stdio (`command`, `args`, `env`,
    `cwd`) or streamable HTTP (`url`, `headers`). `include`/`exclude` are glob patterns on the
    server's own tool names, applied before `prefix`; `timeout` (seconds) bounds connecting,
    listing and each call; `shared=False` gives this session a connection of its own."""
    runtime = use_runtime("MCPServer")
    state = session_mcp(runtime)
    config = use_memo(
        lambda: ServerConfig.from_props(
            name, command=command, args=args, env=env, cwd=cwd, url=url, headers=headers, timeout=timeout, shared=shared
        ),
        [name, command, _frozen(args), _frozen(env), cwd, url, _frozen(headers), timeout, shared],
    )
    order = use_ref(0)
    rerender = use_force_update()
    connection = state.acquire(config)
    use_effect(lambda: state.mounted(name, config), [name, config])
    state.pending[name] = connection  # found by <MCPResource>/use_mcp_prompt while it connects
    if connection.reconnect_due():
        connection.open()
    if connection.state == "connecting":
        raise Suspend(_Later(connection.wait_ready))
    if connection.state == "ready" and connection.stale:
        raise Suspend(_Later(connection.refresh))
    if order.current == 0:
        order.current = next(_mount_order)
    mount = state.mounts.get(name)
    if mount is None or mount.connection is not connection:
        mount = state.mounts[name] = _Mount(name, connection, order.current, rerender)
    if connection.state != "ready":
        state.report(connection)
        mount.names = set()
        return None
    if not isinstance(prefix, str):
        raise MCPConfigError(f"<MCPServer name={name!r}>: prefix= must be a string, not {prefix!r}")
    view = (id(connection), connection.listing, _frozen(include), _frozen(exclude), prefix, requires_confirmation)
    tools = state.tools.get(view)
    if tools is None:
        tools = state.tools[view] = _tools(state, connection, include, exclude, prefix, requires_confirmation)
    offered = _resolve_clashes(state, mount, tools)
    return h(Fragment, None, *(h(tool, {"key": tool.name}) for tool in offered))


def _tools(
    state: SessionMCP,
    connection: MCPConnection,
    include: Sequence[str] | None,
    exclude: Sequence[str],
    prefix: str,
    requires_confirmation: Any,
) -> list[ExecutableTool[Any]]:
    """The agent tools for one listing and view: filtered, prefixed, sanitised, unique."""
    tools: list[ExecutableTool[Any]] = []
    taken: set[str] = set()
    for listed in connection.tools:
        original = listed.name
        if include is not None and not any(fnmatch.fnmatchcase(original, pattern) for pattern in include):
            continue
        if any(fnmatch.fnmatchcase(original, pattern) for pattern in exclude):
            continue
        final = _unique(_NAME.sub("_", prefix + original)[:64] or "tool", taken)
        taken.add(final)
        tools.append(
            ExecutableTool(
                name=final,
                description=listed.description or listed.title or "",
                input=dict(listed.input_schema or {"type": "object", "properties": {}}),
                handler=_forward(state, connection, original),
                requires_confirmation=requires_confirmation,
            )
        )
    return tools


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    for number in itertools.count(2):
        suffix = f"_{number}"
        candidate = name[: 64 - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable")


def _forward(state: SessionMCP, connection: MCPConnection, tool: str) -> Callable[[dict[str, Any]], Awaitable[Any]]:
    async def call(arguments: dict[str, Any]) -> Any:
        try:
            return await connection.call_tool(tool, arguments)
        except MCPCallError as error:
            if error.connection_failed:
                state.emit(connection.name, str(error))
                state.reported[id(connection)] = connection.failures  # reported here, not again at render
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
    """The text of the resource `uri` of the mounted `<MCPServer name=server>`, where it stands
    (read once per uri; a failed read renders a line saying so, and emits `mcp_error`)."""
    runtime = use_runtime("MCPResource")
    state = session_mcp(runtime)
    connection = state.by_name(server, f"<MCPResource uri={uri!r}>")
    key = (id(connection), uri)
    text = state.resources.get(key)
    if text is not None:
        return text
    raise Suspend(_Later(lambda: _read(state, connection, uri, key)))


async def _read(state: SessionMCP, connection: MCPConnection, uri: str, key: tuple[int, str]) -> None:
    try:
        state.resources[key] = await connection.read_resource(uri)
    except MCPCallError as error:
        state.emit(connection.name, str(error))
        state.resources[key] = f"[{error}]"


def use_mcp_prompt(server: str, name: str, arguments: dict[str, str] | None = None) -> list[Message]:
    """The messages of the prompt `name` of the mounted `<MCPServer name=server>` with `arguments`
    (fetched once per arguments, like `use_data`; the render waits for them). A failure raises an
    error naming the server and the prompt."""
    runtime = use_runtime("use_mcp_prompt")
    state = session_mcp(runtime)
    connection = state.by_name(server, f"use_mcp_prompt({name!r})")
    key = (id(connection), name, _frozen(arguments))
    value = state.prompts.get(key)
    if isinstance(value, MCPCallError):
        del state.prompts[key]  # asked again at the next render
        raise ToolError(str(value))
    if value is not None:
        return value
    raise Suspend(_Later(lambda: _prompt(connection, name, arguments, key, state.prompts)))


async def _prompt(
    connection: MCPConnection, name: str, arguments: dict[str, str] | None, key: Any, cache: dict[Any, Any]
) -> None:
    try:
        cache[key] = await connection.get_prompt(name, arguments)
    except MCPCallError as error:
        cache[key] = error


def _frozen(value: Any) -> Any:
    """A hashable form of a prop (lists and dicts) for memo dependencies and cache keys."""
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value
