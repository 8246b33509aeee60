"""Where queued updates go: reducers, suspended parents, context changes, failed passes."""

from __future__ import annotations

from typing import Any

from agentick import h, use_state
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
