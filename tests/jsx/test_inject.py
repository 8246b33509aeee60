"""Where the factory import goes (no added line), and the per-call-site fallback."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import agentick_jsx
from agentick.element import Element

IMPORT = "from agentick.element import h as _agentick_h"
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
    ("source", "index"),
    [
        ('"""Doc."""\n\nx = <b />\n', 1),
        ('"""Doc\n\nstring."""\n\nx = <b />\n', 3),
        ('"""Doc."""\nfrom __future__ import annotations  # why\n\nx = <b />\n', 2),
        ('\n"""Doc."""\n\nx = <b />\n', 2),  # not before the docstring
        ("\nfrom __future__ import annotations\n\nx = <b />\n", 2),  # nor before a __future__ import
        ("import os\n\nimport sys\nx = <b />\n", 1),
        ("# a comment\n\ndef f():\n    return <b />\n", 1),
        ("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n\ndef f():\n    return <b />\n", 2),
        ("   \t\nx = <b />\n", 0),  # the blank line's whitespace goes
        ('"""doc""" \\\n\n\nx = <b>hi</b>\n', 2),
        ("import os\n\n\n\nx = <b />\n", 1),  # the first blank line of the header
    ],
)
def test_the_import_takes_a_blank_line_of_the_import_header(source: str, index: int) -> None:
    lines = transpiled_lines(source)

    assert lines[index] == IMPORT
    assert [line for number, line in enumerate(lines) if number != index and IMPORT in line] == []


@pytest.mark.parametrize(
    "source",
    [
        '"""Doc."""\nx = <b />\n',
        "import os\nx = <b />\n",
        "x = <b />\n",
        "# coding: utf-8\nimport os\nx = <b />\n",
        "x = 1\n\ny = <b />\n",  # below code the import would not be at the top of the module
        "def f():\n    return <b>x</b>\n",
        '\n"""Doc."""\nx = <b />\n',
        "\nfrom __future__ import annotations\nx = <b />\n",
    ],
)
def test_without_a_blank_line_in_the_import_header_every_site_imports_the_factory(source: str) -> None:
    lines = transpiled_lines(source)

    assert not any(line.startswith("from agentick.element") for line in lines)
    assert FALLBACK in lines[-1]
    assert [line for line in source.splitlines() if "<" not in line] == [line for line in lines if FALLBACK not in line]


def test_the_module_docstring_stays_the_docstring() -> None:
    namespace: dict[str, Any] = {}
    exec(agentick_jsx.transpile('"""Doc."""\n\nx = <b />\n'), namespace)

    assert namespace["__doc__"] == "Doc."


def test_only_the_factories_used_are_imported() -> None:
    source = "from agentick import System\n\nx = <System>hi</System>\ny = <>a<b /></>\n"

    assert transpiled_lines(source)[1] == (
        "from agentick.element import h as _agentick_h, Fragment as _agentick_Fragment, jsx as _agentick_jsx"
    )
    assert transpiled_lines("import os\n\nx = <b />\n")[1] == IMPORT


def test_a_module_without_jsx_is_returned_unchanged() -> None:
    source = '"""Doc."""\nimport os\nless = 1 < 2\n'

    assert agentick_jsx.transpile(source) == source


def test_jsx_before_any_usable_line_falls_back_to_an_import_expression() -> None:
    lines = transpiled_lines("def f():\n    return <b>x</b>\n")

    assert lines == ["def f():", f"    return {FALLBACK}'b', None, 'x')"]


def test_the_import_is_not_added_when_no_jsx_follows_it() -> None:
    source = "import os\n\ndef f():\n    return 1\n"

    assert agentick_jsx.transpile(source) == source


def test_fragments_use_the_injected_fragment_name() -> None:
    lines = transpiled_lines("\nx = <>a</>\n")

    assert lines[1] == "x = _agentick_h(_agentick_Fragment, None, 'a')"


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
