"""`use_com_state`: session state that survives ticks and executions and is saved in snapshots."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from ..reconciler import use_effect, use_force_update, use_memo
from ..runtime import SessionCom, use_runtime

__all__ = ["StateCell", "use_com_state"]

T = TypeVar("T")


class StateCell(Generic[T]):
    """A live view of one COM state key: `.value`, `.set(value_or_fn)`, `.update(fn)`, `cell()`.

    Reads always see the current value (also inside tool handlers and tick hooks); setting it
    re-renders the components that use the key in the next compile pass.
    """

    __slots__ = ("_com", "_default", "key")

    def __init__(self, com: SessionCom, key: str, default: T) -> None:
        self._com = com
        self.key = key
        self._default = default

    @property
    def value(self) -> T:
        return self._com.state.get(self.key, self._default)  # type: ignore[no-any-return]

    def __call__(self) -> T:
        return self.value

    def set(self, value: T | Callable[[T], T]) -> None:
        self._com.set_state(self.key, value(self.value) if callable(value) else value)

    def update(self, fn: Callable[[T], T]) -> None:
        self._com.set_state(self.key, fn(self.value))

    def __repr__(self) -> str:
        return f"StateCell({self.key!r}, {self.value!r})"


def use_com_state(key: str, default: T, persist: bool = True) -> StateCell[T]:
    """Session state under `key` (shared by every component using the key). Persisted in snapshots
    and restored with the session unless `persist=False`."""
    runtime = use_runtime("use_com_state")
    com = runtime.com
    if key not in com.state:
        com.state[key] = default
    if persist:
        runtime.transient_state.discard(key)
    else:
        runtime.transient_state.add(key)
    force = use_force_update()
    use_effect(lambda: com.subscribe(key, force), [key])
    return use_memo(lambda: StateCell(com, key, default), [key])
