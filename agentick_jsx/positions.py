"""Drop the column positions of the lines the transpiler rewrote, so tracebacks underline nothing wrong.

Python records a line and column range for every instruction, and a traceback underlines that range
(`^^^^`) in the source line it shows. For a `.px` module that line is the original JSX line, but
the columns are those of the transpiled line, so on a rewritten line (JSX, or the factory import
put in front of a statement) the carets would point at unrelated characters, or past the end of the
line. `drop_columns` keeps the lines of every instruction and removes the columns of those whose
first or last line was rewritten: tracebacks then show the line without carets, as for code
compiled without column information. Lines the transpiler copied unchanged keep their carets.

A `SyntaxError` that Python finds in a rewritten line is relocated the same way by
`syntax_error_location`: the original line, and the columns mapped back onto it.

`drop_columns` re-encodes `co_linetable` in the documented location-table format of CPython 3.11 and later
(InternalDocs/locations.md): entries on rewritten lines keep their length and lines and get no
columns, everything else is copied byte for byte.
"""

from __future__ import annotations

import difflib
from types import CodeType

__all__ = ["changed_lines", "drop_columns", "syntax_error_location"]

_NO_COLUMNS = 13
_LONG = 14
_NO_LOCATION = 15


def changed_lines(source: str, python: str) -> frozenset[int]:
    """The 1-based numbers of the lines of `python` that differ from the same lines of `source`."""
    return frozenset(
        number
        for number, (original, transpiled) in enumerate(zip(_lines(source), python.split("\n"), strict=False), 1)
        if original != transpiled
    )


SyntaxErrorDetails = tuple[str | None, int | None, int | None, str | None, int | None, int | None]


def syntax_error_location(error: SyntaxError, source: str, python: str) -> SyntaxErrorDetails:
    """`(filename, lineno, offset, text, end_lineno, end_offset)` of `error`, raised compiling `python`,
    in the original `source`: the line's own text, and on a rewritten line the columns carried over
    from the transpiled line (a column in generated code goes to the end of the copied code before it,
    which is where the original Python stopped making sense)."""
    original = _lines(source)
    transpiled = python.split("\n")

    def column(lineno: int | None, offset: int | None) -> int | None:
        if lineno is None or offset is None or not 0 < lineno <= len(original):
            return offset
        return _carry_column(transpiled[lineno - 1], original[lineno - 1], offset - 1) + 1

    lineno = error.lineno
    text = original[lineno - 1] + "\n" if lineno is not None and 0 < lineno <= len(original) else error.text
    return (
        error.filename,
        lineno,
        column(lineno, error.offset),
        text,
        error.end_lineno,
        column(error.end_lineno, error.end_offset),
    )


def _carry_column(transpiled: str, original: str, index: int) -> int:
    """The index in `original` of the character at `index` in `transpiled` (0-based)."""
    if transpiled == original:
        return index
    carried = 0
    matcher = difflib.SequenceMatcher(None, transpiled, original, autojunk=False)
    for start, original_start, size in matcher.get_matching_blocks():
        if start <= index < start + size:
            return original_start + index - start
        if start + size <= index:
            carried = original_start + size
    return carried


def _lines(source: str) -> list[str]:
    if "\r" in source:
        source = source.replace("\r\n", "\n").replace("\r", "\n")
    return source.split("\n")


def drop_columns(code: CodeType, lines: frozenset[int]) -> CodeType:
    """`code` (and the code objects nested in it) without column positions on `lines`.

    Line numbers are what tracebacks, coverage and debuggers rely on, columns only decorate: a
    table this module cannot read (a future CPython changing the format) leaves that code object's
    columns as they are, and a result whose instructions would not keep their exact lines is
    thrown away the same way."""
    if not lines:
        return code
    consts = code.co_consts
    if any(isinstance(const, CodeType) for const in consts):
        consts = tuple(drop_columns(const, lines) if isinstance(const, CodeType) else const for const in consts)
    try:
        table = _strip(code.co_linetable, code.co_firstlineno, lines)
    except IndexError:
        table = code.co_linetable
    stripped = code.replace(co_linetable=table, co_consts=consts)
    if table is not code.co_linetable and list(stripped.co_lines()) != list(code.co_lines()):
        return code.replace(co_consts=consts)
    return stripped


def _strip(table: bytes, line: int, lines: frozenset[int]) -> bytes:
    """The location table `table` (of a code object starting at `line`) with no columns on `lines`.

    Unchanged runs of entries are copied as whole slices; only entries on `lines` are re-encoded.
    """
    out = bytearray()
    copied = 0  # table[copied:start of the current entry] still has to be copied
    size = len(table)
    index = 0
    while index < size:
        start = index
        head = table[index]
        kind = (head >> 3) & 15
        if kind < 10:  # short form: same line, one column byte
            index += 2
            if line not in lines:
                continue
            out += table[copied:start]
            out.append(0x80 | (_NO_COLUMNS << 3) | (head & 7))
            out.append(0)  # line delta 0
        elif kind < _NO_COLUMNS:  # one-line form: line delta in the code, start and end column bytes
            index += 3
            line += kind - 10
            if line not in lines:
                continue
            out += table[copied:start]
            out.append(0x80 | (_NO_COLUMNS << 3) | (head & 7))
            _write_signed(out, kind - 10)
        elif kind == _NO_COLUMNS:
            delta, index = _read_signed(table, index + 1)
            line += delta
            continue
        elif kind == _LONG:
            delta, index = _read_signed(table, index + 1)
            end_line_delta, index = _read_unsigned(table, index)
            index = _read_unsigned(table, _read_unsigned(table, index)[1])[1]  # start and end column
            line += delta
            if line not in lines and line + end_line_delta not in lines:
                continue
            out += table[copied:start]
            out.append(head)
            _write_signed(out, delta)
            _write_unsigned(out, end_line_delta)
            out += b"\x00\x00"  # start and end column 0: none (columns are stored plus one)
        else:  # no location
            index += 1
            continue
        copied = index
    if not copied:
        return table
    out += table[copied:]
    return bytes(out)


def _read_unsigned(table: bytes, index: int) -> tuple[int, int]:
    byte = table[index]
    value = byte & 63
    shift = 0
    while byte & 64:
        index += 1
        byte = table[index]
        shift += 6
        value |= (byte & 63) << shift
    return value, index + 1


def _read_signed(table: bytes, index: int) -> tuple[int, int]:
    value, index = _read_unsigned(table, index)
    return (-(value >> 1) if value & 1 else value >> 1), index


def _write_unsigned(out: bytearray, value: int) -> None:
    while value >= 64:
        out.append(64 | (value & 63))
        value >>= 6
    out.append(value)


def _write_signed(out: bytearray, value: int) -> None:
    _write_unsigned(out, (-value << 1) | 1 if value < 0 else value << 1)
