"""System prompt, sections, messages, events and ephemerals.

Each component validates its props at render (so mistakes fail at compile time, before any model
call, naming the component) and renders one reserved host node the collector understands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from ..compiler import nodes as n
from ..element import Element, h
from ..errors import CompileError
from ..types import ROLES
from ..types import Message as MessageModel
from .expandable import Collapsed, auto_message_summary, collapsible

__all__ = [
    "Assistant",
    "Ephemeral",
    "Event",
    "Grounding",
    "Message",
    "Section",
    "StateChange",
    "System",
    "SystemEvent",
    "ToolResult",
    "User",
    "UserAction",
]

AUDIENCES = ("model", "user", "all")
POSITIONS = ("start", "after-system", "before-user", "end")


def System(children: Any = ()) -> Element:
    """Text of the system prompt. All Systems and model-audience Sections join, in tree order, with a
    blank line between parts, into one system message."""
    return h(n.SYSTEM, None, *children)


def Section(
    id: str | None = None,
    title: str | None = None,
    audience: str = "model",
    children: Any = (),
    collapsed: Collapsed = None,
    collapsed_name: str | None = None,
    collapsed_group: str | None = None,
    **props: Any,
) -> Element:
    """A block of the system message: `## {title}\\n\\n{content}` (no heading without a title).

    `audience="user"` sections are never sent to the model; two sections with one id merge.
    With `collapsed=` (True or a summary) the section keeps its heading but shows only a
    `<collapsed>` summary until the model expands it with `set_knob` (see `Expandable`).
    """
    if not id:
        raise CompileError('<Section> needs an id (for example <Section id="rules" ...>)')
    if audience not in AUDIENCES:
        raise CompileError(f"<Section id={id!r}>: audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    content = props.pop("content", None)
    _reject_unknown("Section", props)
    attributes = {"id": id, "title": title, "audience": audience}
    return collapsible(
        h(n.SECTION, attributes, *_content(content, children)),
        collapsed,
        collapsed_name,
        collapsed_group,
        lambda: title or id,
        lambda marker: h(n.SECTION, attributes, marker),
    )


def Message(
    role: str = "user",
    children: Any = (),
    id: str | None = None,
    metadata: dict[str, Any] | None = None,
    content: Any = None,
    collapsed: Collapsed = None,
    collapsed_name: str | None = None,
    collapsed_group: str | None = None,
) -> Element:
    """One message at this position in the conversation. `content` (a string or content blocks) is
    used before any children. With `collapsed=` (True or a summary) the message keeps its role, id
    and metadata but holds only a `<collapsed>` summary until the model expands it."""
    if role not in ROLES:
        raise CompileError(
            f"<Message> has an unknown role {role!r}; use one of {', '.join(sorted(ROLES))} "
            "(or the <User>, <Assistant>, <ToolResult> components)"
        )
    attributes = {"role": role, "id": id, "metadata": metadata}
    return collapsible(
        h(n.ENTRY, attributes, *_content(content, children)),
        collapsed,
        collapsed_name,
        collapsed_group,
        lambda: auto_message_summary(role, [content, *children]),
        lambda marker: h(n.ENTRY, attributes, marker),
    )


def User(
    children: Any = (),
    id: str | None = None,
    metadata: dict[str, Any] | None = None,
    content: Any = None,
    collapsed: Collapsed = None,
    collapsed_name: str | None = None,
    collapsed_group: str | None = None,
) -> Element:
    return Message("user", children, id, metadata, content, collapsed, collapsed_name, collapsed_group)


def Assistant(
    children: Any = (),
    id: str | None = None,
    metadata: dict[str, Any] | None = None,
    content: Any = None,
    collapsed: Collapsed = None,
    collapsed_name: str | None = None,
    collapsed_group: str | None = None,
) -> Element:
    return Message("assistant", children, id, metadata, content, collapsed, collapsed_name, collapsed_group)


def ToolResult(
    tool_call_id: str,
    name: str = "",
    is_error: bool = False,
    children: Any = (),
    id: str | None = None,
    metadata: dict[str, Any] | None = None,
    content: Any = None,
) -> Element:
    """The result of the tool call `tool_call_id`, as a `tool` message."""
    props = {
        "role": "tool",
        "kind": "tool_result",
        "tool_call_id": tool_call_id,
        "name": name,
        "is_error": is_error,
        "id": id,
        "metadata": metadata,
    }
    return h(n.ENTRY, props, *_content(content, children))


def Event(
    event_type: str | None = None,
    children: Any = (),
    id: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Element:
    """Something that happened, told to the model as a user message prefixed `[Event] `."""
    if event_type is not None:
        metadata = {**(metadata or {}), "event_type": event_type}
    return h(n.ENTRY, {"role": "user", "kind": "event", "id": id, "metadata": metadata}, *children)


def UserAction(action: str, actor: str | None = None, target: str | None = None, children: Any = ()) -> Element:
    """`User clicked on button` inside an `<Event>` (or any content)."""
    return h(n.USER_ACTION, {"action": action, "actor": actor, "target": target}, *children)


def SystemEvent(event: str, source: str | None = None, children: Any = ()) -> Element:
    """`deploy finished (ci)` inside an `<Event>`."""
    return h(n.SYSTEM_EVENT, {"event": event, "source": source}, *children)


def StateChange(entity: str, field: str | None = None, children: Any = (), **values: Any) -> Element:
    """`order.status: "open" → "paid"`; pass `from`/`to` as props (`from_`/`to` from Python)."""
    before = values.pop("from", values.pop("from_", None))
    after = values.pop("to", None)
    _reject_unknown("StateChange", values)
    return h(n.STATE_CHANGE, {"entity": entity, "field": field, "from": before, "to": after}, *children)


def Ephemeral(position: str = "end", order: int = 0, children: Any = ()) -> Element:
    """Context for this tick only: a user message `[Context]\\n...`, placed by `position`, never
    stored in the timeline. Lower `order` comes first within a position."""
    if position not in POSITIONS:
        raise CompileError(f"<Ephemeral> position must be one of {', '.join(POSITIONS)}, not {position!r}")
    return h(n.EPHEMERAL, {"position": position, "order": order}, *children)


def Grounding(title: str | None = None, position: str = "start", order: int = 0, children: Any = ()) -> Element:
    """An ephemeral whose text starts with `## {title}` when titled (grounding facts, retrieved docs)."""
    if position not in POSITIONS:
        raise CompileError(f"<Grounding> position must be one of {', '.join(POSITIONS)}, not {position!r}")
    return h(n.EPHEMERAL, {"position": position, "order": order, "title": title}, *children)


def _content(content: Any, children: Any) -> tuple[Any, ...]:
    """Children for a `content=` prop (string, message, or content blocks) followed by children."""
    if content is None:
        return tuple(children)
    if isinstance(content, str):
        return (content, *children)
    if isinstance(content, MessageModel):
        content = content.content
    if isinstance(content, list | tuple):
        blocks = list(cast("Sequence[Any]", content))
        return (h(n.BLOCKS, {"blocks": MessageModel(role="user", content=blocks).content}), *children)
    raise CompileError(f"content must be a string or a list of content blocks, not {type(content).__name__}")


def _reject_unknown(component: str, props: dict[str, Any]) -> None:
    if props:
        raise CompileError(f"<{component}> got unknown props: {', '.join(sorted(props))}")
