"""Session stores: where snapshots live between executions, processes and workers.

`create_app(store=...)` takes `None` (sessions live in memory while they are open; nothing is
saved), a store string (`store_from`: a SQLite path or `sqlite:///` URL, the embedded default for
long-lived apps, or a `postgresql://` URL for several worker processes), `MemoryStore()` (saved
snapshots in this process, e.g. for tests), `PostgresStore(url, ...)`, or any object with async
`save(id, snapshot)`, `load(id)` and `delete(id)` (see `protocol` for the optional parts).

`PostgresStore` is imported on first use, so `import agentick.stores` never imports psycopg.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .memory import MemoryStore
from .protocol import SessionStore
from .sqlite import SqliteStore
from .strings import masked, store_from

if TYPE_CHECKING:
    from .postgres import PostgresStore

__all__ = ["MemoryStore", "PostgresStore", "SessionStore", "SqliteStore", "masked", "store_from"]


def __getattr__(name: str) -> Any:
    if name == "PostgresStore":
        from .postgres import PostgresStore

        return PostgresStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
