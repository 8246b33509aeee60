"""Choose where the factory import goes without adding a line to the module.

The transpiled module imports the factory itself (`_agentick_h`, `_agentick_Fragment`: a single
leading underscore, so class bodies do not mangle them). The import has to share a line with
existing code, at module level, before the JSX that uses the short names:

1. after the prologue (module docstring, `from __future__` imports): `'''doc'''; from ... import ...`;
2. before the first statement when it is a simple statement: `from ... import ...; import os`;
3. on a blank or comment line before a compound first statement (never a shebang or a PEP 263
   coding line on line 1 or 2);
4. later, before a column-0 simple statement, or on a blank or comment line that is followed by a
   column-0 statement (not `else`/`elif`/`except`/`finally`, not after a decorator).

JSX met before the chosen spot (for instance inside `def f():` on line 1) falls back to
`__import__("agentick.element").element.h(...)` at the call site.
"""

from __future__ import annotations

import re

__all__ = ["IMPORT", "Injector"]

IMPORT = "from agentick.element import h as _agentick_h, Fragment as _agentick_Fragment"

_INDENT = re.compile(r"[ \t\f]*")
_WORD = re.compile(r"[^\W\d]\w*")
_PROLOGUE = re.compile(r"[rRuUbBfF]{0,2}['\"]|from[ \t]+__future__\b")
_FUTURE = re.compile(r"from[ \t]+__future__\b")
_CODING = re.compile(r"[ \t\f]*#.*?coding[:=]")
_FREE_LINES = re.compile(r"(?:[ \t\f]*(?:#[^\n]*)?\n)*")
_CONTINUES_BLOCK = frozenset({"elif", "else", "except", "finally", "case"})
_NOT_SIMPLE = _CONTINUES_BLOCK | {"async", "class", "def", "for", "if", "match", "try", "while", "with"}


class Injector:
    """Fed the start of every module-level logical line until it has found a spot.

    `position` is then the source index where `text` goes; the scanner splits its output there.
    """

    __slots__ = (
        "_after_decorator",
        "_free_line",
        "_in_prologue",
        "_prologue_end",
        "_reserve_first_line",
        "_seen_statement",
        "_skip_until",
        "_source",
        "position",
        "text",
    )

    def __init__(self, source: str, *, reserve_first_line: bool = False) -> None:
        self._source = source
        self._reserve_first_line = reserve_first_line
        self._seen_statement = False
        self._in_prologue = False
        self._prologue_end = -1
        self._free_line = -1
        self._after_decorator = False
        self._skip_until = -1
        self.position: int | None = None
        self.text = ""

    def line_start(self, pos: int, previous_end: int) -> int | None:
        """Look at the logical line starting at `pos`; `previous_end` is where the code of the
        previous logical line ends (before its comment). Returns the position when one is chosen."""
        source = self._source
        code = _end_of(_INDENT, source, pos)
        blank = code >= len(source) or source[code] in "#\n"
        if self._in_prologue:
            if previous_end > self._prologue_end:
                self._prologue_end = previous_end
            if blank or _FUTURE.match(source, code):
                return None
            return self._append(self._prologue_end)
        if not self._seen_statement:
            return self._before_first_statement(pos, code, blank)
        if blank:
            return self._blank_line(pos)
        if code != pos:
            return None
        if source[code] == "@":
            self._after_decorator = True
            return None
        self._after_decorator = False
        return self._prefix(pos) if self._is_simple(code) else None

    def finish(self, last_end: int) -> int | None:
        """Called at the end of the module: a module that is all prologue gets the import appended."""
        if self._in_prologue:
            return self._append(max(last_end, self._prologue_end))
        return None

    def _before_first_statement(self, pos: int, code: int, blank: bool) -> int | None:
        source = self._source
        if blank:
            if self._free_line < 0 and not self._reserved(pos):
                self._free_line = pos
            return None
        self._seen_statement = True
        if _PROLOGUE.match(source, code):
            self._in_prologue = True
            return None
        if self._is_simple(code):
            return self._prefix(pos)
        if self._free_line >= 0:
            return self._prefix(self._free_line)
        self._after_decorator = source[code] == "@"
        return None

    def _blank_line(self, pos: int) -> int | None:
        if self._after_decorator or pos < self._skip_until:
            return None
        source = self._source
        following = _end_of(_FREE_LINES, source, pos)
        self._skip_until = following
        if following >= len(source) or source[following] in " \t\f":
            return None
        word = _WORD.match(source, following)
        if word is not None and word.group() in _CONTINUES_BLOCK:
            return None
        return self._prefix(pos)

    def _reserved(self, pos: int) -> bool:
        """Line 1 (when reserved, or a shebang) and PEP 263 coding lines on lines 1-2 stay untouched."""
        source = self._source
        if pos == 0:
            return self._reserve_first_line or source.startswith("#!") or bool(_CODING.match(source))
        return source.count("\n", 0, pos) == 1 and bool(_CODING.match(source, pos))

    def _is_simple(self, code: int) -> bool:
        source = self._source
        if source[code] == "@":
            return False
        word = _WORD.match(source, code)
        return word is None or word.group() not in _NOT_SIMPLE

    def _prefix(self, pos: int) -> int:
        self.position = pos
        self.text = IMPORT + "; "
        return pos

    def _append(self, pos: int) -> int:
        self.position = pos
        self.text = (" " if self._source[pos - 1 : pos] == ";" else "; ") + IMPORT
        return pos


def _end_of(pattern: re.Pattern[str], source: str, pos: int) -> int:
    """End of a match of `pattern` (which matches the empty string) at `pos`."""
    match = pattern.match(source, pos)
    return match.end() if match else pos
