"""Column positions: dropped on lines the transpiler rewrote, exact on the lines it copied."""

from __future__ import annotations

import argparse
import importlib
import inspect
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import CodeType

import pytest

import agentick_jsx
from agentick_jsx.positions import changed_lines, drop_columns
from tests.jsx.support import write

MODULE = '''\
"""Widgets."""
import os


def Card(user, items):
    header = user.title()
    return (
        <section title={user.name}>
            {[<li key={item}>{item.upper()}</li> for item in items]}
            {(lambda: <b>{user.age}</b>)()}
        </section>
    )


class Box:
    def render(self, value):
        total = sum(
            value,
            start=0,
        )
        return <b>{total // value}</b> if total else None
'''


def code_objects(code: CodeType) -> Iterator[CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from code_objects(const)


def test_an_error_in_a_jsx_line_is_not_underlined_at_transpiled_columns(import_dir: Path) -> None:
    write(import_dir, "cards.px", MODULE)
    module = importlib.import_module("cards")

    with pytest.raises(AttributeError) as info:
        module.Card(None, [])

    frames = traceback.extract_tb(info.value.__traceback__)[-1:]
    header = (frames[0].lineno, frames[0].line, frames[0].colno, frames[0].end_colno)
    assert header == (6, "header = user.title()", 13, 23)  # a copied line keeps its exact columns

    with pytest.raises(AttributeError) as info:
        module.Card("ada", [])

    frame = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (frame.lineno, frame.line, frame.colno, frame.end_colno) == (
        8,
        "<section title={user.name}>",
        None,
        None,
    )
    assert traceback.format_exception(info.value)[-2].endswith("    <section title={user.name}>\n")


def test_the_factory_import_shares_no_line_with_code_so_code_keeps_its_columns(import_dir: Path) -> None:
    write(import_dir, "ratio.px", "import os\n\nratio = 1 / len([])\nelement = <b />\n")

    with pytest.raises(ZeroDivisionError) as info:
        importlib.import_module("ratio")

    frame = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (frame.lineno, frame.line, frame.colno, frame.end_colno) == (3, "ratio = 1 / len([])", 8, 19)


def test_columns_are_dropped_exactly_on_rewritten_lines() -> None:
    python = agentick_jsx.transpile(MODULE)
    lines = changed_lines(MODULE, python)
    original = compile(python, "cards.px", "exec")

    stripped = drop_columns(original, lines)

    assert lines == {3, 8, 9, 10, 11, 21}
    for before, after in zip(code_objects(original), code_objects(stripped), strict=True):
        assert list(after.co_lines()) == list(before.co_lines())
        for old, new in zip(before.co_positions(), after.co_positions(), strict=True):
            assert new[:2] == old[:2]
            rewritten = old[0] in lines or old[1] in lines
            assert new[2:] == ((None, None) if rewritten else old[2:])


def test_every_entry_form_keeps_its_lines() -> None:
    source = inspect.getsource(argparse)  # long, multi-line, one-line and short location entries
    original = compile(source, "argparse.py", "exec")

    everything = drop_columns(original, frozenset(range(1, source.count("\n") + 2)))
    nothing = drop_columns(original, frozenset({source.count("\n") + 10}))

    for before, after, same in zip(
        code_objects(original), code_objects(everything), code_objects(nothing), strict=True
    ):
        assert list(after.co_lines()) == list(before.co_lines())
        assert [position[:2] for position in after.co_positions()] == [
            position[:2] for position in before.co_positions()
        ]
        assert {position[2:] for position in after.co_positions()} <= {(None, None)}
        assert same.co_linetable == before.co_linetable


def test_a_table_it_cannot_read_keeps_its_columns_and_its_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """A location table in a format this module does not know (a future CPython) is left alone:
    columns are cosmetic, lines are not."""
    import agentick_jsx.positions as positions

    python = agentick_jsx.transpile(MODULE)
    lines = changed_lines(MODULE, python)
    original = compile(python, "cards.px", "exec")

    def unreadable(table: bytes, line: int, lines: frozenset[int]) -> bytes:
        raise IndexError("unknown entry")

    monkeypatch.setattr(positions, "_strip", unreadable)
    kept = drop_columns(original, lines)
    monkeypatch.setattr(positions, "_strip", lambda table, line, lines: table[2:])  # lines would move
    refused = drop_columns(original, lines)

    for before, after, other in zip(code_objects(original), code_objects(kept), code_objects(refused), strict=True):
        assert list(after.co_positions()) == list(before.co_positions())
        assert list(other.co_positions()) == list(before.co_positions())


def test_changed_lines_compares_after_normalising_line_endings() -> None:
    source = '"""Doc."""\r\nimport os\r\n\r\nb = <x />\r\n'

    assert changed_lines(source, agentick_jsx.transpile(source)) == {3, 4}


@pytest.mark.parametrize(
    ("source", "line", "column", "text"),
    [
        # the generated `)` after the copied `x +` goes to the `}` after it
        ("def f(x):\n    return <b title={x +}>hi</b>\n", 2, 25, "    return <b title={x +}>hi</b>\n"),
        # a column in copied code is carried over exactly (`=>` is invalid at its `>`, as in Python)
        (
            "def f(items):\n    return <ul>{items.map(x => <li />)}</ul>\n",
            2,
            30,
            "    return <ul>{items.map(x => <li />)}</ul>\n",
        ),
        # a line the transpiler did not touch keeps Python's own column
        ("x = <b>fine</b>\ny = (1 + * 2)\n", 2, 10, "y = (1 + * 2)\n"),
    ],
)
def test_a_python_syntax_error_is_located_in_the_original_line(
    import_dir: Path, source: str, line: int, column: int, text: str
) -> None:
    path = write(import_dir, "typo_mod.px", source)

    with pytest.raises(SyntaxError) as info:
        importlib.import_module("typo_mod")

    error = info.value
    assert (error.filename, error.lineno, error.offset, error.text) == (str(path), line, column, text)
