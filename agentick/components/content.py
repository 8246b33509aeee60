"""Content blocks: text, code, JSON, media and tool calls inside a message or section.

Every block takes `collapsed=` (True for an automatic summary such as `[image: alt]`, or the summary
text), `collapsed_name=` and `collapsed_group=`: the block is then replaced by a `<collapsed>`
summary until the model expands it with `set_knob` (see `Expandable`).
"""

from __future__ import annotations

import json
from typing import Any

from ..compiler import nodes as n
from ..element import Element, h
from ..errors import CompileError
from .expandable import Collapsed, auto_content_summary, collapsible

__all__ = ["Audio", "Code", "Document", "Image", "Json", "Text", "ToolUse", "Video"]


def Text(
    text: str | None = None,
    children: Any = (),
    collapsed: Collapsed = None,
    collapsed_name: str | None = None,
    collapsed_group: str | None = None,
) -> Element:
    """Plain text; inline tags inside (`<b>`, `<em>`, `<code>`, `<a href>`) are formatted."""
    props = {"text": text}
    return _block(n.TEXT, props, children, "text", collapsed, collapsed_name, collapsed_group)


def Code(
    language: str | None = None,
    text: str | None = None,
    children: Any = (),
    collapsed: Collapsed = None,
    collapsed_name: str | None = None,
    collapsed_group: str | None = None,
) -> Element:
    """A code block (a fenced block in Markdown)."""
    props = {"language": language, "text": text}
    return _block(n.CODE, props, children, "code", collapsed, collapsed_name, collapsed_group)


def Json(
    data: Any = None,
    text: str | None = None,
    indent: int | None = 2,
    collapsed: Collapsed = None,
    collapsed_name: str | None = None,
    collapsed_group: str | None = None,
) -> Element:
    """JSON data, pretty-printed in a `json` code block. `data` must be JSON-serialisable."""
    if text is None:
        try:
            text = json.dumps(data, indent=indent, ensure_ascii=False)
        except (TypeError, ValueError) as error:
            raise CompileError(f"<Json> data is not JSON-serialisable: {error}") from error
    props = {"text": text, "data": data}
    return _block(n.JSON, props, (), "json", collapsed, collapsed_name, collapsed_group)


def Image(
    source: Any = None,
    src: str | None = None,
    alt: str | None = None,
    alt_text: str | None = None,
    collapsed: Collapsed = None,
    collapsed_name: str | None = None,
    collapsed_group: str | None = None,
) -> Element:
    """An image: a URL, a `data:` URL, or a MediaSource. In a message it stays an image block."""
    props = {"source": source if source is not None else src, "alt": alt or alt_text}
    return _block(n.IMAGE, props, (), "image", collapsed, collapsed_name, collapsed_group)


def Document(
    source: Any = None,
    src: str | None = None,
    title: str | None = None,
    collapsed: Collapsed = None,
    collapsed_name: str | None = None,
    collapsed_group: str | None = None,
) -> Element:
    props = {"source": source if source is not None else src, "title": title}
    return _block(n.DOCUMENT, props, (), "document", collapsed, collapsed_name, collapsed_group)


def Audio(
    source: Any = None,
    src: str | None = None,
    transcript: str | None = None,
    collapsed: Collapsed = None,
    collapsed_name: str | None = None,
    collapsed_group: str | None = None,
) -> Element:
    props = {"source": source if source is not None else src, "transcript": transcript}
    return _block(n.AUDIO, props, (), "audio", collapsed, collapsed_name, collapsed_group)


def Video(
    source: Any = None,
    src: str | None = None,
    transcript: str | None = None,
    collapsed: Collapsed = None,
    collapsed_name: str | None = None,
    collapsed_group: str | None = None,
) -> Element:
    props = {"source": source if source is not None else src, "transcript": transcript}
    return _block(n.VIDEO, props, (), "video", collapsed, collapsed_name, collapsed_group)


def ToolUse(
    name: str,
    tool_use_id: str,
    input: dict[str, Any] | None = None,
    collapsed: Collapsed = None,
    collapsed_name: str | None = None,
    collapsed_group: str | None = None,
) -> Element:
    """A tool call, for writing an assistant turn by hand (`<Assistant><ToolUse .../></Assistant>`)."""
    props = {"name": name, "tool_use_id": tool_use_id, "input": input or {}}
    return _block(n.TOOL_USE, props, (), "tool", collapsed, collapsed_name, collapsed_group)


def _block(
    node: str,
    props: dict[str, Any],
    children: Any,
    kind: str,
    collapsed: Collapsed,
    name: str | None,
    group: str | None,
) -> Element:
    return collapsible(
        h(node, props, *children), collapsed, name, group, lambda: auto_content_summary(kind, props, children)
    )
