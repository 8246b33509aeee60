"""Which code is the user's: the frames an error message points at.

An error names the innermost line of the user's own code, so a component that raised points at
its `.px` line rather than at the reconciler, and a misused hook at the line that called it. One
rule decides, for the library's errors and the `agentick` command alike: a frame is the user's
unless its file is part of agentick, of agentick_jsx (the transpiler and import hook), of the
standard library or of an installed package. Paths are compared with symlinks resolved on both
sides, so a module imported through a link (a venv's `lib64 -> lib`) is still recognised.

Code compiled from a string (`<string>`, `<frozen ...>`, `<stdin>`) has no file the user could
open; it never counts as the user's, and messages fall back to the next best place (the
component's `def` line, the outermost frame outside agentick).
"""

from __future__ import annotations

import functools
import os
import sysconfig
from types import TracebackType

import agentick_jsx

__all__ = ["in_package", "innermost_user_frame", "is_user_code", "raise_site"]


@functools.lru_cache(maxsize=4096)
def _real(filename: str) -> str:
    """The path with symlinks resolved (cached: frames of one file are classified many times)."""
    return os.path.realpath(filename)


def _directory(path: str) -> str:
    return _real(path) + os.sep


_PACKAGE = _directory(os.path.dirname(os.path.abspath(__file__)))
_LIBRARIES = tuple(
    {
        _PACKAGE,
        _directory(os.path.dirname(os.path.abspath(agentick_jsx.__file__))),
        *(
            _directory(path)
            for name in ("stdlib", "platstdlib", "purelib", "platlib")
            if (path := sysconfig.get_paths().get(name))
        ),
    }
)


def in_package(filename: str) -> bool:
    """True for a file of the agentick package itself."""
    return not filename.startswith("<") and _real(filename).startswith(_PACKAGE)


def is_user_code(filename: str) -> bool:
    """True for a file that is none of agentick, agentick_jsx, the standard library, an installed
    package or code compiled from a string."""
    return not filename.startswith("<") and not _real(filename).startswith(_LIBRARIES)


def innermost_user_frame(traceback: TracebackType | None) -> tuple[str, int] | None:
    """`(filename, line)` of the innermost frame of `traceback` in user code, or None."""
    site = None
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if is_user_code(filename):
            site = (filename, traceback.tb_lineno)
        traceback = traceback.tb_next
    return site


def raise_site(traceback: TracebackType | None) -> str | None:
    """`file:line` of the innermost frame of `traceback` in user code, or None."""
    site = innermost_user_frame(traceback)
    return None if site is None else f"{site[0]}:{site[1]}"
