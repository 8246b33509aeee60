"""Apps and stateless runs (API.md §6): `create_app`, `App.session`, `run`, `run_sync`."""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar, overload

import anyio

from ..element import Element
from ..models.base import ModelAdapter
from ..models.infer import model_from
from ..output import OutputMode, OutputOptions
from ..runtime import close_all
from ..stores import SessionStore, store_from
from ..stores.protocol import leases, saves_revisions
from ..telemetry import SpanObserver, TelemetryOptions, telemetry_options
from ..tools import ExecutableTool, check_confirmation_timeout
from ..types import Message
from .awaiting import must_await, running_event_loop
from .events import StreamEvent
from .execution import new_id
from .handle import ExecutionHandle
from .procedure import Procedure
from .results import SendResult
from .session import Session
from .structured import check_response_format

if TYPE_CHECKING:
    from ..devtools.connect import DevToolsConnection

__all__ = ["App", "create_app", "run", "run_sync"]

T = TypeVar("T")

# The DevTools URL for apps made with `devtools=None` (devtools/connect.py). Read here, so that an
# app without DevTools never imports `agentick.devtools` (urllib, http.client, an atexit handler).
DEVTOOLS_ENVIRONMENT_VARIABLE = "AGENTICK_DEVTOOLS"


class App:
    """An agent component with its model, tools, tick limit and session store.

    An async context manager: `async with create_app(...) as app:` closes it on the way out.
    """

    def __init__(
        self,
        component: Callable[..., Any],
        *,
        model: ModelAdapter | str | None = None,
        tools: Iterable[ExecutableTool[Any]] = (),
        max_ticks: int = 10,
        store: str | Path | SessionStore | None = None,
        runner: Any = None,
        confirmation_timeout: float | None = None,
        output_type: Any = None,
        output_retries: int = 2,
        output_mode: OutputMode = "auto",
        telemetry: dict[str, Any] | Literal[False] | None = None,
        devtools: bool | str | None = None,
    ) -> None:
        if max_ticks < 1:
            raise ValueError(f"max_ticks must be at least 1, not {max_ticks}")
        self.component = component
        self.model = model_from(model)  # a model object, or a string like "openai:gpt-4o" (models.infer)
        self.tools = list(tools)
        self.max_ticks = max_ticks
        made = store_from(store)
        # a store made here from a string or path is the app's to close (`close`)
        self.use_store(made, owned=made is not store)
        self.runner = runner
        # the default for tools without their own: seconds before an unanswered confirmation is a denial
        self.confirmation_timeout = check_confirmation_timeout(confirmation_timeout, error=ValueError)
        # the structured output of every execution (API.md §12), unless a call asks for another
        self.output = OutputOptions().override(output_type, output_retries, output_mode)
        check_response_format(self.output, getattr(model, "options", None), "on the model")
        self.sessions: dict[str, Session] = {}
        # The models with clients an execution called, by identity, closed with the app. Weakly: a
        # model made per session (`<OpenAIModel model=... />`) goes with its session, and the
        # model closes its own clients when it is collected (models/clients.py).
        self._models: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
        self._pinned_models: dict[int, Any] = {}  # models that cannot be weakly referenced
        self._loading: dict[str, _Loading] = {}  # sessions whose snapshot is being loaded, by id
        # Objects of optional features shared by the app's sessions (the MCP connection pool), by
        # feature; those with an `aclose()` are closed by `close()` after the sessions.
        self.extensions: dict[str, Any] = {}
        # Called with (session, event) for every event of every execution of the app's sessions, as it
        # is pushed to the execution's stream (spawned children included): how telemetry and DevTools
        # watch the app without wrapping its streams. They run synchronously, so they must be quick.
        self.observers: list[Callable[[Session, StreamEvent], None]] = []
        # OpenTelemetry spans (API.md §15): None when `telemetry=False`; otherwise an observer checks
        # for a tracer provider as each execution starts (agentick/telemetry).
        self.telemetry: TelemetryOptions | None = telemetry_options(telemetry)
        if self.telemetry is not None:
            self.observers.append(SpanObserver(self))
        self.run = Procedure(self._run, name="app.run")
        # DevTools (devtools/connect.py): an observer feeding an in-process server or a standalone one
        self._devtools: DevToolsConnection | None = None
        if devtools is not False and (devtools is not None or os.environ.get(DEVTOOLS_ENVIRONMENT_VARIABLE)):
            from ..devtools.connect import connect

            self._devtools = connect(self, devtools)

    def use_store(self, store: Any, *, owned: bool) -> None:
        """Keep sessions in `store` from now on; `owned` makes `close()` close it (a store made for
        this app, like the one `agentick serve --store` makes for an App named in a file)."""
        self.store = store
        self._opened_store = store if owned else None
        # What the store can do beyond save/load/delete (stores/protocol.py), looked up once:
        # revision-checked saves, and leases taken by each execution (several workers, API.md §16).
        self.store_saves_revisions = store is not None and saves_revisions(store)
        self.store_leases = store is not None and leases(store)

    @property
    def devtools_url(self) -> str | None:
        """The DevTools page this app's records go to (with its token), None without DevTools or
        after `close()`."""
        return self._devtools.url if self._devtools is not None else None

    @must_await("app.session")
    async def session(self, id: str | None = None, *, tools: Iterable[ExecutableTool[Any]] = ()) -> Session:
        """The open session `id`, else one restored from the store, else a new one (new id if None).

        `tools` are session-level tools (above the app's, below a send's and the tree's). Calls for
        one id made while its snapshot loads wait for that load and get the same `Session` (two
        objects would each save over the other's turns); if the load fails they all raise its
        error, and the next call loads again.

        On a store with leases (several workers) a new session is saved at once, so that every
        worker can use it; an unknown `id` still gives a new session, saved by its first execution."""
        if id is None:
            session = Session(self, new_id("session"), tools=tools)
            if self.store_leases:
                await session.persist()
            self.sessions[session.id] = session
            return session
        while True:  # one Session per id: concurrent calls share the load in flight
            open_session = self.sessions.get(id)
            if open_session is not None:
                return open_session
            loading = self._loading.get(id)
            if loading is None:
                break
            await loading.done.wait()
            if loading.error is not None:
                raise loading.error
        loading = self._loading[id] = _Loading()
        try:
            session = await self._open(id, tools)
        except Exception as error:  # shared with the calls waiting now; the next call loads again
            loading.error = error  # (a cancelled load is not shared: a waiting call then loads itself)
            raise
        else:
            self.sessions[id] = session
        finally:
            del self._loading[id]
            loading.done.set()
        return session

    async def _open(self, id: str, tools: Iterable[ExecutableTool[Any]]) -> Session:
        """A session restored from the store, or a new one."""
        session = Session(self, id, tools=tools)
        if self.store is not None:
            snapshot = await self.store.load(id)
            if snapshot is not None:
                session.restore(snapshot)
                if self.runner is not None and hasattr(self.runner, "on_restore"):
                    self.runner.on_restore(session, snapshot)
        return session

    async def _run(
        self,
        props: dict[str, Any] | None = None,
        *,
        messages: Iterable[Message | dict[str, Any]] = (),
        max_ticks: int | None = None,
        tools: Iterable[ExecutableTool[Any]] | None = None,
        output_type: Any = None,
        output_retries: int | None = None,
        output_mode: OutputMode | None = None,
    ) -> ExecutionHandle:
        """One execution in a fresh session that closes itself afterwards (and is not stored)."""
        session = Session(self, new_id("run"), ephemeral=True)
        handle: ExecutionHandle = await session.send(
            messages=messages,
            props=props or {},
            max_ticks=max_ticks,
            tools=tools,
            output_type=output_type,
            output_retries=output_retries,
            output_mode=output_mode,
        )
        return handle

    async def delete(self, id: str) -> None:
        """Close the session `id` if it is open and delete its stored snapshot."""
        session = self.sessions.get(id)
        if session is not None:
            await session.close()
        if self.store is not None:
            await self.store.delete(id)

    def forget(self, session: Session) -> None:
        if self.sessions.get(session.id) is session:
            del self.sessions[session.id]

    def model_used(self, model: Any) -> None:
        """Remember a model one of this app's executions called (the app's, a tree's, a spawn's), if
        it has clients to close."""
        key = id(model)
        if key in self._models or key in self._pinned_models or not callable(getattr(model, "aclose", None)):
            return
        try:
            self._models[key] = model
        except TypeError:  # a class with __slots__ and no __weakref__
            self._pinned_models[key] = model

    async def close(self) -> None:
        """Close every open session, then the network clients of every model the app used (for the
        running event loop), and the store it opened from a path or URL (SQLite file, PostgreSQL pool).

        Nothing here is final: models and the store reopen on their next use, so the app still
        works afterwards. A client or store you passed in is yours, and stays open. DevTools is the
        exception: its server stops (or its bridge flushes) for good and `devtools_url` becomes None."""
        closers: list[Callable[[], Awaitable[Any]]] = [session.close for session in list(self.sessions.values())]
        # The models are taken before the sessions close, which may drop the last reference to a
        # model they rendered (the bound `aclose` keeps it alive until it ran).
        models = {id(model): model for model in (self.model, *self._models.values(), *self._pinned_models.values())}
        for model in models.values():
            aclose: Callable[[], Awaitable[Any]] | None = getattr(model, "aclose", None)
            if callable(aclose):
                closers.append(aclose)
        closers += [value.aclose for value in reversed(list(self.extensions.values())) if hasattr(value, "aclose")]
        opened = self._opened_store
        if opened is not None:
            aclose = getattr(opened, "aclose", None)
            closers.append(aclose if aclose is not None else functools.partial(anyio.to_thread.run_sync, opened.close))
        if self._devtools is not None:  # last: it records the sessions' final events
            closers.append(self._devtools.aclose)
            self._devtools = None
        await close_all(closers)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<App {getattr(self.component, '__name__', self.component)!r} sessions={len(self.sessions)}>"


class _Loading:
    """A session load in flight, shared by the `app.session(id)` calls that overlap it."""

    __slots__ = ("done", "error")

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.error: BaseException | None = None


def create_app(
    component: Callable[..., Any],
    *,
    model: ModelAdapter | str | None = None,
    tools: Iterable[ExecutableTool[Any]] = (),
    max_ticks: int = 10,
    store: str | Path | SessionStore | None = None,
    runner: Any = None,
    confirmation_timeout: float | None = None,
    output_type: Any = None,
    output_retries: int = 2,
    output_mode: OutputMode = "auto",
    telemetry: dict[str, Any] | Literal[False] | None = None,
    devtools: bool | str | None = None,
) -> App:
    """An app for `component`. `model` is used unless the tree renders one; `store` is None (memory),
    a SQLite path or store string (`sqlite:///sessions.db`; see docs/sessions.md), or an object with async
    save/load/delete. `confirmation_timeout` (seconds) turns
    a confirmation request nobody answers into a denial, for tools that set none of their own.
    `output_type` asks every execution for a validated structured output (`SendResult.output`),
    retried `output_retries` times; `output_mode` is "auto", "native" or "tool" (API.md §12).
    `telemetry` records OpenTelemetry spans: None follows the global tracer provider, False turns
    them off, `{"tracer_provider": tp, "capture_content": True}` picks the provider and records
    message content (API.md §15).
    `devtools` is True (serve a DevTools page in-process, at `app.devtools_url`), a DevTools URL
    (send the records to `agentick devtools`), False, or None (the `AGENTICK_DEVTOOLS` URL, if set)."""
    return App(
        component,
        model=model,
        tools=tools,
        max_ticks=max_ticks,
        store=store,
        runner=runner,
        confirmation_timeout=confirmation_timeout,
        output_type=output_type,
        output_retries=output_retries,
        output_mode=output_mode,
        telemetry=telemetry,
        devtools=devtools,
    )


async def _run(
    element: Element | Callable[..., Any],
    *,
    messages: Iterable[Message | dict[str, Any]] = (),
    model: ModelAdapter | str | None = None,
    props: dict[str, Any] | None = None,
    max_ticks: int | None = None,
    tools: Iterable[ExecutableTool[Any]] | None = None,
    output_type: Any = None,
    output_retries: int | None = None,
    output_mode: OutputMode | None = None,
) -> ExecutionHandle:
    if isinstance(element, Element):
        component, base = element.type, element.props
    else:
        component, base = element, {}
    app = App(component, model=model, max_ticks=max_ticks or 10)
    handle: ExecutionHandle = await app.run(
        {**base, **(props or {})},
        messages=messages,
        tools=tools,
        output_type=output_type,
        output_retries=output_retries,
        output_mode=output_mode,
    )
    return handle


run = Procedure(_run, name="run")
"""`run(element, messages=..., model=...)`: one stateless execution (a procedure: `.result`, events)."""


@overload
def run_sync(
    element: Element | Callable[..., Any],
    *,
    messages: Iterable[Message | dict[str, Any]] = (),
    model: ModelAdapter | str | None = None,
    props: dict[str, Any] | None = None,
    max_ticks: int | None = None,
    tools: Iterable[ExecutableTool[Any]] | None = None,
    output_type: type[T],
    output_retries: int | None = None,
    output_mode: OutputMode | None = None,
) -> SendResult[T]: ...


@overload
def run_sync(
    element: Element | Callable[..., Any],
    *,
    messages: Iterable[Message | dict[str, Any]] = (),
    model: ModelAdapter | str | None = None,
    props: dict[str, Any] | None = None,
    max_ticks: int | None = None,
    tools: Iterable[ExecutableTool[Any]] | None = None,
    output_type: None = None,
    output_retries: int | None = None,
    output_mode: OutputMode | None = None,
) -> SendResult[str]: ...


@overload
def run_sync(
    element: Element | Callable[..., Any],
    *,
    messages: Iterable[Message | dict[str, Any]] = (),
    model: ModelAdapter | str | None = None,
    props: dict[str, Any] | None = None,
    max_ticks: int | None = None,
    tools: Iterable[ExecutableTool[Any]] | None = None,
    output_type: Any,
    output_retries: int | None = None,
    output_mode: OutputMode | None = None,
) -> SendResult[Any]: ...


def run_sync(
    element: Element | Callable[..., Any],
    *,
    messages: Iterable[Message | dict[str, Any]] = (),
    model: ModelAdapter | str | None = None,
    props: dict[str, Any] | None = None,
    max_ticks: int | None = None,
    tools: Iterable[ExecutableTool[Any]] | None = None,
    output_type: Any = None,
    output_retries: int | None = None,
    output_mode: OutputMode | None = None,
) -> SendResult[Any]:
    """`run(...)` from synchronous code: blocks until the result. Inside an event loop (async code,
    a notebook) it cannot block: there the error says to `await run(...).result`.

    With `output_type=City` the result is a `SendResult[City]` (to type checkers too)."""
    running = running_event_loop()
    if running is not None:
        raise RuntimeError(
            f"run_sync() cannot be used inside a running event loop ({running} runs in this thread); "
            "in async code write `result = await run(...).result` instead"
        )

    async def main() -> SendResult[Any]:
        result: SendResult[Any] = await run(
            element,
            messages=messages,
            model=model,
            props=props,
            max_ticks=max_ticks,
            tools=tools,
            output_type=output_type,
            output_retries=output_retries,
            output_mode=output_mode,
        ).result
        return result

    return anyio.run(main)
