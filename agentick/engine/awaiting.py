"""Calls that must be awaited, and say so when they are not.

`app.session(...)` is asynchronous (it may load the session from a store). A plain coroutine would
let `app.session().send("Hi")` through to the coroutine's own `send` and fail with "can't send
non-None value to a just-started coroutine"; the `Opening` it returns instead is a coroutine whose
`send` with a value, and any session attribute, says to await it first. Like a coroutine, an
opening or a procedure call (`Procedure`) that is never awaited warns when it is garbage collected,
at the line that made it, since its work never ran.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import warnings
from collections.abc import Callable, Coroutine, Generator
from typing import Any, NoReturn, ParamSpec, TypeVar

__all__ = ["Opening", "caller", "must_await", "running_event_loop", "warn_never_awaited"]

T = TypeVar("T")
P = ParamSpec("P")


def caller(depth: int = 2) -> tuple[str, int]:
    """`(filename, line)` of the code `depth` frames up (2: whoever called the function calling this)."""
    frame = sys._getframe(depth)
    return frame.f_code.co_filename, frame.f_lineno


def warn_never_awaited(what: str, where: tuple[str, int], advice: str) -> None:
    """A RuntimeWarning, like Python's for a coroutine, at the line that made the awaitable."""
    warnings.warn_explicit(f"{what} was never awaited, so it never ran; {advice}", RuntimeWarning, *where)


class Opening(Coroutine[Any, Any, T]):
    """What `app.session(...)` returns: a coroutine (await it, or hand it to `asyncio.create_task`,
    an anyio task group or trio) whose misuse as a session says to await it first.

    `app.session().send("Hi")` reaches the coroutine protocol's own `send`: a value other than the
    `None` an event loop sends, or any keyword, is that mistake and raises the explanation instead
    of "can't send non-None value to a just-started coroutine". Other session attributes
    (`.timeline`, `.id`, ...) raise the same explanation.
    """

    __slots__ = ("_coroutine", "_quiet", "_start", "_what", "_where")

    def __init__(self, start: Callable[[], Coroutine[Any, Any, T]], what: str, where: tuple[str, int]) -> None:
        self._start = start
        self._what = what
        self._where = where
        self._coroutine: Coroutine[Any, Any, T] | None = None
        self._quiet = False  # misused (the error said it all) or closed unstarted: no never-awaited warning

    def _running(self) -> Coroutine[Any, Any, T]:
        if self._coroutine is None:
            self._coroutine = self._start()
        return self._coroutine

    def _misused(self, name: str) -> AttributeError:
        self._quiet = True
        return AttributeError(
            f"{self._what}(...) returns an awaitable, so `{self._what}(...).{name}` does not exist: await it "
            f"first, `session = await {self._what}(...)`, then use `session.{name}`"
        )

    def __await__(self) -> Generator[Any, None, T]:
        return self._running().__await__()

    def send(self, value: Any = None, /, *args: Any, **kwargs: Any) -> Any:
        if value is not None or args or kwargs:
            raise self._misused("send")
        return self._running().send(None)

    def throw(self, *args: Any) -> Any:
        return self._running().throw(*args)

    def close(self) -> None:
        if self._coroutine is None:
            self._quiet = True
        else:
            self._coroutine.close()

    def __getattr__(self, name: str) -> NoReturn:
        if name.startswith("__"):
            raise AttributeError(name)
        raise self._misused(name)

    def __del__(self) -> None:
        if self._coroutine is None and not self._quiet:
            warn_never_awaited(f"{self._what}(...)", self._where, f"write `session = await {self._what}(...)`")

    def __repr__(self) -> str:
        return f"<awaitable {self._what}(...)>"


def must_await(what: str) -> Callable[[Callable[P, Coroutine[Any, Any, T]]], Callable[P, Opening[T]]]:
    """Make an async function return an `Opening` (named `what` in messages) instead of a coroutine."""

    def decorate(function: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, Opening[T]]:
        @functools.wraps(function)
        def call(*args: P.args, **kwargs: P.kwargs) -> Opening[T]:
            return Opening(lambda: function(*args, **kwargs), what, caller())

        return call

    return decorate


def running_event_loop() -> str | None:
    """The name of the event loop running in this thread ("asyncio", "trio"), or None."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        return "asyncio"
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            trio.lowlevel.current_trio_token()
        except RuntimeError:
            return None
        return "trio"
    return None
