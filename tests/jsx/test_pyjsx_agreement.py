"""On inputs pyjsx handles correctly, agentick_jsx builds the same element trees.

pyjsx emits `jsx(tag, props, [children])`; a `jsx` shim calling `h` turns its output into our
elements. The generated trees avoid what pyjsx gets wrong on purpose (spaces next to expressions
and tags, `>` and backslashes in text, non-HTML lowercase tags).
"""

from __future__ import annotations

from typing import Any

import pyjsx
from hypothesis import given, settings
from hypothesis import strategies as st

import agentick_jsx
from agentick.element import Fragment, h


def jsx(tag: Any, props: dict[str, Any], children: list[Any]) -> Any:
    return h(tag, props, *children)


jsx.Fragment = Fragment  # type: ignore[attr-defined]


def Card(**props: Any) -> None:
    return None


def Panel(**props: Any) -> None:
    return None


_HTML_TAGS = ["b", "i", "p", "div", "span", "section", "ul", "li", "em", "strong", "code"]
_word = st.text("abcdefghijklmnopqrstuvwxyzABC0123456789.,:;!?-()'\"", min_size=1, max_size=8)
_text = st.lists(_word, min_size=1, max_size=4).map(" ".join)
_attr_value = st.one_of(
    _word.filter(lambda word: '"' not in word).map(lambda word: f'"{word}"'),
    st.integers(0, 99).map(lambda number: f"{{{number}}}"),
    st.just(""),
)


@st.composite
def attributes(draw: st.DrawFn) -> str:
    names = draw(st.lists(st.sampled_from(["id", "title", "key", "data-x", "role"]), unique=True, max_size=3))
    rendered = [f"{name}={value}" if value else name for name in names for value in [draw(_attr_value)]]
    if draw(st.booleans()):
        rendered.insert(draw(st.integers(0, len(rendered))), "{...spread}")
    return "".join(" " + attribute for attribute in rendered)


@st.composite
def elements(draw: st.DrawFn, depth: int = 0) -> str:
    kind = draw(st.sampled_from(["html", "component", "fragment"]))
    tag = {"html": st.sampled_from(_HTML_TAGS), "component": st.sampled_from(["Card", "Panel"])}.get(kind)
    name = "" if tag is None else draw(tag)
    attrs = "" if tag is None else draw(attributes())
    child = st.one_of(_text, st.integers(0, 9).map(lambda number: f"{{{number}}}"))
    if depth < 3:
        child = st.one_of(child, elements(depth + 1))
    children = draw(st.lists(child, max_size=4))
    merged: list[str] = []
    for item in children:  # adjacent text would be one text in the source: keep them apart
        if merged and not merged[-1].startswith(("<", "{")) and not item.startswith(("<", "{")):
            merged[-1] += " " + item
        else:
            merged.append(item)
    if not merged and tag is not None and draw(st.booleans()):
        return f"<{name}{attrs} />"
    if draw(st.booleans()):
        indent = "    " * (depth + 2)
        body = "".join(f"\n{indent}    {item}" for item in merged) + f"\n{indent}"
    else:
        body = "".join(merged)
    return f"<{name}{attrs}>{body}</{name}>"


def evaluate(python: str) -> Any:
    namespace: dict[str, Any] = {"jsx": jsx, "Card": Card, "Panel": Panel, "spread": {"role": "s", "id": "spread"}}
    exec(compile(python, "<agreement>", "exec"), namespace)
    return namespace["el"]


@settings(max_examples=300, deadline=None)
@given(elements())
def test_element_trees_match_pyjsx(element: str) -> None:
    source = f"el = (\n    {element}\n)\n"

    ours = evaluate(agentick_jsx.transpile(source))
    theirs = evaluate(pyjsx.transpile(source))

    assert ours == theirs
