"""What changed in the model input between two ticks of a session (the `context_diff` event).

A `ContextDiffer` remembers the last `CompiledContext` the model was called with and compares the
next one with it: the system text (a unified diff), sections by id, tools by name (and definition),
messages, the token count, and for every added or changed part the component that rendered it
(`provenance`). What the engine adds after compiling (structured output's `final_result`, a
runner's `transform_model_input`) is not compared.

Cost, per tick, with a long history: messages are compared by identity (a timeline message keeps
its object from tick to tick) at C speed, a common suffix and prefix first, then, only when both
sides changed in the middle (a window that slid), sets of ids. `token_delta` counts only what
changed: the added and removed messages (each message is tokenised once per session anyway), the
system message when its text changed, the tools when their definitions changed; no tick ever counts
the whole history for it. Component paths are worked out once per host node and label, when it
first contributes, and kept while it does, so that a part removed later still names its component.
"""

from __future__ import annotations

import difflib
import operator
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress, takewhile
from typing import Any

from ..reconciler.core import stable_indices
from ..reconciler.fiber import Fiber
from ..types import Message
from . import nodes as n
from .assemble import CompiledContext
from .provenance import host_fiber, node_label, source_path

__all__ = ["OUTSIDE_TREE", "ContextChanges", "ContextDiffer"]

OUTSIDE_TREE = "tools= of create_app, app.session or send"
"""The source of a tool that no component rendered."""


@dataclass(slots=True)
class ContextChanges:
    """The fields of a `context_diff` event (see `agentick.engine.events.ContextDiffEvent`)."""

    system: str | None = None
    sections_added: list[str] = field(default_factory=list[str])
    sections_removed: list[str] = field(default_factory=list[str])
    sections_changed: list[str] = field(default_factory=list[str])
    messages_added: int = 0
    messages_removed: int = 0
    tools_added: list[str] = field(default_factory=list[str])
    tools_removed: list[str] = field(default_factory=list[str])
    token_delta: int = 0
    sources: dict[str, str] = field(default_factory=dict[str, str])


class ContextDiffer:
    """A session's memory of the last model input it sent. `diff(compiled, root)` returns what
    changed since then (None on the session's first tick); `commit()` makes that compiled context
    the one the next diff compares with, once the model is really called with it: a tick that
    stops before its model call, or fails before it (no model, a raising `transform_model_input`),
    leaves the baseline where it was, so the next diff still reports what the model has not seen."""

    __slots__ = ("_message_paths", "_messages", "_paths", "_pending", "_pruned_size", "_unremembered", "previous")

    def __init__(self) -> None:
        self.previous: CompiledContext | None = None
        self._messages: list[Message] = []  # previous.messages
        self._paths: dict[_Key, str] = {}  # the path of each structural node of `previous`
        self._message_paths: dict[_Key, str] = {}  # paths of message nodes asked for so far
        self._pruned_size = 0
        self._pending: tuple[CompiledContext, Fiber] | None = None  # diffed, not yet committed
        # A committed context whose structural nodes are new, and its tree, until `remember` reads
        # their paths off it (None when its nodes are last baseline's: their paths are known).
        self._unremembered: tuple[CompiledContext, Fiber] | None = None

    def diff(self, current: CompiledContext, root: Fiber) -> ContextChanges | None:
        previous = self.previous
        self._pending = (current, root)
        if previous is None:
            return None
        changes = ContextChanges()
        messages = current.messages
        removed, added = _message_changes(self._messages, messages)
        changes.messages_added, changes.messages_removed = len(added), len(removed)
        changes.token_delta = _token_delta(previous, current, removed, [messages[index] for index in added])
        paths = _Paths(root, self._paths)
        _compare_system(previous, current, changes, paths)
        _compare_sections(previous, current, changes, paths)
        _compare_tools(previous, current, changes, paths)
        if added:
            self._message_sources(current, root, added, changes.sources)
        return changes

    def commit(self) -> None:
        """The last diffed context goes to the model: it becomes the baseline of the next diff."""
        pending = self._pending
        if pending is None:
            return
        self._pending = None
        current = pending[0]
        previous = self.previous
        if previous is None or not _same_nodes(previous, current):
            self._unremembered = pending
        self.previous = current
        self._messages = current.messages

    def remember(self) -> None:
        """Read the paths of the baseline's structural parts off the tree, before the tree renders
        again (`Compiler.before_render`): a part the next render removes still names the component
        that rendered it. Done then rather than in `commit`, so that a session whose tree never
        renders again (a one-tick `run()`) never pays for it."""
        self._pending = None  # the tree it was diffed against is about to change
        unremembered = self._unremembered
        if unremembered is not None:
            self._unremembered = None
            self._paths = _remember(*unremembered, self._paths)

    def _message_sources(
        self, current: CompiledContext, root: Fiber, added: Sequence[int], sources: dict[str, str]
    ) -> None:
        paths = _Paths(root, self._message_paths)
        previous: n.Node | None = None
        path: str | None = None
        for index in added:
            node = message_node(current, index)
            if node is not previous:  # added messages mostly come from one node (the Timeline's)
                path = paths.of(node) if node is not None else None
                previous = node
            if path is not None:
                sources[f"message:{index}"] = path
        known = self._message_paths
        if len(known) > 2 * self._pruned_size + 64:  # forget removed nodes, amortised O(1) per tick
            for key in [key for key in known if host_fiber(root, key[0]) is None]:
                del known[key]
            self._pruned_size = len(known)


_Key = tuple[n.Node, str]
"""A node and its label (`#notes`) when its path was worked out: a host node that the reconciler
reuses with another id (`<Section id={f"step-{n}"}>` in the same place) gets a path of its own."""


class _Paths:
    """Component paths of nodes, computed once per node and label."""

    __slots__ = ("known", "root")

    def __init__(self, root: Fiber, known: dict[_Key, str]) -> None:
        self.root = root
        self.known = known

    def of(self, node: n.Node, label: str | None = None) -> str | None:
        """The path of `node`, shown with `label` (the node's label when the part was compiled;
        by default its current one)."""
        key = (node, node_label(node) if label is None else label)
        path = self.known.get(key)
        if path is None:
            path = source_path(self.root, node, key[1])
            if path is not None:
                self.known[key] = path
        return path

    def joined(self, nodes: Iterable[n.Node], label: str | None = None) -> str | None:
        """The distinct paths of `nodes`, in order, joined by ", "."""
        found = [path for path in (self.of(node, label) for node in nodes) if path is not None]
        return ", ".join(dict.fromkeys(found)) if found else None


def _remember(current: CompiledContext, root: Fiber, known: dict[_Key, str]) -> dict[_Key, str]:
    """The paths of the structural nodes of `current` (system parts, sections, tools), so that a
    part that disappears later can still be traced; paths known already are reused."""
    structure = current.structure
    paths = _Paths(root, known)
    kept: dict[_Key, str] = {}
    for node in (*structure.system_nodes, *structure.section_nodes, *structure.tool_nodes):
        label = node_label(node)
        path = paths.of(node, label)
        if path is not None:
            kept[node, label] = path
    return kept


def _same_nodes(previous: CompiledContext, current: CompiledContext) -> bool:
    """Whether the structural parts of `current` come from the same host nodes as `previous`'s."""
    old, new = previous.structure, current.structure
    return (
        _same(old.system_nodes, new.system_nodes)
        and _same(old.section_nodes, new.section_nodes)
        and _same(old.tool_nodes, new.tool_nodes)
    )


def _same(old: Sequence[Any], new: Sequence[Any]) -> bool:
    return len(old) == len(new) and all(map(operator.is_, old, new))


def _token_delta(
    previous: CompiledContext, current: CompiledContext, removed: list[Message], added: list[Message]
) -> int:
    """`current.token_count - previous.token_count`, counting only what changed (the counts add up
    message by message, and each message is counted once per session)."""
    counter = current.tokens
    delta = counter.count_messages(added) - counter.count_messages(removed)
    if previous.system != current.system:
        delta += _system_count(current) - _system_count(previous)
    if not _same(previous.tools, current.tools):
        delta += counter.count_tools(current.tools) - counter.count_tools(previous.tools)
    return delta


def _system_count(compiled: CompiledContext) -> int:
    return compiled.tokens.count_message(compiled.model_input.messages[0]) if compiled.system is not None else 0


def _message_changes(old: list[Message], new: list[Message]) -> tuple[list[Message], Sequence[int]]:
    """The messages of `old` that `new` no longer has, and the indices in `new` of those it added:
    a common suffix (ephemerals at the end) and prefix (the history) are found at C speed; when
    both sides differ in the middle (a window that slid), ids decide what stayed; kept messages that
    changed order (the model sees the new order) count as removed and added, as few as can be."""
    suffix = sum(takewhile(bool, map(operator.is_, reversed(old), reversed(new))))  # stops at a change
    suffix = min(suffix, len(old), len(new))
    old_end, new_end = len(old) - suffix, len(new) - suffix
    # Messages added (or removed) between a kept prefix and the suffix: one C-level list comparison
    # (identity first; a message equal to the one it replaces counts as kept).
    if old_end <= new_end and (old if suffix == 0 else old[:old_end]) == new[:old_end]:
        return [], range(old_end, new_end)
    if new_end < old_end and new[:new_end] == old[:new_end]:
        return old[new_end:old_end], range(0)
    prefix = sum(takewhile(bool, map(operator.is_, old, new)))
    prefix = min(prefix, old_end, new_end)
    old_middle, new_middle = old[prefix:old_end], new[prefix:new_end]
    old_index = {id(message): index for index, message in enumerate(old_middle)}
    new_ids = set(map(id, new_middle))
    kept = list(map(old_index.__contains__, map(id, new_middle)))
    added = list(compress(range(prefix, new_end), map(operator.not_, kept)))
    order = [old_index[id(message)] for message in compress(new_middle, kept)]  # old places of the kept
    moved: set[int] = set()
    if any(map(operator.gt, order, order[1:])):  # kept messages changed order: the model sees that
        moved = set(order) - {order[index] for index in stable_indices(order)}
        added = sorted(
            [
                *added,
                *(index for index, message in enumerate(new_middle, prefix) if old_index.get(id(message)) in moved),
            ]
        )
    removed = [message for index, message in enumerate(old_middle) if id(message) not in new_ids or index in moved]
    return removed, added


def message_node(compiled: CompiledContext, index: int) -> n.Node | None:
    """The node that produced `compiled.messages[index]`: an ephemeral's, or the message node whose
    run of conversation messages holds it."""
    position = index
    if compiled.ephemerals:
        ephemeral = compiled.ephemerals.get(index)
        if ephemeral is not None:
            return ephemeral.node
        position -= sum(1 for placed in compiled.ephemerals if placed < index)
    runs = compiled.structure.message_runs
    run = bisect_right(runs, position, key=operator.itemgetter(0)) - 1
    return runs[run][1] if run >= 0 else None


def _compare_system(
    previous: CompiledContext, current: CompiledContext, changes: ContextChanges, paths: _Paths
) -> None:
    if previous.system == current.system:
        return
    changes.system = "\n".join(
        difflib.unified_diff(
            (previous.system or "").splitlines(),
            (current.system or "").splitlines(),
            "previous",
            "current",
            lineterm="",
        )
    )
    old, new = previous.structure, current.structure
    old_texts = set(old.system_texts)
    nodes = [node for text, node in zip(new.system_texts, new.system_nodes, strict=True) if text not in old_texts]
    if not nodes:  # only removals: the parts that are gone
        new_texts = set(new.system_texts)
        nodes = [node for text, node in zip(old.system_texts, old.system_nodes, strict=True) if text not in new_texts]
    source = paths.joined(nodes)
    if source is not None:
        changes.sources["system"] = source


def _compare_sections(
    previous: CompiledContext, current: CompiledContext, changes: ContextChanges, paths: _Paths
) -> None:
    old, new = previous.structure.sections, current.structure.sections
    for section_id, data in new.items():
        before = old.get(section_id)
        if before is None:
            changes.sections_added.append(section_id)
        elif (before.title, before.audience, previous.sections[section_id]) != (
            data.title,
            data.audience,
            current.sections[section_id],
        ):
            changes.sections_changed.append(section_id)
        else:
            continue
        source = paths.joined(data.nodes)
        if source is not None:
            changes.sources[f"section:{section_id}"] = source
    for section_id, data in old.items():
        if section_id not in new:
            changes.sections_removed.append(section_id)
            source = paths.joined(data.nodes, f"#{section_id}")  # its node may carry another id now
            if source is not None:
                changes.sources[f"section:{section_id}"] = source


def _compare_tools(previous: CompiledContext, current: CompiledContext, changes: ContextChanges, paths: _Paths) -> None:
    """Tools added and removed by name; a tool whose definition changed under the same name (its
    description or schema) has no list of its own in the event: it appears in `sources` only."""
    if _same(previous.tools, current.tools):
        return
    old_definitions = {definition.name: definition for definition in previous.tools}
    new_definitions = {definition.name: definition for definition in current.tools}
    changes.tools_added = [name for name in new_definitions if name not in old_definitions]
    changes.tools_removed = [name for name in old_definitions if name not in new_definitions]
    changed = [
        name
        for name, definition in new_definitions.items()
        if name in old_definitions and old_definitions[name] != definition
    ]
    for names, structure in (
        (changes.tools_added, current.structure),
        (changed, current.structure),
        (changes.tools_removed, previous.structure),
    ):
        for name in names:
            nodes = [
                node for tool, node in zip(structure.tools, structure.tool_nodes, strict=True) if tool.name == name
            ]
            source = paths.joined(nodes[-1:], f"#{name}") if nodes else OUTSIDE_TREE  # the last one rendered wins
            if source is not None:
                changes.sources[f"tool:{name}"] = source
