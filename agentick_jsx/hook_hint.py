"""A failed `import trip` beside `trip.px` says that the JSX import hook is missing and how to install it.

Without the hook, Python does not know `.px`/`.pyx` files and reports a bare
`ModuleNotFoundError: No module named 'trip'`. `install()` appends `HookHintFinder` to the END of
`sys.meta_path`, so it is consulted only after every real finder failed: ordinary imports never
reach it, and a failed one costs a few `stat` calls. When a `.px`/`.pyx` module of that name exists
on the searched path, it raises a `ModuleNotFoundError` naming the file and the fix; otherwise it
returns `None` and the import fails as usual. It stays silent while the real hook is installed.

The error's `name` is the module's name for a top-level module. For a submodule it is `None`:
`from pkg import trip` silently drops a `ModuleNotFoundError` named `pkg.trip` and reports "cannot
import name 'trip'" instead, which would hide the explanation.

A directory with only an `__init__.px` imports without the hook as an empty namespace package, so
the finder cannot see that import fail; it explains the next one instead: `from pkg import Agent` or
`import pkg.sub` then names `pkg/__init__.px`, with `name='pkg'` (the module that did not load).

`import agentick` and `import agentick_jsx` install it; this module imports nothing of the transpiler.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

__all__ = ["HookHintFinder", "install"]

_SUFFIXES = (".px", ".pyx")


class HookHintFinder:
    """The last `sys.meta_path` entry: turns "No module named 'trip'" into an explanation when `trip.px` exists."""

    @classmethod
    def find_spec(
        cls, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if _hook_installed():
            return None
        parent, _, name = fullname.rpartition(".")
        found = _jsx_file(name, sys.path if path is None else path)
        if found is not None:
            raise ModuleNotFoundError(
                f"No module named {fullname!r}, but there is {found}: {_explanation(found)}",
                name=None if parent else fullname,
                path=found,
            )
        if path is not None and _is_namespace_package(parent):
            init = _jsx_file("__init__", path)
            if init is not None:
                raise ModuleNotFoundError(
                    f"No module named {fullname!r}: {parent} was imported as an empty namespace package "
                    f"instead of from {init}: {_explanation(init)}",
                    name=parent,
                    path=init,
                )
        return None


def install() -> None:
    """Append `HookHintFinder` to `sys.meta_path` unless it is there already."""
    if HookHintFinder not in sys.meta_path:
        sys.meta_path.append(HookHintFinder)


def _hook_installed() -> bool:
    loader = sys.modules.get("agentick_jsx.loader")
    return loader is not None and bool(loader.installed())


def _is_namespace_package(name: str) -> bool:
    spec = getattr(sys.modules.get(name), "__spec__", None)
    return spec is not None and spec.submodule_search_locations is not None and spec.origin is None


def _jsx_file(name: str, entries: Sequence[str]) -> str | None:
    """The first `name.px` or `name.pyx` in the directories `entries` (`""` is the working directory)."""
    for entry in entries:
        if not isinstance(entry, str):
            continue
        directory = os.path.abspath(entry or ".")
        for suffix in _SUFFIXES:
            candidate = os.path.join(directory, name + suffix)
            if os.path.isfile(candidate):
                return candidate
    return None


def _explanation(found: str) -> str:
    explanation = (
        ".px and .pyx files import only with the agentick_jsx import hook, which is not installed. "
        "Install it before the first import with `import agentick_jsx; agentick_jsx.install()` "
        "(or `import agentick_jsx.auto`), or run the program with `agentick run FILE` (an agent) or "
        "`python -m agentick_jsx --run FILE` (a script)."
    )
    if found.endswith(".pyx"):
        explanation += f" If {os.path.basename(found)} is a Cython source, build it with Cython instead."
    return explanation
