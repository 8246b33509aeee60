"""Apps and stateless runs (API.md §6): `create_app`, `App.session`, `run`, `run_sync`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import anyio

from ..element import Element
from ..tools import ExecutableTool, check_confirmation_timeout
from ..types import Message
from .awaiting import must_await, running_event_loop
from .execution import new_id
from .handle import ExecutionHandle
from .procedure import Procedure
from .results import SendResult
from .session import Session
from .stores import store_from

__all__ = ["App", "create_app", "run", "run_sync"]


class App:
    """An agent component with its model, tools, tick limit and session store."""

    def __init__(
        self,
        component: Any,
        *,
        model: Any = None,
        tools: Iterable[ExecutableTool] = (),
        max_ticks: int = 10,
        store: Any = None,
        runner: Any = None,
        confirmation_timeout: float | None = None,
    ) -> None:
        if max_ticks < 1:
            raise ValueError(f"max_ticks must be at least 1, not {max_ticks}")
        self.component = component
        self.model = model
        self.tools = list(tools)
        self.max_ticks = max_ticks
        self.store = store_from(store)
        self.runner = runner
        # the default for tools without their own: seconds before an unanswered confirmation is a denial
        self.confirmation_timeout = check_confirmation_timeout(confirmation_timeout, error=ValueError)
        self.sessions: dict[str, Session] = {}
        self.run = Procedure(self._run, name="app.run")

    @must_await("app.session")
    async def session(self, id: str | None = None, *, tools: Iterable[ExecutableTool] = ()) -> Session:
        """The open session `id`, else one restored from the store, else a new one (new id if None).

        `tools` are session-level tools (above the app's, below a send's and the tree's)."""
        if id is not None and id in self.sessions:
            return self.sessions[id]
        session = Session(self, id or new_id("session"), tools=tools)
        if id is not None and self.store is not None:
            snapshot = await self.store.load(id)
            if snapshot is not None:
                session.restore(snapshot)
                if self.runner is not None and hasattr(self.runner, "on_restore"):
                    self.runner.on_restore(session, snapshot)
        self.sessions[session.id] = session
        return session

    async def _run(
        self,
        props: dict[str, Any] | None = None,
        *,
        messages: Iterable[Message | dict[str, Any]] = (),
        max_ticks: int | None = None,
        tools: Iterable[ExecutableTool] | None = None,
    ) -> ExecutionHandle:
        """One execution in a fresh session that closes itself afterwards (and is not stored)."""
        session = Session(self, new_id("run"), ephemeral=True)
        handle: ExecutionHandle = await session.send(
            messages=messages, props=props or {}, max_ticks=max_ticks, tools=tools
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

    async def close(self) -> None:
        """Close every open session."""
        for session in list(self.sessions.values()):
            await session.close()

    def __repr__(self) -> str:
        return f"<App {getattr(self.component, '__name__', self.component)!r} sessions={len(self.sessions)}>"


def create_app(
    component: Any,
    *,
    model: Any = None,
    tools: Iterable[ExecutableTool] = (),
    max_ticks: int = 10,
    store: Any = None,
    runner: Any = None,
    confirmation_timeout: float | None = None,
) -> App:
    """An app for `component`. `model` is used unless the tree renders one; `store` is None (memory),
    a SQLite path, or an object with async save/load/delete. `confirmation_timeout` (seconds) turns
    a confirmation request nobody answers into a denial, for tools that set none of their own."""
    return App(
        component,
        model=model,
        tools=tools,
        max_ticks=max_ticks,
        store=store,
        runner=runner,
        confirmation_timeout=confirmation_timeout,
    )


async def _run(
    element: Any,
    *,
    messages: Iterable[Message | dict[str, Any]] = (),
    model: Any = None,
    props: dict[str, Any] | None = None,
    max_ticks: int | None = None,
    tools: Iterable[ExecutableTool] | None = None,
) -> ExecutionHandle:
    if isinstance(element, Element):
        component, base = element.type, element.props
    else:
        component, base = element, {}
    app = App(component, model=model, max_ticks=max_ticks or 10)
    handle: ExecutionHandle = await app.run({**base, **(props or {})}, messages=messages, tools=tools)
    return handle


run = Procedure(_run, name="run")
"""`run(element, messages=..., model=...)`: one stateless execution (a procedure: `.result`, events)."""


def run_sync(element: Any, **options: Any) -> SendResult:
    """`run(...)` from synchronous code: blocks until the result. Inside an event loop (async code,
    a notebook) it cannot block: there the error says to `await run(...).result`."""
    running = running_event_loop()
    if running is not None:
        raise RuntimeError(
            f"run_sync() cannot be used inside a running event loop ({running} runs in this thread); "
            "in async code write `result = await run(...).result` instead"
        )

    async def main() -> SendResult:
        result: SendResult = await run(element, **options).result
        return result

    return anyio.run(main)
