"""Scan Python source, copy it through untouched, and find where JSX starts.

The scanner jumps between "events" (`pattern.search(source, pos)` over the characters that matter:
quotes, `#`, brackets, newlines, backslashes, `<`), never re-slicing the remaining source, so a
module is scanned in linear time. Strings, bytes, f-strings (nested quotes, format specs, PEP 701
nesting) and comments are skipped whole.

A `<` starts JSX only in expression position, decided by the token before it: an operator or an
opening bracket, a keyword that takes an expression (`return`, `yield`, `await`, `and`, `or`, `not`,
`in`, `is`, `if`, `else`, ...), or the start of a logical line. After a name, a number, a string or a
closing bracket it is a comparison (`a < b`, `x<3`), and `<<`, `<=`, `<<=` are operators.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .errors import JSXSyntaxError, error_at
from .inject import Injector
from .parser import starts_tag

__all__ = ["JSXHandler", "PythonScanner"]

JSXHandler = Callable[[int, bool | None], tuple[str, int]]
"""`handle(pos, short_names) -> (code, end)`: transpile the JSX whose `<` is at `pos`.

`short_names` says whether a module-level site may use the injected factory names; it is `None` for
JSX nested inside a `{...}` container, which uses the names of the element around it."""

_EVENT = re.compile(r"[\n#'\"<(){}\[\]\\]")
_SIMPLE_CONTAINER = re.compile(r"[^\n#'\"<(){}\[\]\\]*\}")
_FIELD_EVENT = re.compile(r"[\n#'\"(){}\[\]\\:]")
_CONTAINER_COMMENT_END = re.compile(r"[\n}]")
_STRINGS = {
    "'": re.compile(r"'[^'\\\n]*(?:\\.[^'\\\n]*)*'", re.DOTALL),
    '"': re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"', re.DOTALL),
    "'''": re.compile(r"'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''", re.DOTALL),
    '"""': re.compile(r'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""', re.DOTALL),
}
_FSTRING_STOPS = {
    "'": re.compile(r"[\\{}'\n]"),
    '"': re.compile(r'[\\{}"\n]'),
    "'''": re.compile(r"[\\{}']"),
    '"""': re.compile(r'[\\{}"]'),
}
_PREFIX_CHARS = frozenset("rRbBuUfF")
_SPACES = frozenset(" \t\f")
_EXPRESSION_KEYWORDS = frozenset(
    {
        "and", "or", "not", "in", "is", "if", "elif", "else", "while", "return", "yield", "await",
        "assert", "del", "raise", "from", "with", "except",
    }
)  # fmt: skip


class PythonScanner:
    """Copies Python through, hands each JSX expression to `on_jsx` and strips container comments."""

    __slots__ = (
        "_filename",
        "_inject_index",
        "_injector",
        "_source",
        "_used_short_names",
        "multiline_strings",
        "on_jsx",
    )

    def __init__(self, source: str, filename: str, injector: Injector) -> None:
        self._source = source
        self._filename = filename
        self._injector = injector
        self._inject_index = -1
        self._used_short_names = False
        self.on_jsx: JSXHandler | None = None
        self.multiline_strings: list[tuple[int, int]] = []
        """`(start, end)` of the string literals that span lines, in source order."""

    def module(self, import_line: Callable[[], str]) -> str:
        """Transpile the whole module; `import_line()` (the factories the JSX used) fills the
        injector's spot when a JSX site used the short names."""
        out: list[str] = []
        self._scan(0, out, container=False)
        if self._used_short_names:
            out[self._inject_index] = import_line()
        return "".join(out)

    def container(self, pos: int) -> tuple[str, int]:
        """Transpile the Python of a JSX `{...}` starting at `pos`; returns the code and the `}` index."""
        simple = _SIMPLE_CONTAINER.match(self._source, pos)
        if simple is not None:  # `{name}`, `{a.b + 1}`: nothing to skip or transpile
            close = simple.end() - 1
            return self._source[pos:close], close
        out: list[str] = []
        close = self._scan(pos, out, container=True)
        return "".join(out), close

    def _scan(self, pos: int, out: list[str], *, container: bool) -> int:
        source = self._source
        size = len(source)
        search = _EVENT.search
        start = copied = pos  # source[copied:] is not yet in `out`
        segment = pos  # start of the plain run (names, numbers, operators, spaces) since the last event
        depth = 0
        expression = True  # is the position after the last event an expression position?
        injector = None if container else self._injector
        if injector is not None:
            found = injector.line_start(0)
            if found is not None:
                copied = self._split(out, copied, found)
            if injector.done:
                injector = None
        while True:
            match = search(source, pos)
            if match is None:
                if container:
                    raise self._unclosed_container(start)
                if injector is not None:
                    found = injector.finish()
                    if found is not None:
                        copied = self._split(out, copied, found)
                out.append(source[copied:])
                return size
            index = match.start()
            char = source[index]
            if char == "<":
                state = _tail_state(source, segment, index)
                if (expression if state is None else state) and starts_tag(source, index):
                    assert self.on_jsx is not None
                    short = None if container else self._injector.position is not None
                    self._used_short_names |= bool(short)
                    out.append(source[copied:index])
                    code, end = self.on_jsx(index, short)
                    before = source[index - 1 : index]
                    out.append(" " + code if before.isalnum() or before == "_" else code)  # `return<b/>`
                    copied = pos = segment = end
                    expression = False
                    continue
                end = index + 1
                if source.startswith("<", end):
                    end += 1
                if source.startswith("=", end):
                    end += 1
                pos = segment = end
                expression = True
            elif char in "([{":
                depth += 1
                pos = segment = index + 1
                expression = True
            elif char in ")]}":
                if depth:
                    depth -= 1
                elif container and char == "}":
                    out.append(source[copied:index])
                    return index
                pos = segment = index + 1
                expression = False
            elif char == "\n":
                if depth or container:
                    state = _tail_state(source, segment, index)
                    if state is not None:
                        expression = state
                else:
                    expression = True
                    if injector is not None:
                        found = injector.line_start(index + 1)
                        if found is not None:
                            copied = self._split(out, copied, found)
                        if injector.done:
                            injector = None
                pos = segment = index + 1
            elif char == "#":
                state = _tail_state(source, segment, index)
                if state is not None:
                    expression = state
                if container:
                    if depth:
                        end = source.find("\n", index)
                    else:
                        end_match = _CONTAINER_COMMENT_END.search(source, index)
                        end = end_match.start() if end_match else -1
                    if end == -1:
                        raise self._unclosed_container(start)
                    out.append(source[copied:index])  # a comment would swallow the code emitted after it
                    copied = end
                else:
                    end = source.find("\n", index)
                    if end == -1:
                        end = size
                pos = segment = end
            elif char == "\\":
                if source.startswith("\n", index + 1):
                    state = _tail_state(source, segment, index)
                    if state is not None:
                        expression = state
                    pos = segment = index + 2
                else:
                    pos = index + 1
            else:
                pos = segment = self._string_end(index)
                if source.find("\n", index, pos) != -1:
                    self.multiline_strings.append((index, pos))
                expression = False

    def _split(self, out: list[str], copied: int, at: int) -> int:
        """Reserve an output slot at source index `at` (a blank line before any JSX, so nothing
        after it is copied yet) for the factory import, which replaces the line's whitespace."""
        assert copied <= at
        out.append(self._source[copied:at])
        self._inject_index = len(out)
        out.append("")
        return at + self._injector.skip

    def _string_end(self, quote_index: int) -> int:
        """Index past the string literal whose opening quote is at `quote_index` (prefix included)."""
        source = self._source
        start = quote_index
        while start > 0 and quote_index - start < 2 and source[start - 1] in _PREFIX_CHARS:
            start -= 1
        before = source[start - 1] if start > 0 else ""
        prefix = "" if before.isalnum() or before == "_" else source[start:quote_index]
        quote = source[quote_index]
        if source.startswith(quote * 3, quote_index):
            quote *= 3
        if "f" in prefix or "F" in prefix:
            return self._fstring_end(
                quote_index - len(prefix), quote_index + len(quote), quote, raw="r" in prefix or "R" in prefix
            )
        match = _STRINGS[quote].match(source, quote_index)
        if match is None:
            kind = "triple-quoted string" if len(quote) == 3 else "string"
            raise self._error(quote_index - len(prefix), f"unterminated {kind} literal")
        return match.end()

    def _fstring_end(self, opening: int, pos: int, quote: str, *, raw: bool) -> int:
        """Index past the f-string whose body starts at `pos`; errors point at `opening` (its prefix)."""
        source = self._source
        stop = _FSTRING_STOPS[quote].search
        while True:
            match = stop(source, pos)
            if match is None or match.group() == "\n":
                raise self._error(opening, "unterminated f-string literal")
            index = match.start()
            char = source[index]
            if char == "\\":
                following = source[index + 1 : index + 2]
                if not raw and following == "N" and source.startswith("{", index + 2):
                    close = source.find("}", index + 3)
                    if close == -1:
                        raise self._error(opening, "unterminated f-string literal")
                    pos = close + 1
                else:  # `\{` leaves the brace to start a replacement field
                    pos = index + 1 if following in ("{", "}") else index + 2
            elif char == "{":  # `{{` is a literal brace
                pos = index + 2 if source.startswith("{", index + 1) else self._field_end(index + 1, opening, quote)
            elif char == "}":
                pos = index + 2 if source.startswith("}", index + 1) else index + 1
            elif len(quote) == 1 or source.startswith(quote, index):
                return index + len(quote)
            else:
                pos = index + 1

    def _field_end(self, pos: int, opening: int, quote: str) -> int:
        """Index past the `}` ending an f-string replacement field (its format spec included)."""
        source = self._source
        depth = 0
        while True:
            match = _FIELD_EVENT.search(source, pos)
            if match is None:
                raise self._error(opening, "unterminated f-string literal")
            index = match.start()
            char = source[index]
            pos = index + 1
            if char in "([{":
                depth += 1
            elif char in ")]":
                depth = max(depth - 1, 0)
            elif char == "}":
                if not depth:
                    return pos
                depth -= 1
            elif char == ":":
                if not depth:
                    return self._format_spec_end(pos, opening, quote)
            elif char == "#":
                end = source.find("\n", index)
                pos = end if end != -1 else len(source)
            elif char == "\\":
                pos = index + 2
            elif char in "'\"":
                pos = self._string_end(index)

    def _format_spec_end(self, pos: int, opening: int, quote: str) -> int:
        source = self._source
        stop = _FSTRING_STOPS[quote].search
        while True:
            match = stop(source, pos)
            if match is None or match.group() not in "{}\\":
                raise self._error(opening, "unterminated f-string literal: expected '}' after the format spec")
            index = match.start()
            char = source[index]
            if char == "}":
                return index + 1
            pos = self._field_end(index + 1, opening, quote) if char == "{" else index + 2

    def _unclosed_container(self, start: int) -> JSXSyntaxError:
        brace = self._source.rfind("{", 0, start)
        return self._error(brace, "expected '}' to close this '{' before the end of the file")

    def _error(self, pos: int, message: str) -> JSXSyntaxError:
        return error_at(self._source, self._filename, pos, message)


def _tail_state(source: str, start: int, end: int) -> bool | None:
    """Whether the last token of the plain run `source[start:end]` leaves an expression position.

    `None` when the run is blank (the state of the event before it holds).
    """
    while end > start and source[end - 1] in _SPACES:
        end -= 1
    if end == start:
        return None
    char = source[end - 1]
    if char.isalnum() or char == "_":
        word_start = end - 1
        while word_start > start and (source[word_start - 1].isalnum() or source[word_start - 1] == "_"):
            word_start -= 1
        return source[word_start:end] in _EXPRESSION_KEYWORDS
    return char != "."  # `1.` and `...` are values; every other operator expects an operand
