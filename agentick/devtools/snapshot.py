"""JSON-safe snapshots for DevTools: the component tree with each component's hook state, and a
one-line rendering of a message (the compiled context itself is encoded in `encode.py`).

The tree keeps component fibers only (host nodes, text and context providers are flattened away)
and is bounded so a huge tree cannot stall a tick: at most `MAX_TREE_NODES` components, at most
`MAX_TREE_DEPTH` levels; what is cut is replaced by a node named `… N more`. Hook values are
rendered JSON-safe: plain data as is (at most `MAX_ITEMS` items per container, `MAX_DEPTH` levels),
anything else as a `reprlib` repr within the same limits, and every string cut at `MAX_TEXT`
characters, so a hook holding a million items costs no more than one holding twenty.
"""

from __future__ import annotations

import inspect
import itertools
import json
import math
import reprlib
from collections import deque
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any, cast

from pydantic import BaseModel

from ..element import Memo, type_name
from ..reconciler.fiber import COMPONENT, Fiber
from ..reconciler.hooks import EffectHook, LatestHook, MemoHook, RefHook, SlotHook, StateHook
from ..tools import TOOL_NODE
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
        component = _component_of(child)
        entry = _node(
            type_name(component),
            None if key is None else str(key),
            source_of(component),
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
        if _component_of(fiber) is not None:
            return fiber
        pending.extendleft(reversed(fiber.children))
    return None


def _component_of(fiber: Fiber) -> Any:
    """The component `fiber` stands for in the tree: its type for a component fiber, the tool for
    a pure tool's `@tool` node mounted in the tool's place (see `ExecutableTool.static_element`:
    such a tool has no fiber of its own, but the user wrote it as a component), else None."""
    if fiber.kind == COMPONENT:
        return fiber.type
    if fiber.type == TOOL_NODE:
        tool = fiber.element.props["tool"]
        if tool.static_element is fiber.element:
            return tool
    return None


def _node(name: str, key: str | None, source: str | None, hooks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "key": key, "source": source, "hooks": hooks, "children": []}


def _count(fiber: Fiber) -> int:
    """Components in the subtree of `fiber` (itself included), for the `… N more` nodes."""
    count, stack = 0, [fiber]
    while stack:
        current = stack.pop()
        count += _component_of(current) is not None
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
    """`value` as JSON data, at a cost bounded by the limits rather than by the value's size: plain
    data kept (lists, tuples, sets and deques as their first `MAX_ITEMS` items, then `… N more`;
    dicts likewise), a pydantic model as a dict of its fields (never dumped whole), anything else a
    bounded `repr`; strings cut at `MAX_TEXT` characters."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, str):
        return _cut(value, MAX_TEXT)
    if depth < MAX_DEPTH:
        if isinstance(value, list | tuple | set | frozenset | deque):
            items = cast("Collection[Any]", value)
            out = [json_safe(item, depth + 1) for item in itertools.islice(items, MAX_ITEMS)]
            if len(items) > MAX_ITEMS:
                out.append(f"… {len(items) - MAX_ITEMS:,} more")
            return out
        if isinstance(value, dict):
            mapping = cast("Mapping[Any, Any]", value)
            return _bounded_dict(mapping.items(), len(mapping), depth)
        if isinstance(value, BaseModel):
            fields = _model_fields(value)
            return _bounded_dict(itertools.islice(fields, MAX_ITEMS + 1), _field_count(value), depth)
    return _cut(_REPR.repr(value), MAX_TEXT)


def _bounded_dict(items: Iterable[tuple[Any, Any]], size: int, depth: int) -> dict[str, Any]:
    """The first `MAX_ITEMS` of `items` (out of `size`) as a JSON object, then `"…": "N more"`."""
    result: dict[str, Any] = {}
    for index, (key, item) in enumerate(items):
        if index == MAX_ITEMS:
            result["…"] = f"{size - MAX_ITEMS:,} more"
            break
        result[_cut(key if isinstance(key, str) else _REPR.repr(key), MAX_TEXT)] = json_safe(item, depth + 1)
    return result


def _model_fields(model: BaseModel) -> Iterator[tuple[str, Any]]:
    """A pydantic model's fields, then its extra ones, each read as it is needed."""
    for name in type(model).model_fields:
        yield name, getattr(model, name, None)
    yield from (model.__pydantic_extra__ or {}).items()


def _field_count(model: BaseModel) -> int:
    return len(type(model).model_fields) + len(model.__pydantic_extra__ or {})


class _BoundedRepr(reprlib.Repr):
    """`reprlib` with the snapshot's limits, never sorting a whole set or dict (reprlib sorts them
    to pick the items it shows), showing a pydantic model's first fields rather than its full
    repr, and naming a failing `__repr__` instead of raising."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = MAX_DEPTH
        self.maxstring = self.maxother = self.maxlong = MAX_TEXT
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = MAX_ITEMS
        self.maxdeque = self.maxarray = self.maxdict = MAX_ITEMS

    def repr_set(self, x: set[Any], level: int) -> str:
        return "set()" if not x else self._items(x, level, "{", "}", self.maxset)

    def repr_frozenset(self, x: frozenset[Any], level: int) -> str:
        return "frozenset()" if not x else self._items(x, level, "frozenset({", "})", self.maxfrozenset)

    def _items(self, x: Collection[Any], level: int, left: str, right: str, most: int) -> str:
        if level <= 0:
            return f"{left}...{right}"
        pieces = [self.repr1(item, level - 1) for item in itertools.islice(x, most)]
        if len(x) > most:
            pieces.append("...")
        return left + ", ".join(pieces) + right

    def repr_dict(self, x: dict[Any, Any], level: int) -> str:
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        pieces = [
            f"{self.repr1(k, level - 1)}: {self.repr1(v, level - 1)}"
            for k, v in itertools.islice(x.items(), self.maxdict)
        ]
        if len(x) > self.maxdict:
            pieces.append("...")
        return "{" + ", ".join(pieces) + "}"

    def repr_bytes(self, x: bytes, level: int) -> str:
        return repr(x) if len(x) <= self.maxstring else repr(x[: self.maxstring]) + "..."

    def repr_instance(self, x: Any, level: int) -> str:
        if isinstance(x, BaseModel):
            if level <= 0:
                return f"{type(x).__name__}(...)"
            shown = itertools.islice(_model_fields(x), self.maxdict)
            pieces = [f"{name}={self.repr1(item, level - 1)}" for name, item in shown]
            if _field_count(x) > self.maxdict:
                pieces.append("...")
            return f"{type(x).__name__}({', '.join(pieces)})"
        try:
            return _cut(repr(x), self.maxother)
        except Exception as error:
            return f"<{type(x).__name__} (repr failed: {type(error).__name__})>"


_REPR = _BoundedRepr()


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
