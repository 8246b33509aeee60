"""What changed in the model input between two ticks of a session (the `context_diff` event).

A `ContextDiffer` remembers the previous tick's `CompiledContext` and compares the next one with it:
the system text (a unified diff), sections by id, tools by name, messages, the token count, and for
every added or changed part the component that rendered it (`provenance`).

Cost, per tick, with a long history: messages are compared by identity (a timeline message keeps
its object from tick to tick) at C speed, a common suffix and prefix first, then, only when both
sides changed in the middle (a window that slid), sets of ids. `token_delta` counts only what
changed: the added and removed messages (each message is tokenised once per session anyway), the
system message when its text changed, the tools when their definitions changed; no tick ever counts
the whole history for it. Component paths are worked out once per host node, when it first
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

    __slots__ = ("_encoding", "_message_paths", "_messages", "_paths", "_pruned_size", "_unremembered", "previous")

    def __init__(self) -> None:
        self.previous: CompiledContext | None = None
        self._messages: list[Message] = []  # previous.messages
        self._encoding: str | None = None  # the token encoding `previous` was counted with
        self._paths: dict[n.Node, str] = {}  # the path of each structural node of `previous`
        self._message_paths: dict[n.Node, str] = {}  # paths of message nodes asked for so far
        self._pruned_size = 0
        # The last two compiled contexts and their tree, until `remember` reads the paths off it.
        self._unremembered: tuple[CompiledContext | None, CompiledContext, Fiber] | None = None

    def diff(self, current: CompiledContext, root: Fiber) -> ContextChanges | None:
        previous = self.previous
        messages = current.messages
        encoding = encoding_name_for(current.tokens.model)
        changes = None
        if previous is not None:
            changes = ContextChanges()
            removed, added = _message_changes(self._messages, messages)
            changes.messages_added, changes.messages_removed = len(added), len(removed)
            new = [messages[index] for index in added]
            if encoding == self._encoding and previous.tokens is current.tokens:
                changes.token_delta = _token_delta(previous, current, removed, new)
            else:  # another encoding (the model changed): both counted with the current one
                changes.token_delta = current.token_count - _recount(previous, current)
            paths = _Paths(root, self._paths)
            _compare_system(previous, current, changes, paths)
            _compare_sections(previous, current, changes, paths)
            _compare_tools(previous, current, changes, paths)
            if added:
                self._message_sources(current, root, added, changes.sources)
        self._unremembered = (previous, current, root)
        self.previous = current
        self._messages = messages
        self._encoding = encoding
        return changes

    def remember(self) -> None:
        """Read the paths of the last compiled context's structural parts off the tree, before the
        tree renders again (`Compiler.before_render`): a part the next render removes still names
        the component that rendered it. Done then rather than in `diff`, so that a session whose
        tree never renders again (a one-tick `run()`) never pays for it."""
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
            for node in [node for node in known if node.parent is None]:
                del known[node]
            self._pruned_size = len(known)


class _Paths:
    """Component paths of nodes, computed once per node."""

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


def _remember(
    previous: CompiledContext | None, current: CompiledContext, root: Fiber, known: dict[n.Node, str]
) -> dict[n.Node, str]:
    """The paths of the structural nodes of `current` (system parts, sections, tools), computed for
    nodes new this tick, so that a part that disappears later can still be traced. The same nodes
    as last tick (the usual case) keep last tick's dict."""
    new = current.structure
    if previous is not None:
        old = previous.structure
        if (
            _same(old.system_nodes, new.system_nodes)
            and _same(old.section_nodes, new.section_nodes)
            and _same(old.tool_nodes, new.tool_nodes)
        ):
            return known
    paths = _Paths(root, known)
    kept: dict[n.Node, str] = {}
    for node in (*new.system_nodes, *new.section_nodes, *new.tool_nodes):
        path = paths.of(node)
        if path is not None:
            kept[node] = path
    return kept


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


def _recount(previous: CompiledContext, current: CompiledContext) -> int:
    counter = current.tokens
    return counter.count_messages(previous.model_input.messages) + counter.count_tools(previous.tools)


def _message_changes(old: list[Message], new: list[Message]) -> tuple[list[Message], Sequence[int]]:
    """The messages of `old` that `new` no longer has, and the indices in `new` of those it added:
    a common suffix (ephemerals at the end) and prefix (the history) are found at C speed; when
    both sides differ in the middle (a window that slid), sets of ids decide what stayed."""
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
    old_ids, new_ids = set(map(id, old_middle)), set(map(id, new_middle))
    removed = list(compress(old_middle, map(operator.not_, map(new_ids.__contains__, map(id, old_middle)))))
    kept = map(old_ids.__contains__, map(id, new_middle))
    added = list(compress(range(prefix, new_end), map(operator.not_, kept)))
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
            source = paths.joined(data.nodes)
            if source is not None:
                changes.sources[f"section:{section_id}"] = source


def _compare_tools(previous: CompiledContext, current: CompiledContext, changes: ContextChanges, paths: _Paths) -> None:
    if _same(previous.tools, current.tools):
        return
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
