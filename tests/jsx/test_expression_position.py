"""Where `<` starts JSX (expression position) and where Python is left alone."""

from __future__ import annotations

import sys
import textwrap

import pytest

import agentick_jsx
from agentick.element import Element
from tests.jsx.support import run_source


@pytest.mark.parametrize(
    "expression",
    [
        "<b>x</b>",
        "True and <b>x</b>",
        "None or <b>x</b>",
        "(not <b>x</b>) or <b>x</b>",
        "<b>x</b> if True else None",
        "None if False else <b>x</b>",
        "(lambda: <b>x</b>)()",
        "(lambda y=<b>x</b>: y)()",
        "[<b>x</b>][0]",
        "(<b>x</b>,)[0]",
        "{'k': <b>x</b>}['k']",
        "(y := <b>x</b>)",
        "[*[<b>x</b>]][0]",
        "[None, <b>x</b>][1]",
        "(None,\n    <b>x</b>)[1]",
        "[None][0] or <b>x</b>",
    ],
)
def test_jsx_starts_in_expression_position(expression: str) -> None:
    namespace = run_source(f"el = {expression}\n")

    assert isinstance(namespace["el"], Element)
    assert (namespace["el"].type, namespace["el"].children) == ("b", ("x",))


def test_jsx_starts_after_keywords() -> None:
    namespace = run_source(
        """
        def after_return():
            return <b>return</b>

        def after_return_without_space():
            return<b>tight</b>

        def after_yield():
            yield <b>yield</b>

        def after_yield_from():
            yield from <b>from</b>

        def after_in():
            return 1 in <b>in</b>

        def after_is():
            return None is <b>is</b>

        def after_assert():
            assert <b>assert</b>
            return True

        def after_raise():
            raise <b>raise</b>

        statement = <b>statement</b>
        """
    )

    assert namespace["after_return"]().children == ("return",)
    assert namespace["after_return_without_space"]().children == ("tight",)
    assert next(namespace["after_yield"]()).children == ("yield",)
    with pytest.raises(TypeError, match="not iterable"):  # the element was built, then iterated
        list(namespace["after_yield_from"]())
    with pytest.raises(TypeError, match="argument of type 'Element'"):
        namespace["after_in"]()
    assert namespace["after_is"]() is False
    assert namespace["after_assert"]() is True
    with pytest.raises(TypeError, match="exceptions must derive from BaseException"):
        namespace["after_raise"]()
    assert namespace["statement"].children == ("statement",)


def test_jsx_starts_after_await() -> None:
    namespace = run_source(
        """
        async def wait_for_element():
            return await <b>x</b>
        """
    )
    coroutine = namespace["wait_for_element"]()

    with pytest.raises(TypeError, match="await"):
        coroutine.send(None)


def test_jsx_starts_at_the_start_of_a_logical_line_and_after_operators() -> None:
    namespace = run_source(
        """
        items = []
        if True:
            <b>discarded</b>
        total = [] + [<b>plus</b>]
        x = 1; y = <b>after semicolon</b>
        z = \\
            <b>after a continuation</b>
        """
    )

    assert namespace["total"][0].children == ("plus",)
    assert namespace["y"].children == ("after semicolon",)
    assert namespace["z"].children == ("after a continuation",)


@pytest.mark.parametrize(
    "source",
    [
        "a, b, x = 1, 2, 5\nless = a < b\ntight = x<3\nshifted = 1 << 2\nshift_in_place = 1\nshift_in_place <<= 2\n",
        "a = 1\nb = 2\nle = a <= b\nchained = 1 < a < 3 > 2\n",
        "def f(x): return x\nr = (f(1))<(f(2))\ns = [1][0]<2\nt = {1: 2}[1]<3\n",
        "v = 1.<2.\nw = ...\nk = 2j.imag<1\nn = 0x10<17\nm = 1_000<2_000\n",
        "import types\nobj = types.SimpleNamespace(is_open=1, not_me=2)\nq = obj.is_open < obj.not_me\n",
        "text = 'a' < 'b'\nby = b'<b>' < b'<c>'\nfs = f'{1}' < f'{2}'\n",
        "match = 1\ncase = match < 2\ntype_ = case<3\n",
        "café = 1\nú = café<2\n",
    ],
)
def test_comparisons_and_shifts_are_untouched(source: str) -> None:
    assert agentick_jsx.transpile(source) == source
    exec(compile(source, "<cmp>", "exec"), {})


@pytest.mark.parametrize(
    "source",
    [
        "padded = f\"{'ab':<6}|\"\n",
        'aligned = f"{1:>3}{2:<3}|"\n',
        "nested = f\"{f'{1:<{2}}'}\"\n",
        'spec = f"{3!r:<5}"\n',
        'debug = f"{1=:<5}"\n',
        'brace = f"{{<b>}}"\n',
        'named = f"\\N{BULLET} <b>"\n',
        'raw = rf"\\{1:<3}"\n',
        'triple = f"""\n<b>{1:<3}</b>\n"""\n',
        'dictfield = f"{ {"a": 1}["a"] }"\n' if sys.version_info >= (3, 12) else 'dictfield = f"{ {1: 2}[1] }"\n',
        'call = f"{max(1, 2):<4}"\n',
        "literal = '<b>not jsx</b>'\n",
        'triple_literal = """\n<b>not jsx</b>\n"""\n',
        "escaped = '\\'<b>'\n",
        "bytes_ = b'<b>'\n",
        "raw_bytes = rb'<b>\\'<i>'\n",
        "# a comment with <b>tags</b>\nx = 1\n",
        "x = 1  # return <b>x</b>\n",
        "s = 'a' \\\n    '<b>'\n",
    ],
)
def test_strings_f_strings_and_comments_are_untouched(source: str) -> None:
    assert agentick_jsx.transpile(source) == source
    exec(compile(source, "<strings>", "exec"), {})


def test_pep_701_nested_quotes_are_scanned_as_one_string() -> None:
    source = 'x = f"{"<b>" + f"{"<i>"}"}" < "z"\ny = <b>after</b>\n'

    python = agentick_jsx.transpile(source)

    assert python.splitlines()[0].endswith(source.splitlines()[0])
    assert "<b>after" not in python


def test_jsx_inside_an_expression_container_can_contain_jsx_again() -> None:
    namespace = run_source("el = <ul>{[<li key={n}>{n > 1 and <b>{n}</b>}</li> for n in range(3)]}</ul>\n")

    [items] = namespace["el"].children
    assert [(item.key, item.children) for item in items][:2] == [(0, (False,)), (1, (False,))]
    assert items[2].children[0].children == (2,)


def test_python_inside_a_container_keeps_strings_comparisons_and_dicts() -> None:
    source = textwrap.dedent(
        """
        el = (
            <p title={"}" + '{' + f"{1:<2}"}>
                {len({"a": 1}) < 2 and "<b>"}
                {[x for x in (1, 2) if x<2]}
            </p>
        )
        """
    )
    namespace = run_source(source)

    assert namespace["el"].props == {"title": "}{1 "}
    assert list(namespace["el"].children) == ["<b>", [1]]


def test_lt_without_a_tag_name_in_expression_position_is_left_to_python() -> None:
    source = "x = < 3\n"

    assert agentick_jsx.transpile(source) == source
