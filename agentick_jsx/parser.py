"""Parse one JSX element or fragment starting at a `<` into `nodes`.

The parser reads JSX syntax only; each `{...}` container is handed to the Python scanner, which
returns the container's transpiled code (it may contain JSX again) and the index of its `}`.
All matching is index-based with precompiled patterns (`pattern.match(source, pos)`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .errors import JSXSyntaxError, error_at, line_and_column
from .nodes import Attr, AttrValue, Element, Empty, Expr, Fragment, Spread, Text
from .text import RawChild, build_children

__all__ = ["ContainerScanner", "JSXParser", "starts_tag"]

ContainerScanner = Callable[[int], tuple[str, int]]
"""`scan(pos) -> (code, close)`: transpile the Python starting at `pos` up to its `}` at index `close`."""

_SPACE = re.compile(r"\s*")
_TAG_NAME = re.compile(r"[^\W\d][\w-]*(?:\.[^\W\d][\w-]*)*")
_TEXT_END = re.compile(r"[<{}]")
_CLOSING_TAG = re.compile(r"<\s*/\s*([^\W\d][\w-]*(?:\.[^\W\d][\w-]*)*)?\s*>")
_ATTR_TOKEN = re.compile(r"\s*(?:([^\W\d][\w-]*)(\s*=\s*)?|(>)|(/>)|(\{))")
_NAME, _NAME_EQUALS, _OPEN_END, _SELF_CLOSING, _BRACE = 1, 2, 3, 4, 5


def starts_tag(source: str, pos: int) -> bool:
    """Whether the `<` at `pos` in Python code opens a tag: it is followed directly by a name or `>`.

    (`a < b` stays a comparison; inside JSX, where `<` can only open a tag, whitespace may follow it.)
    """
    return _opens_tag(source[pos + 1 : pos + 2])


def _opens_tag(following: str) -> bool:
    return following == ">" or following.isalpha() or following == "_"


class JSXParser:
    """Recursive-descent parser for JSX elements, fragments, attributes and children."""

    __slots__ = ("_filename", "_scan", "_source")

    def __init__(self, source: str, filename: str, scan_container: ContainerScanner) -> None:
        self._source = source
        self._filename = filename
        self._scan = scan_container

    def parse(self, pos: int) -> Element | Fragment:
        """Parse the element or fragment whose `<` is at `pos`; the node's `end` is past its last `>`.

        Whitespace may follow the `<` (`< b>`, `< >`), as in Babel.
        """
        source = self._source
        name = pos + 1
        if source[name : name + 1].isspace():
            name = _skip_space(source, name)
        if source.startswith(">", name):
            fragment = Fragment(pos)
            fragment.children, fragment.end = self._children(name + 1, "", pos)
            return fragment
        match = _TAG_NAME.match(source, name)
        if match is None:
            raise self._error(name, "expected a tag name or '>' after '<'")
        tag = match.group()
        intrinsic = tag[0].islower() and "." not in tag
        if not intrinsic and "-" in tag:
            raise self._error(
                name, f"invalid component name <{tag}>: a capitalised or dotted tag is a Python expression"
            )
        element = Element(tag, intrinsic, pos, name)
        cursor = match.end()
        while True:
            token = _ATTR_TOKEN.match(source, cursor)
            if token is None:
                raise self._bad_attribute(cursor, tag, pos)
            kind = token.lastindex
            if kind == _OPEN_END:
                element.children, element.end = self._children(token.end(), tag, pos)
                return element
            if kind == _SELF_CLOSING:
                element.end = token.end()
                return element
            if kind == _BRACE:
                cursor = self._spread_attr(element, token.start(_BRACE))
                continue
            attr = Attr(token.group(_NAME), token.start(_NAME), None)
            if kind == _NAME_EQUALS:
                attr.value, cursor = self._attr_value(token.end(), tag, attr.name)
            else:
                cursor = token.end()
            if attr.name == "key":
                if element.key is not None:
                    raise self._error(attr.pos, f"<{tag}> has two key attributes")
                element.key = attr
            element.attrs.append(attr)

    def _bad_attribute(self, cursor: int, tag: str, opened: int) -> JSXSyntaxError:
        source = self._source
        cursor = _skip_space(source, cursor)
        if cursor >= len(source):
            return self._unclosed(opened, tag, "'>' or '/>' to end the opening tag")
        hint = self._text_hint(opened, locate=True)
        return self._error(
            cursor, f"expected an attribute name, '>' or '/>' in <{tag}>, found {source[cursor]!r}{hint}"
        )

    def _text_hint(self, opened: int, *, locate: bool) -> str:
        """For a tag opened by `<` and whitespace (`<p>a < b</p>`), which may have been meant as text;
        `locate` names the `<` when the message does not already."""
        source = self._source
        if not source[opened + 1 : opened + 2].isspace():
            return ""
        if not locate:
            return "; a '<' followed by whitespace opens a tag too: write {'<'} for a literal '<'"
        line, column = line_and_column(source, opened)
        return f"; the '<' at line {line}, column {column} opens a tag: write {{'<'}} for a literal '<'"

    def _spread_attr(self, element: Element, brace: int) -> int:
        source = self._source
        dots = _skip_space(source, brace + 1)
        if not source.startswith("...", dots):
            raise self._error(brace, "expected '...' after '{' in a tag: spread attributes are written {...props}")
        code, close = self._scan(dots + 3)
        if _is_blank(code):
            raise self._error(brace, "expected an expression after '...' in a spread attribute")
        element.attrs.append(Spread(Expr(code, dots + 3, close), brace))
        return close + 1

    def _attr_value(self, pos: int, tag: str, name: str) -> tuple[AttrValue, int]:
        source = self._source
        char = source[pos : pos + 1]
        if char in ('"', "'"):
            close = source.find(char, pos + 1)
            if close == -1:
                raise self._error(pos, f"unterminated string in attribute {name}=: expected a closing {char}")
            return Text(source[pos + 1 : close], pos), close + 1
        if char == "{":
            code, close = self._scan(pos + 1)
            if _is_blank(code):
                raise self._error(pos, f"attribute {name}= has an empty expression; give a value or drop the '='")
            return Expr(code, pos + 1, close), close + 1
        if char == "<" and _opens_tag(_first_after_space(source, pos + 1)):
            node = self.parse(pos)
            return node, node.end
        found = repr(char) if char else "the end of the file"
        raise self._error(
            pos,
            f'expected an attribute value after {name}= in <{tag}>: "text", {{expression}} or an element, '
            f"found {found}",
        )

    def _children(self, pos: int, tag: str, opened: int) -> tuple[list[Text | Expr | Element | Fragment], int]:
        """Children up to the matching closing tag; returns them and the index past the closing `>`."""
        source = self._source
        raw: list[RawChild] = []
        has_comments = False
        while True:
            special = _TEXT_END.search(source, pos)
            text_end = special.start() if special else len(source)
            raw.append(Text(source[pos:text_end], pos))
            char = source[text_end : text_end + 1]
            if char == "{":
                pos = self._child_container(text_end, raw)
                has_comments = has_comments or isinstance(raw[-1], Empty)
            elif char == "<":
                following = _first_after_space(source, text_end + 1)
                if following == "/":
                    return build_children(raw, has_comments), self._closing_tag(text_end, tag, opened)
                if not _opens_tag(following):
                    raise self._error(text_end, "unexpected '<' in JSX text; write {'<'} for a literal '<'")
                node = self.parse(text_end)
                raw.append(node)
                pos = node.end
            elif char == "}":
                raise self._error(text_end, "unexpected '}' in JSX text; write {'}'} for a literal '}'")
            else:
                raise self._unclosed(opened, tag, f"</{tag}>")

    def _child_container(self, brace: int, raw: list[RawChild]) -> int:
        """A `{...}` child: a comment, an empty container, a `{...spread}` or an expression."""
        source = self._source
        inner = _skip_space(source, brace + 1)
        if source.startswith("/*", inner):
            close_comment = source.find("*/", inner + 2)
            if close_comment == -1:
                raise self._error(inner, "unterminated comment: expected '*/'")
            close = _skip_space(source, close_comment + 2)
            if not source.startswith("}", close):
                raise self._error(close, "expected '}' after the comment")
            raw.append(Empty(brace))
            return close + 1
        spread = source.startswith("...", inner)
        start = inner + 3 if spread else brace + 1
        code, close = self._scan(start)
        if _is_blank(code):
            if spread:
                raise self._error(brace, "expected an expression after '...'")
            raw.append(Empty(brace))
        else:
            raw.append(Expr(code, start, close, spread))
        return close + 1

    def _closing_tag(self, pos: int, tag: str, opened: int) -> int:
        source = self._source
        match = _CLOSING_TAG.match(source, pos)
        if match is None:
            raise self._error(pos, f"expected a closing tag </{tag}>")
        name = match.group(1) or ""
        if name != tag:
            line, column = line_and_column(source, opened)
            raise self._error(
                pos,
                f"expected closing tag </{tag}>, found </{name}> (<{tag}> was opened at line {line}, column {column})"
                f"{self._text_hint(opened, locate=False)}",
                match.end(),
            )
        return match.end()

    def _unclosed(self, opened: int, tag: str, expected: str) -> JSXSyntaxError:
        line, _ = line_and_column(self._source, len(self._source))
        return self._error(
            opened,
            f"unclosed tag <{tag}>: expected {expected} before the end of the file (line {line})"
            f"{self._text_hint(opened, locate=False)}",
        )

    def _error(self, pos: int, message: str, end: int | None = None) -> JSXSyntaxError:
        return error_at(self._source, self._filename, pos, message, end)


def _skip_space(source: str, pos: int) -> int:
    match = _SPACE.match(source, pos)
    return match.end() if match else pos


def _first_after_space(source: str, pos: int) -> str:
    """The first non-whitespace character at or after `pos` (empty at the end of the source)."""
    char = source[pos : pos + 1]
    if not char.isspace():
        return char
    index = _skip_space(source, pos)
    return source[index : index + 1]


def _is_blank(code: str) -> bool:
    return not code or code.isspace()
