"""The checkable emission: component tags become `jsx(Tag, key, prop=..., children=[...])` calls that
build exactly the element `h(Tag, props, *children, key=...)` builds, and the transpiled Python is
clean under the linter command of API §12."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import agentick_jsx
from agentick import Element, h, jsx
from tests.jsx.support import run_source
from tests.test_docs import DOCS, blocks_of

ROOT = Path(__file__).resolve().parents[2]
RUFF = [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--select", "E,W,F"]
RUFF_OPTIONS = ["--ignore", "F401,F811,F841", "--line-length", "120", "--output-format", "concise"]


def Card(**props: Any) -> None:
    return None


# --- property: the new emission builds the element the `h` call builds ----------------------------

_NAMES = st.sampled_from(["a", "title", "data-id", "class", "children", "b"])
_VALUES = st.one_of(
    st.just(("bare", None)),
    st.tuples(st.just("text"), st.text(alphabet="xyz \\'\"", max_size=4)),
    st.tuples(st.just("expr"), st.integers(-3, 3)),
    st.tuples(st.just("element"), st.sampled_from(["u", "v"])),
)
_CHILDREN = st.one_of(
    st.tuples(st.just("text"), st.sampled_from(["hi", "a b", "x'y"])),
    st.tuples(st.just("expr"), st.integers(0, 3)),
    st.tuples(st.just("spread"), st.lists(st.integers(0, 3), max_size=2)),
    st.tuples(st.just("element"), st.sampled_from(["u", "v"])),
)
_BREAKS = st.sampled_from([" ", "\n    ", "\n\n      "])


@st.composite
def _elements(draw: st.DrawFn) -> tuple[str, Element]:
    """JSX source of one element, and the element `h` builds for it."""
    tag = draw(st.sampled_from(["Card", "b"]))
    attributes = draw(st.lists(st.tuples(_NAMES, _VALUES), max_size=4))
    key = draw(st.one_of(st.none(), st.tuples(st.sampled_from(["text", "expr"]), st.integers(0, 9))))
    key_index = draw(st.integers(0, len(attributes)))
    spread = draw(st.one_of(st.none(), st.integers(0, len(attributes))))
    children = draw(st.lists(_CHILDREN, max_size=4))
    pieces: list[str] = []
    props: dict[str, Any] = {}
    for index, (name, (kind, value)) in enumerate([*attributes, ("", ("", None))]):
        if index == spread:
            pieces.append('{...{"s": 1}}')
            props["s"] = 1
        if index == key_index and key is not None:
            pieces.append(f'key="{key[1]}"' if key[0] == "text" else f"key={{{key[1]}}}")
        if not name:
            continue
        if kind == "bare":
            pieces.append(name)
            props[name] = True
        elif kind == "text":
            pieces.append(f'{name}="{value.replace(chr(34), "")}"')
            props[name] = value.replace('"', "")
        elif kind == "expr":
            pieces.append(f"{name}={{{value}}}")
            props[name] = value
        else:
            pieces.append(f"{name}=<{value}>w</{value}>")
            props[name] = h(value, None, "w")
    opening = f"<{tag}" + "".join(draw(_BREAKS) + piece for piece in pieces)
    body: list[str] = []
    made: list[Any] = []
    previous_text = False
    for kind, value in children:
        if kind == "text":
            if previous_text:
                continue  # adjacent text would be one child
            body.append(value)
            made.append(value)
        elif kind == "expr":
            body.append(f"{{{value}}}")
            made.append(value)
        elif kind == "spread":
            body.append(f"{{...{value!r}}}")
            made.extend(value)
        else:
            body.append(f"<{value}>w</{value}>")
            made.append(h(value, None, "w"))
        previous_text = kind == "text"
    source = f"{opening}>{''.join(body)}</{tag}>" if body or draw(st.booleans()) else f"{opening} />"
    element_key = None if key is None else (str(key[1]) if key[0] == "text" else key[1])
    expected = h(Card if tag == "Card" else tag, props or None, *made, key=element_key)
    return source, expected


@settings(max_examples=400, deadline=None)
@given(_elements())
def test_an_element_is_the_one_h_builds(case: tuple[str, Element]) -> None:
    source, expected = case
    module = f"\nel = (\n    {source}\n)\n"

    built = run_source(module, Card=Card)["el"]

    assert built == expected
    assert (built.type, built.key, built.props, built.children) == (
        expected.type,
        expected.key,
        expected.props,
        expected.children,
    )
    assert type(built.children) is tuple and type(built.props) is dict


def test_a_component_tag_becomes_a_jsx_call_with_keyword_props() -> None:
    python = agentick_jsx.transpile('\nel = <Card n={1} cached data-id="d" key={k}>hi {x}<b /></Card>\n')

    assert python.splitlines()[1] == (
        "el = _agentick_jsx(Card, (k), n=(1), cached=True, **{'data-id': 'd'}, "
        "children=['hi ', (x), _agentick_h('b', None)])"
    )


@pytest.mark.parametrize(
    "source",
    [
        "<Card {...p} a={1} />",  # a later value must win over a spread's
        '<Card a="1" a="2" />',  # a repeated attribute: the last one wins
        "<Card children={p} />",  # a `children` attribute stays a prop
        "<Card key=<b /> />",
    ],
)
def test_props_a_keyword_call_cannot_express_keep_the_h_call(source: str) -> None:
    python = agentick_jsx.transpile(f"\nel = {source}\n")

    assert python.splitlines()[1].startswith("el = _agentick_h(Card, {")


def test_a_key_after_a_line_break_is_passed_where_it_stands() -> None:
    namespace = run_source(
        """
        order = []
        def mark(value):
            order.append(value)
            return value
        el = <Card
            a={mark("a")}
            key={mark("k")}
        >{mark("c")}</Card>
        """,
        Card=Card,
    )

    assert namespace["el"] == h(Card, {"a": "a"}, "c", key="k")
    assert namespace["order"] == ["k", "a", "c"]  # the key first, then props and children in source order


def test_the_public_factory_checks_its_arguments() -> None:
    assert jsx(Card, "k", a=1, children=["x", 2]) == h(Card, {"a": 1}, "x", 2, key="k")
    assert jsx(Card, children=("x",)).children == ("x",)
    assert jsx(Card).props == {} and jsx(Card).children == ()
    with pytest.raises(TypeError, match=r"jsx\(Card, \.\.\.\) takes props as keyword arguments"):
        jsx(Card, None, 1)
    with pytest.raises(TypeError, match=r"takes a list of children, not str"):
        jsx(Card, children="text")  # type: ignore[arg-type]


def test_no_generated_line_ends_in_whitespace() -> None:
    python = agentick_jsx.transpile(
        "\nel = (\n    <Card\n        a={1}\n    >\n        text\n        {x}\n    </Card>\n)\n"
    )

    assert [line for line in python.splitlines() if line != line.rstrip()] == []


# --- the transpiled form passes the linter ---------------------------------------------------------


def _jsx_sources() -> list[tuple[str, str]]:
    sources = [(str(path.relative_to(ROOT)), path.read_text()) for path in sorted((ROOT / "examples").glob("*.px"))]
    for doc in sorted(DOCS.glob("*.md")):
        sources += [(f"docs/{doc.name}:{block.line}", block.code) for block in blocks_of(doc) if block.kind == "jsx"]
    return sources


def _defined_by_an_earlier_doc_sample(line: str) -> bool:
    """The samples of one document share a namespace: a name from an earlier sample is not an error
    the transpiler added (an undefined factory name would be)."""
    return "F821 Undefined name `" in line and "`_agentick" not in line


def test_the_transpiled_examples_and_doc_samples_are_ruff_clean(tmp_path: Path) -> None:
    names: dict[str, str] = {}
    for index, (name, source) in enumerate(_jsx_sources()):
        target = tmp_path / f"module_{index}.py"
        target.write_text(agentick_jsx.transpile(source, name))
        names[target.name] = name

    result = subprocess.run([*RUFF, *RUFF_OPTIONS, str(tmp_path)], capture_output=True, text=True, check=False)

    assert len(names) > 10
    reported = [
        line.replace(str(tmp_path) + "/", "")
        for line in result.stdout.splitlines()
        if ".py:" in line and not _defined_by_an_earlier_doc_sample(line)
    ]
    assert reported == [], [f"{names[line.split(':')[0]]}: {line}" for line in reported]
    assert result.stderr == ""


def test_a_line_the_emission_lengthens_past_the_limit_is_marked_and_a_long_source_line_is_not() -> None:
    text = "x" * 90
    source = f'\nel = <Card title="{text}" />\nlong = "{"y" * 130}"\nel2 = <Card title="{text}" />; s = """\n"""\n'

    lines = agentick_jsx.transpile(source).splitlines()

    assert lines[1].endswith("  # noqa: E501") and len(lines[1]) > 120
    assert lines[2] == f'long = "{"y" * 130}"'  # the source's own long line is the source's to fix
    assert lines[3].endswith('s = """')  # the line ends inside a string: a comment cannot go there
