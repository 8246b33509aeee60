"""Deep trees compile: collecting and rendering content walk the host tree with explicit stacks."""

from __future__ import annotations

from typing import Any

import pytest

from agentick import (
    XML,
    List,
    ListItem,
    Markdown,
    Section,
    System,
    Timeline,
    User,
    compile_element,
    h,
    use_on_tick_start,
)
from agentick.testing import create_test_model, render_agent

DEPTH = 5000


def nest(depth: int, wrap: Any, inner: Any) -> Any:
    element = inner
    for level in range(depth - 1, -1, -1):
        element = wrap(level, element)
    return element


def sections(depth: int) -> Any:
    return nest(depth, lambda level, child: h(Section, {"id": f"s{level}", "title": f"t{level}"}, child), "deep")


def test_nested_sections_compile_to_nested_headings():
    compiled = compile_element(sections(DEPTH))

    assert compiled.system == "".join(f"## t{level}\n\n" for level in range(DEPTH)) + "deep"
    assert list(compiled.sections) == ["s0"]


@pytest.mark.parametrize(
    ("wrap", "expected"),
    [
        (lambda level, child: h("b", None, child), "**" * DEPTH + "x" + "**" * DEPTH),
        (lambda level, child: h("q", None, "[", child, "]"), '"[' * DEPTH + "x" + ']"' * DEPTH),
        (
            lambda level, child: h(XML if level % 2 else Markdown, None, h("i", None, child)),
            "".join("<em>" if level % 2 else "*" for level in range(DEPTH))
            + "x"
            + "".join("</em>" if level % 2 else "*" for level in reversed(range(DEPTH))),
        ),
        (lambda level, child: h(List, None, h(ListItem, None, child)), "- " * DEPTH + "x"),
        (
            lambda level, child: h("section", {"n": level}, child),
            "".join(f'<section n="{level}">' for level in range(DEPTH)) + "x" + "</section>" * DEPTH,
        ),
    ],
    ids=["bold", "quotes", "renderers", "lists", "tags"],
)
def test_deeply_nested_content_renders(wrap, expected):
    assert compile_element(h(System, None, nest(DEPTH, wrap, "x"))).system == expected


def test_deep_message_content_and_top_level_grouping_compile():
    grouped = nest(DEPTH, lambda level, child: h("group", None, child), h(System, None, "grouped"))
    message = h(User, None, nest(DEPTH, lambda level, child: h("i", None, child), "hi"))

    compiled = compile_element(h("agent", None, grouped, message))

    assert compiled.system == "grouped"
    assert [m.text for m in compiled.messages] == ["*" * DEPTH + "hi" + "*" * DEPTH]


@pytest.mark.anyio
async def test_a_session_ticks_a_deep_tree_with_tick_hooks_at_every_level():
    calls: list[int] = []

    def Level(depth: int) -> Any:
        use_on_tick_start(lambda tick_state, com: calls.append(depth))
        return sections(DEPTH) if depth == 0 else h(Level, {"depth": depth - 1})

    def Agent() -> Any:
        return [h(Level, {"depth": DEPTH}), h(Timeline)]

    model = create_test_model()
    harness = await render_agent(Agent, model=model)
    result = await harness.send("hello")

    assert result.response == "Test response"
    assert model.inputs[0].messages[0].text == "".join(f"## t{level}\n\n" for level in range(DEPTH)) + "deep"
    assert calls == list(range(DEPTH + 1))  # children before parents
    await harness.unmount()
