"""Content blocks: text, code, JSON, media and tool calls inside a message or section."""

from __future__ import annotations

import json
from typing import Any

from ..compiler import nodes as n
from ..element import Element, h
from ..errors import CompileError

__all__ = ["Audio", "Code", "Document", "Image", "Json", "Text", "ToolUse", "Video"]


def Text(text: str | None = None, children: Any = ()) -> Element:
    """Plain text; inline tags inside (`<b>`, `<em>`, `<code>`, `<a href>`) are formatted."""
    return h(n.TEXT, {"text": text}, *children)


def Code(language: str | None = None, text: str | None = None, children: Any = ()) -> Element:
    """A code block (a fenced block in Markdown)."""
    return h(n.CODE, {"language": language, "text": text}, *children)


def Json(data: Any = None, text: str | None = None, indent: int | None = 2) -> Element:
    """JSON data, pretty-printed in a `json` code block. `data` must be JSON-serialisable."""
    if text is None:
        try:
            text = json.dumps(data, indent=indent, ensure_ascii=False)
        except (TypeError, ValueError) as error:
            raise CompileError(f"<Json> data is not JSON-serialisable: {error}") from error
    return h(n.JSON, {"text": text, "data": data})


def Image(source: Any = None, src: str | None = None, alt: str | None = None, alt_text: str | None = None) -> Element:
    """An image: a URL, a `data:` URL, or a MediaSource. In a message it stays an image block."""
    return h(n.IMAGE, {"source": source if source is not None else src, "alt": alt or alt_text})


def Document(source: Any = None, src: str | None = None, title: str | None = None) -> Element:
    return h(n.DOCUMENT, {"source": source if source is not None else src, "title": title})


def Audio(source: Any = None, src: str | None = None, transcript: str | None = None) -> Element:
    return h(n.AUDIO, {"source": source if source is not None else src, "transcript": transcript})


def Video(source: Any = None, src: str | None = None, transcript: str | None = None) -> Element:
    return h(n.VIDEO, {"source": source if source is not None else src, "transcript": transcript})


def ToolUse(name: str, tool_use_id: str, input: dict[str, Any] | None = None) -> Element:
    """A tool call, for writing an assistant turn by hand (`<Assistant><ToolUse .../></Assistant>`)."""
    return h(n.TOOL_USE, {"name": name, "tool_use_id": tool_use_id, "input": input or {}})
