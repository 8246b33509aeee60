"""JSON-safe snapshots for DevTools: the component tree with each component's hook state, and a
one-line rendering of a message (the compiled context itself is encoded in `encode.py`).

The tree keeps component fibers only (host nodes, text and context providers are flattened away)
and is bounded so a huge tree cannot stall a tick: at most `MAX_TREE_NODES` components, at most
`MAX_TREE_DEPTH` levels; what is cut is replaced by a node named `… N more`. Hook values are
rendered JSON-safe: plain data as is (at most `MAX_ITEMS` items per container, `MAX_DEPTH` levels),
anything else as its `repr`, and every string cut at `MAX_TEXT` characters.
"""

from __future__ import annotations

import inspect
import json
import math
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, cast

from pydantic import BaseModel

from ..element import Memo, type_name
from ..reconciler.fiber import COMPONENT, Fiber
from ..reconciler.hooks import EffectHook, LatestHook, MemoHook, RefHook, SlotHook, StateHook
from ..types import Message

__all__ = ["json_safe", "message_text", "source_of", "tree_snapshot"]

MAX_TEXT = 200
MAX_ITEMS = 20
MAX_DEPTH = 4
MAX_MESSAGE_TEXT = 300
MAX_TREE_NODES = 2_000
MAX_TREE_DEPTH = 100


# --- messages ------------------------------------------------------------------------------------


def message_text(message: Message) -> str:
    """A one-glance rendering of a message: its text, tool calls as `→ name(input)`, tool results as
    `← name: text`, other blocks as `[type]`; cut at `MAX_MESSAGE_TEXT` characters."""
    parts: list[str] = []
    for block in message.content:
        if block.type in ("text", "reasoning", "code"):
            parts.append(getattr(block, "text", ""))
        elif block.type == "tool_use":
            parts.append(f"→ {block.name}({json.dumps(block.input, ensure_ascii=False, default=str)})")
        elif block.type == "tool_result":
            inner = "".join(getattr(item, "text", "") for item in block.content)
            parts.append(f"← {block.name}{' error' if block.is_error else ''}: {inner}")
        else:
            parts.append(f"[{block.type}]")
    return _cut("\n".join(parts), MAX_MESSAGE_TEXT)


# --- the component tree -----------------------------------------------------------------------


def tree_snapshot(root: Fiber) -> dict[str, Any]:
    """The component tree under `root` as nested nodes (`name`, `key`, `source`, `hooks`,
    `children`); the top component itself when there is exactly one, else a node named `root`.

    Components are taken in tree order (depth first) until `MAX_TREE_NODES`; then the rest of
    each open level becomes one `… N more` node, as does everything below `MAX_TREE_DEPTH`."""
    top: dict[str, Any] = _node("root", None, None, [])
    budget = MAX_TREE_NODES
    # Iterative (trees can be deeper than Python's recursion limit): per open level, the fibers
    # still to visit, the node their components go under, and that node's depth.
    stack: list[tuple[deque[Fiber], dict[str, Any], int]] = [(deque(root.children), top, 0)]
    while stack:
        pending, node, depth = stack[-1]
        child = _next_component(pending)
        if child is None:
            stack.pop()
            continue
        if depth >= MAX_TREE_DEPTH or budget <= 0:  # this child and its remaining siblings: one node
            cut = _count(child) + sum(_count(rest) for rest in pending)
            node["children"].append(_node(f"… {cut:,} more", None, None, []))
            stack.pop()
            continue
        budget -= 1
        key = getattr(child.element, "key", None)
        entry = _node(
            type_name(child.type),
            None if key is None else str(key),
            source_of(child.type),
            [{"hook": _hook_name(hook), "value": hook_value(hook)} for hook in child.hooks],
        )
        node["children"].append(entry)
        stack.append((deque(child.children), entry, depth + 1))
    children: list[dict[str, Any]] = top["children"]
    return children[0] if len(children) == 1 else top


def _next_component(pending: deque[Fiber]) -> Fiber | None:
    """Take the next component fiber from `pending`, looking through host nodes, text, fragments
    and providers (their children take their place)."""
    while pending:
        fiber = pending.popleft()
        if fiber.kind == COMPONENT:
            return fiber
        pending.extendleft(reversed(fiber.children))
    return None


def _node(name: str, key: str | None, source: str | None, hooks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "key": key, "source": source, "hooks": hooks, "children": []}


def _count(fiber: Fiber) -> int:
    """Components in the subtree of `fiber` (itself included), for the `… N more` nodes."""
    count, stack = 0, [fiber]
    while stack:
        current = stack.pop()
        count += current.kind == COMPONENT
        stack.extend(current.children)
    return count


def source_of(component: Any) -> str | None:
    """`file:line` where a component is defined: its function (through `memo` and decorators), a
    tool's handler, or a class's `__call__`/`__init__`; None when there is no Python source."""
    target = component
    while isinstance(target, Memo):
        target = target.__wrapped__
    try:
        target = inspect.unwrap(target)
    except ValueError:  # a cycle of __wrapped__
        return None
    code = getattr(target, "__code__", None) or getattr(getattr(target, "handler", None), "__code__", None)
    if code is None and isinstance(target, type):
        for name in ("__call__", "__init__"):
            method = target.__dict__.get(name)
            code = getattr(method, "__code__", None)
            if code is not None:
                break
    if code is None:
        return None
    return f"{code.co_filename}:{code.co_firstlineno}"


def _hook_name(hook: Any) -> str:
    name = getattr(hook, "hook_name", None)
    return name if isinstance(name, str) else type(hook).__name__


def hook_value(hook: Any) -> Any:
    """What a hook holds, JSON-safe: a state's value, a ref's `.current`, a memo's value, an
    effect's dependencies; None for hooks that hold nothing (`use_context`)."""
    if isinstance(hook, StateHook | MemoHook | SlotHook):
        return json_safe(hook.value)
    if isinstance(hook, RefHook | LatestHook):
        return json_safe(hook.ref.current)
    if isinstance(hook, EffectHook):
        return {"deps": json_safe(hook.deps)}
    return json_safe(getattr(hook, "value", None))


# --- JSON-safe values ---------------------------------------------------------------------------


def json_safe(value: Any, depth: int = 0) -> Any:
    """`value` as JSON data: plain data kept (bounded), pydantic models dumped, anything else its
    `repr`; strings cut at `MAX_TEXT` characters."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, str):
        return _cut(value, MAX_TEXT)
    if depth < MAX_DEPTH:
        if isinstance(value, list | tuple):
            sequence = cast("Sequence[Any]", value)
            out = [json_safe(item, depth + 1) for item in sequence[:MAX_ITEMS]]
            if len(sequence) > MAX_ITEMS:
                out.append(f"… {len(sequence) - MAX_ITEMS:,} more")
            return out
        if isinstance(value, dict):
            mapping = cast("Mapping[Any, Any]", value)
            result: dict[str, Any] = {}
            for index, (key, item) in enumerate(mapping.items()):
                if index == MAX_ITEMS:
                    result["…"] = f"{len(mapping) - MAX_ITEMS:,} more"
                    break
                result[_cut(key if isinstance(key, str) else _repr(key), MAX_TEXT)] = json_safe(item, depth + 1)
            return result
        if isinstance(value, BaseModel):
            try:
                return json_safe(value.model_dump(mode="json"), depth)
            except Exception:
                pass
    return _cut(_repr(value), MAX_TEXT)


def _repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as error:
        return f"<{type(value).__name__} (repr failed: {type(error).__name__})>"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
