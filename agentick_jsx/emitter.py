"""Turn a parsed JSX node into one Python expression calling the element factory.

The output of a node spanning source lines a..b has exactly b - a newlines, and every piece of it
(the factory call, each attribute, each child, each Python expression) starts on the line its
source starts on: before emitting a piece the emitter "syncs" by writing the newlines counted in the
source since the last piece. The padding newlines sit inside the call's parentheses, where Python
ignores them, so tracebacks, coverage and `inspect` keep pointing at the original lines.

Text is emitted as one escaped literal (`repr`), so its newlines become part of the padding.
"""

from __future__ import annotations

from .nodes import Attr, Element, Expr, Fragment, Spread, Text

__all__ = ["Emitter"]


class Emitter:
    """Emits `h(type, props_or_None, *children, key=...)` calls named `h` and `fragment`.

    `h` and `fragment` are Python expressions naming the factory and `Fragment` (short injected
    names, or the `__import__(...)` fallback).
    """

    __slots__ = ("_fragment", "_h", "_parts", "_pos", "_source")

    def __init__(self, source: str, h: str, fragment: str) -> None:
        self._source = source
        self._h = h
        self._fragment = fragment
        self._parts: list[str] = []
        self._pos = 0

    def emit(self, node: Element | Fragment) -> str:
        """The Python code for `node`, with as many lines as its source span."""
        self._parts = []
        self._pos = node.start
        self._node(node)
        return "".join(self._parts)

    def _sync(self, pos: int) -> None:
        """Write the newlines between the last emitted piece and `pos`; never moves backwards."""
        if pos <= self._pos:
            return
        newlines = self._source.count("\n", self._pos, pos)
        if newlines:
            self._parts.append("\n" * newlines)
        self._pos = pos

    def _node(self, node: Element | Fragment) -> None:
        parts = self._parts
        self._sync(node.start)
        key_keyword: Attr | None = None
        if isinstance(node, Fragment):
            parts.append(f"{self._h}({self._fragment}, None")
        else:
            if node.intrinsic:
                parts.append(f"{self._h}({node.tag!r}")
            elif node.tag_pos == node.start + 1:
                parts.append(f"{self._h}({node.tag}")
            else:  # a Python expression: on the line of its name, which may follow `<` on a later line
                parts.append(f"{self._h}(")
                self._sync(node.tag_pos)
                parts.append(node.tag)
            if node.key is not None and self._key_fits_keyword(node.key, node.end):
                key_keyword = node.key
            self._props(node.attrs, key_keyword)
        for child in node.children:
            parts.append(", ")
            if isinstance(child, Text):
                self._sync(child.pos)
                parts.append(repr(child.value))
            elif isinstance(child, Expr):
                self._expr(child, "*(" if child.spread else "(")
            else:
                self._node(child)
        if key_keyword is not None:
            self._key_keyword(key_keyword.value)
        self._sync(node.end)
        parts.append(")")

    def _props(self, attrs: list[Attr | Spread], skip: Attr | None) -> None:
        """The props dict in source order (later entries win), or `None` when there are none."""
        parts = self._parts
        opened = False
        for attr in attrs:
            if attr is skip:
                continue
            parts.append(", " if opened else ", {")
            opened = True
            self._sync(attr.pos)
            if isinstance(attr, Spread):
                self._expr(attr.expr, "**(")
                continue
            parts.append(f"{attr.name!r}: ")
            value = attr.value
            if value is None:
                parts.append("True")
            elif isinstance(value, Text):
                parts.append(repr(value.value))
            elif isinstance(value, Expr):
                self._expr(value, "(")
            else:
                self._node(value)
        parts.append("}" if opened else ", None")

    def _expr(self, expr: Expr, opening: str) -> None:
        self._sync(expr.start)
        self._parts.append(opening + expr.code + ")")
        self._pos = expr.end

    def _key_fits_keyword(self, key: Attr, end: int) -> bool:
        """A key can move to the `key=` keyword at the end of the call when doing so moves no Python
        token to another line: a string or bare key, or an expression on the element's last line.

        Otherwise it stays in the props dict at its own line and `h` moves it out of the props.
        """
        value = key.value
        if not isinstance(value, Expr):
            return not isinstance(value, Element | Fragment)
        return self._source.find("\n", value.start, end) == -1

    def _key_keyword(self, value: object) -> None:
        """`, key=...` after the children; an expression key is synced to its own line first (the
        children before it share that line, `_key_fits_keyword` made sure of it)."""
        if isinstance(value, Expr):
            self._sync(value.start)
            self._parts.append(f", key=({value.code})")
        elif isinstance(value, Text):
            self._parts.append(f", key={value.value!r}")
        else:
            self._parts.append(", key=True")
