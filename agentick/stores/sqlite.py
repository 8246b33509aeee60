"""`SqliteStore`: the embedded store, one row per session in a SQLite file."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import anyio

from ..errors import PersistenceError

__all__ = ["SqliteStore"]


class SqliteStore:
    """One row per session in a SQLite file (WAL mode), written in a worker thread.

    Each save is a single UPSERT in its own transaction, so a crash mid-write leaves the previous
    snapshot intact.
    """

    def __init__(self, path: str | Path) -> None:
        # A relative path is relative to the working directory when the store is made, not to
        # whichever one is current at the first save.
        self.path = str(path) if str(path) == ":memory:" else os.path.abspath(path)
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

    async def exists(self, id: str) -> bool:
        """Whether a snapshot of `id` is stored (without reading it)."""
        rows = await anyio.to_thread.run_sync(self._run, "SELECT 1 FROM agentick_sessions WHERE session_id = ?", (id,))
        return bool(rows)

    async def delete(self, id: str) -> None:
        await anyio.to_thread.run_sync(self._run, "DELETE FROM agentick_sessions WHERE session_id = ?", (id,))

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
