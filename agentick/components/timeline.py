"""`<Timeline>`: the conversation history, then the messages of the current execution."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..compiler import nodes as n
from ..element import Element, h
from ..errors import CompileError
from ..hooks.context import use_tick_updates
from ..reconciler import Ref, use_effect, use_memo, use_ref
from ..runtime import AgentRuntime, use_runtime
from ..types import Message, TimelineEntry
from .budget import TokenBudget, compact

__all__ = ["Timeline", "TokenBudget"]


def Timeline(
    roles: Sequence[str] | None = None,
    filter: Callable[[TimelineEntry], bool] | None = None,
    limit: int | None = None,
    max_tokens: int | None = None,
    strategy: str | Callable[..., Any] = "sliding-window",
    headroom: int = 0,
    preserve_roles: Sequence[str] = ("system",),
    on_evict: Callable[[list[TimelineEntry]], Any] | None = None,
    children: Any = (),
) -> Any:
    """Render the session's conversation where it stands in the tree.

    `roles`, `filter` and `limit` (keep the last N) select from the history of earlier executions;
    the current execution's messages always follow. With `max_tokens`, entries are evicted by
    `strategy` (never the current execution's user input, never a tool call without its result,
    never `preserve_roles`) and `on_evict` is told about newly evicted entries. A render function
    child `(history, pending, budget)` may render the entries itself; entries and messages it
    returns are rendered as messages.
    """
    runtime = use_runtime("Timeline")
    use_tick_updates(runtime)
    if not children and roles is None and filter is None and limit is None and max_tokens is None:
        # The common case: the whole history, then this execution's messages. The history does not
        # change during an execution, so its part of the list is built once per execution.
        history_messages, history_system = use_memo(lambda: _summary(runtime.history), [runtime.history])
        pending_messages, pending_system = _summary(runtime.pending)
        return _entries(history_messages + pending_messages, history_system or pending_system)
    history: list[TimelineEntry] = runtime.history
    if roles is not None:
        history = [entry for entry in history if entry.message.role in roles]
    if filter is not None:
        history = [entry for entry in history if filter(entry)]
    if limit is not None:
        history = history[-limit:] if limit > 0 else []
    pending = runtime.pending
    budget: TokenBudget | None = None
    evicted: list[TimelineEntry] = []
    if max_tokens is not None:
        inputs = {entry.id for entry in pending if "input" in entry.tags}
        kept, evicted, budget = compact(
            [*history, *pending],
            max_tokens=max_tokens,
            strategy=strategy,
            headroom=headroom,
            preserve_roles=preserve_roles,
            keep=lambda entry: entry.id in inputs,
            count=lambda entry: runtime.tokens.count_message(entry.message),
        )
        pending_ids = {entry.id for entry in pending}
        history = [entry for entry in kept if entry.id not in pending_ids]
        pending = [entry for entry in kept if entry.id in pending_ids]
    _report_evictions(on_evict, evicted)
    if children:
        render = children[0] if len(children) == 1 and callable(children[0]) else None
        if render is None:
            return children
        return _as_children(runtime, render(history, pending, budget))
    messages, system = _summary([*history, *pending])
    return _entries(messages, system)


def _summary(entries: list[TimelineEntry]) -> tuple[list[Message], bool]:
    """The messages worth sending (empty ones are skipped) and whether any is a system message."""
    messages = [entry.message for entry in entries if entry.message.content]
    return messages, any(message.role == "system" for message in messages)


def _entries(messages: list[Message], system: bool) -> Element:
    """One host node for all the messages: no fiber per message, whatever the history's length."""
    return h(n.ENTRIES, {"messages": messages, "system": system})


def _report_evictions(on_evict: Callable[[list[TimelineEntry]], Any] | None, evicted: list[TimelineEntry]) -> None:
    reported: Ref[set[str]] = use_ref(set())
    fresh = [entry for entry in evicted if entry.id not in reported.current] if on_evict else []

    def report() -> None:
        reported.current.update(entry.id for entry in fresh)
        on_evict(fresh)  # type: ignore[misc]

    use_effect(report if fresh else _nothing, [tuple(entry.id for entry in fresh)])


def _nothing() -> None:
    return None


def _element(runtime: AgentRuntime, entry: TimelineEntry) -> Element:
    """The host element of one stored entry (for render functions), built once per entry."""
    element = runtime.entry_elements.get(entry.id)
    if element is None or element.props["message"] is not entry.message:
        element = runtime.entry_elements[entry.id] = h(n.ENTRY, {"message": entry.message}, key=entry.id)
    return element


def _as_children(runtime: AgentRuntime, rendered: Any) -> Any:
    if isinstance(rendered, TimelineEntry):
        return _element(runtime, rendered)
    if isinstance(rendered, Message):
        return h(n.ENTRY, {"message": rendered})
    if isinstance(rendered, list | tuple):
        return [_as_children(runtime, item) for item in rendered]
    if rendered is None or isinstance(rendered, Element | str | int | float | bool):
        return rendered
    raise CompileError(
        f"the render function of <Timeline> returned {type(rendered).__name__}; return elements, timeline "
        "entries, messages, strings or lists of those"
    )
