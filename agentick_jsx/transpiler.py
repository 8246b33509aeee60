"""`transpile`: JSX-Python source in, plain Python out, with every line where it was.

Wires the pieces together: the scanner copies Python and finds JSX, the parser reads it, the
emitter writes the `h(...)` call, and the injector picks the line that imports the factory.
"""

from __future__ import annotations

from .emitter import Emitter
from .errors import error_at
from .inject import Injector
from .parser import JSXParser
from .scanner import PythonScanner

__all__ = ["transpile"]

_SHORT_NAMES = ("_agentick_h", "_agentick_Fragment")
_FALLBACK_NAMES = ("__import__('agentick.element').element.h", "__import__('agentick.element').element.Fragment")


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
        return scanner.module()
    except RecursionError:
        raise error_at(source, filename, 0, "JSX nested too deeply to transpile") from None
