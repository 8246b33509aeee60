"""`JSXSyntaxError` and the helper that locates an error in the original source."""

from __future__ import annotations

__all__ = ["JSXSyntaxError", "error_at", "line_and_column"]


class JSXSyntaxError(SyntaxError):
    """A syntax error found while transpiling JSX-Python, located in the original (untranspiled) file.

    A `SyntaxError` subclass, so tracebacks, pytest and editors show `filename`, `lineno`, `offset`
    (1-based column) and the source line with a caret, exactly as for Python's own syntax errors.
    """


def line_and_column(source: str, pos: int) -> tuple[int, int]:
    """1-based line and column of index `pos` in `source` (only called on error paths: linear scan)."""
    return source.count("\n", 0, pos) + 1, pos - source.rfind("\n", 0, pos)


def error_at(source: str, filename: str, pos: int, message: str, end: int | None = None) -> JSXSyntaxError:
    """A `JSXSyntaxError` for `source[pos:end]`, carrying the line text so the caret lands on it."""
    lineno, offset = line_and_column(source, pos)
    line_start = pos - offset + 1
    line_end = source.find("\n", pos)
    if line_end == -1:
        line_end = len(source)
    if end is None or end <= pos or end > line_end:
        end = min(pos + 1, line_end) if line_end > pos else pos + 1
    text = source[line_start:line_end] + "\n"
    return JSXSyntaxError(message, (filename, lineno, offset, text, lineno, end - line_start + 1))
