"""Tick lifecycle hooks: callbacks the engine runs between ticks.

Each hook registers the component's callback in a runtime registry from a mount effect (so the
order is children before parents, siblings in order, later-mounted components last) and reads the
callback through `use_latest`, so the engine always calls the latest committed closure.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ..reconciler import current_component, use_effect, use_latest
from ..runtime import AgentRuntime, use_runtime

__all__ = [
    "use_after_compile",
    "use_continuation",
    "use_on_execution_end",
    "use_on_execution_start",
    "use_on_message",
    "use_on_mount",
    "use_on_tick_end",
    "use_on_tick_start",
    "use_on_unmount",
]


def _register(hook: str, registry: str, callback: Callable[..., Any]) -> None:
    runtime = use_runtime(hook)
    fiber = current_component(hook).fiber
    ref = use_latest(callback)
    # The component path (for error messages) is computed once, at mount: O(depth) per render
    # would make every render of a deep tree quadratic.
    use_effect(lambda: getattr(runtime, registry).add(ref, f"{hook} of {fiber.path()}"), [])


def use_on_tick_start(callback: Callable[..., Any]) -> None:
    """`callback(tick_state, com)` at the start of every tick while mounted, tick 1 included (a
    component mounted during a tick gets a catch-up call in that tick)."""
    _register("use_on_tick_start", "tick_start", callback)


def use_after_compile(callback: Callable[..., Any]) -> None:
    """`callback(compiled, com)` after every compile pass, before the model call."""
    _register("use_after_compile", "after_compile", callback)


def use_on_tick_end(callback: Callable[..., Any]) -> None:
    """`callback(tick_result, com)` after the model response and tool results of every tick.

    Its return value votes on continuing, exactly like `use_continuation`.
    """
    _register("use_on_tick_end", "tick_end", callback)


def use_continuation(callback: Callable[..., Any]) -> None:
    """`callback(tick_result, com) -> True | False | {"stop"/"continue": True, "reason": ...} | None`:
    vote on whether the execution continues after this tick (later callbacks override earlier)."""
    _register("use_continuation", "tick_end", callback)


def use_on_execution_start(callback: Callable[..., Any]) -> None:
    """`callback(execution_id, com)` once per execution, on its first tick."""
    _register("use_on_execution_start", "execution_start", callback)


def use_on_execution_end(callback: Callable[..., Any]) -> None:
    """`callback(com)` once per execution, also after an error or an abort."""
    _register("use_on_execution_end", "execution_end", callback)


def use_on_message(callback: Callable[..., Any]) -> None:
    """`callback(message, com, tick_state)` when a message is sent or queued to the session."""
    _register("use_on_message", "message", callback)


def use_on_mount(callback: Callable[..., Any]) -> None:
    """`callback(com)` once, after the component's first commit."""
    runtime = use_runtime("use_on_mount")
    ref = use_latest(callback)
    use_effect(lambda: _start(runtime, ref.current(runtime.com)), [])


def use_on_unmount(callback: Callable[..., Any]) -> None:
    """`callback(com)` once, when the component leaves the tree or the session closes."""
    runtime = use_runtime("use_on_unmount")
    ref = use_latest(callback)
    use_effect(lambda: lambda: _start(runtime, ref.current(runtime.com)), [])


def _start(runtime: AgentRuntime, result: Any) -> None:
    """Effects are synchronous; an async mount/unmount callback is awaited by the engine right after
    the pass that triggered it."""
    if inspect.isawaitable(result):
        runtime.deferred.append(result)
