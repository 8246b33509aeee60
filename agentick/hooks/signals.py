"""Signals: reactive values that live outside the component tree.

`signal(v)` holds a value; `computed(fn)` derives one lazily from the signals (and computeds) `fn`
reads; `effect(fn)` runs `fn` now and again whenever something it read changed. Dependencies are
tracked on every evaluation, so a computed that reads different signals on different branches
follows the branch it actually took.

Propagation is synchronous (the TypeScript original defers it to a microtask, so a read right after
`set()` could see a stale computed): `set()` marks every dependent computed dirty before it returns,
and runs the effects that depend on the change once the outermost `batch()` (or the `set()` itself)
ends. A computed re-evaluates only when read and only if one of its sources really changed; an
effect re-runs only if a source's value changed (a computed that re-evaluates to an equal value
does not wake its effects).

The tracking state (which computed or effect is evaluating, which batch is open) lives in
`contextvars` variables, so two sessions in one process never see each other's evaluations.
Signals themselves are ordinary objects: share one between sessions only on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any, Generic, TypeVar, cast

from ..errors import AgentickError
from ..reconciler import use_context, use_effect, use_force_update, use_memo, use_slot
from ..runtime import AgentRuntime, RuntimeContext

__all__ = [
    "Computed",
    "Signal",
    "SignalError",
    "batch",
    "computed",
    "effect",
    "signal",
    "untracked",
    "use_computed",
    "use_signal",
]

T = TypeVar("T")
R = TypeVar("R")

MAX_FLUSH_ROUNDS = 100  # rounds of effects waking effects before we call it a loop


class SignalError(AgentickError):
    """A signal graph was used against its rules: a computed that reads itself, or effects that
    keep re-triggering each other."""


# The sources read by the computed or effect evaluating now (None: reads are not tracked).
_TRACKING: ContextVar[dict[_Source, int] | None] = ContextVar("agentick_signal_tracking", default=None)
# The effects woken by the open batch (None: no batch is open).
_BATCH: ContextVar[dict[_Effect, None] | None] = ContextVar("agentick_signal_batch", default=None)


def _equal(a: Any, b: Any) -> bool:
    return a is b or bool(a == b)


class _Source:
    """Something a computed or an effect can depend on. `_version` grows on every real change."""

    __slots__ = ("_observers", "_version")

    def __init__(self) -> None:
        self._observers: dict[Any, None] = {}  # computeds and effects subscribed to this source
        self._version: int = 0

    def _track(self) -> None:
        sources = _TRACKING.get()
        if sources is not None:
            sources[self] = self._version

    def _observe(self, observer: Any) -> None:
        self._observers[observer] = None

    def _unobserve(self, observer: Any) -> None:
        self._observers.pop(observer, None)

    def _fresh_version(self) -> int:
        return self._version

    def subscribe(self, callback: Callable[[Any], Any]) -> Callable[[], None]:
        """Call `callback(new_value)` after every change (not for the current value); returns the
        function that unsubscribes."""
        first = True

        def watch() -> None:
            nonlocal first
            value = self._read()
            if first:
                first = False
            else:
                untracked(lambda: callback(value))

        return effect(watch)

    def _read(self) -> Any:
        raise NotImplementedError


def _resubscribe(observer: Any, old: dict[_Source, int], new: dict[_Source, int]) -> None:
    for source in old:
        if source not in new:
            source._unobserve(observer)
    for source in new:
        if source not in old:
            source._observe(observer)


def _changed(sources: dict[_Source, int]) -> bool:
    return any(source._fresh_version() != version for source, version in sources.items())


class Signal(_Source, Generic[T]):
    """A reactive value: `.value` or `s()` reads it, `.set(value_or_fn)` / `.update(fn)` change it.

    Setting an equal (`==`) value changes nothing. A callable given to `set` is an updater
    (`fn(previous)`), so a signal cannot hold a function set through `set`.
    """

    __slots__ = ("_value",)

    def __init__(self, value: T) -> None:
        super().__init__()
        self._value = value

    def _read(self) -> T:
        self._track()
        return self._value

    @property
    def value(self) -> T:
        return self._read()

    def __call__(self) -> T:
        return self._read()

    def set(self, value: T | Callable[[T], T]) -> None:
        new = value(self._value) if callable(value) else value
        if _equal(new, self._value):
            return
        self._value = new
        self._version += 1
        if self._observers:
            batch(self._propagate)

    def update(self, fn: Callable[[T], T]) -> None:
        """`set(fn(current))`."""
        self.set(fn(self._value))

    def _propagate(self) -> None:
        pending = _BATCH.get()
        assert pending is not None
        seen: set[Computed[Any]] = set()
        for observer in list(self._observers):
            observer._mark(pending, seen)

    def __repr__(self) -> str:
        return f"Signal({self._value!r})"


class Computed(_Source, Generic[T]):
    """A value derived from signals: evaluated on first read, then again only when a source changed.

    While an effect (or a subscriber, or another observed computed) depends on it, it is subscribed
    to its sources and marked dirty the moment one changes; otherwise it holds no subscriptions and
    checks its sources' versions when read, so an unused computed is garbage like any object.
    """

    __slots__ = ("_computing", "_dirty", "_fn", "_has_value", "_sources", "_value")

    def __init__(self, fn: Callable[[], T]) -> None:
        super().__init__()
        self._fn = fn
        self._value: Any = None
        self._has_value = False
        self._dirty = True
        self._computing = False
        self._sources: dict[_Source, int] = {}

    def _read(self) -> T:
        self._refresh()
        self._track()
        return cast(T, self._value)

    @property
    def value(self) -> T:
        return self._read()

    def __call__(self) -> T:
        return self._read()

    def _fresh_version(self) -> int:
        self._refresh()
        return self._version

    def _refresh(self) -> None:
        if self._computing:
            raise SignalError(
                f"circular dependency: computed {_describe(self._fn)} read its own value while computing it"
            )
        if self._has_value:
            if self._observers and not self._dirty:
                return  # subscribed and not marked: nothing changed
            if not _changed(self._sources):
                self._dirty = False
                return
        self._recompute()

    def _recompute(self) -> None:
        sources: dict[_Source, int] = {}
        self._computing = True
        token = _TRACKING.set(sources)
        try:
            value = self._fn()
        except BaseException:
            self._has_value = False  # errors are not cached: the next read evaluates again
            raise
        finally:
            _TRACKING.reset(token)
            self._computing = False
            if self._observers:
                _resubscribe(self, self._sources, sources)
            self._sources = sources
        self._dirty = False
        if not self._has_value or not _equal(value, self._value):
            self._value = value
            self._version += 1
        self._has_value = True

    def _observe(self, observer: Any) -> None:
        if not self._observers:
            for source in self._sources:
                source._observe(self)
            self._dirty = True  # unsubscribed until now: the next read checks the sources
        super()._observe(observer)

    def _unobserve(self, observer: Any) -> None:
        super()._unobserve(observer)
        if not self._observers:
            for source in self._sources:
                source._unobserve(self)

    def _mark(self, pending: dict[_Effect, None], seen: set[Computed[Any]]) -> None:
        if self in seen:
            return  # reached twice through a diamond: its observers are already marked
        seen.add(self)
        self._dirty = True
        for observer in list(self._observers):
            observer._mark(pending, seen)

    def __repr__(self) -> str:
        shown = repr(self._value) if self._has_value else "<not computed>"
        return f"Computed({shown})"


class _Effect:
    """A function re-run when the signals it read change; see `effect`."""

    __slots__ = ("_cleanup", "_disposed", "_fn", "_sources")

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._fn = fn
        self._sources: dict[_Source, int] = {}
        self._cleanup: Callable[[], Any] | None = None
        self._disposed = False

    def _mark(self, pending: dict[_Effect, None], seen: set[Computed[Any]]) -> None:
        pending[self] = None

    def _run(self) -> None:
        self._run_cleanup()
        sources: dict[_Source, int] = {}
        token = _TRACKING.set(sources)
        try:
            result = self._fn()
        finally:
            _TRACKING.reset(token)
            if not self._disposed:
                _resubscribe(self, self._sources, sources)
                self._sources = sources
        if result is None:
            return
        if not callable(result):
            raise SignalError(
                f"effect {_describe(self._fn)} returned {type(result).__name__}; an effect returns None or a "
                "cleanup function"
            )
        if self._disposed:
            result()
        else:
            self._cleanup = result

    def _rerun(self) -> None:
        if not self._disposed and _changed(self._sources):
            self._run()

    def _run_cleanup(self) -> None:
        cleanup, self._cleanup = self._cleanup, None
        if cleanup is not None:
            untracked(cleanup)

    def dispose(self) -> None:
        if self._disposed:
            return
        self._disposed = True
        for source in self._sources:
            source._unobserve(self)
        self._sources = {}
        self._run_cleanup()


def _describe(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


def _flush(pending: dict[_Effect, None]) -> None:
    """Run woken effects until none is left; effects that change signals wake more (same batch).

    Every woken effect runs even if one raises; the first error is raised afterwards."""
    errors: list[BaseException] = []
    for _ in range(MAX_FLUSH_ROUNDS):
        if not pending:
            break
        effects = list(pending)
        pending.clear()
        for woken in effects:
            try:
                woken._rerun()
            except Exception as error:
                errors.append(error)
    if pending:
        names = ", ".join(_describe(woken._fn) for woken in pending)
        pending.clear()
        errors.append(
            SignalError(
                f"effects kept waking each other after {MAX_FLUSH_ROUNDS} rounds ({names}); an effect probably "
                "sets a signal it depends on"
            )
        )
    if errors:
        first = errors[0]
        for other in errors[1:]:
            first.add_note(f"also: {type(other).__name__}: {other}")
        raise first


# --- the public functions -----------------------------------------------------------------------


def signal(value: T) -> Signal[T]:
    """A reactive value: `.value` / `s()` to read, `.set(v_or_fn)`, `.update(fn)`, `.subscribe(cb)`."""
    return Signal(value)


def computed(fn: Callable[[], T]) -> Computed[T]:
    """A lazy, memoised value derived from the signals `fn` reads (`.value` / `c()` to read).

    A read right after a source's `set()` already sees the new value. A computed that reads its
    own value while computing raises `SignalError`."""
    return Computed(fn)


def effect(fn: Callable[[], Callable[[], Any] | None]) -> Callable[[], None]:
    """Run `fn()` now and again whenever a signal it read changes; returns the disposer.

    `fn` may return a cleanup, called before each re-run and on dispose. An error in the first run
    propagates (and the effect is disposed); an error in a re-run propagates from the `set()` or
    `batch()` that woke it, after every other woken effect ran.
    """
    created = _Effect(fn)
    try:
        created._run()
    except BaseException:
        created.dispose()
        raise
    return created.dispose


def batch(fn: Callable[[], R]) -> R:
    """Run `fn()` and return its value; effects woken inside run once, when the outermost batch
    ends (also when `fn` raises). Computeds read inside already see every change."""
    if _BATCH.get() is not None:
        return fn()
    pending: dict[_Effect, None] = {}
    token = _BATCH.set(pending)
    try:
        return fn()
    finally:
        try:
            _flush(pending)
        finally:
            _BATCH.reset(token)


def untracked(fn: Callable[[], R]) -> R:
    """`fn()` with its signal reads not recorded as dependencies of the evaluating computed/effect."""
    token = _TRACKING.set(None)
    try:
        return fn()
    finally:
        _TRACKING.reset(token)


# --- hooks --------------------------------------------------------------------------------------


def use_signal(initial: T) -> Signal[T]:
    """A signal created on the component's first render and kept after.

    `.set()` / `.update()` with a new value re-render the component (and, in an agent, request
    another compile pass), from anywhere: a tool handler, a tick hook, an effect.
    """
    created: Signal[T] = use_slot(lambda: Signal(initial))
    _use_rerender_on_change(created)
    return created


def use_computed(fn: Callable[[], T], deps: Sequence[Any]) -> Computed[T]:
    """A computed over `fn`, rebuilt when an item of `deps` changes (like `use_memo`), that
    re-renders the component when its value changes because a signal it reads changed."""
    derived: Computed[T] = use_memo(lambda: Computed(fn), deps)
    _use_rerender_on_change(derived)
    return derived


def _use_rerender_on_change(source: _Source) -> None:
    rerender = use_force_update()
    runtime: AgentRuntime | None = use_context(RuntimeContext)

    def changed(_: Any) -> None:
        rerender()
        if runtime is not None:
            runtime.com.request_recompile()

    use_effect(lambda: source.subscribe(changed), [source])
