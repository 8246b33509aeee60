"""Session stores: where snapshots live between executions and processes.

`create_app(store=...)` takes `None` (sessions live in memory while they are open; nothing is
saved), a store string (a SQLite path or URL, the embedded default for long-lived apps; see
`store_from`), `MemoryStore()` (saved snapshots in this process, e.g. for tests), or any object
with async `save(id, snapshot)`, `load(id)` and `delete(id)`.
"""

from __future__ import annotations

import json
import os
import re
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

    async def delete(self, id: str) -> None:
        await anyio.to_thread.run_sync(self._run, "DELETE FROM agentick_sessions WHERE session_id = ?", (id,))

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def store_from(store: Any) -> Any:
    """The store `create_app(store=...)` asked for: `None`, a store string or `Path`, or a store object."""
    if store is None:
        return None
    if isinstance(store, Path):
        return SqliteStore(store)
    if isinstance(store, str):
        return _store_from_string(store)
    if all(callable(getattr(store, name, None)) for name in ("save", "load", "delete")):
        return store
    raise TypeError(
        f"store must be None, a SQLite path or store URL, or an object with async save/load/delete, "
        f"not {type(store).__name__}"
    )


_SUPPORTED = "a file path, sqlite:///relative.db, sqlite:////absolute.db, postgresql:// or postgres://"


def _store_from_string(text: str) -> SqliteStore:
    """Parse a store string: the scheme is the text before `://` (compared case-insensitively, as
    URL schemes are). No `://` is a plain SQLite path; `sqlite:` URLs follow SQLAlchemy's
    convention (three slashes then a path relative to the working directory, four for an
    absolute one). Nothing is created for a string that is refused."""
    scheme, separator, rest = text.partition("://")
    if not separator:
        return SqliteStore(text)
    kind = scheme.lower()
    shown = masked(text)
    if kind == "sqlite":
        if rest in ("", "/"):
            raise ValueError(
                f"store={shown!r}: the sqlite URL names no file; write sqlite:///relative.db or "
                "sqlite:////absolute/path.db (for sessions kept in memory, use store=None or MemoryStore())"
            )
        if not rest.startswith("/"):
            raise ValueError(
                f"store={shown!r}: a sqlite URL has no host; write sqlite:///relative.db (relative to the "
                "working directory) or sqlite:////absolute/path.db"
            )
        path = rest[1:]
        if "?" in path:
            raise ValueError(f"store={shown!r}: sqlite URLs take no query parameters here")
        return SqliteStore(path)
    if kind in ("postgresql", "postgres"):
        raise NotImplementedError(
            f"store={shown!r}: PostgreSQL stores are not implemented yet in this version of agentick; "
            "use a SQLite path or sqlite:/// URL, or pass an object with async save/load/delete"
        )
    raise ValueError(f"store={shown!r}: unknown store scheme {scheme!r}; supported: {_SUPPORTED}")


_SECRET_PARAMETER = re.compile(r"(?i)([?&][^=&#]*(?:password|secret|token)[^=&#]*=)[^&#]*")


def masked(url: str) -> str:
    """`url` with its password (`user:password@` and `password=` query parameters) replaced by
    `***`, for error messages and logs. Errs towards hiding: everything up to the last `@` counts
    as user information."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url
    user_info, at, after = rest.rpartition("@")
    if at:
        user, colon, _ = user_info.partition(":")
        rest = f"{user}:***@{after}" if colon else rest
    return f"{scheme}://" + _SECRET_PARAMETER.sub(r"\1***", rest)
