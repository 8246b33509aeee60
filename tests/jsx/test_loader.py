"""The import hook: .px/.pyx modules, packages, shadowing, .pyc caching, Cython sources."""

from __future__ import annotations

import importlib
import inspect
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import CodeType

import pytest

import agentick_jsx
from agentick.element import Element
from agentick_jsx import JSXSyntaxError, loader
from tests.jsx.support import write


def counting(function: Callable[[bytes, str], CodeType], calls: list[str]) -> Callable[[bytes, str], CodeType]:
    """`function`, recording the path of every call in `calls`."""

    def counted(data: bytes, path: str) -> CodeType:
        calls.append(path)
        return function(data, path)

    return counted


def test_install_is_idempotent() -> None:
    agentick_jsx.install()
    hooks = list(sys.path_hooks)

    agentick_jsx.install()
    importlib.import_module("agentick_jsx.auto")  # the same as install()

    assert sys.path_hooks == hooks


def test_px_module_imports_with_its_real_file_and_lines(import_dir: Path) -> None:
    path = write(
        import_dir,
        "widget_mod.px",
        '''\
        """A widget."""


        def explode():
            note = (
                <p>
                    This element spans
                    several lines.
                </p>
            )
            raise RuntimeError(f"boom on a known line: {note.type}")
        ''',
    )

    module = importlib.import_module("widget_mod")
    with pytest.raises(RuntimeError) as info:
        module.explode()

    assert module.__file__ == str(path)
    frame = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (frame.filename, frame.lineno, frame.line) == (
        str(path),
        11,
        'raise RuntimeError(f"boom on a known line: {note.type}")',
    )
    source = inspect.getsource(module.explode)
    assert source.startswith("def explode():\n")
    assert "            This element spans\n" in source


def test_pyx_module_imports(import_dir: Path) -> None:
    write(import_dir, "note_mod.pyx", "def Note():\n    return <b>Loaded from a .pyx module.</b>\n")

    module = importlib.import_module("note_mod")

    assert Path(str(module.__file__)).name == "note_mod.pyx"
    assert module.Note().children == ("Loaded from a .pyx module.",)


def test_package_with_init_px_and_relative_imports(import_dir: Path) -> None:
    write(import_dir, "jsxpkg/__init__.px", "from .parts import Badge\n\nBANNER = <b>{Badge()}</b>\n")
    write(import_dir, "jsxpkg/parts.px", "def greeting():\n    return 'hi'\n\n\ndef Badge():\n    return <i>pkg</i>\n")

    package = importlib.import_module("jsxpkg")

    assert Path(str(package.__file__)).name == "__init__.px"
    assert package.__path__ == [str(import_dir / "jsxpkg")]
    assert package.BANNER.children[0].children == ("pkg",)


def test_py_file_wins_over_px_file_of_the_same_name(import_dir: Path) -> None:
    write(import_dir, "twin_mod.py", "ORIGIN = 'py'\n")
    write(import_dir, "twin_mod.px", "ORIGIN = 'px'\nMARK = <b>px</b>\n")

    module = importlib.import_module("twin_mod")

    assert (module.ORIGIN, Path(str(module.__file__)).name) == ("py", "twin_mod.py")


def test_px_module_is_cached_as_pyc_and_not_transpiled_again(import_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(import_dir, "cached_mod.px", "X = <b>cached</b>\n")
    calls: list[str] = []
    monkeypatch.setattr(loader, "compile_source", counting(loader.compile_source, calls))

    importlib.import_module("cached_mod")
    del sys.modules["cached_mod"]
    module = importlib.import_module("cached_mod")

    assert [path.name for path in (import_dir / "__pycache__").iterdir()] == [
        f"cached_mod.{sys.implementation.cache_tag}.pyc"
    ]
    assert len(calls) == 1
    assert module.X.children == ("cached",)


def test_a_different_transpiler_invalidates_the_pyc(import_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(import_dir, "salted_mod.px", "X = <b>salted</b>\n")
    calls: list[str] = []
    monkeypatch.setattr(loader, "compile_source", counting(loader.compile_source, calls))
    importlib.import_module("salted_mod")
    del sys.modules["salted_mod"]

    monkeypatch.setattr(loader, "_cache_salt", lambda: 12345)
    importlib.import_module("salted_mod")

    assert len(calls) == 2


def test_the_pyc_records_the_salted_source_mtime(import_dir: Path) -> None:
    path = write(import_dir, "stamp_mod.px", "X = 1\n")
    importlib.import_module("stamp_mod")

    header = (import_dir / "__pycache__" / f"stamp_mod.{sys.implementation.cache_tag}.pyc").read_bytes()[8:16]

    stamp = int(path.stat().st_mtime + loader._cache_salt()) & 0xFFFFFFFF
    assert int.from_bytes(header[:4], "little") == stamp
    assert int.from_bytes(header[4:], "little") == path.stat().st_size


def test_a_jsx_error_in_a_px_module_is_a_jsx_syntax_error(import_dir: Path) -> None:
    path = write(import_dir, "broken_mod.px", "x = (\n    <Section>hi</System>\n)\n")

    with pytest.raises(JSXSyntaxError) as info:
        importlib.import_module("broken_mod")

    assert (info.value.filename, info.value.lineno) == (str(path), 2)


def test_a_python_error_in_a_px_module_is_a_syntax_error_at_its_line(import_dir: Path) -> None:
    path = write(import_dir, "typo_mod.px", "x = <b>fine</b>\ny = (1 +\n")

    with pytest.raises(SyntaxError) as info:
        importlib.import_module("typo_mod")

    assert (info.value.filename, info.value.lineno) == (str(path), 2)


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("cdef int add(int a, int b):\n    return a + b\n", 1),
        ("def f(x):\n    cdef double y = <double>x\n    return y\n", 2),
        ("cimport numpy as np\n", 1),
        ("x = 1\n\xff = 2\n".encode("latin-1").decode("utf-8", "surrogateescape"), 1),
    ],
)
def test_a_cython_pyx_file_fails_with_a_hint(import_dir: Path, source: str, line: int) -> None:
    path = import_dir / "cython_mod.pyx"
    path.write_bytes(source.encode("utf-8", "surrogateescape"))

    with pytest.raises(JSXSyntaxError) as info:
        importlib.import_module("cython_mod")

    assert (info.value.filename, info.value.lineno) == (str(path), line)
    assert "if this is a Cython source" in info.value.msg


def test_get_source_returns_the_original_jsx(import_dir: Path) -> None:
    write(import_dir, "source_mod.px", "X = <b>original</b>\n")

    module = importlib.import_module("source_mod")

    assert isinstance(module.__loader__, loader.JSXLoader)
    assert module.__loader__.get_source("source_mod") == "X = <b>original</b>\n"
    assert isinstance(module.X, Element)


def test_a_read_only_cache_directory_is_skipped(import_dir: Path) -> None:
    write(import_dir, "readonly_mod.px", "X = <b>x</b>\n")
    (import_dir / "__pycache__").write_text("not a directory")

    module = importlib.import_module("readonly_mod")

    assert module.X.children == ("x",)
