"""The whitespace rule for JSX text children: prompt-faithful, close to React's JSX.

Applied to the children of one element at a time:

1. A comment child (`{/* ... */}`, `{# ...}`, `{}`) disappears together with its line when it stands
   alone on that line; the text around it joins up.
2. A whitespace run that contains a newline at the start or end of a text segment is removed;
   whitespace inside a line (also next to `{expr}`) is kept.
3. Interior line breaks stay `\\n`. The element's common indentation (the smallest indentation of the
   lines on which its own text or children start) is removed from each line, relative indentation
   is kept, and a whitespace-only line becomes an empty line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .nodes import Child, Element, Empty, Expr, Fragment, Text

__all__ = ["build_children"]

_LINE_INDENT = re.compile(r"\n[ \t]*")

RawChild = Text | Empty | Expr | Element | Fragment
"""What the parser collects between the tags: text segments alternate with the other kinds."""


def build_children(raw: Sequence[RawChild], has_comments: bool) -> list[Child]:
    """Apply the whitespace rule to `raw`: `Text` segments alternating with the other children,
    starting and ending with a `Text`; `has_comments` says whether any of them is `Empty`.

    Returns the children to emit: non-empty `Text` values and the other nodes, in order.
    """
    items = _drop_comments(raw) if has_comments else raw
    if len(items) == 1:
        only = items[0]
        assert isinstance(only, Text)
        if "\n" not in only.value:  # the common case: `<b>one line</b>` or `<b />`
            return [only] if only.value else []
    indent = _common_indent(items)
    children: list[Child] = []
    for item in items:
        if isinstance(item, Text):
            value = _trim_edges(item.value)
            if "\n" in value:
                value = _dedent(value, indent)
            if value:
                children.append(item if value is item.value else Text(value, item.pos))
        elif not isinstance(item, Empty):
            children.append(item)
    return children


def _drop_comments(raw: Sequence[RawChild]) -> list[RawChild]:
    """Remove `Empty` children, merging the text on both sides (and their line if it held only the comment)."""
    items: list[RawChild] = []
    merged: _MergedText | None = None
    after_comment = False
    for item in raw:
        if isinstance(item, Text):
            if after_comment and merged is not None:
                value = item.value
                rest = value.lstrip(" \t")
                if merged.ends_line() and rest.startswith("\n"):  # the comment was alone on its line
                    merged.drop_line_tail()
                    value = rest[1:]
                merged.add(value)
            else:
                merged = _MergedText(item)
            after_comment = False
        elif isinstance(item, Empty):
            after_comment = True
        else:
            if merged is not None:
                items.append(merged.text())
                merged = None
            items.append(item)
    if merged is not None:
        items.append(merged.text())
    return items


class _MergedText:
    """Text segments joined across comments, in linear time however many comments there are."""

    __slots__ = ("_blank_tail", "_has_newline", "_pieces", "_pos")

    def __init__(self, first: Text) -> None:
        self._pieces: list[str] = []
        self._pos = first.pos
        self._has_newline = False
        self._blank_tail = True  # is everything after the last newline spaces or tabs?
        self.add(first.value)

    def add(self, value: str) -> None:
        if not value:
            return
        self._pieces.append(value)
        newline = value.rfind("\n")
        if newline >= 0:
            self._has_newline = True
            self._blank_tail = not value[newline + 1 :].strip(" \t")
        elif self._blank_tail:
            self._blank_tail = not value.strip(" \t")

    def ends_line(self) -> bool:
        """Whether the text so far ends with a newline followed only by spaces or tabs."""
        return self._has_newline and self._blank_tail

    def drop_line_tail(self) -> None:
        """Remove the spaces and tabs after the last newline (only called when `ends_line()`)."""
        while True:
            stripped = self._pieces.pop().rstrip(" \t")
            if stripped:
                self._pieces.append(stripped)
                return

    def text(self) -> Text:
        return Text("".join(self._pieces), self._pos)


def _common_indent(items: Sequence[RawChild]) -> int:
    """Smallest indentation of a line that starts inside one of the element's own text segments and
    carries text or the start of a child (blank lines and the closing tag's line do not count)."""
    indent: int | None = None
    last = len(items) - 1
    for index, item in enumerate(items):
        if not isinstance(item, Text) or "\n" not in item.value:
            continue
        value = item.value
        followed_by_child = index < last
        if value.isspace():  # only the last line matters: the one a child starts on
            if followed_by_child:
                width = len(value) - value.rfind("\n") - 1
                if indent is None or width < indent:
                    indent = width
            continue
        size = len(value)
        for match in _LINE_INDENT.finditer(value):
            end = match.end()
            if end < size:
                if value[end] == "\n":
                    continue
            elif not followed_by_child:
                continue
            width = end - match.start() - 1
            if indent is None or width < indent:
                indent = width
    return indent or 0


def _trim_edges(value: str) -> str:
    """Drop a leading and a trailing whitespace run when the run contains a newline."""
    if value.isspace():
        return "" if "\n" in value else value
    stripped = value.lstrip(" \t\n")
    if len(stripped) != len(value) and value.find("\n", 0, len(value) - len(stripped)) != -1:
        value = stripped
    stripped = value.rstrip(" \t\n")
    if len(stripped) != len(value) and value.find("\n", len(stripped)) != -1:
        value = stripped
    return value


def _dedent(value: str, indent: int) -> str:
    """Remove up to `indent` whitespace characters from every line after the first."""
    lines = value.split("\n")
    for number in range(1, len(lines)):
        line = lines[number]
        content = line.lstrip(" \t")
        if not content:
            lines[number] = ""
        elif indent:
            lines[number] = line[min(indent, len(line) - len(content)) :]
    return "\n".join(lines)
