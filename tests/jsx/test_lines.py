"""Line preservation: same line count, every Python token on its original line."""

from __future__ import annotations

import io
import itertools
import re
import textwrap
import tokenize
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
    python = agentick_jsx.transpile("\r\nx = (\r\n    <p>\r\n        a\r    </p>\r\n)\r\n")

    assert python.count("\n") == 6
    assert python.endswith("x = (\n    _agentick_h('p', None, 'a'\n\n        )\n)\n")


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


# --- property: every token of every `{expression}` stays on its line ----------------------------

_SEPARATORS = st.sampled_from(["", " ", "\n", "\n    ", " \n  \n "])
_EXPRESSIONS = st.sampled_from(
    [
        "@",
        "@ + @",
        "@(\n@,\n    @=@)",
        "@.@",
        "[@ for @ in @]",
        "@ if @ else @",
        "(\n    @,\n    @\n)",
        "@  # a comment\n",
        "@ + \\\n    @",
        "'''a\nb''' + @",
    ]
)
_IDENTIFIER = re.compile(r"\b[uU]\d+\b")
_CLOSING_TAG = re.compile(r"<\s*/[^>]*>")


@st.composite
def _expression(draw: st.DrawFn, depth: int) -> str:
    """A Python expression with `@` where a unique identifier goes, possibly containing JSX."""
    if depth < 2 and draw(st.integers(0, 5)) == 0:
        element = draw(_keyed_elements(depth + 1, in_jsx=False))
        return "[" + draw(_SEPARATORS) + element + draw(_SEPARATORS) + "]"
    return draw(_EXPRESSIONS)


@st.composite
def _keyed_elements(draw: st.DrawFn, depth: int = 0, *, in_jsx: bool = False) -> str:
    """JSX with every attribute form (keys anywhere among them), spreads and children, laid out over
    lines at random. A component tag `U@` is closed by `</U%>` (`U!` is self-closing); inside JSX,
    whitespace may follow `<`."""
    self_closing = draw(st.booleans())
    tag = draw(st.sampled_from(["p", "ui.Card", "U!" if self_closing else "U@"]))
    space = draw(st.sampled_from(["", " ", "\n  "])) if in_jsx else ""
    attributes: list[str] = []
    for kind in draw(st.lists(st.sampled_from(["string", "lines", "expr", "bare", "spread", "element"]), max_size=4)):
        if kind == "string":
            attributes.append('title="a b"')
        elif kind == "lines":
            attributes.append('text="one\n  two"')
        elif kind == "expr":
            attributes.append("value={" + draw(_SEPARATORS) + draw(_expression(depth)) + draw(_SEPARATORS) + "}")
        elif kind == "bare":
            attributes.append("cached")
        elif kind == "spread":
            attributes.append("{..." + draw(_SEPARATORS) + draw(_expression(depth)) + "}")
        elif depth < 2:
            attributes.append("slot=" + draw(_keyed_elements(depth + 1, in_jsx=True)))
    key = draw(st.sampled_from(["", 'key="k"', "key={@}", "key={\n@}", "key=\n{@ + @}", "key"]))
    if key:
        attributes.insert(draw(st.integers(0, len(attributes))), key)
    opening = "<" + space + tag + "".join(draw(_SEPARATORS) + " " + attribute for attribute in attributes)
    if self_closing:
        return opening + draw(_SEPARATORS) + "/>"
    children: list[str] = []
    for kind in draw(st.lists(st.sampled_from(["text", "expr", "spread", "comment", "element"]), max_size=4)):
        if kind == "text":
            children.append("some text,")
        elif kind == "expr":
            children.append("{" + draw(_SEPARATORS) + draw(_expression(depth)) + draw(_SEPARATORS) + "}")
        elif kind == "spread":
            children.append("{..." + draw(_expression(depth)) + "}")
        elif kind == "comment":
            children.append("{/* note\n */}")
        elif depth < 2:
            children.append(draw(_keyed_elements(depth + 1, in_jsx=True)))
    closing = "<" + space + "/" + space + tag.replace("@", "%") + space + ">"
    return opening + ">" + "".join(draw(_SEPARATORS) + child for child in children) + draw(_SEPARATORS) + closing


@st.composite
def _modules_with_unique_names(draw: st.DrawFn) -> str:
    template = draw(st.sampled_from(["x = (\n    {}\n)\n", "def f():\n    return {}\n", "y = [{}, 1]\n", "z = {}\n"]))
    return _number_names(template.format(draw(_keyed_elements())))


def _number_names(source: str) -> str:
    """`@` becomes a unique name `uN`; a component tag `U@` or `U!` becomes `UN`, and `</U%>` the name of
    the innermost open `U@`."""
    counter = itertools.count()
    open_tags: list[str] = []

    def name(match: re.Match[str]) -> str:
        if match.group() == "U%":
            return open_tags.pop()
        unique = f"u{next(counter)}"
        if match.group() == "@":
            return unique
        if match.group() == "U@":
            open_tags.append(unique.upper())
        return unique.upper()

    return re.sub("U[@%!]|@", name, source)


def _expected_name_lines(source: str) -> dict[str, int]:
    """The line of every `uN`/`UN` name in `source`, closing tags (which emit nothing) left out."""
    opening_only = _CLOSING_TAG.sub(lambda tag: re.sub(r"[^\n]", " ", tag.group()), source)
    return {match.group(): source.count("\n", 0, match.start()) + 1 for match in _IDENTIFIER.finditer(opening_only)}


def _name_lines(python: str) -> dict[str, int]:
    """The line of every `uN` name token, read with Python's own tokenizer."""
    lines: dict[str, int] = {}
    for token in tokenize.generate_tokens(io.StringIO(python).readline):
        if token.type == tokenize.NAME and _IDENTIFIER.fullmatch(token.string):
            assert token.string not in lines, f"{token.string} emitted twice"
            lines[token.string] = token.start[0]
    return lines


@settings(max_examples=300, deadline=None)
@given(_modules_with_unique_names())
def test_every_expression_token_stays_on_the_line_it_was_written_on(source: str) -> None:
    expected = _expected_name_lines(source)

    python = agentick_jsx.transpile(source)

    compile(python, "<generated>", "exec")
    assert python.count("\n") == source.count("\n")
    assert _name_lines(python) == expected
