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

import operator
import sys
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from types import FrameType, FunctionType, MethodType
from typing import Any, Generic, TypeVar, cast, overload

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
    """Whether no dependency changed (`is`, then `==`; a comparison that raises counts as a change)."""
    if old is None or new is None or len(old) != len(new):
        return False
    return all(same_value(a, b) for a, b in zip(old, new, strict=True))


# --- state --------------------------------------------------------------------------------------


class _Eager:
    """A `use_state` update whose result was computed when it was queued (the queue was empty)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def same_value(old: Any, new: Any) -> bool:
    """`old is new or old == new`, where a comparison that raises (numpy arrays and other values
    whose `==` has no single truth value) counts as different: the render it saves is optional."""
    if old is new:
        return True
    try:
        return bool(old == new)
    except Exception:
        return False


class StateHook(Hook):
    """Backs `use_state`: a committed value plus a queue of updates.

    During a pass, `pending` is the committed value with the first `consumed` queued updates
    applied; the commit makes it the value and drops those updates. The hook is in the pass's
    `work.commits` exactly while `pending` is set. An update that raises is dropped from the queue
    (it would raise again) and the error reaches the pass, which names the component.
    """

    __slots__ = ("consumed", "dispatch", "fiber", "pending", "queue", "value")
    hook_name = "use_state"

    def __init__(self, value: Any, fiber: Fiber) -> None:
        self.value = value
        self.fiber: Fiber | None = fiber
        self.queue: list[Any] = []
        self.pending: Any = UNSET
        self.consumed = 0
        self.dispatch = self._update  # one bound method: the setter keeps its identity across renders

    def _apply(self, state: Any, update: Any) -> Any:
        if type(update) is _Eager:
            return update.value
        return update(state) if callable(update) else update

    def _update(self, update: Any) -> None:
        fiber = self.fiber
        if fiber is None:  # the component unmounted; React ignores such updates too
            return
        if self._queue_during_render(fiber, update):
            return
        if not self.queue:
            try:
                value = self._apply(self.value, update)
            except Exception:
                pass  # queued as is: it raises again in the pass, where the error names the component
            else:
                if same_value(self.value, value):
                    return  # equal values do not re-render
                update = _Eager(value)
        self.queue.append(update)
        schedule(fiber, None, STATE)

    def _queue_during_render(self, fiber: Fiber, update: Any) -> bool:
        """Queue an update of the component rendering right now: it re-runs in this pass."""
        rendering = CURRENT.get()
        if rendering is None or rendering.fiber is not fiber or rendering.done:
            return False
        self.queue.append(update)
        rendering.rerender = True
        return True

    def _fold(self, reducer: Callable[[Any, Any], Any] | None) -> Any:
        """The committed value with every queued update applied (by `reducer` when given)."""
        value = self.value
        queue = self.queue
        for index, update in enumerate(queue):
            try:
                value = self._apply(value, update) if reducer is None else reducer(value, update)
            except Exception:
                del queue[index]
                self.pending = UNSET  # what was computed before no longer matches the queue
                raise
        return value

    def _hold(self, value: Any, work: Any) -> None:
        """Make `value` this pass's pending value (for the whole queue as it is now)."""
        if self.pending is UNSET:
            work.commits.append(self)
        self.pending = value
        self.consumed = len(self.queue)

    def current(self, work: Any) -> Any:
        """The value this render sees: the committed value with the queued updates applied.

        The result is pending until the commit; it is reused while no update was queued since
        (a re-run of the same render, or a render after `changed()` computed it).
        """
        if not self.queue:
            return self.value
        if self.pending is not UNSET and self.consumed == len(self.queue):
            return self.pending
        value = self._fold(None)
        self._hold(value, work)
        return value

    def changed(self, work: Any) -> bool:
        """Whether the queued updates end at a value other than the committed one.

        Updates that end where they started (`set("b"); set("a")`) do not re-render the component
        (as in React and Preact); they are consumed at the commit either way.
        """
        if not self.queue:
            return False
        value = self.current(work)
        if value is self.value or same_value(self.value, value):
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
    """Backs `use_reducer` with React 18's semantics: `dispatch(action)` only queues the action;
    a render reduces the queue with the reducer passed to that render.

    `reducer` is the reducer of the last committed render. The check before a render that only
    this component's updates caused (`changed()`) reduces with it: with the same props, context
    and other state, the next render's reducer computes the same. `reduced_with` is the function
    that computed `pending`; a render whose reducer is that function, or the same `def` closing
    over the same objects, reuses the result instead of reducing every action again.
    """

    __slots__ = ("reduced_with", "reducer")
    hook_name = "use_reducer"

    def __init__(self, value: Any, fiber: Fiber, reducer: Callable[[Any, Any], Any]) -> None:
        super().__init__(value, fiber)
        self.reducer = reducer
        self.reduced_with = reducer

    def _update(self, update: Any) -> None:
        fiber = self.fiber
        if fiber is None:
            return
        if not self._queue_during_render(fiber, update):
            self.queue.append(update)
            schedule(fiber, None, STATE)

    def reduce(self, reducer: Callable[[Any, Any], Any], work: Any) -> Any:
        """The state a render with `reducer` sees; `reducer` becomes the committed one with it."""
        pending = self.pending
        if pending is not UNSET:
            if self.consumed == len(self.queue) and same_function(self.reduced_with, reducer):
                self.reduced_with = reducer
                return pending
        elif not self.queue and reducer is self.reducer:
            return self.value
        value = self._fold(reducer)
        self._hold(value, work)
        self.reduced_with = reducer
        return value

    def current(self, work: Any) -> Any:
        """The state with the queued actions reduced by the last committed render's reducer."""
        return self.reduce(self.reducer, work)

    def commit(self) -> None:
        if self.pending is not UNSET:
            self.reducer = self.reduced_with
        super().commit()


def same_function(old: Callable[..., Any], new: Callable[..., Any]) -> bool:
    """Whether `new` computes what `old` computes: the same object, the same bound method, or two
    functions made by the same `def` or lambda (a reducer defined inside a component is a new
    function every render) with the same defaults and the very same objects in their closures."""
    if old is new:
        return True
    # (neither type can be subclassed, so isinstance is `type(x) is`)
    if isinstance(old, MethodType) and isinstance(new, MethodType):
        return old.__func__ is new.__func__ and old.__self__ is new.__self__
    if not isinstance(old, FunctionType) or not isinstance(new, FunctionType):
        return False
    if old.__code__ is not new.__code__ or old.__globals__ is not new.__globals__:
        return False
    if not _identical(old.__defaults__ or (), new.__defaults__ or ()):
        return False
    old_keywords, new_keywords = old.__kwdefaults__ or {}, new.__kwdefaults__ or {}
    if old_keywords.keys() != new_keywords.keys() or any(old_keywords[k] is not new_keywords[k] for k in old_keywords):
        return False
    try:
        return _identical(
            tuple(cell.cell_contents for cell in old.__closure__ or ()),
            tuple(cell.cell_contents for cell in new.__closure__ or ()),
        )
    except ValueError:  # a variable the function closes over is not assigned (yet)
        return False


def _identical(old: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
    return len(old) == len(new) and all(map(operator.is_, old, new))


SetState = Callable[[T | Callable[[T], T]], None]
"""The setter `use_state` returns: takes a value, or a function of the previous value."""


@overload
def use_state(initial: Callable[[], T]) -> tuple[T, SetState[T]]: ...


@overload
def use_state(initial: T) -> tuple[T, SetState[T]]: ...


def use_state(initial: T | Callable[[], T]) -> tuple[T, SetState[T]]:
    """`(value, set_value)`. The setter takes a value or `fn(prev)`; setting an equal (`==`) value
    does nothing. `initial` may be a factory, called on the first render only."""
    dispatch = current_component("use_state")
    hook = _slot(dispatch, StateHook, "use_state")
    if hook is None:
        value = initial() if callable(initial) else initial
        hook = StateHook(value, dispatch.fiber)
        dispatch.fiber.hooks.append(hook)
        # pyright narrows the non-callable part of `T` to `object`; mypy keeps `T`
        return value, hook.dispatch  # pyright: ignore[reportReturnType]
    return hook.current(dispatch.work), hook.dispatch


def use_reducer(reducer: Callable[[S, A], S], initial: S) -> tuple[S, Callable[[A], None]]:
    """`(state, dispatch)`: `dispatch(action)` queues `action`; the next render reduces every queued
    action with the reducer it passes (React 18: the latest reducer applies)."""
    dispatch = current_component("use_reducer")
    hook = _slot(dispatch, ReducerHook, "use_reducer")
    if hook is None:
        hook = ReducerHook(initial, dispatch.fiber, reducer)
        dispatch.fiber.hooks.append(hook)
        return initial, hook.dispatch
    return hook.reduce(reducer, dispatch.work), hook.dispatch


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
