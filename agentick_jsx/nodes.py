"""The JSX syntax tree the parser builds and the emitter turns into `h(...)` calls.

Every node remembers where it starts in the source: the emitter uses those positions to put each
piece of output on the line it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Attr", "AttrValue", "Child", "Element", "Empty", "Expr", "Fragment", "Spread", "Text"]


@dataclass(slots=True)
class Text:
    """Literal text: a child after the whitespace rule, or the raw value of a `"string"` attribute."""

    value: str
    pos: int


@dataclass(slots=True)
class Expr:
    """A `{...}` container: `code` is the transpiled Python of `source[start:end]`, comments removed.

    It has exactly as many newlines as that source span; `spread` marks `{...expr}`.
    """

    code: str
    start: int
    end: int
    spread: bool = False


@dataclass(slots=True)
class Empty:
    """A child that produces nothing: `{/* comment */}`, `{# comment}` or `{}`."""

    pos: int


@dataclass(slots=True)
class Element:
    """`<tag ...>children</tag>`; `intrinsic` tags are strings, the others Python expressions.

    `start` is the index of the `<`, `tag_pos` that of the tag name (whitespace may separate them).
    """

    tag: str
    intrinsic: bool
    start: int
    tag_pos: int
    end: int = 0
    attrs: list[Attr | Spread] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    key: Attr | None = None


@dataclass(slots=True)
class Fragment:
    """`<>children</>`."""

    start: int
    end: int = 0
    children: list[Child] = field(default_factory=list)


AttrValue = Text | Expr | Element | Fragment | None
"""`None` is a bare attribute (`<Tool cached />`), which means `True`."""


@dataclass(slots=True)
class Attr:
    """`name=value` (or a bare `name`) inside an opening tag."""

    name: str
    pos: int
    value: AttrValue


@dataclass(slots=True)
class Spread:
    """`{...mapping}` inside an opening tag."""

    expr: Expr
    pos: int


Child = Text | Expr | Element | Fragment
