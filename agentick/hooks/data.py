"""`use_data`: async data in a synchronous render.

The first render that needs a key starts the fetch and suspends; the compile loop awaits it and
renders again, so the model never sees a half-loaded tree. Values are cached per session by key
until `deps` change or `use_invalidate_data()` drops them, and JSON-serialisable values are saved
in snapshots.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio

from ..reconciler import Suspend, use_effect, use_force_update
from ..runtime import AgentRuntime, use_runtime

__all__ = ["DataStore", "use_data", "use_invalidate_data"]

T = TypeVar("T")


@dataclass(slots=True)
class DataEntry:
    value: Any
    deps: tuple[Any, ...] | None


class _Fetch:
    """One in-flight fetch; every render suspended on the key awaits the same one."""

    __slots__ = ("_done", "_error", "_finished", "_started", "deps", "fetcher", "key", "store")

    def __init__(self, store: DataStore, key: str, fetcher: Callable[[], Awaitable[Any]], deps: Any) -> None:
        self.store = store
        self.key = key
        self.fetcher = fetcher
        self.deps = deps
        self._started = False
        self._finished = False
        self._done: anyio.Event | None = None  # created only when a second waiter has to wait
        self._error: BaseException | None = None

    def __await__(self) -> Any:
        return self.wait().__await__()

    async def wait(self) -> None:
        if self._started:
            if not self._finished:
                if self._done is None:
                    self._done = anyio.Event()
                await self._done.wait()
            if self._error is not None:
                raise self._error
            return
        self._started = True
        try:
            value = await self.fetcher()
        except BaseException as error:
            self._error = error
            raise
        else:
            self.store.entries[self.key] = DataEntry(value, self.deps)
        finally:
            self._finished = True
            if self.store.pending.get(self.key) is self:
                del self.store.pending[self.key]
            if self._done is not None:
                self._done.set()


class DataStore:
    """The per-session cache behind `use_data`."""

    def __init__(self) -> None:
        self.entries: dict[str, DataEntry] = {}
        self.pending: dict[str, _Fetch] = {}
        self.consumers: dict[str, dict[int, Callable[[], None]]] = {}

    def invalidate(self, pattern: str | re.Pattern[str] | Callable[[str], bool]) -> list[str]:
        if isinstance(pattern, str):
            keys = [pattern] if pattern in self.entries else []
        elif isinstance(pattern, re.Pattern):
            keys = [key for key in self.entries if pattern.search(key)]
        else:
            keys = [key for key in self.entries if pattern(key)]
        for key in keys:
            del self.entries[key]
            for rerender in list(self.consumers.get(key, {}).values()):
                rerender()
        return keys


def data_store(runtime: AgentRuntime) -> DataStore:
    store: DataStore = runtime.extension("data", DataStore)
    return store


def use_data(key: str, fetcher: Callable[[], Awaitable[T]], deps: Sequence[Any] | None = None) -> T:
    """The value of `await fetcher()`, fetched once per session and cached under `key` until `deps`
    change. The render waits for it (the model never sees a missing value)."""
    runtime = use_runtime("use_data")
    store = data_store(runtime)
    rerender = use_force_update()

    def subscribe() -> Any:
        consumers = store.consumers.setdefault(key, {})
        consumers[id(rerender)] = rerender
        return lambda: consumers.pop(id(rerender), None)

    use_effect(subscribe, [key])
    wanted = tuple(deps) if deps is not None else None
    entry = store.entries.get(key)
    if entry is not None and (wanted is None or entry.deps == wanted):
        return entry.value  # type: ignore[no-any-return]
    fetch = store.pending.get(key)
    if fetch is None or fetch.deps != wanted:
        fetch = store.pending[key] = _Fetch(store, key, fetcher, wanted)
    raise Suspend(fetch)


def use_invalidate_data() -> Callable[[str | re.Pattern[str] | Callable[[str], bool]], list[str]]:
    """`invalidate(pattern)`: drop cached `use_data` values (a key, a compiled regex or a predicate);
    their components fetch again in the next pass. Returns the dropped keys."""
    runtime = use_runtime("use_invalidate_data")
    store = data_store(runtime)

    def invalidate(pattern: str | re.Pattern[str] | Callable[[str], bool]) -> list[str]:
        keys = store.invalidate(pattern)
        if keys:
            runtime.com.request_recompile()
        return keys

    return invalidate
