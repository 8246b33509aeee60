"""Choose where the factory import goes without adding a line to the module.

The transpiled module imports the factories itself (`_agentick_jsx`, `_agentick_h`,
`_agentick_Fragment`: a single leading underscore, so class bodies do not mangle them), only those
it uses. The import takes the place of a blank line of the module's import header: after the
prologue (module docstring, `from __future__` imports) and before the first statement that is not
an import, so the output stays a plain Python module a linter accepts (no `;` joins, no import
below code) and every other line stays where it was. A module starting with a shebang or a PEP 263
coding line keeps those lines; the codec's streams reserve line 1.

A module without such a blank line (`from agentick import System` directly followed by
`def Agent(): ...`) falls back to `__import__("agentick.element").element.jsx(...)` at each call
site, which runs the same but which type checkers cannot check.
"""

from __future__ import annotations

import re

__all__ = ["IMPORT_MODULE", "Injector", "import_line"]

IMPORT_MODULE = "agentick.element"

_INDENT = re.compile(r"[ \t\f]*")
_STRING = re.compile(r"[rRuUbBfF]{0,2}['\"]")
_FUTURE = re.compile(r"from[ \t]+__future__\b")
_IMPORT = re.compile(r"(?:import|from)\b")


class Injector:
    """Fed the start of every module-level logical line until the first statement that is not an
    import; `position` is then the start of the chosen blank line (or `None`) and `skip` the length
    of the whitespace on it, which the import replaces."""

    __slots__ = ("_candidate", "_candidate_end", "_first", "_reserve_first_line", "_source", "done", "position", "skip")

    def __init__(self, source: str, *, reserve_first_line: bool = False) -> None:
        self._source = source
        self._reserve_first_line = reserve_first_line
        self._candidate = -1
        self._candidate_end = -1
        self._first = True
        self.done = False
        self.position: int | None = None
        self.skip = 0

    def line_start(self, pos: int) -> int | None:
        """Look at the logical line starting at `pos`. Returns the chosen position once decided."""
        source = self._source
        match = _INDENT.match(source, pos)
        code = match.end() if match else pos
        if code >= len(source) or source[code] == "\n":
            if self._candidate < 0 and not (pos == 0 and self._reserve_first_line):
                self._candidate = pos
                self._candidate_end = code
            return None
        if source[code] == "#":
            return None
        first = self._first
        self._first = False
        if (first and _STRING.match(source, code)) or _FUTURE.match(source, code):
            self._candidate = -1  # nothing may precede a docstring or a `from __future__` import
            return None
        if _IMPORT.match(source, code):
            return None
        return self.finish()

    def finish(self) -> int | None:
        """Decide: at the first statement that is not an import, or at the end of the module."""
        self.done = True
        if self._candidate >= 0:
            self.position = self._candidate
            self.skip = self._candidate_end - self._candidate
        return self.position


def import_line(names: dict[str, str]) -> str:
    """`from agentick.element import jsx as _agentick_jsx, ...` for the used `{name: alias}`."""
    return f"from {IMPORT_MODULE} import " + ", ".join(f"{name} as {alias}" for name, alias in names.items())
