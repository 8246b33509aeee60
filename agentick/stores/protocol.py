"""What the engine asks of a session store, and which optional parts a store has (API.md §16).

Every store has async `save(id, snapshot)`, `load(id)` and `delete(id)`. A store for several
worker processes adds two things the engine then uses:

- `save(id, snapshot, expected_revision=...)` returning the new revision: the save happens only
  while the stored revision is still `expected_revision` (0 = none stored), so it never
  overwrites a newer snapshot; `load` then returns the snapshot with its `"revision"`.
- `lease(id, ttl, wait)`: an async context manager owning the session while an execution runs,
  yielding an object whose `revision` is the stored revision when the lease was taken. The
  store's `lease_ttl` and `lease_wait` attributes (default 30 and 10 seconds) are used. A lease
  that can be lost (it expired and another worker took it) has an `on_lost` attribute: the
  engine sets it to a callback that stops the execution holding the lease, which then saves
  nothing; the store calls it once it finds the lease lost.

Any store may also have `exists(id)`: whether a snapshot of `id` is stored, without reading it
(the server asks before every send; a long history is not loaded just to answer that).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "DEFAULT_LEASE_TTL",
    "DEFAULT_LEASE_WAIT",
    "Lease",
    "SessionStore",
    "is_stored",
    "lease_of",
    "leases",
    "saves_revisions",
]

DEFAULT_LEASE_TTL = 30.0
DEFAULT_LEASE_WAIT = 10.0


@runtime_checkable
class SessionStore(Protocol):
    async def save(self, id: str, snapshot: dict[str, Any]) -> None: ...

    async def load(self, id: str) -> dict[str, Any] | None: ...

    async def delete(self, id: str) -> None: ...


class Lease(Protocol):
    """What `store.lease(...)` yields: the stored revision when it was acquired (0 if none)."""

    @property
    def revision(self) -> int: ...


def saves_revisions(store: Any) -> bool:
    """Whether `store.save` takes `expected_revision=` (checked once per app, not per save)."""
    try:
        parameters = inspect.signature(store.save).parameters
    except (TypeError, ValueError):
        return False
    return "expected_revision" in parameters


async def is_stored(store: Any, id: str) -> bool:
    """Whether `store` holds a snapshot of `id`: its `exists(id)` when it has one, else a `load`."""
    exists: Callable[[str], Awaitable[Any]] | None = getattr(store, "exists", None)
    if exists is not None:
        return bool(await exists(id))
    return await store.load(id) is not None


def leases(store: Any) -> bool:
    return callable(getattr(store, "lease", None))


def lease_of(store: Any, id: str) -> AbstractAsyncContextManager[Lease]:
    """`store.lease(id, ttl, wait)` with the store's own `lease_ttl` and `lease_wait`."""
    ttl = float(getattr(store, "lease_ttl", DEFAULT_LEASE_TTL))
    wait = float(getattr(store, "lease_wait", DEFAULT_LEASE_WAIT))
    lease: AbstractAsyncContextManager[Lease] = store.lease(id, ttl, wait)
    return lease
