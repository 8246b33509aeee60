"""Collapsed content the model expands on demand: `Expandable` and the `collapsed=` props.

An `Expandable` is backed by an inline boolean knob (inline knobs are not listed in `<Knobs />`;
the section only says that `<collapsed>` content can be expanded). While the knob is false the
content renders as `<collapsed name="..." group="...">summary</collapsed>`; the model expands it
with `set_knob` by name, or a whole group at once. Expandables are momentary by default: they fold
again when the execution ends, so a long document costs tokens only while the model needs it.

`Section`, `Message`/`User`/`Assistant` and the content blocks take `collapsed=` (True for an
automatic summary, or the summary text), `collapsed_name=` and `collapsed_group=`; they are built on
`Expandable`. The `set_knob` tool comes from `<Knobs />`: render it once in an agent that collapses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from ..compiler import nodes as n
from ..element import Element, h
from ..errors import CompileError
from ..hooks.knobs import knob_registry, use_knob
from ..reconciler import use_ref
from ..runtime import use_runtime

__all__ = ["Expandable", "auto_content_summary", "auto_message_summary", "collapsible"]

Collapsed = bool | str | None


def Expandable(
    name: str | None = None,
    group: str | None = None,
    summary: str = "",
    momentary: bool = True,
    children: Any = (),
) -> Any:
    """Render `children(expanded, name)`: a function of whether the model expanded this content and
    of the knob name to tell it (`_expand_<n>` when `name` is not given)."""
    render = _render_function(children)
    runtime = use_runtime("Expandable")
    automatic = use_ref("")
    if not name and not automatic.current:
        automatic.current = knob_registry(runtime).expand_name()
    effective = name or automatic.current
    expanded, _ = use_knob(
        effective, False, description=f"Expand: {summary[:60]}", group=group, inline=True, momentary=momentary
    )
    return render(bool(expanded), effective)


def _render_function(children: Any) -> Callable[[bool, str], Any]:
    if callable(children):
        return children  # type: ignore[no-any-return]
    items = list(children)
    if len(items) == 1 and callable(items[0]):
        return items[0]  # type: ignore[no-any-return]
    raise CompileError(
        "<Expandable> takes one child: a function (expanded, name) returning the content, for example "
        "{lambda expanded, name: <Text>...</Text> if expanded else <Text>...</Text>}"
    )


def collapsible(
    full: Element,
    collapsed: Collapsed,
    name: str | None,
    group: str | None,
    summary: Callable[[], str],
    shell: Callable[[Element], Element] | None = None,
) -> Element:
    """`full` itself when `collapsed` is None or False; otherwise an `Expandable` rendering `full`
    once expanded and, until then, the collapsed marker (inside `shell`, which keeps a section's or
    message's own node around it). `collapsed=True` uses `summary()`; a string is the summary."""
    if collapsed is None or collapsed is False:
        return full
    text = summary() if collapsed is True else str(collapsed)

    def render(expanded: bool, effective: str) -> Element:
        if expanded:
            return full
        marker = h(n.COLLAPSED, {"name": effective, "group": group}, text)
        return shell(marker) if shell is not None else marker

    return h(Expandable, {"name": name, "group": group, "summary": text}, render)


# --- automatic summaries ------------------------------------------------------------------------


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain_text(children: Any) -> str:
    """The text among `children` (strings, numbers, elements' text, content blocks and messages),
    whitespace collapsed."""
    parts: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, int | float) and not isinstance(item, bool):
            parts.append(str(item))
        elif isinstance(item, Element):
            walk(item.props.get("text"))
            walk(item.children)
        elif isinstance(item, list | tuple):
            for child in cast("Sequence[Any]", item):
                walk(child)
        elif isinstance(item, Mapping):  # a content block as a dict: a block of its own
            walk([" ", cast("Mapping[str, Any]", item).get("text"), " "])
        elif isinstance(text := getattr(item, "text", None), str):  # a content block or a Message
            parts.append(f" {text} ")

    walk(children)
    return " ".join("".join(parts).split())


def auto_message_summary(role: str, children: Any) -> str:
    """`user: what they said…` (80 characters at most); an assistant's text alone; `[role]` when
    there is no text."""
    text = plain_text(children)
    if not text:
        return f"[{role}]"
    return _truncate(text if role == "assistant" else f"{role}: {text}", 80)


def auto_content_summary(kind: str, props: dict[str, Any], children: Any = ()) -> str:
    """`[image: alt]`, `[code: python]`, `[json]`, `[document: title]`, the text of a `Text`, ..."""
    if kind == "text":
        text = plain_text([props.get("text") or "", *children])
        return _truncate(text, 80) if text else "[text]"
    detail = {"image": "alt", "code": "language", "document": "title", "tool": "name"}.get(kind)
    value = props.get(detail) if detail else None
    return f"[{kind}: {_truncate(str(value), 40)}]" if value else f"[{kind}]"
