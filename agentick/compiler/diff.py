"""What changed in the model input between two ticks of a session (the `context_diff` event).

A `ContextDiffer` remembers the previous tick's `CompiledContext` and compares the next one with it:
the system text (a unified diff), sections by id, tools by name, messages, the token count, and for
every added or changed part the component that rendered it (`provenance`).

Cost, per tick, with a long history: messages are compared by identity (a timeline message keeps
its object from tick to tick), first as a common prefix and suffix at C speed (`map(operator.is_)`),
then, only when both sides changed in the middle (a window that slid), by sets of ids. The token
count is updated from the previous one: only added and removed messages are counted (each message
is tokenised once per session anyway), the system message when its text changed, the tools when
their definitions changed. Component paths are worked out once per host node, when it first
contributes, and kept while it does, so that a part removed later still names its component.
"""

from __future__ import annotations

import difflib
import operator
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress, takewhile
from typing import Any

from ..reconciler.fiber import Fiber
from ..tokens import encoding_name_for
from ..types import Message
from . import nodes as n
from .assemble import CompiledContext
from .provenance import source_path

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
    """A session's memory of its previous model input. `diff(compiled, root)` returns what changed
    since the previous call (None on the first), and remembers `compiled` for the next."""

    __slots__ = ("_encoding", "_message_tokens", "_paths", "_system_tokens", "_tool_tokens", "previous")

    def __init__(self) -> None:
        self.previous: CompiledContext | None = None
        self._paths: dict[n.Node, str] = {}  # the path of each structural node of `previous`
        self._encoding: str | None = None
        self._system_tokens = 0
        self._tool_tokens = 0
        self._message_tokens = 0

    def diff(self, current: CompiledContext, root: Fiber) -> ContextChanges | None:
        previous = self.previous
        counter = current.tokens
        encoding = encoding_name_for(counter.model)
        system_message = current.model_input.messages[0] if current.system is not None else None
        messages = current.messages
        changes: ContextChanges | None = None
        if previous is None or previous.tokens is not counter or encoding != self._encoding:
            self._system_tokens = counter.count_message(system_message) if system_message is not None else 0
            self._tool_tokens = counter.count_tools(current.tools)
            self._message_tokens = counter.count_messages(messages)
        if previous is not None:
            changes = ContextChanges()
            removed, added = _message_changes(previous.messages, messages)
            if previous.tokens is counter and encoding == self._encoding:  # counted from the previous count
                self._system_tokens = _system_tokens(previous, current, system_message, self._system_tokens)
                if not _same(previous.tools, current.tools):
                    self._tool_tokens = counter.count_tools(current.tools)
                self._message_tokens += counter.count_messages(messages[i] for i in added)
                self._message_tokens -= counter.count_messages(removed)
            changes.messages_added, changes.messages_removed = len(added), len(removed)
            total = self._system_tokens + self._tool_tokens + self._message_tokens
            changes.token_delta = total - previous.token_count
            paths = _Paths(root, self._paths)
            _compare_system(previous, current, changes, paths)
            _compare_sections(previous, current, changes, paths)
            _compare_tools(previous, current, changes, paths)
            for index in added:
                node = message_node(current, index)
                path = paths.of(node) if node is not None else None
                if path is not None:
                    changes.sources[f"message:{index}"] = path
        current.prime_token_count(self._system_tokens + self._tool_tokens + self._message_tokens)
        self._paths = _remember(current, root, self._paths)
        self._encoding = encoding
        self.previous = current
        return changes


class _Paths:
    """Component paths of the current tick's nodes, from the cache of the previous tick's."""

    __slots__ = ("known", "root")

    def __init__(self, root: Fiber, known: dict[n.Node, str]) -> None:
        self.root = root
        self.known = known

    def of(self, node: n.Node) -> str | None:
        path = self.known.get(node)
        if path is None:
            path = source_path(self.root, node)
            if path is not None:
                self.known[node] = path
        return path

    def joined(self, nodes: Iterable[n.Node]) -> str | None:
        """The distinct paths of `nodes`, in order, joined by ", "."""
        found = [path for path in map(self.of, nodes) if path is not None]
        return ", ".join(dict.fromkeys(found)) if found else None


def _remember(current: CompiledContext, root: Fiber, known: dict[n.Node, str]) -> dict[n.Node, str]:
    """The paths of the structural nodes of `current` (system parts, sections, tools), computed for
    nodes new this tick, so that a part that disappears later can still be traced."""
    structure = current.structure
    paths = _Paths(root, known)
    kept: dict[n.Node, str] = {}
    nodes: list[n.Node] = [*structure.system_nodes, *structure.tool_nodes]
    for data in structure.sections.values():
        nodes += data.nodes
    for node in nodes:
        path = paths.of(node)
        if path is not None:
            kept[node] = path
    return kept


def _same(old: Sequence[Any], new: Sequence[Any]) -> bool:
    return len(old) == len(new) and all(map(operator.is_, old, new))


def _system_tokens(previous: CompiledContext, current: CompiledContext, message: Message | None, tokens: int) -> int:
    if message is None:
        return 0
    if previous.system == current.system:
        return tokens
    return current.tokens.count_message(message)


def _message_changes(old: list[Message], new: list[Message]) -> tuple[list[Message], Sequence[int]]:
    """The messages of `old` that `new` no longer has, and the indices in `new` of those it added,
    by identity: the common prefix and suffix are found at C speed; when both sides differ in the
    middle, sets of ids decide what stayed."""
    prefix = sum(takewhile(bool, map(operator.is_, old, new)))
    suffix = sum(takewhile(bool, map(operator.is_, reversed(old), reversed(new))))
    suffix = min(suffix, min(len(old), len(new)) - prefix)
    old_end, new_end = len(old) - suffix, len(new) - suffix
    if prefix in (old_end, new_end):  # only added, or only removed, messages
        return old[prefix:old_end], range(prefix, new_end)
    old_middle, new_middle = old[prefix:old_end], new[prefix:new_end]
    old_ids, new_ids = set(map(id, old_middle)), set(map(id, new_middle))
    removed = list(compress(old_middle, map(operator.not_, map(new_ids.__contains__, map(id, old_middle)))))
    kept = map(old_ids.__contains__, map(id, new_middle))
    added = list(compress(range(prefix, new_end), map(operator.not_, kept)))
    return removed, added


def message_node(compiled: CompiledContext, index: int) -> n.Node | None:
    """The node that produced `compiled.messages[index]`: an ephemeral's, or the message node whose
    run of conversation messages holds it."""
    ephemeral = compiled.ephemerals.get(index)
    if ephemeral is not None:
        return ephemeral.node
    position = index - sum(1 for placed in compiled.ephemerals if placed < index)
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
            source = paths.joined(data.nodes)
            if source is not None:
                changes.sources[f"section:{section_id}"] = source


def _compare_tools(previous: CompiledContext, current: CompiledContext, changes: ContextChanges, paths: _Paths) -> None:
    old_names = [definition.name for definition in previous.tools]
    new_names = [definition.name for definition in current.tools]
    old_set, new_set = set(old_names), set(new_names)
    changes.tools_added = [name for name in new_names if name not in old_set]
    changes.tools_removed = [name for name in old_names if name not in new_set]
    for names, structure in ((changes.tools_added, current.structure), (changes.tools_removed, previous.structure)):
        for name in names:
            nodes = [
                node for tool, node in zip(structure.tools, structure.tool_nodes, strict=True) if tool.name == name
            ]
            source = paths.joined(nodes[-1:]) if nodes else OUTSIDE_TREE  # the last one rendered wins
            if source is not None:
                changes.sources[f"tool:{name}"] = source
