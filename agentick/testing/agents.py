"""`render_agent` and `compile_agent`: drive an agent in tests without wiring an app by hand."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar, overload

from ..compiler import CompiledContext
from ..compiler.compile import compile_once
from ..element import h
from ..engine import App, SendResult, Session, create_app
from ..models.base import ModelAdapter
from ..types import Message, TimelineEntry
from .model import TestModel, create_test_model

__all__ = ["AgentHarness", "compile_agent", "render_agent"]

ModelT = TypeVar("ModelT", bound=ModelAdapter)


class AgentHarness(Generic[ModelT]):
    """A mounted agent in its own session, with the model that answers it (`AgentHarness[TestModel]`
    unless `render_agent` was given another model)."""

    def __init__(self, app: App, session: Session, model: ModelT, props: dict[str, Any] | None) -> None:
        self.app = app
        self.session = session
        self.model = model
        self.props = props
        self.results: list[SendResult] = []

    async def send(self, text: str | Message | dict[str, Any]) -> SendResult:
        """Send one message and wait for the execution's result."""
        result: SendResult = await self.session.send(text, props=self.props).result
        self.results.append(result)
        return result

    async def tick(self, props: dict[str, Any] | None = None) -> SendResult:
        """Run the agent without a new message (optionally with new props)."""
        if props is not None:
            self.props = props
        result: SendResult = await self.session.render(self.props or {}).result
        self.results.append(result)
        return result

    @property
    def timeline(self) -> list[TimelineEntry]:
        return self.session.timeline

    @property
    def last_assistant_message(self) -> str | None:
        for entry in reversed(self.session.entries):
            if entry.message.role == "assistant" and entry.message.text:
                return entry.message.text
        return None

    async def unmount(self) -> None:
        await self.session.close()


@overload
async def render_agent(
    agent: Callable[..., Any],
    props: dict[str, Any] | None = None,
    model: None = None,
    max_ticks: int = 10,
    **app_options: Any,
) -> AgentHarness[TestModel]: ...


@overload
async def render_agent(
    agent: Callable[..., Any],
    props: dict[str, Any] | None,
    model: ModelT,
    max_ticks: int = 10,
    **app_options: Any,
) -> AgentHarness[ModelT]: ...


@overload
async def render_agent(
    agent: Callable[..., Any],
    props: dict[str, Any] | None = None,
    *,
    model: ModelT,
    max_ticks: int = 10,
    **app_options: Any,
) -> AgentHarness[ModelT]: ...


async def render_agent(
    agent: Callable[..., Any],
    props: dict[str, Any] | None = None,
    model: ModelAdapter | None = None,
    max_ticks: int = 10,
    **app_options: Any,
) -> AgentHarness[Any]:
    """Mount `agent` in a fresh app and session, answered by `model` (a test model by default)."""
    model = model if model is not None else create_test_model()
    app = create_app(agent, model=model, max_ticks=max_ticks, **app_options)
    session = await app.session()
    session.props = props
    return AgentHarness(app, session, model, props)


async def compile_agent(
    agent: Callable[..., Any], props: dict[str, Any] | None = None, messages: Iterable[Message | dict[str, Any]] = ()
) -> CompiledContext:
    """What the model would receive on the agent's first tick (async data and hooks awaited)."""
    return await compile_once(h(agent, props or {}), messages=messages)
