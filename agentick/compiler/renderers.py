"""Renderers: how semantic and inline content is written into the model's text.

`<Markdown>` (the default) and `<XML>` choose one of these for everything inside them. A renderer
only formats; walking the tree and deciding what is inline or block-level is the collector's job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

__all__ = ["MARKDOWN", "XML", "MarkdownRenderer", "Renderer", "XMLRenderer", "renderer_named"]

# Inline semantics, keyed by the lowercase tags users write.
INLINE_TAGS: dict[str, str] = {
    "b": "strong",
    "strong": "strong",
    "i": "em",
    "em": "em",
    "code": "code",
    "s": "strike",
    "del": "strike",
    "strike": "strike",
    "u": "underline",
    "mark": "mark",
    "sub": "sub",
    "sup": "sup",
    "small": "small",
    "a": "link",
    "q": "quote",
    "kbd": "kbd",
    "var": "var",
    "cite": "cite",
}


def escape_attribute(value: Any) -> str:
    return str(value).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def attributes(attrs: dict[str, Any]) -> str:
    """` name="value"` pairs for the attributes that are set, in order (None and False are omitted)."""
    parts: list[str] = []
    for name, value in attrs.items():
        if value is None or value is False or callable(value):
            continue
        if value is True:
            parts.append(f" {name}")
        else:
            parts.append(f' {name}="{escape_attribute(value)}"')
    return "".join(parts)


def _indent_continuation(text: str, indent: str) -> str:
    return text.replace("\n", "\n" + indent)


class Renderer:
    """The formatting operations the collector needs. Subclasses decide the syntax."""

    name = "renderer"

    def inline(self, kind: str, text: str, props: dict[str, Any]) -> str:
        raise NotImplementedError

    def heading(self, level: int, text: str) -> str:
        raise NotImplementedError

    def paragraph(self, text: str) -> str:
        raise NotImplementedError

    def blockquote(self, text: str) -> str:
        raise NotImplementedError

    def rule(self) -> str:
        raise NotImplementedError

    def list(self, items: Sequence[tuple[str, bool | None]], ordered: bool, task: bool) -> str:
        raise NotImplementedError

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
        raise NotImplementedError

    def code(self, text: str, language: str | None) -> str:
        raise NotImplementedError

    def image(self, url: str, alt: str | None) -> str:
        raise NotImplementedError

    def section(self, id: str, title: str | None, text: str) -> str:
        raise NotImplementedError

    def tag(self, name: str, attrs: dict[str, Any], text: str) -> str:
        """A tag the renderer has no meaning for (`<example>`): kept as an XML-style tag."""
        opening = f"<{name}{attributes(attrs)}"
        if not text:
            return f"{opening} />"
        if "\n" in text:
            return f"{opening}>\n{text}\n</{name}>"
        return f"{opening}>{text}</{name}>"

    def collapsed(self, name: str, group: str | None, text: str) -> str:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f"<collapsed{attributes({'name': name, 'group': group})}>{escaped}</collapsed>"


class MarkdownRenderer(Renderer):
    name = "markdown"

    _WRAP: ClassVar[dict[str, tuple[str, str]]] = {
        "strong": ("**", "**"),
        "em": ("*", "*"),
        "strike": ("~~", "~~"),
        "underline": ("<u>", "</u>"),
        "mark": ("==", "=="),
        "sub": ("<sub>", "</sub>"),
        "sup": ("<sup>", "</sup>"),
        "small": ("<small>", "</small>"),
        "quote": ('"', '"'),
        "var": ("*", "*"),
        "cite": ("*", "*"),
    }

    def inline(self, kind: str, text: str, props: dict[str, Any]) -> str:
        if kind == "link":
            href = props.get("href")
            return f"[{text}]({href})" if href else text
        if kind in ("code", "kbd"):
            fence = "``" if "`" in text else "`"
            pad = " " if fence == "``" else ""
            return f"{fence}{pad}{text}{pad}{fence}"
        before, after = self._WRAP.get(kind, ("", ""))
        return f"{before}{text}{after}"

    def heading(self, level: int, text: str) -> str:
        return f"{'#' * max(1, min(level, 6))} {text}"

    def paragraph(self, text: str) -> str:
        return text

    def blockquote(self, text: str) -> str:
        return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))

    def rule(self) -> str:
        return "---"

    def list(self, items: Sequence[tuple[str, bool | None]], ordered: bool, task: bool) -> str:
        lines: list[str] = []
        for number, (text, checked) in enumerate(items, 1):
            bullet = f"{number}." if ordered else "-"
            box = ""
            if task or checked is not None:
                box = "[x] " if checked else "[ ] "
            lines.append(f"{bullet} {box}{_indent_continuation(text, ' ' * (len(bullet) + 1))}")
        return "\n".join(lines)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
        columns = max([len(headers), *(len(row) for row in rows)], default=0)
        cells = [list(row) + [""] * (columns - len(row)) for row in rows]
        head = list(headers) + [""] * (columns - len(headers))
        widths = [max(3, len(head[i]), *(len(row[i]) for row in cells)) for i in range(columns)]

        def line(values: Sequence[str]) -> str:
            return "| " + " | ".join(value.ljust(width) for value, width in zip(values, widths, strict=True)) + " |"

        out: list[str] = []
        if headers:
            out.append(line(head))
            out.append("| " + " | ".join("-" * width for width in widths) + " |")
        out.extend(line(row) for row in cells)
        return "\n".join(out)

    def code(self, text: str, language: str | None) -> str:
        fence = "```"
        while fence in text:
            fence += "`"
        return f"{fence}{language or ''}\n{text}\n{fence}"

    def image(self, url: str, alt: str | None) -> str:
        return f"![{alt or ''}]({url})"

    def section(self, id: str, title: str | None, text: str) -> str:
        if not title:
            return text
        return f"## {title}\n\n{text}" if text else f"## {title}"


class XMLRenderer(Renderer):
    name = "xml"

    _TAGS: ClassVar[dict[str, str]] = {
        "strong": "strong",
        "em": "em",
        "code": "code",
        "strike": "s",
        "underline": "u",
        "mark": "mark",
        "sub": "sub",
        "sup": "sup",
        "small": "small",
        "quote": "q",
        "kbd": "kbd",
        "var": "var",
        "cite": "cite",
    }

    def inline(self, kind: str, text: str, props: dict[str, Any]) -> str:
        if kind == "link":
            return f'<a href="{escape_attribute(props.get("href", ""))}">{text}</a>'
        tag = self._TAGS.get(kind, "span")
        return f"<{tag}>{text}</{tag}>"

    def heading(self, level: int, text: str) -> str:
        level = max(1, min(level, 6))
        return f"<h{level}>{text}</h{level}>"

    def paragraph(self, text: str) -> str:
        return f"<p>{text}</p>"

    def blockquote(self, text: str) -> str:
        return f"<blockquote>{text}</blockquote>"

    def rule(self) -> str:
        return "<hr />"

    def list(self, items: Sequence[tuple[str, bool | None]], ordered: bool, task: bool) -> str:
        tag = "ol" if ordered else "ul"
        lines = [f"<{tag}>"]
        for text, checked in items:
            state = f' checked="{str(bool(checked)).lower()}"' if task or checked is not None else ""
            lines.append(f"  <li{state}>{_indent_continuation(text, '  ')}</li>")
        lines.append(f"</{tag}>")
        return "\n".join(lines)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
        lines = ["<table>"]
        if headers:
            lines += ["  <thead>", "    <tr>" + "".join(f"<th>{h}</th>" for h in headers) + "</tr>", "  </thead>"]
        lines.append("  <tbody>")
        lines += ["    <tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows]
        lines += ["  </tbody>", "</table>"]
        return "\n".join(lines)

    def code(self, text: str, language: str | None) -> str:
        language_class = f' class="language-{escape_attribute(language)}"' if language else ""
        return f"<pre><code{language_class}>{text}</code></pre>"

    def image(self, url: str, alt: str | None) -> str:
        return f"<img{attributes({'src': url, 'alt': alt})} />"

    def section(self, id: str, title: str | None, text: str) -> str:
        return f"<section{attributes({'id': id, 'title': title})}>\n{text}\n</section>"


MARKDOWN = MarkdownRenderer()
XML = XMLRenderer()

_RENDERERS: dict[str, Renderer] = {"markdown": MARKDOWN, "xml": XML}


def renderer_named(name: str) -> Renderer:
    try:
        return _RENDERERS[name]
    except KeyError:
        raise ValueError(f"unknown renderer {name!r}; expected one of {sorted(_RENDERERS)}") from None
