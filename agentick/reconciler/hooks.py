"""React-style hooks: positional per-component slots with a rules-of-hooks check.

Each call of a hook during a render takes the next slot of the rendering component's fiber. The
current render lives in a `contextvars` variable, so two sessions rendering concurrently (or a
render nested inside another) never see each other's components. A task or thread started during
a render inherits a copy of that variable, so the render record itself says whether the render is
still running (`Dispatch.done`): once it returned, hooks called from such a task raise and state
updates made there are scheduled like any other update. Values computed during a render are pending
until the commit; a render that raises leaves every hook as it was.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from types import FrameType
from typing import Any, Generic, TypeVar, cast

from ..errors import HookError
from ..user_code import in_package, is_user_code
from .fiber import STATE, UNSET, Fiber, schedule

__all__ = [
    "Dispatch",
    "Ref",
    "Suspend",
    "current_component",
    "rendering_component",
    "use_callback",
    "use_effect",
    "use_force_update",
    "use_latest",
    "use_memo",
    "use_reducer",
    "use_ref",
    "use_slot",
    "use_state",
]

T = TypeVar("T")
S = TypeVar("S")
A = TypeVar("A")


class Dispatch:
    """The render in progress: which fiber, which hook slot comes next, what the commit must do."""

    __slots__ = ("done", "effects", "fiber", "index", "mounting", "rerender", "work")

    def __init__(self, fiber: Fiber, work: Any, mounting: bool) -> None:
        self.fiber = fiber
        self.work = work  # the pass's work record: hooks with pending values go to work.commits
        self.mounting = mounting
        self.index = 0
        self.rerender = False
        self.effects: list[EffectHook] = []
        self.done = False  # set when the component function returned (copies of CURRENT outlive it)


CURRENT: ContextVar[Dispatch | None] = ContextVar("agentick_current_render", default=None)


def rendering_component() -> Any:
    """The element type (component) whose function is running right now, or None outside a render.

    For code that behaves differently when it is itself being rendered, such as a class that is
    also a component. A task or thread started during a render does not count as rendering.
    """
    dispatch = CURRENT.get()
    if dispatch is None or dispatch.done:
        return None
    return dispatch.fiber.type


class Suspend(BaseException):
    """Raised by a hook that cannot produce its value yet (e.g. `use_data` waiting for a fetch).

    The reconciler keeps the suspended component's previous output, records `awaitable` on the
    root (`root.suspended`) and re-renders the component at the next pass. It derives from
    BaseException so that `except Exception` in component code does not swallow it.
    """

    def __init__(self, awaitable: Awaitable[Any]) -> None:
        super().__init__("render suspended")
        self.awaitable = awaitable


def current_component(hook: str) -> Dispatch:
    """The render in progress, or HookError when called outside a render.

    The error names the hook the user called (the agentick function called from outside the
    package, e.g. `use_on_tick_end` rather than the `use_context` it calls) and the file and line
    of that call; `hook` is the fallback name.
    """
    dispatch = CURRENT.get()
    if dispatch is None or dispatch.done:
        called, site = hook_call_site(sys._getframe(1))
        where = f" (at {site})" if site else ""
        raise HookError(
            f"{called or hook}() was called outside a component render{where}; hooks can only be called "
            "while a component function runs (at its top level, unconditionally, in the same order every "
            "render)"
        )
    return dispatch


# --- where the hook was called ------------------------------------------------------------------


def hook_call_site(frame: FrameType | None) -> tuple[str | None, str | None]:
    """`(hook, "file:line")` for a hook call whose innermost frame is `frame`.

    The hook is the agentick function that code outside the package called; the site is the first
    frame in user code outside agentick (else the first frame outside agentick).
    """
    hook: str | None = None
    outside: str | None = None
    while frame is not None:
        filename = frame.f_code.co_filename
        if in_package(filename):
            if outside is None:
                hook = frame.f_code.co_name
        else:
            site = f"{filename}:{frame.f_lineno}"
            if is_user_code(filename):
                return hook, site
            if outside is None:
                outside = site
        frame = frame.f_back
    return hook, outside


class Hook:
    """A hook slot. Subclasses keep pending values until `commit`; `unmount` releases resources."""

    __slots__ = ()
    hook_name = "hook"

    def commit(self) -> None:
        pass

    def discard(self) -> None:
        pass

    def unmount(self) -> list[BaseException]:
        return []


def _slot(dispatch: Dispatch, cls: type[T], name: str) -> T | None:
    """The existing slot for this hook call, or None when mounting (the caller appends a new one)."""
    index = dispatch.index
    dispatch.index = index + 1
    if dispatch.mounting:
        return None
    hooks = dispatch.fiber.hooks
    if index >= len(hooks):
        raise HookError(
            f"{dispatch.fiber.name} called more hooks than during its previous render ({name}() is hook "
            f"#{index + 1}); hooks must be called unconditionally and in the same order every render"
        )
    hook = hooks[index]
    if type(hook) is not cls:
        raise HookError(
            f"the order of hooks changed in {dispatch.fiber.name}: hook #{index + 1} was "
            f"{hook.hook_name}() during the previous render and is {name}() now; hooks must be called "
            "unconditionally and in the same order every render"
        )
    return hook


def _same_deps(old: Sequence[Any] | None, new: Sequence[Any] | None) -> bool:
    if old is None or new is None or len(old) != len(new):
        return False
    return all(not (a is not b and a != b) for a, b in zip(old, new, strict=True))


# --- state --------------------------------------------------------------------------------------


class _Eager:
    """An update whose result was computed when it was queued (the queue was empty then)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class StateHook(Hook):
    """Backs `use_state` and `use_reducer`: a committed value plus a queue of updates."""

    __slots__ = ("consumed", "dispatch", "fiber", "pending", "queue", "reducer", "value")
    hook_name = "use_state"

    def __init__(self, value: Any, fiber: Fiber, reducer: Callable[[Any, Any], Any] | None) -> None:
        self.value = value
        self.fiber: Fiber | None = fiber
        self.reducer = reducer
        self.queue: list[Any] = []
        self.pending: Any = UNSET
        self.consumed = 0
        self.dispatch = self._update  # one bound method: the setter keeps its identity across renders

    def _apply(self, state: Any, update: Any) -> Any:
        if type(update) is _Eager:
            return update.value
        if self.reducer is not None:
            return self.reducer(state, update)
        return update(state) if callable(update) else update

    def _update(self, update: Any) -> None:
        fiber = self.fiber
        if fiber is None:  # the component unmounted; React ignores such updates too
            return
        rendering = CURRENT.get()
        if rendering is not None and rendering.fiber is fiber and not rendering.done:
            self.queue.append(update)  # an update of the rendering component: re-run it in this pass
            rendering.rerender = True
            return
        if not self.queue:
            value = self._apply(self.value, update)
            if value is self.value or value == self.value:
                return  # equal values do not re-render
            update = _Eager(value)
        self.queue.append(update)
        schedule(fiber, None, STATE)

    def current(self, work: Any) -> Any:
        """The value this render sees: the committed value with the queued updates applied.

        The result is pending until the commit; it is reused while no update was queued since
        (a re-run of the same render, or a render after `changed()` computed it).
        """
        queue = self.queue
        if not queue:
            return self.value
        if self.pending is not UNSET and self.consumed == len(queue):
            return self.pending
        value = self.value
        for update in queue:
            value = self._apply(value, update)
        self.pending = value
        self.consumed = len(queue)
        work.commits.append(self)
        return value

    def changed(self, work: Any) -> bool:
        """Whether the queued updates end at a value other than the committed one.

        Updates that end where they started (`set("b"); set("a")`) do not re-render the component
        (as in React and Preact); they are consumed at the commit either way.
        """
        if not self.queue:
            return False
        value = self.current(work)
        if value is self.value or value == self.value:
            self.pending = self.value  # keep the object the component last rendered with
            return False
        return True

    def commit(self) -> None:
        if self.pending is not UNSET:
            self.value = self.pending
            del self.queue[: self.consumed]
            self.pending = UNSET

    def discard(self) -> None:
        self.pending = UNSET

    def unmount(self) -> list[BaseException]:
        self.fiber = None
        self.queue.clear()
        return []


class ReducerHook(StateHook):
    __slots__ = ()
    hook_name = "use_reducer"


def use_state(initial: T | Callable[[], T]) -> tuple[T, Callable[[T | Callable[[T], T]], None]]:
    """`(value, set_value)`. The setter takes a value or `fn(prev)`; setting an equal (`==`) value
    does nothing. `initial` may be a factory, called on the first render only."""
    dispatch = current_component("use_state")
    hook = _slot(dispatch, StateHook, "use_state")
    if hook is None:
        value = initial() if callable(initial) else initial
        hook = StateHook(value, dispatch.fiber, None)
        dispatch.fiber.hooks.append(hook)
        return value, hook.dispatch
    return hook.current(dispatch.work), hook.dispatch


def use_reducer(reducer: Callable[[S, A], S], initial: S) -> tuple[S, Callable[[A], None]]:
    """`(state, dispatch)`: `dispatch(action)` queues `reducer(state, action)` for the next render."""
    dispatch = current_component("use_reducer")
    hook = _slot(dispatch, ReducerHook, "use_reducer")
    if hook is None:
        hook = ReducerHook(initial, dispatch.fiber, reducer)
        dispatch.fiber.hooks.append(hook)
        return initial, hook.dispatch
    if reducer is not hook.reducer:  # the latest render's reducer applies to every queued update
        hook.reducer = reducer
        hook.pending = UNSET
    return hook.current(dispatch.work), hook.dispatch


def use_force_update() -> Callable[[], None]:
    """A function that re-renders the calling component at the next pass."""
    _, bump = use_reducer(_increment, 0)
    return lambda: bump(None)


def _increment(count: int, _: Any) -> int:
    return count + 1


# --- refs, memos, slots -------------------------------------------------------------------------


class Ref(Generic[T]):
    """A mutable box that survives re-renders: `.current`."""

    __slots__ = ("current",)

    def __init__(self, current: T) -> None:
        self.current = current

    def __repr__(self) -> str:
        return f"Ref({self.current!r})"


class RefHook(Hook):
    __slots__ = ("ref",)
    hook_name = "use_ref"

    def __init__(self, ref: Ref[Any]) -> None:
        self.ref = ref


def use_ref(initial: T) -> Ref[T]:
    """A `Ref` whose `.current` starts at `initial` and persists for the component's lifetime."""
    dispatch = current_component("use_ref")
    hook = _slot(dispatch, RefHook, "use_ref")
    if hook is None:
        hook = RefHook(Ref(initial))
        dispatch.fiber.hooks.append(hook)
    return hook.ref


class MemoHook(Hook):
    __slots__ = ("deps", "pending", "value")
    hook_name = "use_memo"

    def __init__(self, value: Any, deps: Sequence[Any] | None) -> None:
        self.value = value
        self.deps = deps
        self.pending: Any = UNSET

    def commit(self) -> None:
        if self.pending is not UNSET:
            self.value, self.deps = self.pending
            self.pending = UNSET

    def discard(self) -> None:
        self.pending = UNSET


def use_memo(fn: Callable[[], T], deps: Sequence[Any] | None) -> T:
    """`fn()`, recomputed only when an item of `deps` changes (`deps=None`: every render)."""
    dispatch = current_component("use_memo")
    hook = _slot(dispatch, MemoHook, "use_memo")
    deps = tuple(deps) if deps is not None else None
    if hook is None:
        value = fn()
        dispatch.fiber.hooks.append(MemoHook(value, deps))
        return value
    if hook.pending is not UNSET:  # re-run of the same render (an update during render)
        if _same_deps(hook.pending[1], deps):
            return cast(T, hook.pending[0])
    elif _same_deps(hook.deps, deps):
        return cast(T, hook.value)
    value = fn()
    hook.pending = (value, deps)
    dispatch.work.commits.append(hook)
    return value


def use_callback(fn: T, deps: Sequence[Any] | None) -> T:
    """`fn` itself, kept identical across renders until an item of `deps` changes."""
    return use_memo(lambda: fn, deps)


class SlotHook(Hook):
    __slots__ = ("value",)
    hook_name = "use_slot"

    def __init__(self, value: Any) -> None:
        self.value = value


def use_slot(factory: Callable[[], T]) -> T:
    """A per-component object created by `factory()` on the first render and kept after.

    The building block for custom hooks that need identity (registrations, caches) without
    depending on reconciler internals.
    """
    dispatch = current_component("use_slot")
    hook = _slot(dispatch, SlotHook, "use_slot")
    if hook is None:
        hook = SlotHook(factory())
        dispatch.fiber.hooks.append(hook)
    return cast(T, hook.value)


class LatestHook(Hook):
    __slots__ = ("pending", "ref")
    hook_name = "use_latest"

    def __init__(self, ref: Ref[Any]) -> None:
        self.ref = ref
        self.pending: Any = UNSET

    def commit(self) -> None:
        if self.pending is not UNSET:
            self.ref.current = self.pending
            self.pending = UNSET

    def discard(self) -> None:
        self.pending = UNSET


def use_latest(value: T) -> Ref[T]:
    """A ref whose `.current` is `value` from the latest *committed* render.

    Callbacks registered once (tick hooks, subscriptions) call `ref.current` so they always see the
    newest closure, and never one from a render that was thrown away.
    """
    dispatch = current_component("use_latest")
    hook = _slot(dispatch, LatestHook, "use_latest")
    if hook is None:
        hook = LatestHook(Ref(value))
        dispatch.fiber.hooks.append(hook)
        return hook.ref
    hook.pending = value
    dispatch.work.commits.append(hook)
    return hook.ref


# --- effects ------------------------------------------------------------------------------------


class EffectHook(Hook):
    __slots__ = ("cleanup", "deps", "fiber", "fn", "p_deps", "p_fn")
    hook_name = "use_effect"

    def __init__(self, fiber: Fiber) -> None:
        self.fiber = fiber
        self.fn: Callable[[], Any] | None = None
        self.deps: Sequence[Any] | None = None
        self.p_fn: Callable[[], Any] | None = None
        self.p_deps: Sequence[Any] | None = None
        self.cleanup: Callable[[], Any] | None = None

    def unmount(self) -> list[BaseException]:
        cleanup, self.cleanup = self.cleanup, None
        if cleanup is None:
            return []
        try:
            cleanup()
        except Exception as error:
            return [error]
        return []


def use_effect(fn: Callable[[], Callable[[], Any] | None], deps: Sequence[Any] | None = None) -> None:
    """Run `fn()` after the commit; it may return a cleanup, run before the next run and on unmount.

    `deps=None` runs after every render, `[]` once, otherwise whenever an item changes. Effects of
    children run before their parents'.
    """
    dispatch = current_component("use_effect")
    hook = _slot(dispatch, EffectHook, "use_effect")
    deps = tuple(deps) if deps is not None else None
    if hook is None:
        hook = EffectHook(dispatch.fiber)
        dispatch.fiber.hooks.append(hook)
    elif deps is not None and _same_deps(hook.deps, deps):
        return
    hook.p_fn = fn
    hook.p_deps = deps
    dispatch.effects.append(hook)
