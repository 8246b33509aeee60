"""Compiling a tree: render until stable, collect, assemble.

`compile_until_stable` is the loop the engine runs every tick (and `compile_agent` runs once):
render (the whole tree on a new tick, only dirty components after), wait for suspended data,
run callbacks started by effects, let the caller catch up tick-start hooks, collect, then run the
after-compile hooks; repeat while state changed or a recompile was requested, at most 50 passes.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

from ..element import Element, h
from ..errors import AgentickError, CompileError, ComponentError
from ..message_input import message_from
from ..reconciler import Reconciler
from ..runtime import AgentRuntime, RuntimeContext
from ..tools import ExecutableTool
from ..types import Message, TimelineEntry
from .assemble import CompiledContext, assemble
from .collect import collect
from .nodes import AgentHost, Node

__all__ = ["Compiler", "call_hook", "compile_element", "compile_until_stable", "entries_from", "run_sync"]

MAX_PASSES = 50
MAX_SUSPENSIONS = 100
T = TypeVar("T")

logger = logging.getLogger("agentick")


class Compiler:
    """A reconciler root over the agent host, bound to one runtime (one session)."""

    def __init__(self, runtime: AgentRuntime) -> None:
        self.runtime = runtime
        self.container = Node("@root", {})
        self.root = Reconciler(AgentHost()).create_root(self.container)
        # Called before a compile renders the tree: what must be read off the tree as the previous
        # compile left it (the component paths of its parts, for `context_diff`), read only then.
        self.before_render: Callable[[], None] | None = None

    def wrap(self, element: Any) -> Element:
        """The root element: the agent inside the runtime provider."""
        return h(RuntimeContext.Provider, {"value": self.runtime}, element)

    async def unmount(self) -> None:
        """Unmount the tree, run what its cleanups started, then close what the runtime holds
        (resources a render acquired stay held until here even if that render never committed)."""
        self.root.unmount()
        try:
            await self.runtime_deferred()
        finally:
            await self.runtime.aclose()

    async def runtime_deferred(self) -> None:
        deferred = self.runtime.deferred
        while deferred:
            await deferred.pop(0)


async def compile_until_stable(
    compiler: Compiler,
    element: Element | None,
    *,
    tool_sources: Sequence[Iterable[ExecutableTool[Any]]] = (),
    after_render: Callable[[], Awaitable[None]] | None = None,
    max_passes: int = MAX_PASSES,
) -> CompiledContext:
    """Render and collect until nothing changes. `element` (already wrapped) renders the whole tree
    on the first pass; None re-renders only dirty components."""
    runtime = compiler.runtime
    root = compiler.root
    compiled: CompiledContext | None = None
    if compiler.before_render is not None:
        compiler.before_render()
    for passes in range(1, max_passes + 1):
        runtime.recompile_requested = False
        if element is not None and passes == 1:
            root.render(element, settle=False)
        else:
            root.flush(settle=False)
        for _ in range(MAX_SUSPENSIONS):
            if not root.suspended:
                break
            for awaitable in list(root.suspended):
                await awaitable
            root.flush(settle=False)
        else:
            raise CompileError(f"the tree was still waiting for data after {MAX_SUSPENSIONS} renders")
        await compiler.runtime_deferred()
        if after_render is not None:
            await after_render()
        compiled = assemble(collect(compiler.container), runtime.tokens, tool_sources=tool_sources, iterations=passes)
        for ref, name in runtime.after_compile:
            await call_hook(name, ref.current, compiled, runtime.com)
        if not root.dirty and not runtime.recompile_requested:
            break
    else:
        _warn_unsettled(compiler, max_passes)
    assert compiled is not None
    return compiled


def _warn_unsettled(compiler: Compiler, passes: int) -> None:
    """The pass cap was hit: the model gets the last pass's output, which is still changing. Say
    which components kept the tree from settling, once per compile."""
    causes = [f"state updates in {', '.join(compiler.root.dirty_components())}"] if compiler.root.dirty else []
    if compiler.runtime.recompile_requested:
        causes.append("com.request_recompile() on every pass")
    logger.warning(
        "the tree was still changing after %d compile passes (%s); the model gets the last pass. A component "
        "probably updates state on every render or in an effect without dependencies, or an after-compile hook "
        "requests a recompile every time: make the update conditional",
        passes,
        " and ".join(causes),
    )


async def call_hook(name: str, callback: Callable[..., Any], *args: Any) -> Any:
    """Call a (sync or async) hook callback; errors name the hook and the component."""
    try:
        result = callback(*args)
        if inspect.isawaitable(result):
            result = await result
    except AgentickError:
        raise
    except Exception as error:
        hook, _, component = name.partition(" of ")
        raise ComponentError(
            f"the {name} raised {type(error).__name__}: {error}", component=component, phase=hook
        ) from error
    return result


def run_sync(awaitable: Awaitable[T], what: str) -> T:
    """Run a coroutine that never has to wait (no real I/O) without an event loop."""
    coroutine = awaitable.__await__()
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise CompileError(
        f"{what} had to wait for asynchronous work (data or an async hook); use `await compile_agent(...)`"
    )


def entries_from(messages: Iterable[Message | dict[str, Any]], prefix: str = "m") -> list[TimelineEntry]:
    """Timeline entries for plain messages (dicts or Message objects)."""
    entries: list[TimelineEntry] = []
    for index, message in enumerate(messages):
        value = message_from(message)
        entries.append(TimelineEntry(id=value.id or f"{prefix}{index}", message=value))
    return entries


async def compile_once(
    element: Any, *, messages: Iterable[Message | dict[str, Any]] = (), props: dict[str, Any] | None = None
) -> CompiledContext:
    runtime = AgentRuntime("compile")
    runtime.history = entries_from(messages)
    compiler = Compiler(runtime)
    if props:
        if not isinstance(element, Element):
            raise TypeError("props= needs an element to apply them to")
        element = h(element.type, {**element.props, **props}, *element.children, key=element.key)
    try:
        return await compile_until_stable(compiler, compiler.wrap(element))
    finally:
        await compiler.unmount()


def compile_element(
    element: Any, *, messages: Iterable[Message | dict[str, Any]] = (), props: dict[str, Any] | None = None
) -> CompiledContext:
    """Compile `element` without a model or session: what the model would receive on the first tick.

    `messages` play the part of the conversation history. Synchronous; for trees that wait for
    async data or async hooks, use `await agentick.testing.compile_agent(...)`.
    """
    return run_sync(compile_once(element, messages=messages, props=props), "compile_element()")
