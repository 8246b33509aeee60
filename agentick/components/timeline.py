"""`<Timeline>`: the conversation history, then the messages of the current execution."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, cast

from ..compiler import nodes as n
from ..element import Element, h
from ..errors import CompileError
from ..hooks.context import use_tick_updates
from ..reconciler import Ref, use_effect, use_memo, use_ref
from ..runtime import AgentRuntime, use_runtime
from ..types import Message, TimelineEntry
from .budget import TokenBudget, compact
from .tool_pairs import PairCache, paired

__all__ = ["Timeline", "TokenBudget"]

logger = logging.getLogger("agentick")


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
    the current execution's messages always follow. None of them separates a tool call from its
    result: a call whose result is not selected, or a result whose call is not, is removed too, and
    `limit` counts the messages left after that. With `max_tokens`, entries are evicted by
    `strategy` (never the current execution's user input, never a tool call without its result,
    never `preserve_roles`) and `on_evict` is told about newly evicted entries. A render function
    child `(history, pending, budget)` may render the entries itself; entries and messages it
    returns are rendered as messages.
    """
    runtime = use_runtime("Timeline")
    use_tick_updates(runtime)
    whole = not children and roles is None and filter is None and limit is None and max_tokens is None
    pair_cache: Ref[PairCache] = use_ref({})
    reported: Ref[set[str]] = use_ref(set())
    # The history does not change during an execution, so what is sent of it is worked out once
    # per execution: the messages of the whole history in the common case, else the selection
    # (unless a filter function, which may read anything, is given). The current execution's
    # entries only grow: their summary is extended tick by tick. The hooks run every render.
    pending_summary = use_memo(lambda: _PendingSummary(runtime.pending), [runtime.pending])
    history_summary = use_memo(lambda: _summary(runtime.history) if whole else None, [runtime.history, whole])
    history: list[TimelineEntry] = use_memo(
        lambda: [] if whole else _select(runtime.history, roles, filter, limit, pair_cache.current),
        [runtime.history, whole, None if roles is None else tuple(roles), limit, None if filter is None else object()],
    )
    if history_summary is not None:
        _report_evictions(None, [], reported)
        history_messages, history_system = history_summary
        pending_messages, pending_system = pending_summary.update()
        return _entries(history_messages + pending_messages, history_system or pending_system)
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
        if budget.current_tokens > budget.effective_budget and isinstance(strategy, str) and strategy != "none":
            _warn_over_budget(runtime, budget, preserve_roles)
        pending_ids = {entry.id for entry in pending}
        history = [entry for entry in kept if entry.id not in pending_ids]
        pending = [entry for entry in kept if entry.id in pending_ids]
    _report_evictions(on_evict, evicted, reported)
    if children:
        render = children[0] if len(children) == 1 and callable(children[0]) else None
        if render is None:
            return children
        return _as_children(runtime, render(history, pending, budget))
    messages, system = _summary([*history, *pending])
    return _entries(messages, system)


def _select(
    history: list[TimelineEntry],
    roles: Sequence[str] | None,
    filter: Callable[[TimelineEntry], bool] | None,
    limit: int | None,
    cache: PairCache,
) -> list[TimelineEntry]:
    """The history entries `roles`, `filter` and `limit` keep, in that order, with tool calls and
    results kept or dropped in pairs: after `roles`/`filter` a call whose result was left out (or
    the reverse) goes too, then `limit` counts what remains and shrinks to a pair boundary (a
    result whose call falls outside the window goes)."""
    if roles is not None:
        history = [entry for entry in history if entry.message.role in roles]
    if filter is not None:
        history = [entry for entry in history if filter(entry)]
    if roles is not None or filter is not None:
        history = paired(history, cache)
    if limit is not None:
        history = paired(history[-limit:], cache) if limit > 0 else []
    return history


def _summary(entries: list[TimelineEntry]) -> tuple[list[Message], bool]:
    """The messages worth sending (empty ones are skipped) and whether any is a system message."""
    messages = [entry.message for entry in entries if entry.message.content]
    return messages, any(message.role == "system" for message in messages)


class _PendingSummary:
    """`_summary` of the current execution's entries, extended by the entries added since the last
    render instead of recomputed: a stateless run imports its whole conversation as the execution's
    input, and re-reading thousands of entries every tick cost 0.3-0.5 ms per tick at 2,000.

    The execution's entry list only grows (a new execution starts a new list, and with it a new
    summary), and an entry's message is not edited in place, the same assumption the history's
    summary makes for a whole execution."""

    __slots__ = ("entries", "messages", "seen", "system")

    def __init__(self, entries: list[TimelineEntry]) -> None:
        self.entries = entries
        self.seen = 0
        self.messages: list[Message] = []
        self.system = False

    def update(self) -> tuple[list[Message], bool]:
        """The summary of all of `entries` as they stand now."""
        if len(self.entries) > self.seen:
            messages, system = _summary(self.entries[self.seen :])
            self.messages.extend(messages)
            self.system = self.system or system
            self.seen = len(self.entries)
        return self.messages, self.system


def _entries(messages: list[Message], system: bool) -> Element:
    """One host node for all the messages: no fiber per message, whatever the history's length."""
    return h(n.ENTRIES, {"messages": messages, "system": system})


def _report_evictions(
    on_evict: Callable[[list[TimelineEntry]], Any] | None, evicted: list[TimelineEntry], reported: Ref[set[str]]
) -> None:
    fresh = [entry for entry in evicted if entry.id not in reported.current] if on_evict else []

    def report() -> None:
        reported.current.update(entry.id for entry in fresh)
        on_evict(fresh)  # type: ignore[misc]

    use_effect(report if fresh else _nothing, [tuple(entry.id for entry in fresh)])


def _warn_over_budget(runtime: AgentRuntime, budget: TokenBudget, preserve_roles: Sequence[str]) -> None:
    """Once per session: the entries a budget may not evict alone exceed it, so the model gets more
    than `max_tokens` (the strategy evicted everything else it could)."""
    warned: set[str] = runtime.extension("lint", set)  # the session's warn-once keys (engine/lint.py)
    if "timeline:over-budget" in warned:
        return
    warned.add("timeline:over-budget")
    logger.warning(
        "session %r: <Timeline max_tokens=%d> keeps %d tokens, over its budget of %d: the current input and "
        "the messages of preserved roles (%s) are never evicted. Raise max_tokens or lower headroom, or "
        "summarise long inputs",
        runtime.com.session_id,
        budget.max_tokens,
        budget.current_tokens,
        budget.effective_budget,
        ", ".join(preserve_roles) or "none",
    )


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
        return [_as_children(runtime, item) for item in cast("Sequence[Any]", rendered)]
    if rendered is None or isinstance(rendered, Element | str | int | float | bool):
        return rendered
    raise CompileError(
        f"the render function of <Timeline> returned {type(rendered).__name__}; return elements, timeline "
        "entries, messages, strings or lists of those"
    )
