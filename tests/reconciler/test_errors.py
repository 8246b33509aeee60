"""Errors of the reconciler say where: the line that raised, the component path, and the fix."""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import agentick_jsx
from agentick import (
    ComponentError,
    System,
    Timeline,
    compile_element,
    h,
    memo,
    tool,
    use_effect,
    use_reducer,
    use_state,
)
from tests.reconciler.host import HostRoot

HERE = __file__


def line_of(function: Any, text: str) -> int:
    """The line of `function`'s source that contains `text`."""
    lines, start = inspect.getsourcelines(function)
    return start + next(i for i, line in enumerate(lines) if text in line)


# --- render errors point at the line that raised --------------------------------------------------


def Bomb() -> Any:
    raise ValueError("boom")


def explode(reason: str) -> None:
    raise KeyError(reason)


def Indirect() -> Any:
    explode("missing")
    return None


def Parser() -> Any:
    return json.loads("{not json")


def Agent(child: Any) -> Any:
    return h("box", None, h(child))


@pytest.mark.parametrize(
    ("component", "line", "error"),
    [
        (Bomb, line_of(Bomb, "raise"), "ValueError: boom"),
        (Indirect, line_of(explode, "raise"), "KeyError: 'missing'"),  # the innermost line of user code
        (
            Parser,
            line_of(Parser, "json.loads"),
            "JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
    ],
    ids=["raise", "helper", "library"],
)
def test_a_render_error_names_the_path_and_the_line_that_raised(component, line, error):
    root = HostRoot()
    with pytest.raises(ComponentError) as info:
        root.render(h(Agent, {"child": component}))

    assert str(info.value) == f"Agent > {component.__name__} ({HERE}:{line}) raised {error}"


def test_an_error_raised_outside_user_code_falls_back_to_the_component_definition():
    def Wrapper() -> Any:
        return h(json.dumps, {"obj": object()})  # a library function as a component: no user frame below

    root = HostRoot()
    with pytest.raises(ComponentError) as info:
        root.render(h(Wrapper))

    code = json.dumps.__code__
    assert str(info.value) == (
        f"Wrapper > dumps ({code.co_filename}:{code.co_firstlineno}) raised TypeError: Object of type object is "
        "not JSON serializable"
    )


@pytest.fixture
def import_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    agentick_jsx.install()
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]
    importlib.invalidate_caches()


def test_a_px_component_error_points_at_the_px_line(import_dir: Path):
    source = import_dir / "faulty_agent.px"
    source.write_text(
        "from agentick import System\n"
        "\n"
        "def Faulty(topic: str):\n"
        "    prompt = (\n"
        "        <System>\n"
        "            About {topic.upper()}\n"
        "        </System>\n"
        "    )\n"
        "    return prompt\n"
    )
    faulty = importlib.import_module("faulty_agent")

    with pytest.raises(ComponentError) as info:
        compile_element(h(faulty.Faulty, {"topic": None}))

    assert str(info.value) == f"Faulty ({source}:6) raised AttributeError: 'NoneType' object has no attribute 'upper'"


# --- components and tools placed as children ----------------------------------------------------


@tool
async def add(a: int, b: int) -> str:
    """Add two integers."""
    return str(a + b)


@tool(name="search_docs")
async def search(query: str) -> str:
    """Search the docs."""
    return query


def Greeter() -> Any:
    return h(System, None, "Hello!")


def test_a_tool_or_component_placed_as_a_child_is_explained_in_one_line():
    def Agent(child: Any) -> Any:
        return [h(System, None, "Tools: ", child), h(Timeline)]

    expected = {
        add: "<tool add> was placed as a child; components and tools are rendered as elements: write <Add /> "
        "(after `Add = add`) or h(add)",
        search: "<tool search_docs> was placed as a child; components and tools are rendered as elements: "
        "write <SearchDocs /> (after `SearchDocs = search_docs`) or h(search_docs)",
        Greeter: "the component Greeter was placed as a child; components and tools are rendered as elements: "
        "write <Greeter /> or h(Greeter)",
    }
    for child, message in expected.items():
        with pytest.raises(TypeError) as info:
            compile_element(h(Agent, {"child": child}))
        assert str(info.value) == f"invalid child of Agent > System: {message}"


# --- loops name the components that keep updating ----------------------------------------------


def test_a_tree_that_never_settles_names_the_components_that_keep_updating():
    def Ticker() -> Any:
        count, set_count = use_state(0)
        use_effect(lambda: set_count(count + 1))
        return h("count", {"n": count})

    def Panel() -> Any:
        return h("panel", None, h(Ticker), h(Ticker))

    root = HostRoot()
    with pytest.raises(RuntimeError) as info:
        root.render(h(Panel))

    assert str(info.value) == (
        "the tree kept scheduling updates after 50 passes (still updating: Panel > Ticker, Panel > Ticker); an "
        "effect probably sets state on every run (give it dependencies or compare before setting)"
    )


# --- user code the pass runs outside a component function --------------------------------------


def fail_on_boom(state: int, action: Any) -> int:
    if action == "boom":
        raise ValueError("no boom action")
    return state + action


@pytest.mark.parametrize("queued_first", [(), (1,)], ids=["alone", "queued-behind-another"])
@pytest.mark.parametrize("hook", ["use_state", "use_reducer"])
def test_an_update_that_raises_names_the_component_and_the_line_and_is_dropped(hook, queued_first):
    updates = []

    def Counter() -> Any:
        if hook == "use_state":
            count, update = use_state(0)
        else:
            count, update = use_reducer(fail_on_boom, 0)
        updates.append(update)
        return h("count", {"n": count})

    def failing_updater(count: int) -> int:
        return count // 0

    failing = failing_updater if hook == "use_state" else "boom"
    root = HostRoot()
    root.render(h("box", None, h(Counter)))
    root.take_log()
    for update in queued_first:
        updates[-1](update)
    updates[-1](failing)  # nothing raises here: the update runs in the next pass

    with pytest.raises(ComponentError) as info:
        root.flush()

    if hook == "use_state":
        line, error = line_of(failing_updater, "// 0"), "ZeroDivisionError: integer division or modulo by zero"
    else:
        line, error = line_of(fail_on_boom, "raise"), "ValueError: no boom action"
    assert str(info.value) == f"Counter ({HERE}:{line}) raised {error}"
    assert (info.value.component, info.value.phase) == ("Counter", "render")
    assert root.take_log() == []
    assert root.tree() == [("box", {}, [("count", {"n": 0}, [])])]

    # The update that raised is dropped (it would raise again); the others apply with later ones.
    updates[-1]((lambda count: count + 10) if hook == "use_state" else 10)
    root.flush()
    assert root.tree() == [("box", {}, [("count", {"n": 10 + sum(queued_first)}, [])])]
    assert not root.root.dirty


def test_a_memo_compare_function_that_raises_names_the_component_and_the_line():
    def compare(old: dict[str, Any], new: dict[str, Any]) -> bool:
        return old["rows"].same_as(new["rows"])  # a list has no same_as

    def Table(rows: list[int]) -> Any:
        return h("table", {"rows": len(rows)})

    MemoTable = memo(Table, compare)

    def Page(rows: list[int]) -> Any:
        return h("page", None, h(MemoTable, {"rows": rows}))

    root = HostRoot()
    root.render(h(Page, {"rows": [1]}))
    root.take_log()

    with pytest.raises(ComponentError) as info:
        root.render(h(Page, {"rows": [1, 2]}))

    assert str(info.value) == (
        f"the memo compare function of Page > Table ({HERE}:{line_of(compare, 'same_as')}) raised "
        "AttributeError: 'list' object has no attribute 'same_as'"
    )
    assert (info.value.component, info.value.phase) == ("Table", "render")
    assert root.take_log() == []
    assert root.tree() == [("page", {}, [("table", {"rows": 1}, [])])]


def Listing(values: list[int]) -> Any:
    return h("ol", None, (h("li", None, str(100 // value)) for value in values))


def ReturnsGenerator(values: list[int]) -> Any:
    return (h("li", None, str(100 // value)) for value in values)


def Mixed(values: list[int]) -> Any:
    return h("ol", None, h("title"), (h("li", None, str(100 // value)) for value in values))


@pytest.mark.parametrize("component", [Listing, ReturnsGenerator, Mixed])
def test_a_generator_of_children_that_raises_names_the_component_and_the_line(component):
    root = HostRoot()
    with pytest.raises(ComponentError) as info:
        root.render(h("box", None, h(component, {"values": [5, 0]})))

    line = line_of(component, "100 // value")
    assert str(info.value) == (
        f"{component.__name__} ({HERE}:{line}) raised ZeroDivisionError: integer division or modulo by zero"
    )
    assert (info.value.component, info.value.phase) == (component.__name__, "render")
    assert root.tree() == []


def test_a_generator_of_children_outside_any_component_names_the_element():
    def listing() -> Any:
        return h("ol", None, (h("li", None, str(100 // value)) for value in [5, 0]))

    root = HostRoot()
    with pytest.raises(ComponentError) as info:
        root.render(listing())

    line = line_of(listing, "100 // value")
    assert str(info.value) == (
        f"the children of ol ({HERE}:{line}) raised ZeroDivisionError: integer division or modulo by zero"
    )
    assert root.tree() == []


def test_a_cleanup_error_while_unmounting_the_root_still_unmounts_it():
    def Leaky() -> Any:
        def effect() -> Any:
            def cleanup() -> None:
                raise OSError("still open")

            return cleanup

        use_effect(effect, [])
        return h("leaky")

    root = HostRoot()
    root.render(h(Leaky))
    with pytest.raises(ComponentError) as info:
        root.root.unmount()

    assert str(info.value) == f"a cleanup of Leaky ({HERE}:{line_of(Leaky, 'OSError')}) raised OSError: still open"
    assert root.tree() == []
    with pytest.raises(RuntimeError, match="this root was unmounted"):
        root.render(h(Leaky))
    root.root.unmount()  # already unmounted: the cleanup does not run again


def test_unmounting_a_root_from_its_own_render_is_refused_and_leaves_it_mounted():
    roots: list[HostRoot] = []

    def Closer() -> Any:
        roots[0].root.unmount()
        return None

    root = HostRoot()
    roots.append(root)
    root.render(h("kept"))
    with pytest.raises(ComponentError) as info:
        root.render(h(Closer))

    line = line_of(Closer, "unmount()")
    assert str(info.value) == (
        f"Closer ({HERE}:{line}) raised RuntimeError: unmount() was called on a root while it was rendering"
    )
    root.render(h("still"))
    assert root.tree() == [("still", {}, [])]
