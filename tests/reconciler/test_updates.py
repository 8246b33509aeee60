"""Where queued updates go: reducers, suspended parents, context changes, failed passes."""

from __future__ import annotations

from typing import Any

import pytest

from agentick import ComponentError, create_context, h, memo, use_context, use_effect, use_memo, use_reducer, use_state
from agentick.reconciler import Suspend, use_force_update
from tests.reconciler.host import HostRoot

# --- use_reducer: actions are reduced during render, with that render's reducer ----------------


def test_an_action_is_reduced_with_the_reducer_of_the_render_that_applies_it():
    dispatches = []

    def Total(step: int) -> Any:
        total, dispatch = use_reducer(lambda state, action: state + action * step, 0)
        dispatches.append(dispatch)
        return h("total", {"value": total})

    root = HostRoot()
    root.render(h(Total, {"step": 1}))
    dispatches[-1](2)  # nothing was queued: still reduced later, by the next render's reducer
    root.render(h(Total, {"step": 10}))

    assert root.tree() == [("total", {"value": 20}, [])]


def test_a_reducer_sees_the_other_state_updated_in_the_same_batch():
    updates = {}

    def Total() -> Any:
        step, set_step = use_state(1)
        total, dispatch = use_reducer(lambda state, action: state + action * step, 0)
        updates.update(step=set_step, dispatch=dispatch)
        return h("total", {"value": total, "step": step})

    root = HostRoot()
    root.render(h(Total))
    updates["step"](10)
    updates["dispatch"](2)
    root.flush()

    assert root.tree() == [("total", {"value": 20, "step": 10}, [])]


def test_an_inline_reducer_reduces_each_action_once_per_pass():
    calls, dispatches = [], []

    def Counter(label: str) -> Any:
        def reduce(state: int, action: int) -> int:  # a new function every render
            calls.append(action)
            return state + action

        count, dispatch = use_reducer(reduce, 0)
        dispatches.append(dispatch)
        return h("count", {"label": label, "value": count})

    root = HostRoot()
    element = h(Counter, {"label": "a"})
    root.render(element)
    dispatches[-1](1)
    dispatches[-1](2)
    root.flush()
    assert (calls, root.tree()) == ([1, 2], [("count", {"label": "a", "value": 3}, [])])

    calls.clear()
    dispatches[-1](4)
    root.render(h(Counter, {"label": "b"}))  # the parent renders it too: no check before the render
    assert (calls, root.tree()) == ([4], [("count", {"label": "b", "value": 7}, [])])


def test_a_reducer_closing_over_changed_values_reduces_again_with_the_new_closure():
    calls, dispatches = [], []

    def Total(step: int) -> Any:
        def reduce(state: int, action: int) -> int:
            calls.append((step, action))
            return state + action * step

        total, dispatch = use_reducer(reduce, 0)
        dispatches.append(dispatch)
        return h("total", {"value": total})

    MemoTotal = memo(Total, lambda old, new: True)  # renders only for its own updates

    root = HostRoot()
    root.render(h(MemoTotal, {"step": 1}))
    root.render(h(MemoTotal, {"step": 10}))  # skipped: its committed reducer still uses step 1
    dispatches[-1](3)
    root.flush()

    # The check before the render uses the committed reducer; the render reduces with its own.
    assert (calls, root.tree()) == ([(1, 3), (10, 3)], [("total", {"value": 30}, [])])


def test_actions_that_end_at_the_committed_state_neither_render_nor_run_effects():
    renders, effects, dispatches = [], [], []

    def Toggle() -> Any:
        def reduce(state: bool, action: str) -> bool:
            return not state if action == "flip" else state

        on, dispatch = use_reducer(reduce, False)
        renders.append(on)
        dispatches.append(dispatch)
        use_effect(lambda: effects.append(on))
        return h("toggle", {"on": on})

    root = HostRoot()
    root.render(h(Toggle))
    root.take_log()

    dispatches[-1]("keep")
    assert root.root.dirty  # a dispatch always schedules: the render's reducer decides
    root.flush()
    dispatches[-1]("flip")
    dispatches[-1]("flip")
    root.flush()

    assert (renders, effects, root.take_log(), root.root.dirty) == ([False], [False], [], False)
    dispatches[-1]("flip")
    root.flush()
    assert (renders, root.tree()) == ([False, True], [("toggle", {"on": True}, [])])


def test_use_state_bails_out_when_the_update_is_made():
    setters = []

    def Probe() -> Any:
        value, set_value = use_state("a")
        setters.append(set_value)
        return h("value", {"value": value})

    root = HostRoot()
    root.render(h(Probe))
    setters[-1]("a")
    setters[-1](lambda value: value)

    assert not root.root.dirty


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


def test_a_suspended_render_commits_no_state_and_the_completing_render_reduces_with_its_reducer():
    updates = {}
    marker = object()

    def Loader(step: int) -> Any:
        total, dispatch = use_reducer(lambda state, action: state + action * step, 0)
        updates["dispatch"] = dispatch
        if updates.get("waiting"):
            raise Suspend(marker)
        return h("total", {"value": total})

    MemoLoader = memo(Loader, lambda old, new: True)  # renders only for its own updates

    root = HostRoot()
    root.render(h(MemoLoader, {"step": 1}))
    root.render(h(MemoLoader, {"step": 10}))
    updates["waiting"] = True
    updates["dispatch"](5)
    root.flush()
    assert (root.root.suspended, root.tree()) == ([marker], [("total", {"value": 0}, [])])

    updates["waiting"] = False
    root.flush()
    assert root.tree() == [("total", {"value": 50}, [])]


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


# --- values that refuse to be compared ----------------------------------------------------------


class Grid:
    """Compares like a numpy array: `==` gives an object whose truth value raises."""

    def __init__(self, cells: list[int]) -> None:
        self.cells = cells

    def __eq__(self, other: object) -> Any:
        return Elementwise()

    def __repr__(self) -> str:
        return f"Grid({self.cells})"


class Elementwise:
    def __bool__(self) -> bool:
        raise ValueError("the truth value of an array with more than one element is ambiguous")


def test_values_whose_comparison_raises_count_as_changed():
    computed, setters = [], []
    Board = create_context(None)

    def Cells(grid: Grid) -> Any:
        board = use_context(Board)
        return h("cells", {"cells": grid.cells, "board": board.cells})

    MemoCells = memo(Cells)

    def Summary(grid: Grid) -> Any:
        total = use_memo(lambda: computed.append(grid.cells) or sum(grid.cells), [grid])
        return h("summary", {"total": total, "grid": grid})

    def App() -> Any:
        grid, set_grid = use_state(Grid([1]))
        setters.append(set_grid)
        return h(Board.Provider, {"value": grid}, h(MemoCells, {"grid": grid}), h(Summary, {"grid": grid}))

    root = HostRoot()
    root.render(h(App))
    setters[-1](Grid([1, 2]))
    root.flush()

    cells, summary = root.tree()
    assert cells == ("cells", {"cells": [1, 2], "board": [1, 2]}, [])  # memo props, context value
    assert (summary[1]["total"], summary[1]["grid"].cells) == (3, [1, 2])  # use_memo deps, host props
    assert computed == [[1], [1, 2]]
