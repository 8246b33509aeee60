"""Line preservation: same line count, every Python token on its original line."""

from __future__ import annotations

import re
import textwrap
import traceback

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import agentick_jsx
from agentick.element import Element


def test_transpiled_code_keeps_every_line_in_place() -> None:
    source = textwrap.dedent(
        """\
        def build(name):
            el = (
                <p>
                    Hello {name}
                </p>
            )
            raise ValueError(el)
        """
    )
    python = agentick_jsx.transpile(source, filename="lines.px")
    namespace: dict[str, object] = {}
    exec(compile(python, "lines.px", "exec"), namespace)

    with pytest.raises(ValueError) as info:
        namespace["build"]("Ada")  # type: ignore[operator]

    assert len(python.splitlines()) == len(source.splitlines())
    assert isinstance(info.value.args[0], Element)
    assert traceback.extract_tb(info.value.__traceback__)[-1].lineno == 7


def test_an_error_inside_an_expression_container_points_at_its_line() -> None:
    source = "def build():\n    return (\n        <p>\n            text\n            {1 / 0}\n        </p>\n    )\n"
    namespace: dict[str, object] = {}
    exec(compile(agentick_jsx.transpile(source), "div.px", "exec"), namespace)

    with pytest.raises(ZeroDivisionError) as info:
        namespace["build"]()  # type: ignore[operator]

    assert traceback.extract_tb(info.value.__traceback__)[-1].lineno == 5


def test_crlf_and_cr_line_endings_count_as_lines() -> None:
    python = agentick_jsx.transpile("x = (\r\n    <p>\r\n        a\r    </p>\r\n)\r\n")

    assert python.count("\n") == 5
    assert python.endswith("x = (\n    _agentick_h('p', None, 'a'\n\n)\n)\n")


# --- property: generated modules keep their lines ------------------------------------------------

_names = st.integers(0, 10_000).map(lambda n: f"v{n}")
_words = st.text("abcdefghij .,:;!?-", min_size=1, max_size=10).map(str.strip).filter(bool)


@st.composite
def jsx_elements(draw: st.DrawFn, depth: int = 0) -> str:
    """JSX source with a random multi-line layout; `{vN}` names mark Python tokens."""
    tag = draw(st.sampled_from(["p", "b", "Box"]))
    newline = draw(st.sampled_from(["", "\n", "\n    "]))
    attrs = draw(st.lists(st.sampled_from(['a="x"', "c={%s}", "flag", "{...%s}"]), max_size=3))
    rendered_attrs = "".join(newline + " " + (attr % draw(_names) if "%s" in attr else attr) for attr in attrs)
    if draw(st.booleans()):
        return f"<{tag}{rendered_attrs}{newline} />"
    kinds = st.one_of(_words, _names.map(lambda name: "{" + name + "}"), st.just("{/* note */}"))
    if depth < 2:
        kinds = st.one_of(kinds, jsx_elements(depth + 1))
    children = draw(st.lists(kinds, max_size=4))
    return f"<{tag}{rendered_attrs}>" + "".join(newline + child for child in children) + f"{newline}</{tag}>"


@st.composite
def modules(draw: st.DrawFn) -> str:
    statements = []
    for _ in range(draw(st.integers(1, 4))):
        name = draw(_names)
        statements.append(
            draw(
                st.sampled_from(
                    [
                        f"{name} = (\n    {{element}}\n)",
                        f"def f_{name}():\n    return {{element}}",
                        f"{name} = [{{element}}, {{element}}]",
                        f"if {name} < 3:\n    x = {name}<4 and {{element}}",
                        f"# comment <b>\n{name} = f'{{{{{name}:<4}}}}'",
                    ]
                )
            )
        )
    source = "\n".join(statements) + "\n"
    while "{element}" in source:
        source = source.replace("{element}", draw(jsx_elements()), 1)
    return source


def token_lines(source: str, pattern: re.Pattern[str]) -> dict[str, list[int]]:
    lines: dict[str, list[int]] = {}
    for number, line in enumerate(source.splitlines(), 1):
        for match in pattern.finditer(line):
            lines.setdefault(match.group(), []).append(number)
    return lines


_MARKERS = re.compile(r"\bv\d+\b")


@settings(max_examples=150, deadline=None)
@given(modules())
def test_generated_modules_keep_line_count_and_token_lines(source: str) -> None:
    python = agentick_jsx.transpile(source)

    compile(python, "<generated>", "exec")
    assert len(python.splitlines()) == len(source.splitlines())
    assert token_lines(python, _MARKERS) == token_lines(source, _MARKERS)
