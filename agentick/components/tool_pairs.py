"""Keeping tool calls with their results when a `<Timeline>` sends part of the history.

Providers accept a tool result only in a `tool` message that follows the assistant message making
the call (with nothing but other tool messages between), and an assistant message's calls only when
every one of them is answered there. `roles=`, `filter=` and `limit=` pick messages one by one and
can separate the two; `paired` repairs such a selection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..types import TimelineEntry

__all__ = ["PairCache", "paired"]

# entry id -> (the entry, the indices of the blocks kept, the entry with only those blocks)
PairCache = dict[str, tuple[TimelineEntry, tuple[int, ...], TimelineEntry]]
_TOOL_BLOCKS = frozenset({"tool_use", "tool_result"})  # the `type` of call and result blocks


def paired(entries: Sequence[TimelineEntry], cache: PairCache | None = None) -> list[TimelineEntry]:
    """`entries` with every tool call whose result is not among them removed, and every result
    whose call is not; a message this leaves empty is dropped, the rest of a message (an
    assistant's text beside its calls) stays.

    `cache` keeps the trimmed copies between renders, so an unchanged selection yields the same
    entry objects (their token counts are remembered per message object).
    """
    complete, involved = _complete_pairs(entries)
    if not involved:
        return list(entries)
    kept_entries: list[TimelineEntry] = []
    for position, entry in enumerate(entries):
        if position not in involved:
            kept_entries.append(entry)
            continue
        content = entry.message.content
        kept = tuple(
            index for index, block in enumerate(content) if block.type not in _TOOL_BLOCKS or id(block) in complete
        )
        if len(kept) == len(content):
            kept_entries.append(entry)
        elif kept:
            kept_entries.append(_trimmed(entry, kept, cache))
    return kept_entries


def _complete_pairs(entries: Sequence[TimelineEntry]) -> tuple[set[int], set[int]]:
    """The `id()`s of the call and result blocks that form complete pairs (a result in a tool
    message answering a call of the nearest non-tool message before it, an assistant message; each
    call answered once), and the positions of the entries holding a call or result left unpaired."""
    complete: set[int] = set()
    holders: list[tuple[int, list[Any]]] = []  # entries with calls or results, and those blocks
    open_calls: dict[str, Any] = {}
    for position, entry in enumerate(entries):
        message = entry.message
        blocks = [block for block in message.content if block.type in _TOOL_BLOCKS]
        if blocks:
            holders.append((position, blocks))
        if message.role != "tool":
            open_calls = {block.tool_use_id: block for block in blocks if block.type == "tool_use"}
            if message.role != "assistant":
                open_calls.clear()
            continue
        for block in blocks:
            if block.type == "tool_result":
                call = open_calls.pop(block.tool_use_id, None)
                if call is not None:
                    complete.add(id(call))
                    complete.add(id(block))
    involved = {position for position, blocks in holders if any(id(block) not in complete for block in blocks)}
    return complete, involved


def _trimmed(entry: TimelineEntry, kept: tuple[int, ...], cache: PairCache | None) -> TimelineEntry:
    if cache is not None:
        hit = cache.get(entry.id)
        if hit is not None and hit[0] is entry and hit[1] == kept:
            return hit[2]
    content = entry.message.content
    message = entry.message.model_copy(update={"content": [content[index] for index in kept]})
    trimmed = TimelineEntry.trusted(entry.id, message, entry.tags, entry.execution_id, entry.tick)
    if cache is not None:
        cache[entry.id] = (entry, kept, trimmed)
    return trimmed
