"""Session stores: where snapshots live between executions and processes.

`create_app(store=...)` takes `None` (sessions live in memory while they are open; nothing is
saved), a path string (SQLite, the embedded default for long-lived apps), `MemoryStore()` (saved
snapshots in this process, e.g. for tests), or any object with async `save(id, snapshot)`,
`load(id)` and `delete(id)`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import anyio

from ..errors import PersistenceError

__all__ = ["MemoryStore", "SessionStore", "SqliteStore", "store_from"]


@runtime_checkable
class SessionStore(Protocol):
    async def save(self, id: str, snapshot: dict[str, Any]) -> None: ...

    async def load(self, id: str) -> dict[str, Any] | None: ...

    async def delete(self, id: str) -> None: ...


class MemoryStore:
    """Snapshots in this process's memory, stored as JSON text so later changes cannot leak in."""

    def __init__(self) -> None:
        self._rows: dict[str, str] = {}

    async def save(self, id: str, snapshot: dict[str, Any]) -> None:
        self._rows[id] = json.dumps(snapshot)

    async def load(self, id: str) -> dict[str, Any] | None:
        row = self._rows.get(id)
        return json.loads(row) if row is not None else None

    async def delete(self, id: str) -> None:
        self._rows.pop(id, None)


class SqliteStore:
    """One row per session in a SQLite file (WAL mode), written in a worker thread.

    Each save is a single UPSERT in its own transaction, so a crash mid-write leaves the previous
    snapshot intact.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS agentick_sessions ("
                "session_id TEXT PRIMARY KEY, snapshot TEXT NOT NULL, updated_at REAL NOT NULL)"
            )
            self._connection = connection
        return self._connection

    def _run(self, sql: str, parameters: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._connect().execute(sql, parameters).fetchall()
            except sqlite3.Error as error:
                raise PersistenceError(f"session store {self.path}: {error}") from error

    async def save(self, id: str, snapshot: dict[str, Any]) -> None:
        text = json.dumps(snapshot)
        await anyio.to_thread.run_sync(
            self._run,
            "INSERT INTO agentick_sessions (session_id, snapshot, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(session_id) DO UPDATE SET snapshot = excluded.snapshot, updated_at = excluded.updated_at",
            (id, text, time.time()),
        )

    async def load(self, id: str) -> dict[str, Any] | None:
        rows = await anyio.to_thread.run_sync(
            self._run, "SELECT snapshot FROM agentick_sessions WHERE session_id = ?", (id,)
        )
        if not rows:
            return None
        try:
            snapshot: dict[str, Any] = json.loads(rows[0][0])
        except json.JSONDecodeError as error:
            raise PersistenceError(f"session store {self.path}: the snapshot of {id!r} is not JSON") from error
        return snapshot

    async def delete(self, id: str) -> None:
        await anyio.to_thread.run_sync(self._run, "DELETE FROM agentick_sessions WHERE session_id = ?", (id,))

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def store_from(store: Any) -> Any:
    if store is None:
        return None
    if isinstance(store, str | Path):
        return SqliteStore(store)
    if all(callable(getattr(store, name, None)) for name in ("save", "load", "delete")):
        return store
    raise TypeError(
        f"store must be None, a SQLite path, or an object with async save/load/delete, not {type(store).__name__}"
    )
