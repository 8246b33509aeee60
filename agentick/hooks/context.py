"""Hooks that read the agent's context: the COM, tick state, timeline, queued messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..reconciler import use_effect, use_force_update
from ..runtime import AgentRuntime, Com, use_runtime
from ..types import Message, TimelineEntry

if TYPE_CHECKING:
    from ..engine.context_info import ContextInfo
    from ..engine.results import TickState

__all__ = ["use_com", "use_context_info", "use_queued_messages", "use_tick_state", "use_tick_updates", "use_timeline"]


def use_tick_updates(runtime: AgentRuntime) -> None:
    """Re-render the calling component at the start of every tick, even below a `memo` boundary."""
    force = use_force_update()

    def subscribe() -> Any:
        key = id(force)
        runtime.tick_listeners[key] = force
        return lambda: runtime.tick_listeners.pop(key, None)

    use_effect(subscribe, [])


def use_com() -> Com:
    """The session's context object (`session_id`, `get_state`/`set_state`, `request_recompile`, ...)."""
    return use_runtime("use_com").com


def use_tick_state() -> TickState | None:
    """The current tick's `TickState` (`tick`, `execution_id`, `timeline`, ...); None outside a tick."""
    runtime = use_runtime("use_tick_state")
    use_tick_updates(runtime)
    return runtime.tick_state


def use_timeline() -> tuple[TimelineEntry, ...]:
    """The session's timeline entries (read-only), including those of the running execution."""
    runtime = use_runtime("use_timeline")
    use_tick_updates(runtime)
    return (*runtime.history, *runtime.pending)


def use_queued_messages() -> tuple[Message, ...]:
    """Messages sent while this execution runs; a later execution delivers them."""
    runtime = use_runtime("use_queued_messages")
    use_tick_updates(runtime)
    tick_state = runtime.tick_state
    return tuple(tick_state.queued_messages) if tick_state is not None else ()


def use_context_info() -> ContextInfo | None:
    """Model and token usage after the last completed tick (see `ContextInfo`); None before any."""
    runtime = use_runtime("use_context_info")
    use_tick_updates(runtime)
    return runtime.context_info
