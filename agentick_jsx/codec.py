"""The `jsx` source codec: a `.py` file starting with `# coding: jsx` is transpiled as it is decoded.

Decoding is UTF-8 followed by `transpile`. It serves the two ways Python reads a source file:

- `compile(bytes)` (imports, `py_compile`) calls the stateless `decode`; a JSX error is raised as a
  `JSXSyntaxError`, which Python reports as a `SyntaxError` naming the line.
- Running `python script.py` and `tokenize.open` (linecache, tracebacks) read through a
  `TextIOWrapper`, i.e. the incremental decoder. Python hands it the file from the end of the
  coding line onwards and drops the first decoded line, so the transpiler must not put its import
  there. Python would also replace any exception from this decoder with a bare
  "encoding problem: jsx"; instead, a JSX error decodes to a module that raises the
  `JSXSyntaxError` on the error's own line, naming the file and the position.

The codec must be registered before Python reads the file: `agentick_jsx.install()` does it for
imports; running scripts directly needs it at interpreter start-up (see docs/jsx.md).
"""

from __future__ import annotations

import codecs
import io
import sys
from typing import TYPE_CHECKING, NoReturn

from .errors import JSXSyntaxError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = ["decode", "fail", "register", "search"]

_UTF8 = codecs.lookup("utf-8")
_registered = False


def register() -> None:
    """Register the `jsx` codec (idempotent; the transpiler is imported only when a file uses it)."""
    global _registered
    if not _registered:
        codecs.register(search)
        _registered = True


def search(name: str) -> codecs.CodecInfo | None:
    """The `codecs` search function: knows the name `jsx` only."""
    if name != "jsx":
        return None
    return codecs.CodecInfo(
        name="jsx",
        encode=_UTF8.encode,
        decode=decode,
        incrementalencoder=_UTF8.incrementalencoder,
        incrementaldecoder=IncrementalDecoder,
        streamreader=StreamReader,
        streamwriter=_UTF8.streamwriter,
    )


def decode(data: ReadableBuffer, errors: str = "strict") -> tuple[str, int]:
    """Stateless decode of a whole file: UTF-8, then transpile (raises `JSXSyntaxError`)."""
    from .transpiler import transpile

    raw = bytes(data)
    try:
        return transpile(raw.decode("utf-8", errors), "<jsx>"), len(raw)
    except JSXSyntaxError as error:
        # Python wraps this into its own SyntaxError, which keeps only the message: put the position there.
        raise JSXSyntaxError(f"{error.msg} (line {error.lineno}, column {error.offset})") from None


class IncrementalDecoder(codecs.IncrementalDecoder):
    """Buffers the bytes and transpiles them all at the final call (the transpiler needs the whole module)."""

    def __init__(self, errors: str = "strict") -> None:
        super().__init__(errors)
        self._buffer = bytearray()

    def decode(self, input: ReadableBuffer, final: bool = False) -> str:
        self._buffer += input
        if not final:
            return ""
        text = self._buffer.decode("utf-8", self.errors)
        self._buffer.clear()
        return _decode_stream(text)

    def reset(self) -> None:
        self._buffer.clear()

    def getstate(self) -> tuple[bytes, int]:
        return bytes(self._buffer), 0

    def setstate(self, state: tuple[bytes, int]) -> None:
        self._buffer = bytearray(state[0])


class StreamReader(codecs.StreamReader):
    """`codecs.getreader("jsx")`: reads the whole stream on first use, then serves the transpiled text."""

    def __init__(self, stream: codecs._ReadableStream, errors: str = "strict") -> None:
        super().__init__(stream, errors)
        self._text: io.StringIO | None = None

    def read(self, size: int = -1, chars: int = -1, firstline: bool = False) -> str:
        return self._load().read(chars if chars >= 0 else -1)

    def readline(self, size: int | None = None, keepends: bool = True) -> str:
        line = self._load().readline(-1 if size is None else size)
        return line if keepends else line.rstrip("\n")

    def readlines(self, sizehint: int | None = None, keepends: bool = True) -> list[str]:
        return self._load().read().splitlines(keepends)

    def reset(self) -> None:
        super().reset()
        self._text = None

    def _load(self) -> io.StringIO:
        if self._text is None:
            self._text = io.StringIO(_decode_stream(self.stream.read().decode("utf-8", self.errors)))
        return self._text


def _decode_stream(text: str) -> str:
    """Transpile text read through a stream; a JSX error becomes a module raising it at its line."""
    from .transpiler import transpile

    try:
        return transpile(text, "<jsx>", reserve_first_line=True)
    except JSXSyntaxError as error:
        # Line 1 of a partial stream is dropped by Python, so the statement goes on line 2 at least.
        return "\n" * max((error.lineno or 1) - 1, 1) + f"__import__('agentick_jsx.codec').codec.fail({error.msg!r})\n"


def fail(message: str) -> NoReturn:
    """Raise the `JSXSyntaxError` of a script that failed to transpile, located in the caller's file.

    The stream may have started mid-file, so the file is transpiled again to get exact positions.
    """
    from .loader import transpile_file

    frame = sys._getframe(1)
    path = frame.f_code.co_filename
    details: tuple[str, int | None, int | None, str | None, int | None, int | None]
    details = (path, frame.f_lineno, None, None, None, None)
    try:
        transpile_file(path)
    except JSXSyntaxError as error:  # a fresh exception below keeps the transpiler's frames out of the traceback
        message = error.msg
        details = (path, error.lineno, error.offset, error.text, error.end_lineno, error.end_offset)
    except OSError:
        pass
    raise JSXSyntaxError(message, details)
