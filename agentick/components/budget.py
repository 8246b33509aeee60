"""Token budgets for `<Timeline max_tokens=...>`: which entries to keep when history is too long.

Entries are grouped into units first: an assistant message that calls tools and the tool messages
answering those calls form one unit, so eviction never separates a tool call from its result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from ..errors import CompileError
from ..types import TimelineEntry, ToolResultBlock, ToolUseBlock

__all__ = ["TokenBudget", "compact"]

STRATEGIES = ("none", "truncate", "sliding-window")


@dataclass(frozen=True, slots=True)
class TokenBudget:
    """What a budgeted Timeline did this tick (passed to render-function children)."""

    max_tokens: int
    effective_budget: int
    current_tokens: int
    evicted_count: int

    @property
    def is_compacted(self) -> bool:
        return self.evicted_count > 0


def units_of(entries: Sequence[TimelineEntry]) -> list[list[TimelineEntry]]:
    """Group entries so that each tool call travels with the results that answer it."""
    units: list[list[TimelineEntry]] = []
    open_calls: dict[str, list[TimelineEntry]] = {}
    for entry in entries:
        message = entry.message
        if message.role == "tool":
            ids = [b.tool_use_id for b in message.content if isinstance(b, ToolResultBlock)]
            owner = next((open_calls[i] for i in ids if i in open_calls), None)
            if owner is not None:
                owner.append(entry)
                continue
        unit = [entry]
        units.append(unit)
        for block in message.content:
            if isinstance(block, ToolUseBlock):
                open_calls[block.tool_use_id] = unit
    return units


def compact(
    entries: Sequence[TimelineEntry],
    *,
    max_tokens: int,
    strategy: str | Callable[..., Any],
    headroom: int,
    preserve_roles: Sequence[str],
    keep: Callable[[TimelineEntry], bool],
    count: Callable[[TimelineEntry], int],
) -> tuple[list[TimelineEntry], list[TimelineEntry], TokenBudget]:
    """Entries to keep (in order), entries evicted, and the budget report.

    `keep(entry)` marks entries that must stay (the current execution's user input); entries whose
    role is in `preserve_roles` stay too. `truncate` keeps the newest units that fit, skipping
    larger ones; `sliding-window` keeps the newest contiguous run that fits; a callable gets
    `(entries, budget)` and returns the entries to keep (or `(kept, evicted)`).
    """
    effective = max_tokens - headroom
    units = units_of(entries)
    sizes = [sum(count(entry) for entry in unit) for unit in units]
    total = sum(sizes)
    if strategy == "none" or total <= effective:
        kept_units = list(range(len(units)))
    elif callable(strategy):
        kept_units = _custom(strategy, entries, units, TokenBudget(max_tokens, effective, total, 0))
    elif strategy in ("truncate", "sliding-window"):
        kept_units = _fill(units, sizes, effective, strategy == "sliding-window", preserve_roles, keep)
    else:
        raise CompileError(
            f"<Timeline> strategy must be one of {', '.join(STRATEGIES)} or a callable, not {strategy!r}"
        )
    chosen = set(kept_units)
    kept = [entry for i, unit in enumerate(units) if i in chosen for entry in unit]
    evicted = [entry for i, unit in enumerate(units) if i not in chosen for entry in unit]
    current = sum(sizes[i] for i in chosen)
    return kept, evicted, TokenBudget(max_tokens, effective, current, len(evicted))


def _fill(
    units: list[list[TimelineEntry]],
    sizes: list[int],
    budget: int,
    contiguous: bool,
    preserve_roles: Sequence[str],
    keep: Callable[[TimelineEntry], bool],
) -> list[int]:
    pinned = {i for i, unit in enumerate(units) if any(e.message.role in preserve_roles or keep(e) for e in unit)}
    remaining = budget - sum(sizes[i] for i in pinned)
    chosen = set(pinned)
    for i in range(len(units) - 1, -1, -1):
        if i in pinned:
            continue
        if sizes[i] <= remaining:
            chosen.add(i)
            remaining -= sizes[i]
        elif contiguous:
            break
    return sorted(chosen)


def _custom(
    strategy: Callable[..., Any],
    entries: Sequence[TimelineEntry],
    units: list[list[TimelineEntry]],
    budget: TokenBudget,
) -> list[int]:
    result = strategy(list(entries), budget)
    kept: Iterable[TimelineEntry] = cast("Sequence[Any]", result)[0] if isinstance(result, tuple) else result
    kept_ids = {entry.id for entry in kept}
    # A unit survives only whole: a call kept without its result (or the reverse) is evicted.
    return [i for i, unit in enumerate(units) if all(entry.id in kept_ids for entry in unit)]
