"""`MCPPool`: the connections of one owner (an app, or a standalone compile), shared by key.

One connection per connection key per event loop, reference counted by the sessions that mount
it: opened on the first acquire, closed when the last reference is released or the owner closes.
An app can outlive an event loop (two `asyncio.run` calls): the pool knows each loop only through
a weak reference, and forgets a loop's connections once that loop has ended (its tasks, and so
the connections' own, were cancelled with it).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sniffio

from .config import ServerConfig
from .connection import MCPConnection

__all__ = ["MCPPool", "pool_of"]


@dataclass(eq=False)
class _Loop:
    """The connections opened in one event loop, with their reference counts."""

    loop: weakref.ref[Any]
    ended: Callable[[], bool]
    connections: dict[tuple[Any, ...], MCPConnection] = field(default_factory=dict[tuple[Any, ...], MCPConnection])
    users: dict[MCPConnection, int] = field(default_factory=dict[MCPConnection, int])


class MCPPool:
    """Connections by (event loop, key), with their reference counts."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._loops: list[_Loop] = []

    def acquire(self, config: ServerConfig, session_id: str) -> MCPConnection:
        """The connection for `config` (opened now if it is new); the caller must `release` it."""
        loop = self._current()
        key = config.key(session_id)
        connection = loop.connections.get(key)
        if connection is None or connection.state == "closed":
            connection = loop.connections[key] = MCPConnection(config, clock=self.clock)
            connection.open()
        loop.users[connection] = loop.users.get(connection, 0) + 1
        return connection

    def owns(self, connection: MCPConnection) -> bool:
        """Whether `connection` is a live connection of the running event loop (one kept from an
        ended loop, or closed, must be acquired again)."""
        loop = self._current()
        return connection.state != "closed" and connection in loop.users

    async def release(self, connection: MCPConnection) -> None:
        """Drop one reference; the last one closes the connection."""
        for loop in self._loops:
            users = loop.users.get(connection)
            if users is None:
                continue
            if users > 1:
                loop.users[connection] = users - 1
                return
            del loop.users[connection]
            for key, value in list(loop.connections.items()):
                if value is connection:
                    del loop.connections[key]
            break
        await connection.aclose()

    @property
    def connections(self) -> list[MCPConnection]:
        """The connections of the event loops still running."""
        self._forget_ended()
        return [connection for loop in self._loops for connection in loop.connections.values()]

    async def aclose(self) -> None:
        """Close every connection of the running event loop (an ended loop's ended with it)."""
        loop = self._current()
        connections = list(loop.connections.values())
        loop.connections.clear()
        loop.users.clear()
        for connection in connections:
            await connection.aclose()

    def _current(self) -> _Loop:
        """The running event loop's entry (created on first use); ended loops are forgotten."""
        self._forget_ended()
        running, ended = _running_loop()
        for loop in self._loops:
            if loop.loop() is running:
                return loop
        entry = _Loop(weakref.ref(running), ended)
        self._loops.append(entry)
        return entry

    def _forget_ended(self) -> None:
        self._loops = [loop for loop in self._loops if not loop.ended()]


def _running_loop() -> tuple[Any, Callable[[], bool]]:
    """The running event loop (asyncio's loop, trio's run token) and a test for its end. Both are
    weakly referenced: the pool never keeps a finished loop alive, nor mistakes a new one for it."""
    if sniffio.current_async_library() == "trio":
        import trio

        token = trio.lowlevel.current_trio_token()
        reference = weakref.ref(token)

        def trio_ended() -> bool:
            current = reference()
            if current is None:
                return True
            try:
                current.run_sync_soon(_nothing)
            except trio.RunFinishedError:
                return True
            return False

        return token, trio_ended
    import asyncio

    running = asyncio.get_running_loop()
    loop_reference = weakref.ref(running)

    def asyncio_ended() -> bool:
        current = loop_reference()
        return current is None or current.is_closed()

    return running, asyncio_ended


def _nothing() -> None:
    """Scheduled on a trio run to learn whether it still runs."""


def pool_of(shared: dict[str, Any]) -> MCPPool:
    """The pool kept in an owner's shared objects (`App.extensions`), created on first use."""
    pool = shared.get("mcp")
    if pool is None:
        pool = shared["mcp"] = MCPPool()
    assert isinstance(pool, MCPPool)
    return pool
