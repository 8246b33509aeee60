"""Provenance: which component rendered a part of the compiled context.

The collector keeps, for every piece it gathers, the host node it came from (see `collect`). Only
when someone asks (the `context_diff` event, for the parts that changed) is a node turned into its
host fiber and that fiber into a readable path such as `Agent > Notes > Section#notes`.

A node finds its fiber without any index: the reconciler keeps each host fiber's `host_children`
in the same order as the node's `children`, so the position of a node under its parent is the
position of its fiber under the parent's fiber (a C-speed `list.index` per level of host nesting,
which is one or two levels for structural nodes).

Path rules: the components from the root down (providers, fragments and host elements left out,
as in error messages), where a tool is shown as `Tool`; the component that rendered the host node
shows its id (`Section#notes`, `User#m1`, `Tool#search`). When that component is one of the
library's own host components (`System`, `Section`, `User`, `Timeline`, a tool, ...), it stands for
the node; when a user component rendered the node itself (a gate's ephemeral), the node's kind
follows it (`Agent > Planner > Ephemeral`). An `Expandable` that `collapsed=` put around a
library component is left out: the user never wrote it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ..reconciler.fiber import COMPONENT, PATH_ENDS, Fiber
from ..tools import ExecutableTool
from . import nodes as n

__all__ = ["host_fiber", "node_label", "source_path"]

_KINDS = {
    n.SYSTEM: "System",
    n.SECTION: "Section",
    n.ENTRY: "Message",
    n.ENTRIES: "Messages",
    n.TOOL: "Tool",
    n.EPHEMERAL: "Ephemeral",
    n.MODEL: "Model",
}


def host_fiber(root: Fiber, node: n.Node) -> Fiber | None:
    """The host fiber whose instance is `node`, or None when `node` is not in `root`'s tree."""
    chain: list[n.Node] = []
    current = node
    while current.parent is not None:
        chain.append(current)
        current = current.parent
    if current is not root.instance:
        return None
    fiber = root
    for child in reversed(chain):
        index = child.parent.children.index(child)  # type: ignore[union-attr]  # set: it is in the chain
        hosts = fiber.host_children
        if index >= len(hosts) or hosts[index].instance is not child:
            return None
        fiber = hosts[index]
    return fiber


def source_path(root: Fiber, node: n.Node, label: str | None = None) -> str | None:
    """`Agent > Notes > Section#notes`: the components that rendered `node` (see the module
    docstring), or None when the node is no longer in the tree. `label` (`#notes`) replaces the
    node's own: a node reused with new props is shown as it was when it rendered a part."""
    fiber = host_fiber(root, node)
    if fiber is None:
        return None
    components: list[Fiber] = []
    above = fiber.parent
    while above is not None:
        if above.kind == COMPONENT:
            components.append(above)
        above = above.parent
    components.reverse()
    builtin, hidden = _builtin_components(), _hidden_components()
    names: list[str] = []
    previous: Any = None  # the last component shown
    for component in components:
        kind: Any = component.type
        if id(kind) in hidden and id(previous) in builtin:
            continue  # the Expandable of a `collapsed=` prop
        names.append("Tool" if _is_tool(kind) else component.name)
        previous = kind
    if label is None:
        label = node_label(node)
    if previous is not None and (id(previous) in builtin or _is_tool(previous)):
        names[-1] += label
    else:
        names.append(_KINDS.get(node.type, node.type) + label)
    if len(names) > 2 * PATH_ENDS:
        names = [*names[:PATH_ENDS], f"… {len(names) - 2 * PATH_ENDS:,} more …", *names[-PATH_ENDS:]]
    return " > ".join(names)


def node_label(node: n.Node) -> str:
    """How a path shows the node after its component: `#<id>`, `#<tool name>`, or nothing."""
    props = node.props
    if node.type == n.TOOL:
        return f"#{props['tool'].name}"
    identifier = props.get("id")
    return f"#{identifier}" if identifier else ""


def _is_tool(component: object) -> bool:
    return isinstance(component, ExecutableTool)


@cache
def _builtin_components() -> frozenset[int]:
    """The ids of the library components that render one structural host node (by id: a component
    type need not be hashable; imported when first needed: the components import the compiler)."""
    from ..components import messages
    from ..components.timeline import Timeline

    components = (
        messages.System,
        messages.Section,
        messages.Message,
        messages.User,
        messages.Assistant,
        messages.ToolResult,
        messages.Event,
        messages.Ephemeral,
        messages.Grounding,
        Timeline,
    )
    return frozenset(map(id, components))


@cache
def _hidden_components() -> frozenset[int]:
    from ..components.expandable import Expandable

    return frozenset({id(Expandable)})
