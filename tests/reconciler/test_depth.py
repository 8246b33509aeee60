"""Deep trees: every walk of the reconciler uses an explicit stack, so a tree thousands of levels
deep renders, updates and unmounts like a shallow one (Python's recursion limit is never the bound)."""

from __future__ import annotations

from typing import Any

import pytest

from agentick import ComponentError, Fragment, create_context, h, memo, use_context, use_effect, use_state
from tests.reconciler.host import HostRoot, Node, Text

DEPTH = 5000


def innermost(root: HostRoot) -> tuple[int, Node | Text]:
    """How many host nodes lie on the first-child chain below the container, and the last one."""
    node: Any = root.container
    depth = 0
    while isinstance(node, Node) and node.children:
        node = node.children[0]
        depth += 1
    return depth, node


def nest(depth: int, wrap: Any, inner: Any) -> Any:
    element = inner
    for _ in range(depth):
        element = wrap(element)
    return element


def test_a_chain_of_nested_components_renders_updates_and_unmounts():
    log: list[str] = []
    setters: list[Any] = []

    def Leaf(label: str) -> Any:
        value, set_value = use_state(0)
        setters.append(set_value)
        use_effect(lambda: (log.append("mount"), lambda: log.append("unmount"))[1], [])
        return h("leaf", {"label": label, "value": value})

    def Chain(depth: int, label: str) -> Any:
        use_effect(lambda: None)
        return h(Leaf, {"label": label}) if depth == 0 else h(Chain, {"depth": depth - 1, "label": label})

    root = HostRoot()
    root.render(h(Chain, {"depth": DEPTH, "label": "a"}))
    assert innermost(root)[1].props == {"label": "a", "value": 0}

    setters[-1](1)
    root.flush()
    assert innermost(root)[1].props == {"label": "a", "value": 1}
    assert root.root.visited == DEPTH + 3  # the chain (bail-outs), the leaf component and its host node

    root.render(h(Chain, {"depth": DEPTH, "label": "b"}))
    assert innermost(root)[1].props == {"label": "b", "value": 1}

    root.root.unmount()
    assert log == ["mount", "unmount"]
    assert root.tree() == []


def test_nested_fragments_lists_and_host_tags_render_and_update_in_place():
    shapes = {
        "fragments": lambda child: h(Fragment, None, child, h("x")),
        "single fragments": lambda child: h(Fragment, None, child),
        "lists": lambda child: [child, h("x")],
        "single lists": lambda child: [child],
        "tags": lambda child: h("b", None, child),
    }
    for name, wrap in shapes.items():
        root = HostRoot()
        root.render(h("top", None, nest(DEPTH, wrap, "old")))
        root.take_log()

        root.render(h("top", None, nest(DEPTH, wrap, "new")))

        assert root.take_log() == [("text", "old", "new")], name
        depth, text = innermost(root)
        assert isinstance(text, Text) and text.text == "new", name
        assert depth == (DEPTH + 2 if name == "tags" else 2), name
        root.root.unmount()
        assert root.tree() == [], name


def test_a_memo_component_compares_deep_children_without_recursing():
    renders: list[int] = []

    def Frame(children: Any) -> Any:
        renders.append(1)
        return h("frame", None, children)

    Framed = memo(Frame)
    root = HostRoot()
    root.render(h(Framed, None, nest(DEPTH, lambda child: h("b", None, child), "same")))
    root.render(h(Framed, None, nest(DEPTH, lambda child: h("b", None, child), "same")))  # equal, new objects

    assert renders == [1]


def test_effects_of_a_deep_chain_run_children_first_and_cleanups_parents_first():
    log: list[Any] = []

    def Level(depth: int) -> Any:
        use_effect(lambda: (log.append(depth), lambda: log.append(("cleanup", depth)))[1], [])
        return h("end") if depth == 0 else h(Level, {"depth": depth - 1})

    root = HostRoot()
    root.render(h(Level, {"depth": DEPTH}))
    assert log == list(range(DEPTH + 1))

    log.clear()
    root.root.unmount()
    assert log == [("cleanup", depth) for depth in range(DEPTH, -1, -1)]


def test_an_error_deep_in_the_tree_names_an_elided_path():
    def Fails() -> Any:
        raise ValueError("deep")

    def Chain(depth: int) -> Any:
        return h(Fails) if depth == 0 else h(Chain, {"depth": depth - 1})

    root = HostRoot()
    with pytest.raises(ComponentError) as info:
        root.render(h(Chain, {"depth": DEPTH}))

    line = Fails.__code__.co_firstlineno + 1
    chain = " > ".join(["Chain"] * 6)
    assert str(info.value) == (
        f"{chain} > … {DEPTH + 2 - 12:,} more … > {' > '.join(['Chain'] * 5)} > Fails ({__file__}:{line}) raised "
        "ValueError: deep"
    )
    assert root.tree() == []


def test_a_deep_chain_of_providers_delivers_the_nearest_value_and_its_changes():
    Level = create_context(-1)
    seen: list[int] = []

    def Reader() -> Any:
        seen.append(use_context(Level))
        return None

    def chain(innermost: int) -> Any:
        element = h(Level.Provider, {"value": innermost}, h(Reader))
        for depth in range(DEPTH - 1, -1, -1):
            element = h(Level.Provider, {"value": depth}, h("p", None, element))
        return element

    root = HostRoot()
    root.render(chain(DEPTH))
    root.render(chain(DEPTH + 1))

    assert seen == [DEPTH, DEPTH + 1]
