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
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio

from .awaiting import caller, warn_never_awaited

__all__ = ["Envelope", "Middleware", "Procedure", "ProcedurePromise", "procedure"]

Middleware = Callable[[tuple[Any, ...], "Envelope", Callable[..., Awaitable[Any]]], Awaitable[Any]]


@dataclass(slots=True)
class Envelope:
    """What middleware sees about a call besides its positional arguments."""

    name: str
    kwargs: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)


class ProcedurePromise:
    """The pending value of one procedure call. Runs once, however often it is awaited."""

    def __init__(
        self, start: Callable[[], Awaitable[Any]], timeout: float | None, name: str, where: tuple[str, int]
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

    def __await__(self) -> Generator[Any, None, Any]:
        self._used = True
        return self._get().__await__()

    async def _get(self) -> Any:
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
        return self._value

    @property
    def result(self) -> Awaitable[Any]:
        """Awaitable: the final value (an execution's `SendResult`)."""
        self._used = True  # an un-awaited `.result` is reported as the coroutine it is
        return self._final()

    async def _final(self) -> Any:
        value = await self
        result = getattr(value, "result", None)
        if result is None or not hasattr(value, "execution_id"):
            return value
        if self._deadline is None:
            return await result
        try:
            with anyio.fail_after(max(0.0, self._deadline - anyio.current_time())):
                return await result
        except TimeoutError:
            value.abort(f"timed out after {self._timeout}s")
            raise

    def __aiter__(self) -> AsyncIterator[Any]:
        self._used = True
        return self._events()

    async def _events(self) -> AsyncIterator[Any]:
        value = await self
        async for event in value:
            yield event


class Procedure:
    """A named async function with middleware, a timeout and metadata."""

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

    def __call__(self, *args: Any, **kwargs: Any) -> ProcedurePromise:
        return ProcedurePromise(lambda: self._pipeline(args, kwargs), self.timeout, self.name, caller())

    async def _pipeline(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        envelope = Envelope(self.name, kwargs, dict(self.metadata))
        chain = self.middleware

        async def step(index: int, current: tuple[Any, ...]) -> Any:
            if index == len(chain):
                return await self.fn(*current, **envelope.kwargs)

            async def next_(new_args: Sequence[Any] | None = None) -> Any:
                return await step(index + 1, tuple(new_args) if new_args is not None else current)

            return await chain[index](current, envelope, next_)

        return await step(0, args)

    def _copy(self, **changes: Any) -> Procedure:
        options: dict[str, Any] = {
            "name": self.name,
            "middleware": self.middleware,
            "timeout": self.timeout,
            "metadata": self.metadata,
        }
        options.update(changes)
        return Procedure(self.fn, **options)

    def use(self, *middleware: Middleware) -> Procedure:
        """A new procedure with `middleware` added (the first added runs outermost)."""
        return self._copy(middleware=(*self.middleware, *middleware))

    def with_timeout(self, seconds: float) -> Procedure:
        """A new procedure whose calls fail with TimeoutError (aborting their execution) after `seconds`."""
        return self._copy(timeout=seconds)

    def with_metadata(self, **metadata: Any) -> Procedure:
        return self._copy(metadata={**self.metadata, **metadata})

    def __repr__(self) -> str:
        return f"<procedure {self.name}>"


def procedure(
    fn: Callable[..., Awaitable[Any]] | None = None,
    *,
    name: str | None = None,
    middleware: Sequence[Middleware] = (),
    timeout: float | None = None,
) -> Any:
    """Make a procedure from an async function (also usable as `@procedure(name=...)`)."""

    def build(function: Callable[..., Awaitable[Any]]) -> Procedure:
        return Procedure(function, name=name, middleware=middleware, timeout=timeout)

    return build(fn) if fn is not None else build
