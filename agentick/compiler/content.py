"""Content: the text and blocks inside a system part, section, message or ephemeral.

Text children of one block join without separators (`"You are in "` + `"plan"` + `" mode."`);
block-level content (headings, paragraphs, lists, tables, code, rules) is separated from its
neighbours by a blank line; event lines by a newline. In a message, media (images, documents,
audio, video) and tool calls stay content blocks of their own; in text-only places (the system
message, sections, ephemerals) they become references such as `![alt](url)`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
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


def render_text(children: Sequence[Any], renderer: Renderer, record: Callable[[n.Node], None]) -> str:
    """Children rendered as text (for the system message, sections and ephemerals)."""
    parts = Parts(media=False)
    walk(children, parts, renderer, record)
    return parts.text()


def render_blocks(children: Sequence[Any], renderer: Renderer, record: Callable[[n.Node], None]) -> list[ContentBlock]:
    """Children rendered as message content blocks."""
    parts = Parts(media=True)
    walk(children, parts, renderer, record)
    return parts.result()


# A frame of the walk: the children left to render, where they go, and what to do when they are
# done: `finish(parts, *args)` formats what a nested frame rendered into its parent (a `<b>`
# wraps its inner text, a section adds its heading, ...); None when the frame writes straight into
# its parent's parts (text, renderer switches, structural wrappers).
_Frame = tuple[Iterator[Any], Parts, Renderer, str, Callable[..., None] | None, tuple[Any, ...]]


def walk(
    children: Sequence[Any],
    parts: Parts,
    renderer: Renderer,
    record: Callable[[n.Node], None],
    block_separator: str = "\n\n",
) -> None:
    """Render `children` into `parts`. Tools and model settings met inside content are reported
    through `record`, so `<Section><Search /></Section>` still registers the tool; so is every
    lowercase tag this walk writes as literal text (`<add />`), where it decides so, so that the
    caller can warn about one that names a tool or component without walking the content again.

    The walk keeps its own stack of frames instead of recursing, so content of any depth renders.
    """
    frames: list[_Frame] = [(iter(children), parts, renderer, block_separator, None, ())]
    push = frames.append
    while frames:
        nodes, parts, renderer, separator, _, _ = frames[-1]
        for node in nodes:
            if type(node) is n.TextNode:
                parts.inline(node.text)
                continue
            kind = node.type
            props = node.props
            if kind == n.TEXT:
                text = props.get("text")
                if text is not None:
                    parts.inline(str(text))
                push((iter(node.children), parts, renderer, separator, None, ()))
                break
            if kind in INLINE_TAGS:
                push(_inline(node.children, renderer, _finish_inline, (parts, renderer, INLINE_TAGS[kind], props)))
                break
            if kind == "br":
                parts.inline("\n")
            elif kind == n.HEADING or kind in HEADING_TAGS:
                level = int(props.get("level") or HEADING_TAGS.get(kind, 1))
                push(_inline(node.children, renderer, _finish_block, (parts, renderer.heading, (level,), "\n\n")))
                break
            elif kind == n.PARAGRAPH or kind == "p":
                push(_inline(node.children, renderer, _finish_block, (parts, renderer.paragraph, (), separator)))
                break
            elif kind == "blockquote":
                push(_inline(node.children, renderer, _finish_block, (parts, renderer.blockquote, (), separator)))
                break
            elif kind == "hr":
                parts.block(renderer.rule(), separator)
            elif kind == n.LIST or kind in ("ul", "ol"):
                ordered = bool(props.get("ordered")) or kind == "ol"
                checks = [_checked(item) for item in node.children]
                sources: list[Sequence[Any]] = [
                    item.children if checks[i] is not _PLAIN else [item] for i, item in enumerate(node.children)
                ]
                texts: list[str] = [""] * len(sources)
                task = bool(props.get("task"))
                push(
                    (
                        iter(()),
                        parts,
                        renderer,
                        separator,
                        _finish_list,
                        (renderer, texts, checks, ordered, task, separator),
                    )
                )
                _push_texts(push, sources, renderer, texts)
                break
            elif kind == n.TABLE:
                headers = [str(cell) for cell in props.get("headers") or ()]
                rows = [[str(cell) for cell in row] for row in props.get("rows") or ()]
                shape = [
                    (
                        bool(row.props.get("header")),
                        [c for c in row.children if type(c) is n.Node and c.type == n.COLUMN],
                    )
                    for row in node.children
                    if type(row) is n.Node and row.type == n.ROW
                ]
                cells: list[str] = [""] * sum(len(columns) for _, columns in shape)
                push(
                    (
                        iter(()),
                        parts,
                        renderer,
                        separator,
                        _finish_table,
                        (renderer, headers, rows, shape, cells, separator),
                    )
                )
                _push_texts(push, [column.children for _, columns in shape for column in columns], renderer, cells)
                break
            elif kind == n.CODE or kind == "pre":
                code = props.get("text")
                if code is None:
                    push(_inline(node.children, renderer, _finish_code, (parts, renderer, props, separator)))
                    break
                parts.block(renderer.code(str(code), props.get("language")), separator)
            elif kind == n.JSON:
                parts.block(renderer.code(props["text"], "json"), separator)
            elif kind in _MEDIA:
                parts.add_block(_MEDIA[kind](props), renderer)
            elif kind == n.BLOCKS:
                for block in props["blocks"]:
                    parts.add_block(block, renderer)
            elif kind in (n.USER_ACTION, n.SYSTEM_EVENT, n.STATE_CHANGE):
                push(_inline(node.children, renderer, _finish_event, (parts, kind, props)))
                break
            elif kind == n.COLLAPSED:
                push(_inline(node.children, renderer, _finish_collapsed, (parts, renderer, props)))
                break
            elif kind == n.RENDERER:
                push((iter(node.children), parts, renderer_named(props["renderer"]), separator, None, ()))
                break
            elif kind == n.SECTION:
                body = Parts(media=False)
                push(
                    (iter(node.children), body, renderer, "\n\n", _finish_section, (parts, renderer, props, separator))
                )
                break
            elif kind == n.TOOL or kind == n.MODEL:
                record(node)
            elif kind.startswith("@"):
                push((iter(node.children), parts, renderer, separator, None, ()))  # system/entry/ephemeral
                break
            else:  # a tag the renderer does not format: literal text
                record(node)
                push(_inline(node.children, renderer, _finish_tag, (parts, renderer, kind, props, separator)))
                break
        else:
            _, done, _, _, finish, args = frames.pop()
            if finish is not None:
                finish(done, *args)


def _inline(children: Sequence[Any], renderer: Renderer, finish: Callable[..., None], args: tuple[Any, ...]) -> _Frame:
    """A frame rendering `children` as inline text (blocks inside separated by a newline)."""
    return (iter(children), Parts(media=False), renderer, "\n", finish, args)


def _push_texts(
    push: Callable[[_Frame], None], sources: list[Sequence[Any]], renderer: Renderer, texts: list[str]
) -> None:
    """Frames rendering each source as inline text into `texts[i]`, pushed so the first runs first."""
    for index in range(len(sources) - 1, -1, -1):
        push(_inline(sources[index], renderer, _finish_store, (texts, index)))


def _finish_store(inner: Parts, texts: list[str], index: int) -> None:
    texts[index] = inner.text()


def _finish_inline(inner: Parts, parts: Parts, renderer: Renderer, kind: str, props: dict[str, Any]) -> None:
    parts.inline(renderer.inline(kind, inner.text(), props))


def _finish_block(
    inner: Parts, parts: Parts, format: Callable[..., str], leading: tuple[Any, ...], separator: str
) -> None:
    parts.block(format(*leading, inner.text()), separator)


def _finish_code(inner: Parts, parts: Parts, renderer: Renderer, props: dict[str, Any], separator: str) -> None:
    parts.block(renderer.code(inner.text(), props.get("language")), separator)


def _finish_event(inner: Parts, parts: Parts, kind: str, props: dict[str, Any]) -> None:
    parts.block(inner.text() or _event_text(kind, props), "\n")


def _finish_collapsed(inner: Parts, parts: Parts, renderer: Renderer, props: dict[str, Any]) -> None:
    parts.inline(renderer.collapsed(props.get("name", ""), props.get("group"), inner.text()))


def _finish_section(inner: Parts, parts: Parts, renderer: Renderer, props: dict[str, Any], separator: str) -> None:
    parts.block(renderer.section(props.get("id") or "", props.get("title"), inner.text()), separator)


def _finish_tag(
    inner: Parts, parts: Parts, renderer: Renderer, kind: str, props: dict[str, Any], separator: str
) -> None:
    text = inner.text()
    tag = renderer.tag(kind, props, text)
    if "\n" in text:
        parts.block(tag, separator)
    else:
        parts.inline(tag)


_PLAIN: Any = object()  # a list child that is not a list item: the whole child is one item


def _checked(item: n.Node | n.TextNode) -> Any:
    """A list item's `checked` (None when unset), or _PLAIN for a child that is not a list item."""
    if type(item) is n.Node and item.type in (n.LIST_ITEM, "li"):
        return item.props.get("checked")
    return _PLAIN


def _finish_list(
    parts: Parts,
    renderer: Renderer,
    texts: list[str],
    checks: list[Any],
    ordered: bool,
    task: bool,
    separator: str,
) -> None:
    items = [(text, None if checked is _PLAIN else checked) for text, checked in zip(texts, checks, strict=True)]
    parts.block(renderer.list(items, ordered, task), separator)


def _finish_table(
    parts: Parts,
    renderer: Renderer,
    headers: list[str],
    rows: list[list[str]],
    shape: list[tuple[bool, list[Any]]],
    cells: list[str],
    separator: str,
) -> None:
    """Rows of `<Row>`/`<Column>` children (their cells rendered in `cells`, in order) after the
    `rows` prop; a `<Row header>` replaces the headers."""
    start = 0
    for header, columns in shape:
        row = cells[start : start + len(columns)]
        start += len(columns)
        if header:
            headers = row
        else:
            rows.append(row)
    parts.block(renderer.table(headers, rows), separator)


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
