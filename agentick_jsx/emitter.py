"""Turn a parsed JSX node into one Python expression calling the element factories.

A component tag becomes a call a type checker can check against the component's signature:

    <Greeter name={n} times={3} key="g">hi {x}</Greeter>
    _agentick_jsx(Greeter, 'g', name=(n), times=(3), children=['hi ', (x)])

(`agentick.element.jsx`: props as keywords, the key as the second positional argument, children as
the `children=` list the component receives). Tags a signature cannot describe keep the
`h(type, props_or_None, *children, key=...)` call: string intrinsics, fragments, and elements with
a `{...spread}`, a repeated attribute or a `children` attribute (where keywords would change
which value wins, or what becomes a child).

The output of a node spanning source lines a..b has exactly b - a newlines, and every piece of it
(the factory call, each attribute, each child, each Python expression) starts on the line its
source starts on: before emitting a piece the emitter "syncs" by writing the newlines counted in the
source since the last piece, then indents the piece to its source column. The padding sits inside
the call's parentheses, where Python ignores it, so tracebacks, coverage and `inspect` keep
pointing at the original lines, and no line ends in whitespace.

Text is emitted as one escaped literal (`repr`), so its newlines become part of the padding.
"""

from __future__ import annotations

from keyword import iskeyword

from .nodes import Attr, Element, Expr, Fragment, Spread, Text

__all__ = ["Emitter"]


class Emitter:
    """Emits calls of the factories named by the Python expressions `h`, `fragment` and `jsx`
    (the injected short names, or the `__import__(...)` fallback)."""

    __slots__ = ("_fragment", "_h", "_jsx", "_parts", "_pos", "_source", "used")

    def __init__(self, source: str, h: str, fragment: str, jsx: str) -> None:
        self._source = source
        self._h = h
        self._fragment = fragment
        self._jsx = jsx
        self._parts: list[str] = []
        self._pos = 0
        self.used: set[str] = set()
        """The factory names the emitted code calls (the import brings in only those)."""

    def emit(self, node: Element | Fragment) -> str:
        """The Python code for `node`, with as many lines as its source span."""
        self._parts = []
        self._pos = node.start
        self._node(node)
        return "".join(self._parts)

    def _sync(self, pos: int) -> bool:
        """Write the newlines between the last emitted piece and `pos`, then indent to the column
        of `pos`; never moves backwards. Returns whether a line break was written."""
        if pos <= self._pos:
            return False
        source = self._source
        newlines = source.count("\n", self._pos, pos)
        self._pos = pos
        if not newlines:
            return False
        self._parts.append("\n" * newlines + " " * (pos - source.rfind("\n", 0, pos) - 1))
        return True

    def _next(self, pos: int) -> None:
        """The `, ` before the next argument, whose source starts at `pos`."""
        self._parts.append(",")
        if not self._sync(pos):
            self._parts.append(" ")

    def _node(self, node: Element | Fragment) -> None:
        self._sync(node.start)
        if isinstance(node, Element) and not node.intrinsic and _checkable(node, self._source):
            self._jsx_call(node)
        else:
            self._h_call(node)

    def _open(self, factory: str, node: Element) -> None:
        """`factory(Tag`: a Python expression tag goes on the line of its name, which may follow `<`
        on a later line."""
        self.used.add(factory)
        if node.intrinsic:
            self._parts.append(f"{factory}({node.tag!r}")
        elif node.tag_pos == node.start + 1:
            self._parts.append(f"{factory}({node.tag}")
        else:
            self._parts.append(f"{factory}(")
            self._sync(node.tag_pos)
            self._parts.append(node.tag)

    # --- component tags: `jsx(Tag, key, prop=value, ..., children=[...])` -------------------------

    def _jsx_call(self, node: Element) -> None:
        """Props as keywords in source order, the key positional: right after the tag when that moves
        no token to another line (a string, a bare key, the first attribute, or an expression on the
        tag's line), else `*((key),)` where it stands. Either way it is evaluated before the props."""
        self._open(self._jsx, node)
        key = node.key
        late_key = None
        if key is not None:
            if key.value is None or isinstance(key.value, Text):  # a literal: no token to keep on its line
                self._parts.append(", ")
                self._value(key.value)
            elif _on_tag_line(node, key, self._source):
                self._next(key.pos)
                self._value(key.value)
            else:
                late_key = key
        parts = self._parts
        for attr in node.attrs:
            assert isinstance(attr, Attr)  # `_checkable`: no spreads
            if attr is key:
                if attr is late_key:
                    assert isinstance(attr.value, Expr)
                    self._next(attr.pos)
                    self._expr(attr.value, "*((", "),)")
                continue
            self._next(attr.pos)
            if _is_keyword(attr.name):
                parts.append(f"{attr.name}=")
                self._value(attr.value)
            else:
                parts.append(f"**{{{attr.name!r}: ")
                self._value(attr.value)
                parts.append("}")
        if node.children:
            first = True
            for child in node.children:
                self._next(_child_pos(child))
                if first:
                    parts.append("children=[")
                    first = False
                self._child(child)
            parts.append("]")
        self._sync(node.end)
        parts.append(")")

    # --- intrinsics, fragments, spreads: `h(type, {props} or None, *children, key=...)` ------------

    def _h_call(self, node: Element | Fragment) -> None:
        key_keyword: Attr | None = None
        if isinstance(node, Fragment):
            self.used.add(self._h)
            self.used.add(self._fragment)
            self._parts.append(f"{self._h}({self._fragment}, None")
        else:
            self._open(self._h, node)
            if node.key is not None and self._key_fits_keyword(node.key, node.end):
                key_keyword = node.key
            self._props(node.attrs, key_keyword)
        for child in node.children:
            self._next(_child_pos(child))
            self._child(child)
        if key_keyword is not None:
            self._key_keyword(key_keyword.value)
        self._sync(node.end)
        self._parts.append(")")

    def _props(self, attrs: list[Attr | Spread], skip: Attr | None) -> None:
        """The props dict in source order (later entries win), or `None` when there are none."""
        parts = self._parts
        opened = False
        for attr in attrs:
            if attr is skip:
                continue
            if opened:
                self._next(attr.pos)
            else:
                parts.append(", {")
                self._sync(attr.pos)
                opened = True
            if isinstance(attr, Spread):
                self._expr(attr.expr, "**(", ")")
                continue
            parts.append(f"{attr.name!r}: ")
            self._value(attr.value)
        parts.append("}" if opened else ", None")

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
            self._next(value.start)
            self._parts.append(f"key=({value.code})")
        elif isinstance(value, Text):
            self._parts.append(f", key={value.value!r}")
        else:
            self._parts.append(", key=True")

    # --- shared pieces ---------------------------------------------------------------------------

    def _value(self, value: Text | Expr | Element | Fragment | None) -> None:
        """An attribute value: `True` for a bare attribute, a literal, `(expression)` or an element."""
        if value is None:
            self._parts.append("True")
        elif isinstance(value, Text):
            self._parts.append(repr(value.value))
        elif isinstance(value, Expr):
            self._expr(value, "(", ")")
        else:
            self._node(value)

    def _child(self, child: Text | Expr | Element | Fragment) -> None:
        if isinstance(child, Text):
            self._parts.append(repr(child.value))
        elif isinstance(child, Expr):
            self._expr(child, "*(" if child.spread else "(", ")")
        else:
            self._node(child)

    def _expr(self, expr: Expr, opening: str, closing: str) -> None:
        self._sync(expr.start)
        self._parts.append(opening + expr.code + closing)
        if expr.end > self._pos:
            self._pos = expr.end


def _checkable(node: Element, source: str) -> bool:
    """Whether the props can be keywords: no spread or repeated attribute (a later value must win
    over an earlier one), no `children` attribute (it stays a prop), a key that is not an element,
    and no late `*key` after a `**{'data-id': ...}` (Python forbids `*` after `**`)."""
    names: set[str] = set()
    unpacked = False
    key = node.key
    for attr in node.attrs:
        if isinstance(attr, Spread):
            return False
        name = attr.name
        if attr is key:
            if isinstance(attr.value, Element | Fragment):
                return False
            if unpacked and isinstance(attr.value, Expr) and not _on_tag_line(node, attr, source):
                return False
            continue
        if name == "children" or name in names:
            return False
        names.add(name)
        unpacked = unpacked or not _is_keyword(name)
    return True


def _on_tag_line(node: Element, key: Attr, source: str) -> bool:
    """Whether the key can go right after the tag without moving a token to another line: it is the
    first attribute, or everything from the tag to the key's end is on one line."""
    value = key.value
    assert isinstance(value, Expr)
    return node.attrs[0] is key or source.find("\n", node.tag_pos, value.end) == -1


def _is_keyword(name: str) -> bool:
    """Whether `name=` can be a keyword argument (`data-id`, `class` and `for` cannot)."""
    return name.isidentifier() and not iskeyword(name)


def _child_pos(child: Text | Expr | Element | Fragment) -> int:
    if isinstance(child, Text):
        return child.pos
    if isinstance(child, Expr):
        return child.start
    return child.start
