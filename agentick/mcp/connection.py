"""`MCPConnection`: one session with one MCP server, kept open in a background task.

The `mcp` package's clients are async context managers holding task groups, which must be entered
and exited by one task; a connection outlives the render that opened it, so a background task owns
the client (`engine.tasks.start_background`) and calls are made from any task through it.

States: `connecting` → `ready` → `closed` (by `aclose`), or `failed` (could not connect, or found
dead); a failed connection reconnects when `reconnect_due()` says its backoff (1 s doubling to
30 s, on an injectable clock) has expired and a render asks for it. Nothing here raises for a server
failure except the calls (`MCPCallError`); waiting for readiness never raises.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any, Literal, cast

import anyio
import anyio.abc
import pydantic
from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from ..engine.tasks import start_background
from .config import ServerConfig
from .results import MalformedResult, content_blocks, prompt_messages, resource_text

__all__ = ["MAX_BACKOFF", "MIN_BACKOFF", "MCPCallError", "MCPConnection"]

logger = logging.getLogger("agentick")

MIN_BACKOFF = 1.0
MAX_BACKOFF = 30.0
State = Literal["connecting", "ready", "failed", "closed"]


class MCPCallError(Exception):
    """A request to an MCP server failed; the message names the server (and the tool)."""

    def __init__(self, message: str, *, content: Any = None, connection_failed: bool = False) -> None:
        super().__init__(message)
        self.content = content  # the server's own blocks for an `isError` result
        self.connection_failed = connection_failed  # the server died, hung or could not be reached


class MCPConnection:
    """One client session with the server `config` describes (see the module docstring)."""

    def __init__(self, config: ServerConfig, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.name = config.name
        self.clock = clock
        self.state: State = "connecting"
        self.tools: list[Any] = []  # the last listing (mcp_types.Tool)
        self.listing = 0  # bumped by every listing: the tool objects built from it are cached by it
        self.stale = False  # a tools/list_changed arrived: list again at the next render
        self.error: str | None = None
        self.failures = 0  # failed attempts so far (sessions report each one once)
        self.backoff = MIN_BACKOFF
        self.retry_at = 0.0
        self._client: Client | None = None
        self._tasks: set[Any] = set()
        self._stop = anyio.Event()
        self._ready = anyio.Event()
        self._ended = anyio.Event()
        self._ended.set()
        self._refresh: anyio.Event | None = None
        self.attempts = 0  # connection attempts so far: only the first one makes a render wait
        self._watchers: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        return f"<MCPConnection {self.name!r} {self.state}>"

    # --- lifecycle -------------------------------------------------------------------------

    def open(self) -> None:
        """Start connecting in the background (the caller awaits `wait_ready()`)."""
        if not self._ended.is_set():
            return
        self.state = "connecting"
        self.attempts += 1
        self._stop, self._ready, self._ended = anyio.Event(), anyio.Event(), anyio.Event()
        start_background(self._run, self._tasks)

    def watch(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` when a connection attempt settles (ready or failed), e.g. to re-render
        the mounts that did not wait for a reconnect; returns the function that stops watching."""
        self._watchers.append(callback)

        def unwatch() -> None:
            if callback in self._watchers:
                self._watchers.remove(callback)

        return unwatch

    def _settled(self, ready: anyio.Event) -> None:
        if ready.is_set():
            return
        ready.set()
        for callback in list(self._watchers):
            callback()

    def reconnect_due(self) -> bool:
        return self.state == "failed" and self._ended.is_set() and self.clock() >= self.retry_at

    async def wait_ready(self) -> None:
        """Wait until connected and listed, or failed; never raises for a server failure."""
        await self._ready.wait()

    async def aclose(self) -> None:
        """Close the session and wait for its task: a stdio server's process is gone afterwards."""
        if self.state != "failed":
            self.state = "closed"
        self._stop.set()
        await self._ended.wait()
        self.state = "closed"

    async def _run(self) -> None:
        stop, ready, ended = self._stop, self._ready, self._ended
        # One scope around the client's whole life (its task groups must nest inside it): its
        # deadline bounds connecting and listing, then is lifted. `aclose` during that phase
        # cancels it at once (a server that never answers the handshake must not hold it up).
        connecting = anyio.CancelScope(deadline=anyio.current_time() + self.config.timeout)
        try:
            async with anyio.create_task_group() as watcher:
                with connecting:
                    watcher.start_soon(self._stop_connecting, stop, connecting)
                    async with AsyncExitStack() as stack:
                        client = await stack.enter_async_context(await self._client_for(stack))
                        async with anyio.create_task_group() as group:
                            await group.start(self._listen, client)  # subscribed before listing: no change missed
                            await self._list(client)
                            connecting.deadline = math.inf
                            self._client = client
                            self.state = "ready"
                            self.backoff = MIN_BACKOFF
                            self._settled(ready)
                            await stop.wait()
                            group.cancel_scope.cancel()
                watcher.cancel_scope.cancel()
            if connecting.cancelled_caught and self.state == "connecting":
                self._failed(f"it did not connect and list its tools within {self.config.timeout:g}s")
        except Exception as error:
            if self.state in ("connecting", "ready"):
                self._failed(_describe(error))
        finally:
            self._client = None
            if self.state in ("connecting", "ready"):  # cancelled from outside: its event loop is ending
                self.state = "closed"
                self.error = "its event loop ended"
            ended.set()
            self._settled(ready)

    async def _stop_connecting(self, stop: anyio.Event, connecting: anyio.CancelScope) -> None:
        """Cancel the connecting phase when `aclose` asks to stop before the server is ready."""
        await stop.wait()
        if self._client is None:  # not ready yet
            connecting.cancel()

    async def _client_for(self, stack: AsyncExitStack) -> Client:
        config = self.config
        if config.command is not None:
            server: Any = StdioServerParameters(
                command=config.command,
                args=list(config.args),
                env=dict(config.env) if config.env is not None else None,
                cwd=config.cwd,
            )
        else:
            assert config.url is not None
            http = await stack.enter_async_context(create_mcp_http_client(headers=dict(config.headers)))
            server = streamable_http_client(config.url, http_client=http)
        return Client(server, cache=None, message_handler=self._on_message)

    def _failed(self, message: str) -> None:
        """Record a failure: no tools until a later render reconnects after the backoff."""
        if self.config.url is not None:
            message = f"{self.config.url}: {message}"
        self.state = "failed"
        self.error = message
        self.failures += 1
        self.retry_at = self.clock() + self.backoff
        logger.error(
            "MCP server %r (%s) failed: %s; retrying in %gs", self.name, self.config.transport, message, self.backoff
        )
        self.backoff = min(self.backoff * 2, MAX_BACKOFF)
        self._stop.set()

    # --- tools -----------------------------------------------------------------------------

    async def _list(self, client: Client) -> None:
        tools: list[Any] = []
        cursor: str | None = None
        while True:
            page = await client.list_tools(cursor=cursor)
            tools.extend(page.tools)
            cursor = page.next_cursor
            if cursor is None:
                break
        self.tools = tools
        self.listing += 1
        self.stale = False

    async def refresh(self) -> None:
        """List the tools again after a `tools/list_changed`; never raises (a failure is recorded)."""
        if self._refresh is not None:
            await self._refresh.wait()
            return
        self._refresh = done = anyio.Event()
        try:
            client = self._client
            if client is None or self.state != "ready":
                return
            with anyio.fail_after(self.config.timeout):
                await self._list(client)
        except Exception as error:
            self._failed(f"listing its tools failed: {_describe(error)}")
        finally:
            self._refresh = None
            done.set()

    async def _on_message(self, message: Any) -> None:
        """Handshake-era servers send `notifications/tools/list_changed` on the session."""
        if getattr(message, "method", None) == "notifications/tools/list_changed":
            self.stale = True

    async def _listen(self, client: Client, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        """2026-era servers send change events only on a `subscriptions/listen` stream; reports
        started once the server acknowledged it (or when there is none to open)."""
        capabilities = client.server_capabilities.tools
        if client.protocol_version not in MODERN_PROTOCOL_VERSIONS or not (capabilities and capabilities.list_changed):
            task_status.started()
            return
        started = False
        try:
            async with client.listen(tools_list_changed=True) as subscription:
                task_status.started()
                started = True
                async for _event in subscription:
                    self.stale = True
        except Exception as error:  # not supported, or the stream dropped (then calls will tell)
            logger.debug("MCP server %r: no tools/list_changed stream: %r", self.name, error)
        if not started:
            task_status.started()

    # --- requests --------------------------------------------------------------------------

    async def call_tool(
        self, tool: str, arguments: dict[str, Any], *, server: str | None = None, timeout: float | None = None
    ) -> list[Any]:
        """The content blocks of `tool`'s result; `MCPCallError` for an `isError` result (with the
        server's blocks), a malformed one, a dead server or a call past the timeout. `server` and
        `timeout` are the calling mount's (mounts sharing a connection keep their own)."""
        where = f"MCP server {server or self.name!r}, tool {tool!r}"
        result = await self._request(lambda client: client.call_tool(tool, arguments), where, timeout)
        try:
            blocks = content_blocks(result, where)
        except MalformedResult as error:
            raise MCPCallError(str(error)) from None
        if result.is_error:
            raise MCPCallError(f"{where} returned an error", content=blocks)
        return blocks

    async def read_resource(self, uri: str, *, server: str | None = None, timeout: float | None = None) -> str:
        where = f"MCP server {server or self.name!r}, resource {uri!r}"
        result = await self._request(lambda client: client.read_resource(uri), where, timeout)
        return resource_text(result.contents, where)

    async def get_prompt(
        self, name: str, arguments: dict[str, str] | None, *, server: str | None = None, timeout: float | None = None
    ) -> list[Any]:
        where = f"MCP server {server or self.name!r}, prompt {name!r}"
        result = await self._request(lambda client: client.get_prompt(name, arguments), where, timeout)
        try:
            return prompt_messages(result, where)
        except MalformedResult as error:
            raise MCPCallError(str(error)) from None

    async def ping(self, timeout: float | None = None) -> bool:
        """Whether the server answers within the timeout (a tools/list on 2026-era servers, which
        have no ping)."""
        client = self._client
        if client is None or self.state != "ready":
            return False
        try:
            with anyio.fail_after(timeout or self.config.timeout):
                if client.protocol_version in MODERN_PROTOCOL_VERSIONS:
                    await client.list_tools()
                else:
                    await client.session.send_ping()
        except Exception:
            return False
        return True

    def unavailable(self) -> str:
        """Why requests cannot be sent now (the connection is not ready)."""
        if self.state == "connecting":
            return "the server is still connecting"
        if self.state == "closed":
            return f"the connection is closed ({self.error})" if self.error else "the connection is closed"
        return f"the server is not connected: {self.error}" if self.error else "the server is not connected"

    async def _request(self, send: Callable[[Client], Any], where: str, timeout: float | None) -> Any:
        """Run one request, bounded by the timeout and raced against the connection's end (a
        server that dies fails the request at once)."""
        limit = timeout or self.config.timeout
        client, ended = self._client, self._ended
        if client is None or self.state != "ready":
            raise MCPCallError(f"{where} failed: {self.unavailable()}", connection_failed=True)
        outcome: list[Any] = []

        async def request(scope: anyio.CancelScope) -> None:
            try:
                outcome.append(("ok", await send(client)))
            except Exception as error:
                outcome.append(("error", error))
            scope.cancel()

        async def watch(scope: anyio.CancelScope) -> None:
            await ended.wait()
            scope.cancel()

        with anyio.move_on_after(limit) as deadline:
            async with anyio.create_task_group() as group:
                group.start_soon(request, group.cancel_scope)
                group.start_soon(watch, group.cancel_scope)
        if outcome and outcome[0][0] == "ok":
            return outcome[0][1]
        if outcome:
            error = outcome[0][1]
            if isinstance(error, pydantic.ValidationError):
                raise MCPCallError(f"{where} returned a malformed result: {_first_line(error)}")
            if isinstance(error, MCPError) and error.code != -32000:  # the server answered with an error
                raise MCPCallError(f"{where} failed: {error}")
            if self.state == "ready":
                self._failed(f"the connection was lost: {_describe(error)}")
            await ended.wait()  # the transport has shut down (a stdio server's process is reaped)
            raise MCPCallError(
                f"{where} failed: the server connection was lost ({_describe(error)})", connection_failed=True
            )
        if deadline.cancelled_caught:
            if not await self.ping(limit) and self.state == "ready":
                self._failed(f"no answer within {limit:g}s, and it does not answer a ping")
            raise MCPCallError(f"{where} did not answer within {limit:g}s", connection_failed=True)
        raise MCPCallError(f"{where} failed: {self.unavailable()}", connection_failed=True)


def _describe(caught: BaseException) -> str:
    """The one error inside (nested) single-error groups, as text."""
    error: BaseException = caught
    while isinstance(error, BaseExceptionGroup):
        nested = cast("tuple[BaseException, ...]", error.exceptions)  # pyright: ignore[reportUnknownMemberType]
        if len(nested) != 1:
            break
        error = nested[0]
    return _text(error)  # pyright: ignore[reportUnknownArgumentType]


def _text(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "it did not answer in time"
    return f"{type(error).__name__}: {str(error) or type(error).__name__}"


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0]
