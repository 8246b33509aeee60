"""Content: the text and blocks inside a system part, section, message or ephemeral.

Text children of one block join without separators (`"You are in "` + `"plan"` + `" mode."`);
block-level content (headings, paragraphs, lists, tables, code, rules) is separated from its
neighbours by a blank line; event lines by a newline. In a message, media (images, documents,
audio, video) and tool calls stay content blocks of their own; in text-only places (the system
message, sections, ephemerals) they become references such as `![alt](url)`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError

from ..errors import CompileError
from ..types import (
    AudioBlock,
    CodeBlock,
    ContentBlock,
    DocumentBlock,
    ImageBlock,
    JsonBlock,
    MediaSource,
    ReasoningBlock,
    TextBlock,
    ToolResultBlock,
    ToolUseBlock,
    VideoBlock,
)
from . import nodes as n
from .renderers import INLINE_TAGS, Renderer, renderer_named

__all__ = ["Parts", "block_text", "render_blocks", "render_text"]

HEADING_TAGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


class Parts:
    """Accumulates rendered content: inline runs, separated blocks, and (in messages) media blocks."""

    __slots__ = ("blocks", "buffer", "media", "separator")

    def __init__(self, media: bool) -> None:
        self.media = media  # True in messages: keep media and tool blocks as blocks
        self.blocks: list[ContentBlock] = []
        self.buffer: list[str] = []
        self.separator: str | None = None  # owed after the last block, before more content

    def inline(self, text: str) -> None:
        if not text:
            return
        if self.separator is not None:
            if self.buffer:
                self.buffer.append(self.separator)
                text = text.lstrip()
            self.separator = None
        self.buffer.append(text)

    def block(self, text: str, separator: str = "\n\n") -> None:
        if not text:
            return
        if self.buffer:
            last = self.buffer[-1].rstrip()
            if last:
                self.buffer[-1] = last
            else:
                self.buffer.pop()
            if self.buffer:
                self.buffer.append(separator)
        self.buffer.append(text)
        self.separator = separator

    def add_block(self, block: ContentBlock, renderer: Renderer) -> None:
        if isinstance(block, TextBlock):
            self.inline(block.text)
        elif self.media:
            self.flush()
            self.blocks.append(block)
        elif isinstance(block, ImageBlock):
            self.inline(block_text(block, renderer))  # an image reference reads as part of the text
        else:
            self.block(block_text(block, renderer))

    def flush(self) -> None:
        if self.buffer:
            self.blocks.append(TextBlock(text="".join(self.buffer)))
            self.buffer = []
        self.separator = None

    def result(self) -> list[ContentBlock]:
        self.flush()
        return self.blocks

    def text(self) -> str:
        return "".join(self.buffer)


def render_text(children: Sequence[Any], renderer: Renderer, on_structural: Callable[[n.Node], None]) -> str:
    """Children rendered as text (for the system message, sections and ephemerals)."""
    parts = Parts(media=False)
    walk(children, parts, renderer, on_structural)
    return parts.text()


def render_blocks(
    children: Sequence[Any], renderer: Renderer, on_structural: Callable[[n.Node], None]
) -> list[ContentBlock]:
    """Children rendered as message content blocks."""
    parts = Parts(media=True)
    walk(children, parts, renderer, on_structural)
    return parts.result()


def _inline_text(children: Sequence[Any], renderer: Renderer, on_structural: Callable[[n.Node], None]) -> str:
    parts = Parts(media=False)
    walk(children, parts, renderer, on_structural, block_separator="\n")
    return parts.text()


def walk(
    children: Sequence[Any],
    parts: Parts,
    renderer: Renderer,
    on_structural: Callable[[n.Node], None],
    block_separator: str = "\n\n",
) -> None:
    """Render `children` into `parts`. Tools and model settings met inside content are reported
    through `on_structural`, so `<Section><Search /></Section>` still registers the tool."""
    for node in children:
        if type(node) is n.TextNode:
            parts.inline(node.text)
            continue
        kind = node.type
        props = node.props
        if kind == n.TEXT:
            text = props.get("text")
            if text is not None:
                parts.inline(str(text))
            walk(node.children, parts, renderer, on_structural, block_separator)
        elif kind in INLINE_TAGS:
            inner = _inline_text(node.children, renderer, on_structural)
            parts.inline(renderer.inline(INLINE_TAGS[kind], inner, props))
        elif kind == "br":
            parts.inline("\n")
        elif kind == n.HEADING or kind in HEADING_TAGS:
            level = props.get("level") or HEADING_TAGS.get(kind, 1)
            parts.block(renderer.heading(int(level), _inline_text(node.children, renderer, on_structural)))
        elif kind == n.PARAGRAPH or kind == "p":
            parts.block(renderer.paragraph(_inline_text(node.children, renderer, on_structural)), block_separator)
        elif kind == "blockquote":
            parts.block(renderer.blockquote(_inline_text(node.children, renderer, on_structural)), block_separator)
        elif kind == "hr":
            parts.block(renderer.rule(), block_separator)
        elif kind == n.LIST or kind in ("ul", "ol"):
            ordered = bool(props.get("ordered")) or kind == "ol"
            items = [_list_item(item, renderer, on_structural) for item in node.children]
            parts.block(renderer.list(items, ordered, bool(props.get("task"))), block_separator)
        elif kind == n.TABLE:
            parts.block(_table(node, renderer, on_structural), block_separator)
        elif kind == n.CODE or kind == "pre":
            code = props.get("text")
            if code is None:
                code = _inline_text(node.children, renderer, on_structural)
            parts.block(renderer.code(str(code), props.get("language")), block_separator)
        elif kind == n.JSON:
            parts.block(renderer.code(props["text"], "json"), block_separator)
        elif kind in _MEDIA:
            parts.add_block(_MEDIA[kind](props), renderer)
        elif kind == n.BLOCKS:
            for block in props["blocks"]:
                parts.add_block(block, renderer)
        elif kind in (n.USER_ACTION, n.SYSTEM_EVENT, n.STATE_CHANGE):
            text = _inline_text(node.children, renderer, on_structural) or _event_text(kind, props)
            parts.block(text, "\n")
        elif kind == n.COLLAPSED:
            summary = _inline_text(node.children, renderer, on_structural)
            parts.inline(renderer.collapsed(props.get("name", ""), props.get("group"), summary))
        elif kind == n.RENDERER:
            walk(node.children, parts, renderer_named(props["renderer"]), on_structural, block_separator)
        elif kind == n.SECTION:
            body = render_text(node.children, renderer, on_structural)
            parts.block(renderer.section(props.get("id") or "", props.get("title"), body), block_separator)
        elif kind == n.TOOL or kind == n.MODEL:
            on_structural(node)
        elif kind.startswith("@"):
            walk(node.children, parts, renderer, on_structural, block_separator)  # system/entry/ephemeral
        else:
            inner = _inline_text(node.children, renderer, on_structural)
            tag = renderer.tag(kind, props, inner)
            if "\n" in inner:
                parts.block(tag, block_separator)
            else:
                parts.inline(tag)


def _list_item(
    item: n.Node | n.TextNode, renderer: Renderer, on_structural: Callable[[n.Node], None]
) -> tuple[str, bool | None]:
    """A list item: a `<ListItem>`/`<li>`, or any other child (a string, an element) as one item."""
    if type(item) is n.Node and item.type in (n.LIST_ITEM, "li"):
        return _inline_text(item.children, renderer, on_structural), item.props.get("checked")
    return _inline_text([item], renderer, on_structural), None


def _table(node: n.Node, renderer: Renderer, on_structural: Callable[[n.Node], None]) -> str:
    props = node.props
    headers = [str(cell) for cell in props.get("headers") or []]
    rows = [[str(cell) for cell in row] for row in props.get("rows") or []]
    for row in node.children:
        if type(row) is not n.Node or row.type != n.ROW:
            continue
        cells = [
            _inline_text(column.children, renderer, on_structural)
            for column in row.children
            if type(column) is n.Node and column.type == n.COLUMN
        ]
        if row.props.get("header"):
            headers = cells
        else:
            rows.append(cells)
    return renderer.table(headers, rows)


def _source(props: dict[str, Any]) -> Any:
    source = props.get("source") if props.get("source") is not None else props.get("src")
    if source is None:
        raise CompileError("a media component needs `source` (a URL, a data: URL or a MediaSource)")
    return source


def _media_block(factory: Callable[..., ContentBlock], **fields: Any) -> ContentBlock:
    try:
        return factory(**fields)
    except ValidationError as error:
        raise CompileError(f"invalid {factory.__name__}: {error}") from error


_MEDIA: dict[str, Callable[[dict[str, Any]], ContentBlock]] = {
    n.IMAGE: lambda p: _media_block(ImageBlock, source=_source(p), alt_text=p.get("alt") or p.get("alt_text")),
    n.DOCUMENT: lambda p: _media_block(DocumentBlock, source=_source(p), title=p.get("title")),
    n.AUDIO: lambda p: _media_block(AudioBlock, source=_source(p), transcript=p.get("transcript")),
    n.VIDEO: lambda p: _media_block(VideoBlock, source=_source(p), transcript=p.get("transcript")),
    n.TOOL_USE: lambda p: _media_block(
        ToolUseBlock, tool_use_id=p["tool_use_id"], name=p["name"], input=p.get("input") or {}
    ),
}
_MEDIA["img"] = lambda p: _media_block(ImageBlock, source=_source(p), alt_text=p.get("alt"))


def _url(source: MediaSource) -> str:
    if source.url:
        return source.url
    if source.data:
        return f"data:{source.media_type or 'application/octet-stream'};base64,{source.data}"
    return f"file:{source.file_id}"


def block_text(block: ContentBlock, renderer: Renderer | str = "markdown") -> str:
    """A non-text block written as text, for places that only hold text."""
    if isinstance(renderer, str):
        renderer = renderer_named(renderer)
    if isinstance(block, TextBlock | ReasoningBlock):
        return block.text
    if isinstance(block, ImageBlock):
        return renderer.image(_url(block.source), block.alt_text)
    if isinstance(block, DocumentBlock):
        return f"[Document{': ' + block.title if block.title else ''}]({_url(block.source)})"
    if isinstance(block, AudioBlock | VideoBlock):
        label = "Audio" if isinstance(block, AudioBlock) else "Video"
        return block.transcript or f"[{label}]({_url(block.source)})"
    if isinstance(block, CodeBlock):
        return renderer.code(block.text, block.language)
    if isinstance(block, JsonBlock):
        return renderer.code(block.text, "json")
    if isinstance(block, ToolUseBlock):
        return f"[tool call {block.name}({json.dumps(block.input, ensure_ascii=False)})]"
    if isinstance(block, ToolResultBlock):
        return "\n".join(block_text(inner, renderer) for inner in block.content)
    raise CompileError(f"cannot write a {type(block).__name__} as text")


def _event_text(kind: str, props: dict[str, Any]) -> str:
    if kind == n.USER_ACTION:
        actor = props.get("actor") or "User"
        if actor.lower() == "user":
            actor = "User"
        words = [actor, props.get("action") or "acted"]
        if props.get("target"):
            words.append(f"on {props['target']}")
        return " ".join(words)
    if kind == n.SYSTEM_EVENT:
        event = props.get("event") or "System event"
        return f"{event} ({props['source']})" if props.get("source") else event
    entity = props.get("entity") or "entity"
    field = f".{props['field']}" if props.get("field") else ""
    return f"{entity}{field}: {json.dumps(props.get('from'))} → {json.dumps(props.get('to'))}"
