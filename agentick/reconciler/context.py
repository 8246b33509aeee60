"""Contexts: values provided by an ancestor (`<Ctx.Provider value=...>`) and read with `use_context`."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from .fiber import Fiber, Provider
from .hooks import Hook, _slot, current_component

__all__ = ["Context", "create_context", "use_context"]

T = TypeVar("T")


class Context(Generic[T]):
    """A value channel through the tree. `default` is what `use_context` returns with no provider."""

    __slots__ = ("Provider", "default", "name")

    def __init__(self, default: T, name: str | None = None) -> None:
        self.default = default
        self.name = name or "Context"
        self.Provider = Provider(self)

    @property
    def __name__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<Context {self.name}>"


def create_context(default: T = None, name: str | None = None) -> Context[T]:  # type: ignore[assignment]
    """Create a context; `<ctx.Provider value=...>` provides a value to every `use_context(ctx)` below."""
    return Context(default, name)


class ContextHook(Hook):
    __slots__ = ()
    hook_name = "use_context"


_CONTEXT_HOOK = ContextHook()


def use_context(context: Context[T]) -> T:
    """The value of the nearest `context.Provider` above the calling component (else the default).

    The component re-renders when that provider's value changes, even below a `memo` boundary.
    """
    dispatch = current_component("use_context")
    if _slot(dispatch, ContextHook, "use_context") is None:
        dispatch.fiber.hooks.append(_CONTEXT_HOOK)
    fiber = dispatch.fiber
    contexts = fiber.contexts
    if contexts is None:
        contexts = fiber.contexts = set()
    contexts.add(context)
    provider = fiber.providers.get(context)
    if provider is None:
        return context.default
    return provider_value(provider)  # type: ignore[no-any-return]


def provider_value(provider: Fiber) -> Any:
    """The value a provider fiber provides during the render in progress."""
    return provider.current_element().props.get("value")
