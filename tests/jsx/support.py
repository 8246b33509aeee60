"""Helpers for the JSX front-end tests."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import agentick_jsx


def run_source(source: str, **names: Any) -> dict[str, Any]:
    """Transpile dedented `source`, execute it in a fresh namespace holding `names`, return the namespace."""
    namespace = dict(names)
    python = agentick_jsx.transpile(textwrap.dedent(source), "<jsx-test>")
    exec(compile(python, "<jsx-test>", "exec"), namespace)
    return namespace


def children_of(source: str, **names: Any) -> list[Any]:
    """The children of the element bound to `el` by `source`."""
    return list(run_source(source, **names)["el"].children)


def write(directory: Path, relative: str, source: str) -> Path:
    """Write dedented `source` to `directory/relative` (creating folders) and return the path."""
    path = directory / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path
