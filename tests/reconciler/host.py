"""An in-memory HostConfig that records every mutation, for exact assertions on commits."""

from __future__ import annotations

from typing import Any

from agentick.reconciler import Reconciler, Root


class Node:
    def __init__(self, type: str, props: dict[str, Any]) -> None:
        self.type = type
        self.props = props
        self.children: list[Node | Text] = []

    def __repr__(self) -> str:
        return f"<{self.type}>"


class Text:
    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return repr(self.text)


def label(node: Node | Text) -> str:
    return node.text if isinstance(node, Text) else node.type


class LoggingHost:
    """Builds Node/Text trees and logs operations as readable tuples."""

    def __init__(self) -> None:
        self.log: list[tuple[Any, ...]] = []

    def create_instance(self, type: str, props: dict[str, Any]) -> Node:
        self.log.append(("create", type))
        return Node(type, dict(props))

    def create_text(self, text: str) -> Text:
        self.log.append(("create", text))
        return Text(text)

    def append_child(self, parent: Node, child: Node | Text) -> None:
        self.log.append(("append", label(parent), label(child)))
        if child in parent.children:
            parent.children.remove(child)
        parent.children.append(child)

    def insert_before(self, parent: Node, child: Node | Text, before: Node | Text) -> None:
        self.log.append(("insert", label(parent), label(child), label(before)))
        if child in parent.children:
            parent.children.remove(child)
        parent.children.insert(parent.children.index(before), child)

    def remove_child(self, parent: Node, child: Node | Text) -> None:
        self.log.append(("remove", label(parent), label(child)))
        parent.children.remove(child)

    def commit_update(self, instance: Node, old_props: dict[str, Any], new_props: dict[str, Any]) -> None:
        self.log.append(("update", instance.type, new_props))
        instance.props = dict(new_props)

    def commit_text_update(self, text: Text, old_text: str, new_text: str) -> None:
        self.log.append(("text", old_text, new_text))
        text.text = new_text


def dump(node: Node | Text) -> Any:
    if isinstance(node, Text):
        return node.text
    return (node.type, node.props, [dump(child) for child in node.children])


class HostRoot:
    """A root over a LoggingHost, with helpers to read the host tree and the operation log."""

    def __init__(self) -> None:
        self.host = LoggingHost()
        self.container = Node("container", {})
        self.root: Root = Reconciler(self.host).create_root(self.container)

    def render(self, element: Any) -> None:
        self.root.render(element)

    def flush(self) -> None:
        self.root.flush()

    def tree(self) -> list[Any]:
        return [dump(child) for child in self.container.children]

    def take_log(self) -> list[tuple[Any, ...]]:
        log, self.host.log = self.host.log, []
        return log
