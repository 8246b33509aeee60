"""`MemoryStore`: saved snapshots in this process, for tests and short-lived apps."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MemoryStore"]


class MemoryStore:
    """Snapshots in this process's memory, stored as JSON text so later changes cannot leak in."""

    def __init__(self) -> None:
        self._rows: dict[str, str] = {}

    async def save(self, id: str, snapshot: dict[str, Any]) -> None:
        self._rows[id] = json.dumps(snapshot)

    async def load(self, id: str) -> dict[str, Any] | None:
        row = self._rows.get(id)
        return json.loads(row) if row is not None else None

    async def exists(self, id: str) -> bool:
        return id in self._rows

    async def delete(self, id: str) -> None:
        self._rows.pop(id, None)
