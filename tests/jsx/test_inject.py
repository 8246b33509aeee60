"""Where the factory import goes (no added line), and the per-call-site fallback."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import agentick_jsx
from agentick.element import Element

IMPORT = "from agentick.element import h as _agentick_h, Fragment as _agentick_Fragment"
FALLBACK = "__import__('agentick.element').element.h("


def transpiled_lines(source: str) -> list[str]:
    """The transpiled lines, after checking the line count and that the module runs on its own."""
    python = agentick_jsx.transpile(source)
    assert python.count("\n") == source.count("\n")
    namespace: dict[str, object] = {}
    exec(compile(python, "<inject>", "exec"), namespace)  # an empty namespace: the module imports h itself
    jsx_function = namespace.get("f")
    if callable(jsx_function):
        assert isinstance(jsx_function(), Element)
    return python.splitlines()


@pytest.mark.parametrize(
    ("source", "expected_line", "index"),
    [
        ('"""Doc."""\nx = <b />\n', f'"""Doc."""; {IMPORT}', 0),
        ('"""Doc\n\nstring."""\n\nx = <b />\n', f'string."""; {IMPORT}', 2),
        (
            '"""Doc."""\nfrom __future__ import annotations  # why\n\nx = <b />\n',
            f"from __future__ import annotations; {IMPORT}  # why",
            1,
        ),
        ("from __future__ import annotations;\nx = <b />\n", f"from __future__ import annotations; {IMPORT}", 0),
        ("from __future__ import (\n    annotations,\n)\nx = <b />\n", f"); {IMPORT}", 2),
        ("import os\nx = <b />\n", f"{IMPORT}; import os", 0),
        ("x = <b />\n", f"{IMPORT}; x = _agentick_h('b', None)", 0),
        ("# coding: utf-8\nimport os\nx = <b />\n", f"{IMPORT}; import os", 1),
        ("# a comment\n\ndef f():\n    return <b />\n", f"{IMPORT}; # a comment", 0),
        ("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n\ndef f():\n    return <b />\n", f"{IMPORT}; ", 2),
        ('"""doc""" \\\n\nx = <b>hi</b>\n', f'"""doc"""; {IMPORT} \\', 0),
        ('"""doc"""; \\\n  \\\n# note\nx = <b>hi</b>\n', f'"""doc"""; {IMPORT} \\', 0),
        ("from __future__ import annotations \\\n\nx = <b />\n", f"from __future__ import annotations; {IMPORT} \\", 0),
        ('"""Doc."""\n', '"""Doc."""', 0),
    ],
)
def test_import_shares_a_line_with_the_prologue_or_the_first_statement(
    source: str, expected_line: str, index: int
) -> None:
    assert transpiled_lines(source)[index] == expected_line


def test_a_module_without_jsx_is_returned_unchanged() -> None:
    source = '"""Doc."""\nimport os\nless = 1 < 2\n'

    assert agentick_jsx.transpile(source) == source


def test_jsx_before_any_usable_line_falls_back_to_an_import_expression() -> None:
    lines = transpiled_lines("def f():\n    return <b>x</b>\n")

    assert lines == ["def f():", f"    return {FALLBACK}'b', None, 'x')"]


def test_a_later_blank_line_before_a_top_level_statement_takes_the_import() -> None:
    lines = transpiled_lines('def greeting():\n    return "Hello"\n\n\ndef Badge():\n    return <b>pkg</b>\n')

    assert lines[2] == f"{IMPORT}; "
    assert lines[5] == "    return _agentick_h('b', None, 'pkg')"


def test_jsx_before_the_import_uses_the_fallback_and_after_it_the_short_names() -> None:
    lines = transpiled_lines("def a():\n    return <b />\nx = 1\ndef c():\n    return <i />\n")

    assert lines[1] == f"    return {FALLBACK}'b', None)"
    assert lines[2] == f"{IMPORT}; x = 1"
    assert lines[4] == "    return _agentick_h('i', None)"


def test_jsx_on_the_docstring_line_uses_the_fallback() -> None:
    lines = transpiled_lines('"""Doc."""; x = <b />\ny = <i />\n')

    assert lines[0] == f'"""Doc."""; x = {FALLBACK}\'b\', None); {IMPORT}'
    assert lines[1] == "y = _agentick_h('i', None)"


@pytest.mark.parametrize(
    "source",
    [
        "def deco(function):\n    return function\n@deco\n\ndef f():\n    return <b />\n",
        "def f():\n    if True:\n        pass\n\n    return <b />\n",
        "if True:\n    x = 1\n\nelse:\n    x = <b />\n",
        "try:\n    x = 1\n\nexcept ValueError:\n    x = <b />\n",
        'def f():\n    """\n\nx = 1\n"""\n    return <b />\n',
        "def f():\n    return (\n\n<b />)\n",
    ],
)
def test_blank_lines_that_are_not_between_module_statements_are_never_used(source: str) -> None:
    lines = transpiled_lines(source)
    python = "\n".join(lines)

    assert all(line.startswith(IMPORT) or IMPORT not in line for line in lines)
    assert IMPORT not in python or python.startswith(IMPORT)


def test_the_import_is_not_added_when_no_jsx_follows_it() -> None:
    source = "def f():\n    return <b />\n\nx = 1\n"

    assert IMPORT not in agentick_jsx.transpile(source)


def test_fragments_use_the_injected_fragment_name() -> None:
    lines = transpiled_lines("x = <>a</>\n")

    assert lines[0] == f"{IMPORT}; x = _agentick_h(_agentick_Fragment, None, 'a')"


def test_fallback_fragments_use_the_import_expression() -> None:
    lines = transpiled_lines("def f():\n    return <>a</>\n")

    assert lines[1] == f"    return {FALLBACK}__import__('agentick.element').element.Fragment, None, 'a')"


# --- property: wherever the import lands, the module compiles, keeps its lines and runs ----------

_HEADS = st.lists(st.sampled_from(["#!/usr/bin/env python", "# -*- coding: utf-8 -*-", "", "# a comment"]), max_size=2)
_DOCSTRINGS = st.sampled_from(
    [
        "",
        '"""Doc."""',
        "'doc'",
        '"""Doc\n\nmore."""',
        '"""doc""" \\\n',
        '"""doc"""; \\\n  \\\n# note',
        '"""doc"""  # a comment',
        '"""doc""";',
        'r"""raw\\d""" \\\n  ;',
    ]
)
_FUTURES = st.sampled_from(
    [
        "",
        "from __future__ import annotations",
        "from __future__ import (\n    annotations,\n)",
        "from __future__ import annotations \\\n",
        "from __future__ import annotations;  # a comment",
    ]
)
_STATEMENTS = st.sampled_from(
    [
        "x = <b>{1}</b>",
        "import os",
        "def f():\n    return <b />",
        "if True:\n    y = <i />\n\nelse:\n    y = None",
        "@(lambda function: function)\n\ndef g():\n    return <>a</>",
        "class A:\n    z = <b />\n\n    def m(self):\n        return <b />",
        "w = 1 + \\\n    2",
        "v = 1 \\\n",
        "try:\n    t = <b />\nexcept ValueError:\n    pass\n# between\nfinally:\n    pass",
        "u = [\n    <b />,\n\n    <i />,\n]",
        's = """\n<b>not jsx</b>\n"""',
        "x2 = (1,  # <b>\n  <b />)",
        "def k(): return <b />",
    ]
)
_BETWEEN = st.sampled_from(["\n", "\n\n", "\n# a comment\n", "\n\n\n"])


@st.composite
def _module_layouts(draw: st.DrawFn) -> str:
    pieces = [*draw(_HEADS), draw(_DOCSTRINGS), draw(_FUTURES)]
    source = "".join(piece + "\n" for piece in pieces if piece)
    statements = draw(st.lists(_STATEMENTS, min_size=1, max_size=4))
    return source + "".join(statement + draw(_BETWEEN) for statement in statements)


@settings(max_examples=300, deadline=None)
@given(_module_layouts())
def test_the_factory_import_lands_where_the_module_stays_valid(source: str) -> None:
    python = agentick_jsx.transpile(source)
    namespace: dict[str, Any] = {}

    assert python.count("\n") == source.count("\n")
    exec(compile(python, "<layout>", "exec"), namespace)  # an empty namespace: the module imports h itself
    made = [namespace[name]() for name in ("f", "g", "k") if name in namespace]
    if "A" in namespace:
        made.append(namespace["A"]().m())
    assert all(isinstance(element, Element) for element in made)
