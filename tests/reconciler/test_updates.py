"""Where queued updates go: reducers, suspended parents, context changes, failed passes."""

from __future__ import annotations

from typing import Any

import pytest

from agentick import ComponentError, create_context, h, use_context, use_state
from agentick.reconciler import Suspend, use_force_update
from tests.reconciler.host import HostRoot

# --- a suspended component keeps the updates below it ------------------------------------------


def test_a_child_updated_while_its_parent_suspends_renders_once_the_parent_resumes():
    child_setters, parent = [], {}
    marker = object()

    def Child() -> Any:
        value, set_value = use_state(0)
        child_setters.append(set_value)
        return h("child", {"value": value})

    CHILD = h(Child)  # the same element every render: the child renders only for its own update

    def Parent() -> Any:
        parent["rerender"] = use_force_update()  # as use_data does before it suspends
        if parent.get("waiting"):
            raise Suspend(marker)
        return CHILD

    root = HostRoot()
    root.render(h(Parent))
    child_setters[-1](1)
    parent["waiting"] = True
    parent["rerender"]()
    root.flush()

    assert root.root.suspended == [marker]
    assert root.tree() == [("child", {"value": 0}, [])]

    parent["waiting"] = False
    root.flush()

    assert root.root.suspended == []
    assert root.tree() == [("child", {"value": 1}, [])]
    assert not root.root.dirty


# --- context changes reach consumers ------------------------------------------------------------

Theme = create_context("light")


def ThemeReader() -> Any:
    return h("theme", {"value": use_context(Theme)})


READER = h(ThemeReader)


def test_a_consumer_given_to_a_provider_as_the_same_element_sees_a_new_value():
    setters = []

    def App() -> Any:
        theme, set_theme = use_state("light")
        setters.append(set_theme)
        return h(Theme.Provider, {"value": theme}, READER)

    root = HostRoot()
    root.render(h(App))
    setters[-1]("dark")
    root.flush()

    assert root.tree() == [("theme", {"value": "dark"}, [])]


def test_updates_below_a_provider_still_apply_after_a_pass_that_changed_its_value_failed():
    setters = {}

    def Thrower(theme: str) -> Any:
        if theme == "broken":
            raise ValueError("cannot show broken")
        return h("thrower", {"theme": theme})

    def Reader() -> Any:
        theme = use_context(Theme)
        count, set_count = use_state(0)
        setters["reader"] = set_count
        return h("reader", {"theme": theme, "count": count})

    def App() -> Any:
        theme, set_theme = use_state("light")
        setters["app"] = set_theme
        return h(Theme.Provider, {"value": theme}, h(Thrower, {"theme": theme}), h("box", None, h(Reader)))

    root = HostRoot()
    root.render(h(App))
    setters["app"]("broken")
    with pytest.raises(ComponentError, match="Thrower"):
        root.flush()
    setters["app"]("light")  # back where it started: App does not render
    root.flush()

    setters["reader"](5)
    assert root.root.dirty
    root.flush()
    assert root.tree() == [
        ("thrower", {"theme": "light"}, []),
        ("box", {}, [("reader", {"theme": "light", "count": 5}, [])]),
    ]
