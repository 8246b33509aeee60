"""The agent host: the nodes the reconciler builds for agent components, and their HostConfig.

Components render reserved intrinsic tags (`@section`, `@entry`, ...) that no JSX tag can spell (a
JSX tag cannot start with `@`), so they never collide with lowercase tags users write. Each node
caches what the collector compiled from it; any mutation clears the caches of the node and its
ancestors, so a later compile pass recompiles only what changed.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AgentHost",
    "Node",
    "TextNode",
]

# Structural nodes (collected at the top level of the tree).
SYSTEM = "@system"
SECTION = "@section"
ENTRY = "@entry"
ENTRIES = "@entries"  # many stored messages at once (the Timeline's default output)
TOOL = "@tool"
EPHEMERAL = "@ephemeral"
MODEL = "@model"
RENDERER = "@renderer"

# Content nodes (inside a system part, section, message or ephemeral).
BLOCKS = "@blocks"  # ready-made content blocks (a message's `content` prop)
TEXT = "@text"
CODE = "@code"
JSON = "@json"
IMAGE = "@image"
DOCUMENT = "@document"
AUDIO = "@audio"
VIDEO = "@video"
TOOL_USE = "@tool_use"
HEADING = "@heading"
PARAGRAPH = "@paragraph"
LIST = "@list"
LIST_ITEM = "@list_item"
TABLE = "@table"
ROW = "@row"
COLUMN = "@column"
USER_ACTION = "@user_action"
SYSTEM_EVENT = "@system_event"
STATE_CHANGE = "@state_change"
COLLAPSED = "@collapsed"


class Node:
    """A host node: an intrinsic element's type and props, its children, and a compile cache."""

    __slots__ = ("cache", "children", "parent", "props", "type")

    def __init__(self, type: str, props: dict[str, Any]) -> None:
        self.type = type
        self.props = props
        self.children: list[Node | TextNode] = []
        self.parent: Node | None = None
        self.cache: Any = None

    def __repr__(self) -> str:
        return f"<{self.type} {self.props!r} children={len(self.children)}>"


class TextNode:
    __slots__ = ("parent", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.parent: Node | None = None

    def __repr__(self) -> str:
        return f"TextNode({self.text!r})"


def _invalidate(node: Node | None) -> None:
    while node is not None:
        node.cache = None
        node = node.parent


class AgentHost:
    """HostConfig for the agent compiler: builds `Node`/`TextNode` trees under a container `Node`."""

    def create_instance(self, type: str, props: dict[str, Any]) -> Node:
        return Node(type, props)

    def create_text(self, text: str) -> TextNode:
        return TextNode(text)

    def append_child(self, parent: Node, child: Node | TextNode) -> None:
        if child.parent is parent:
            parent.children.remove(child)
        parent.children.append(child)
        child.parent = parent
        _invalidate(parent)

    def insert_before(self, parent: Node, child: Node | TextNode, before: Node | TextNode) -> None:
        if child.parent is parent:
            parent.children.remove(child)
        parent.children.insert(parent.children.index(before), child)
        child.parent = parent
        _invalidate(parent)

    def remove_child(self, parent: Node, child: Node | TextNode) -> None:
        parent.children.remove(child)
        child.parent = None
        _invalidate(parent)

    def commit_update(self, instance: Node, old_props: dict[str, Any], new_props: dict[str, Any]) -> None:
        instance.props = new_props
        _invalidate(instance)

    def commit_text_update(self, text_instance: TextNode, old_text: str, new_text: str) -> None:
        text_instance.text = new_text
        _invalidate(text_instance.parent)
