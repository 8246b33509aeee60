"""Semantic structure — headings, paragraphs, lists, tables — written as Markdown or, inside
`<XML>`, as XML tags."""

from __future__ import annotations

from typing import Any

from ..compiler import nodes as n
from ..element import Element, h
from ..errors import CompileError

__all__ = ["H1", "H2", "H3", "Column", "Header", "List", "ListItem", "Paragraph", "Row", "Table"]


def Header(level: int = 1, children: Any = ()) -> Element:
    if not isinstance(level, int) or not 1 <= level <= 6:
        raise CompileError(f"<Header> level must be an integer from 1 to 6, not {level!r}")
    return h(n.HEADING, {"level": level}, *children)


def H1(children: Any = ()) -> Element:
    return h(n.HEADING, {"level": 1}, *children)


def H2(children: Any = ()) -> Element:
    return h(n.HEADING, {"level": 2}, *children)


def H3(children: Any = ()) -> Element:
    return h(n.HEADING, {"level": 3}, *children)


def Paragraph(children: Any = ()) -> Element:
    return h(n.PARAGRAPH, None, *children)


def List(ordered: bool = False, task: bool = False, children: Any = ()) -> Element:
    """`- item` lines (`1. item` when ordered; `- [x] item` for a task list)."""
    return h(n.LIST, {"ordered": ordered, "task": task}, *children)


def ListItem(checked: bool | None = None, children: Any = ()) -> Element:
    return h(n.LIST_ITEM, {"checked": checked}, *children)


def Table(headers: list[Any] | None = None, rows: list[list[Any]] | None = None, children: Any = ()) -> Element:
    """A table from `headers`/`rows`, or from `<Row header>`/`<Row>` children of `<Column>`s."""
    return h(n.TABLE, {"headers": headers, "rows": rows}, *children)


def Row(header: bool = False, children: Any = ()) -> Element:
    return h(n.ROW, {"header": header}, *children)


def Column(children: Any = ()) -> Element:
    return h(n.COLUMN, None, *children)
