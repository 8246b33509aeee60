"""`transpile`: JSX-Python source in, plain Python out, with every line where it was.

Wires the pieces together: the scanner copies Python and finds JSX, the parser reads it, the
emitter writes the `h(...)` call, and the injector picks the line that imports the factory.
"""

from __future__ import annotations

from .emitter import Emitter
from .errors import error_at
from .inject import IMPORT_MODULE, Injector, import_line
from .parser import JSXParser
from .scanner import PythonScanner

__all__ = ["LINE_LENGTH", "transpile"]

LINE_LENGTH = 120
"""Lines the transpiler lengthens beyond this get `# noqa: E501` (ruff's and black's common limit)."""
_NOQA = "  # noqa: E501"

_FACTORIES = ("h", "Fragment", "jsx")
_SHORT_NAMES = tuple(f"_agentick_{name}" for name in _FACTORIES)
_FALLBACK_NAMES = tuple(f"__import__({IMPORT_MODULE!r}).{IMPORT_MODULE.split('.')[1]}.{name}" for name in _FACTORIES)


def transpile(source: str, filename: str = "<string>", *, reserve_first_line: bool = False) -> str:
    """`agentick_jsx.transpile`; `reserve_first_line` keeps the factory import off line 1 (the codec's
    streams start mid-file and Python drops their first line)."""
    if "\r" in source:
        source = source.replace("\r\n", "\n").replace("\r", "\n")
    if source.startswith("\ufeff"):
        source = source[1:]
    if "<" not in source:
        return source
    injector = Injector(source, reserve_first_line=reserve_first_line)
    scanner = PythonScanner(source, filename, injector)
    parser = JSXParser(source, filename, scanner.container)
    short = Emitter(source, *_SHORT_NAMES)
    fallback = Emitter(source, *_FALLBACK_NAMES)

    def used_import() -> str:
        return import_line(
            {name: alias for name, alias in zip(_FACTORIES, _SHORT_NAMES, strict=True) if alias in short.used}
        )

    current = [short]

    def on_jsx(pos: int, short_names: bool | None) -> tuple[str, int]:
        if short_names is None:  # nested in a container: the names of the enclosing element
            node = parser.parse(pos)
            return current[0].emit(node), node.end
        current[0] = short if short_names else fallback
        node = parser.parse(pos)
        return current[0].emit(node), node.end

    scanner.on_jsx = on_jsx
    try:
        python = scanner.module(used_import)
    except RecursionError:
        raise error_at(source, filename, 0, "JSX nested too deeply to transpile") from None
    return _allow_long_lines(source, python, scanner.multiline_strings)


def _allow_long_lines(source: str, python: str, strings: list[tuple[int, int]]) -> str:
    """Mark the lines the emitted calls made longer than `LINE_LENGTH` (and the source line was not)
    with `# noqa: E501`, so linting the transpiled module reports only what the source has.

    The comment is not added where the line ends inside a string literal or with a backslash."""
    lines = python.split("\n")
    if max(map(len, lines)) <= LINE_LENGTH:
        return python
    source_lines = source.split("\n")
    line_end = -1
    string_index = 0
    for number, line in enumerate(lines):
        line_end += len(source_lines[number]) + 1
        if len(line) <= LINE_LENGTH or len(source_lines[number]) >= len(line) or line.endswith("\\"):
            continue
        while string_index < len(strings) and strings[string_index][1] <= line_end:
            string_index += 1
        if string_index < len(strings) and strings[string_index][0] < line_end:
            continue  # the line break is inside this string
        lines[number] = line + _NOQA
    return "\n".join(lines)
