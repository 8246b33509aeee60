"""`MCPPool`: the connections of one owner (an app, or a standalone compile), shared by key.

One connection per connection key per event loop, reference counted by the sessions that mount
it: opened on the first acquire, closed when the last reference is released or the owner closes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import sniffio

from .config import ServerConfig
from .connection import MCPConnection

__all__ = ["MCPPool", "pool_of"]


class MCPPool:
    """Connections by (event loop, key), with their reference counts."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._connections: dict[tuple[Any, ...], MCPConnection] = {}
        self._users: dict[int, int] = {}

    def acquire(self, config: ServerConfig, session_id: str) -> MCPConnection:
        """The connection for `config` (opened now if it is new); the caller must `release` it."""
        key = (_loop(), *config.key(session_id))
        connection = self._connections.get(key)
        if connection is None or connection.state == "closed":
            connection = self._connections[key] = MCPConnection(config, clock=self.clock)
            connection.open()
        self._users[id(connection)] = self._users.get(id(connection), 0) + 1
        return connection

    async def release(self, connection: MCPConnection) -> None:
        """Drop one reference; the last one closes the connection."""
        users = self._users.get(id(connection), 0) - 1
        if users > 0:
            self._users[id(connection)] = users
            return
        self._users.pop(id(connection), None)
        for key, value in list(self._connections.items()):
            if value is connection:
                del self._connections[key]
        await connection.aclose()

    @property
    def connections(self) -> list[MCPConnection]:
        return list(self._connections.values())

    async def aclose(self) -> None:
        """Close every connection of the running event loop (the others belong to other loops)."""
        loop = _loop()
        for key, connection in list(self._connections.items()):
            if key[0] == loop:
                del self._connections[key]
                self._users.pop(id(connection), None)
                await connection.aclose()


def _loop() -> Any:
    """The running event loop's identity: connections never cross loops."""
    if sniffio.current_async_library() == "trio":
        import trio

        return id(trio.lowlevel.current_root_task())
    import asyncio

    return id(asyncio.get_running_loop())


def pool_of(shared: dict[str, Any]) -> MCPPool:
    """The pool kept in an owner's shared objects (`App.extensions`), created on first use."""
    pool = shared.get("mcp")
    if pool is None:
        pool = shared["mcp"] = MCPPool()
    assert isinstance(pool, MCPPool)
    return pool
