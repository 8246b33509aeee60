"""The import hook: `*.px` and `*.pyx` modules on `sys.path` import like `*.py` modules.

`install()` puts a `FileFinder` path hook in front of `sys.path_hooks` whose loaders are the
standard extension, source and bytecode loaders first and then `JSXLoader` for `.px` and `.pyx`.
Because it is the ordinary `FileFinder`, a `foo.py` beside `foo.px` wins, `pkg/__init__.px` makes a
regular package, and relative imports, `__file__` and namespace packages behave as usual.

Code objects lose the column positions of the lines the transpiler rewrote (`positions`), so
tracebacks do not underline the wrong characters of the original JSX line.

`JSXLoader` is a `SourceLoader`, so `get_code` caches the compiled module as
`__pycache__/<name>.<tag>.pyc` and re-transpiles only when the source changes. The `.pyc` is
stamped with the source mtime plus a salt taken from the transpiler's own files, so installing,
upgrading or editing the transpiler invalidates every cached module.

It is deliberately not a `SourceFileLoader` subclass: pytest's assertion rewriter claims any
`SourceFileLoader` module it wants to rewrite and would parse the JSX source as plain Python.
(The pytest plugin rewrites the asserts of `.px` test modules itself, see `use_rewriter`.)
"""

from __future__ import annotations

import contextlib
import functools
import importlib.abc
import importlib.machinery
import io
import os
import sys
import tokenize
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from types import CodeType
from typing import Any, Protocol

from . import codec
from .errors import JSXSyntaxError
from .positions import changed_lines, drop_columns, syntax_error_location

__all__ = ["SUFFIXES", "JSXLoader", "Rewriter", "install", "installed", "use_rewriter"]

SUFFIXES = [".px", ".pyx"]

_CYTHON_HINT = (
    "; .pyx files are imported as JSX-Python by agentick_jsx: if this is a Cython source, build it "
    "with Cython and keep it out of the importable directories (or name JSX modules .px)"
)

_hook: Callable[[str], importlib.abc.PathEntryFinder] | None = None


class Rewriter(Protocol):
    """Compiles some modules differently (the pytest plugin rewrites the asserts of test modules)."""

    def applies(self, path: str) -> bool:
        """Whether the module at `path` is compiled by `compile` instead of the normal path."""

    def compile(self, python: str, path: str) -> CodeType:
        """Compile the transpiled Python of the module at `path`."""


_rewriter: Rewriter | None = None


def install() -> None:
    """Make `.px`/`.pyx` modules importable and register the `jsx` codec. Safe to call repeatedly."""
    global _hook
    codec.register()
    if installed():
        return
    _hook = importlib.machinery.FileFinder.path_hook(
        (importlib.machinery.ExtensionFileLoader, importlib.machinery.EXTENSION_SUFFIXES),
        (importlib.machinery.SourceFileLoader, importlib.machinery.SOURCE_SUFFIXES),
        (importlib.machinery.SourcelessFileLoader, importlib.machinery.BYTECODE_SUFFIXES),
        (JSXLoader, SUFFIXES),
    )
    sys.path_hooks.insert(0, _hook)
    sys.path_importer_cache.clear()  # directories already seen get a finder that knows .px/.pyx


def installed() -> bool:
    """Whether `install()` put the JSX path hook in `sys.path_hooks` (and it is still there)."""
    return _hook is not None and _hook in sys.path_hooks


def use_rewriter(rewriter: Rewriter | None) -> None:
    """Install (or with `None` remove) the `Rewriter` consulted before a module's cached code is used."""
    global _rewriter
    _rewriter = rewriter


class JSXLoader(importlib.abc.FileLoader, importlib.abc.SourceLoader):
    """Loads one `.px`/`.pyx` file: transpile, compile with the real path, cache as `.pyc`."""

    def get_code(self, fullname: str) -> CodeType | None:
        rewriter = _rewriter
        if rewriter is not None and rewriter.applies(self.path):
            # Never cached: rewritten code must not end up in the .pyc that plain imports use.
            source, python = _transpile_bytes(Path(self.path).read_bytes(), self.path)
            return drop_columns(rewriter.compile(python, self.path), changed_lines(source, python))
        return super().get_code(fullname)

    def path_stats(self, path: str) -> Mapping[str, Any]:
        stat = os.stat(path)
        return {"mtime": stat.st_mtime + _cache_salt(), "size": stat.st_size}

    def set_data(self, path: str, data: bytes) -> None:
        """Write a `.pyc` atomically; caching is best effort (read-only directories just skip it)."""
        temporary = f"{path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(temporary, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)

    def source_to_code(  # type: ignore[override]  # an instance method in importlib's SourceLoader too
        self, data: bytes, path: str
    ) -> CodeType:
        return compile_source(data, path)


def transpile_file(path: str) -> str:
    """The transpiled Python of the file at `path` (decoded like a `.py` file: BOM, coding cookie)."""
    return _transpile_bytes(Path(path).read_bytes(), path)[1]


def compile_source(data: bytes, path: str) -> CodeType:
    """Decode, transpile and compile one module, without columns on rewritten lines; `.pyx` errors carry
    a hint about Cython sources."""
    source, python = _transpile_bytes(data, path)
    try:
        code = compile(python, path, "exec", dont_inherit=True)
    except SyntaxError:
        error = _syntax_error(python, path)
        location = syntax_error_location(error, source, python)  # the original line, columns carried over
        if path.endswith(".pyx"):
            raise JSXSyntaxError(f"{error.msg}{_CYTHON_HINT}", location) from None
        raise type(error)(error.msg, location) from None
    return drop_columns(code, changed_lines(source, python))


def _syntax_error(python: str, path: str) -> SyntaxError:
    """The `SyntaxError` of `python` with columns in its own lines.

    Compiled under the name of a file, Python reads the error's line from that file (the JSX source)
    and clamps the column to it; `path/<transpiled>` is never a file, since `path` is one.
    """
    try:
        compile(python, os.path.join(path, "<transpiled>"), "exec", dont_inherit=True)
    except SyntaxError as error:
        error.filename = path
        return error
    raise AssertionError(f"{path} compiled on the second attempt")


def _transpile_bytes(data: bytes, path: str) -> tuple[str, str]:
    """The decoded source and its transpiled Python."""
    from .transpiler import transpile

    hint = _CYTHON_HINT if path.endswith(".pyx") else ""
    try:
        text = _decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        raise JSXSyntaxError(f"cannot decode {path}: {error}{hint}", (path, 1, 1, None, 1, 1)) from None
    try:
        return text, transpile(text, path)
    except JSXSyntaxError as error:
        if not hint:
            raise
        raise JSXSyntaxError(
            f"{error.msg}{hint}", (path, error.lineno, error.offset, error.text, error.end_lineno, error.end_offset)
        ) from None


def _decode(data: bytes) -> str:
    """Decode like Python decodes a source file (BOM, PEP 263 cookie); `# coding: jsx` means UTF-8 here,
    since the transpiler runs next anyway."""
    codec.register()  # so that detect_encoding knows the name `jsx`
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode("utf-8" if encoding == "jsx" else encoding)


@functools.cache
def _cache_salt() -> int:
    """A number derived from the transpiler's files, added to the mtime stamped into `.pyc` files.

    It changes whenever a transpiler module is installed, upgraded or edited (their size and mtime are
    hashed: cheaper than reading them, and a spurious change only costs one re-transpile).
    """
    digest = 0
    directory = os.path.dirname(__file__)
    for name in ("emitter", "errors", "inject", "nodes", "parser", "positions", "scanner", "text", "transpiler"):
        try:
            stat = os.stat(os.path.join(directory, name + ".py"))
            digest = zlib.crc32(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode(), digest)
        except OSError:  # not installed as files (a zip): only the source mtime invalidates caches then
            digest = zlib.crc32(name.encode(), digest)
    return digest
