"""Procedures: callables whose calls are awaitable, have `.result`, and stream events.

`session.send(...)` returns a `ProcedurePromise`: `await` it for its value (for executions, the
`ExecutionHandle`), `await promise.result` for the final value (a `SendResult`), or `async for` over
it for stream events. Procedures take middleware (`async def mw(args, envelope, next)`), a timeout
and metadata; `.use`, `.with_timeout` and `.with_metadata` return new procedures.

A promise does nothing until it is awaited or iterated, so `session.send("Hi")` on its own sends
nothing: like a coroutine, a promise never awaited warns (`RuntimeWarning`) when it is garbage
collected, pointing at the line that called the procedure.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, Protocol, TypeVar, cast, overload

import anyio

from .awaiting import caller, warn_never_awaited

if TYPE_CHECKING:
    from .handle import ExecutionHandle
    from .results import SendResult

__all__ = ["Envelope", "Middleware", "Procedure", "ProcedureDecorator", "ProcedurePromise", "procedure"]

P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R")
E = TypeVar("E")
T_co = TypeVar("T_co", covariant=True)
# The overloads of `Procedure.__init__` pick the class's parameters through `self`, which takes
# type variables of the method's own.
Q = ParamSpec("Q")
V = TypeVar("V")
R_co = TypeVar("R_co", covariant=True)

Middleware = Callable[[tuple[Any, ...], "Envelope", Callable[..., Awaitable[Any]]], Awaitable[Any]]


@dataclass(slots=True)
class Envelope:
    """What middleware sees about a call besides its positional arguments."""

    name: str
    kwargs: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict[str, Any])


class ProcedurePromise(Generic[T_co, R_co]):
    """The pending value of one procedure call. Runs once, however often it is awaited.

    `ProcedurePromise[T, R]`: awaiting it gives the call's value `T`; `.result` gives `R`, the
    final value (for an execution, `T` is its `ExecutionHandle` and `R` the `SendResult`; for
    other procedures both are the value). Iterating it iterates the value (an execution's events).
    """

    def __init__(
        self, start: Callable[[], Awaitable[T_co]], timeout: float | None, name: str, where: tuple[str, int]
    ) -> None:
        self._start = start
        self._timeout = timeout
        self._name = name
        self._where = where  # the caller's file and line, for the never-awaited warning
        self._used = False
        self._deadline: float | None = None
        self._started = False
        self._finished = False
        self._done: anyio.Event | None = None
        self._value: Any = None
        self._error: BaseException | None = None

    def __del__(self) -> None:
        if not self._used:
            call = f"{self._name}(...)"
            warn_never_awaited(
                call, self._where, f"write `await {call}`, `await {call}.result` or `async for event in {call}`"
            )

    def __await__(self) -> Generator[Any, None, T_co]:
        self._used = True
        return self._get().__await__()

    async def _get(self) -> T_co:
        if self._started:
            if self._done is None:
                self._done = anyio.Event()
            if not self._finished:
                await self._done.wait()
        else:
            self._started = True
            if self._timeout is not None:
                self._deadline = anyio.current_time() + self._timeout
            try:
                with anyio.fail_after(self._timeout):
                    self._value = await self._start()
            except BaseException as error:
                self._error = error
                raise
            finally:
                self._finished = True
                if self._done is not None:
                    self._done.set()
        if self._error is not None:
            raise self._error
        value: T_co = self._value
        return value

    @property
    def result(self) -> Awaitable[R_co]:
        """Awaitable: the final value (an execution's `SendResult`)."""
        self._used = True  # an un-awaited `.result` is reported as the coroutine it is
        return self._final()

    async def _final(self) -> R_co:
        # `R` is the value itself unless the value is an execution (a handle): then its result.
        value: Any = await self
        result = getattr(value, "result", None)
        final: R_co
        if result is None or not hasattr(value, "execution_id"):
            final = value
            return final
        if self._deadline is None:
            final = await result
            return final
        try:
            with anyio.fail_after(max(0.0, self._deadline - anyio.current_time())):
                final = await result
                return final
        except TimeoutError:
            value.abort(f"timed out after {self._timeout}s")
            raise

    def __aiter__(self: ProcedurePromise[AsyncIterable[E], Any]) -> AsyncIterator[E]:
        self._used = True
        return self._events()

    async def _events(self: ProcedurePromise[AsyncIterable[E], Any]) -> AsyncIterator[E]:
        value = await self
        async for event in value:
            yield event


class Procedure(Generic[P, T, R]):
    """A named async function with middleware, a timeout and metadata.

    `Procedure[P, T, R]`: called with the parameters `P` of the function it wraps, it returns a
    `ProcedurePromise[T, R]`. A function returning an `ExecutionHandle` makes a procedure whose
    `.result` is the `SendResult`; any other makes one whose `.result` is the value itself.
    """

    @overload
    def __init__(
        self: Procedure[Q, ExecutionHandle, SendResult],
        fn: Callable[Q, Awaitable[ExecutionHandle]],
        *,
        name: str | None = None,
        middleware: Sequence[Middleware] = (),
        timeout: float | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: Procedure[Q, V, V],
        fn: Callable[Q, Awaitable[V]],
        *,
        name: str | None = None,
        middleware: Sequence[Middleware] = (),
        timeout: float | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None: ...

    def __init__(
        self,
        fn: Callable[..., Awaitable[Any]],
        *,
        name: str | None = None,
        middleware: Sequence[Middleware] = (),
        timeout: float | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.fn = fn
        self.name: str = name or str(getattr(fn, "__name__", "procedure"))
        self.middleware = tuple(middleware)
        self.timeout = timeout
        self.metadata = dict(metadata or {})
        functools.update_wrapper(self, fn, updated=())

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> ProcedurePromise[T, R]:
        return ProcedurePromise(lambda: self._pipeline(args, kwargs), self.timeout, self.name, caller())

    async def _pipeline(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        envelope = Envelope(self.name, kwargs, dict(self.metadata))
        chain = self.middleware

        async def step(index: int, current: tuple[Any, ...]) -> Any:
            if index == len(chain):
                return await self.fn(*current, **envelope.kwargs)

            async def next_(new_args: Sequence[Any] | None = None) -> Any:
                return await step(index + 1, tuple(new_args) if new_args is not None else current)

            return await chain[index](current, envelope, next_)

        value: T = await step(0, args)
        return value

    def _copy(self, **changes: Any) -> Procedure[P, T, R]:
        options: dict[str, Any] = {
            "name": self.name,
            "middleware": self.middleware,
            "timeout": self.timeout,
            "metadata": self.metadata,
        }
        options.update(changes)
        return cast("Procedure[P, T, R]", Procedure(self.fn, **options))

    def use(self, *middleware: Middleware) -> Procedure[P, T, R]:
        """A new procedure with `middleware` added (the first added runs outermost)."""
        return self._copy(middleware=(*self.middleware, *middleware))

    def with_timeout(self, seconds: float) -> Procedure[P, T, R]:
        """A new procedure whose calls fail with TimeoutError (aborting their execution) after `seconds`."""
        return self._copy(timeout=seconds)

    def with_metadata(self, **metadata: Any) -> Procedure[P, T, R]:
        return self._copy(metadata={**self.metadata, **metadata})

    def __repr__(self) -> str:
        return f"<procedure {self.name}>"


class ProcedureDecorator(Protocol):
    """What `procedure(name=...)` returns: a decorator making a `Procedure` of an async function."""

    @overload
    def __call__(self, fn: Callable[P, Awaitable[ExecutionHandle]], /) -> Procedure[P, ExecutionHandle, SendResult]: ...

    @overload
    def __call__(self, fn: Callable[P, Awaitable[T]], /) -> Procedure[P, T, T]: ...


@overload
def procedure(
    fn: Callable[P, Awaitable[ExecutionHandle]],
    *,
    name: str | None = None,
    middleware: Sequence[Middleware] = (),
    timeout: float | None = None,
) -> Procedure[P, ExecutionHandle, SendResult]: ...


@overload
def procedure(
    fn: Callable[P, Awaitable[T]],
    *,
    name: str | None = None,
    middleware: Sequence[Middleware] = (),
    timeout: float | None = None,
) -> Procedure[P, T, T]: ...


@overload
def procedure(
    fn: None = None,
    *,
    name: str | None = None,
    middleware: Sequence[Middleware] = (),
    timeout: float | None = None,
) -> ProcedureDecorator: ...


def procedure(
    fn: Callable[..., Awaitable[Any]] | None = None,
    *,
    name: str | None = None,
    middleware: Sequence[Middleware] = (),
    timeout: float | None = None,
) -> Procedure[..., Any, Any] | ProcedureDecorator:
    """Make a procedure from an async function (also usable as `@procedure(name=...)`)."""

    def build(function: Callable[..., Awaitable[Any]]) -> Procedure[..., Any, Any]:
        return Procedure(function, name=name, middleware=middleware, timeout=timeout)

    return build(fn) if fn is not None else cast(ProcedureDecorator, build)
