"""Tools in the tree: a pure tool rendered without props is mounted as its constant `@tool` node
(one host fiber, no component render), and every way of rendering tools still compiles the same."""

from __future__ import annotations

from typing import Any

import pytest

from agentick import Fragment, System, create_app, h, tool
from agentick.testing import create_test_model
from agentick.tools import TOOL_NODE


@tool
def alpha(city: str) -> str:
    """Look up alpha."""
    return city


@tool
def beta(city: str) -> str:
    """Look up beta."""
    return city


def test_a_pure_tool_renders_one_constant_node_and_a_changed_one_its_own():
    assert alpha.static_element is alpha() is alpha()
    assert (alpha().type, alpha().props) == (TOOL_NODE, {"tool": alpha})
    overridden = alpha(description="other")
    assert overridden is not alpha.static_element
    assert overridden.props["tool"].description == "other"
    assert overridden.props["tool"].static_element is not alpha.static_element


def test_a_tool_with_use_or_render_is_no_constant_node():
    used = tool(name="used", use=lambda: None)(lambda city: city)
    rendered = tool(name="rendered", render=lambda: h(System, None, "x"))(lambda city: city)
    assert (used.static_element, rendered.static_element) == (None, None)
    assert used().props["tool"] is used  # use= returning None: no deps, the tool itself
    assert rendered().type is Fragment


@pytest.mark.anyio
async def test_tools_switched_overridden_reordered_and_removed_compile_as_rendered():
    shape: dict[str, Any] = {}

    def Agent() -> Any:
        return h(Fragment, None, h(System, None, "s"), *shape["tools"]())

    app = create_app(Agent, model=create_test_model())
    session = await app.session()
    try:
        steps: list[tuple[Any, list[tuple[str, str]]]] = [
            (lambda: [h(alpha)], [("alpha", "Look up alpha.")]),
            (lambda: [h(beta)], [("beta", "Look up beta.")]),  # same position, another tool
            (lambda: [h(beta, {"description": "B"})], [("beta", "B")]),  # override via props
            (lambda: [h(beta)], [("beta", "Look up beta.")]),  # and back
            (lambda: [h(alpha, key="a"), h(beta, key="b")], [("alpha", "Look up alpha."), ("beta", "Look up beta.")]),
            (lambda: [h(beta, key="b"), h(alpha, key="a")], [("beta", "Look up beta."), ("alpha", "Look up alpha.")]),
            (lambda: [h(alpha, key="a")], [("alpha", "Look up alpha.")]),
            (lambda: [], []),
        ]
        for tools, expected in steps:
            shape["tools"] = tools
            compiled = await session.mount()
            assert [(t.name, t.description) for t in compiled.tool_objects] == expected
    finally:
        await session.close()
