"""pytest plugin (entry point `agentick_jsx`): collect `test_*.px` files like `test_*.py` files.

A `.px` file is collected when it matches one of the `python_files` patterns with `.py` swapped for
`.px` (or is named on the command line). Collecting one installs the import hook, so the module
is imported by pytest's normal machinery and reports point at `file.px:<line>`. The asserts of
collected `.px` modules are rewritten like pytest rewrites `.py` test modules (unless
`--assert=plain`).

It also registers the `jsx` codec, so `test_*.py` files starting with `# coding: jsx` work too.

Two `.px` test files outside packages with the same name (`a/test_x.px`, `b/test_x.px`) would get
the same module name in pytest's default import mode, where pytest aborts the whole run with
"import file mismatch". The plugin instead reports the later file as skipped, saying which file
already took the name and how to fix it, and runs everything else.

The plugin is loaded by every pytest run: it imports nothing heavy (registering the codec imports
no transpiler), and does nothing else until it meets a `.px` file.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import CodeType

import pytest

from . import codec

__all__ = ["pytest_collect_file", "pytest_configure", "pytest_unconfigure"]

_REWRITER = pytest.StashKey["_AssertionRewriter"]()
_MODULE_NAMES = pytest.StashKey[dict[str, Path]]()


def pytest_configure(config: pytest.Config) -> None:
    codec.register()  # `# coding: jsx` test modules then import (and get their asserts rewritten) like any other
    if config.getoption("assertmode", "rewrite") == "rewrite":
        config.stash[_REWRITER] = _AssertionRewriter(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    rewriter = config.stash.get(_REWRITER, None)
    if rewriter is not None and rewriter.paths:
        from .loader import use_rewriter

        use_rewriter(None)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.File | None:
    if file_path.suffix != ".px":
        return None
    config = parent.config
    if not parent.session.isinitpath(file_path) and not _matches(file_path, config):
        return None
    taken_by = _claim_module_name(file_path, config)
    if taken_by is not None:
        return _NameTaken.from_parent(parent, path=file_path, taken_by=taken_by)
    from .loader import install, use_rewriter

    install()
    rewriter = config.stash.get(_REWRITER, None)
    if rewriter is not None:
        rewriter.paths.add(os.path.realpath(file_path))
        use_rewriter(rewriter)
    module: pytest.Module = parent.session.gethookproxy(file_path).pytest_pycollect_makemodule(
        module_path=file_path, parent=parent
    )
    return module


def _claim_module_name(path: Path, config: pytest.Config) -> Path | None:
    """The file that already has this file's module name, if any (prepend/append import modes)."""
    if config.getoption("importmode", "prepend") == "importlib":
        return None
    from _pytest.pathlib import resolve_package_path

    package = resolve_package_path(path)
    name = path.stem if package is None else ".".join(path.relative_to(package.parent).with_suffix("").parts)
    names = config.stash.setdefault(_MODULE_NAMES, {})
    owner = names.setdefault(name, path)
    return owner if owner != path else None


class _NameTaken(pytest.File):
    """A `.px` test file whose module name another collected file already has."""

    def __init__(self, *, taken_by: Path, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.taken_by = taken_by

    def collect(self) -> list[pytest.Item]:
        raise pytest.skip.Exception(
            f"{self.path} not collected: its module name {self.path.stem!r} is already used by {self.taken_by}; "
            "give one of "
            "the files a unique name, add __init__.py files, or run pytest with --import-mode=importlib",
            allow_module_level=True,
        )


def _matches(path: Path, config: pytest.Config) -> bool:
    from _pytest.pathlib import fnmatch_ex

    patterns = [pattern[:-3] + ".px" for pattern in config.getini("python_files") if pattern.endswith(".py")]
    return any(fnmatch_ex(pattern, path) for pattern in patterns)


class _AssertionRewriter:
    """Rewrites the asserts of the collected `.px` test modules (see `agentick_jsx.loader.Rewriter`)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.paths: set[str] = set()

    def applies(self, path: str) -> bool:
        return bool(self.paths) and os.path.realpath(path) in self.paths

    def compile(self, python: str, path: str) -> CodeType:
        import ast

        from _pytest.assertion.rewrite import rewrite_asserts

        tree = ast.parse(python, filename=path)
        rewrite_asserts(tree, python.encode(), path, self.config)
        return compile(tree, path, "exec", dont_inherit=True)
