"""Hooks, scheduling and the failure modes of the reconciler."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from agentick import (
    ComponentError,
    HookError,
    create_context,
    h,
    memo,
    use_callback,
    use_context,
    use_effect,
    use_memo,
    use_reducer,
    use_ref,
    use_state,
)
from agentick.reconciler import Suspend, rendering_component, use_latest, use_slot
from tests.reconciler.host import HostRoot

# --- rules of hooks -----------------------------------------------------------------------------


@pytest.mark.parametrize("hook", [lambda: use_state(0), lambda: use_ref(0), lambda: use_effect(lambda: None)])
def test_a_hook_outside_a_render_raises_hook_error(hook):
    with pytest.raises(HookError, match="outside a component render"):
        hook()


def test_a_changed_hook_order_names_the_component():
    def Flaky(flip):
        if flip:
            use_ref(None)
        else:
            use_state(0)
        return None

    root = HostRoot()
    root.render(h(Flaky, {"flip": False}))

    with pytest.raises(HookError, match=r"order of hooks changed in Flaky: hook #1 was use_state\(\)"):
        root.render(h(Flaky, {"flip": True}))


def test_fewer_hooks_than_last_render_is_an_error():
    def Shrinking(n):
        for _ in range(n):
            use_state(0)
        return None

    root = HostRoot()
    root.render(h(Shrinking, {"n": 2}))

    with pytest.raises(HookError, match="Shrinking called 1 hooks during this render but 2"):
        root.render(h(Shrinking, {"n": 1}))


# --- state and scheduling -----------------------------------------------------------------------


def test_several_updates_before_a_flush_render_once():
    renders = []
    setters = []

    def Counter():
        count, set_count = use_state(0)
        renders.append(count)
        setters.append(set_count)
        return h("count", {"n": count})

    root = HostRoot()
    root.render(h(Counter))
    setters[-1](1)
    setters[-1](lambda n: n + 1)
    setters[-1](lambda n: n * 10)
    root.flush()

    assert renders == [0, 20]
    assert root.tree() == [("count", {"n": 20}, [])]


def test_flush_renders_only_dirty_components_and_their_non_memo_children():
    renders = []
    setters = {}

    def Leaf(name):
        renders.append(name)
        return h("leaf", {"name": name})

    MemoLeaf = memo(Leaf)

    def Branch(name):
        value, set_value = use_state(0)
        setters[name] = set_value
        renders.append(name)
        return h("branch", {"v": value}, h(Leaf, {"name": f"{name}.plain"}), h(MemoLeaf, {"name": f"{name}.memo"}))

    def App():
        renders.append("app")
        return h("app", None, h(Branch, {"name": "x"}), h(Branch, {"name": "y"}))

    root = HostRoot()
    root.render(h(App))
    renders.clear()

    setters["y"](1)
    root.flush()

    assert renders == ["y", "y.plain"]


def test_a_dirty_component_below_a_memo_boundary_is_found():
    setters = []

    def Inner():
        value, set_value = use_state("a")
        setters.append(set_value)
        return h("inner", {"value": value})

    Outer = memo(lambda: h("outer", None, h(Inner)))
    root = HostRoot()
    root.render(h(Outer))
    setters[-1]("b")
    root.flush()

    assert root.tree() == [("outer", {}, [("inner", {"value": "b"}, [])])]


def test_an_update_during_render_of_the_same_component_applies_in_the_same_pass():
    renders = []

    def Clamp(value):
        shown, set_shown = use_state(value)
        renders.append(shown)
        if shown > 3:
            set_shown(3)
        return h("shown", {"value": shown})

    root = HostRoot()
    root.render(h(Clamp, {"value": 7}))

    assert renders == [7, 3]
    assert root.tree() == [("shown", {"value": 3}, [])]


def test_an_unconditional_update_during_render_is_reported_as_a_loop():
    def Looping():
        count, set_count = use_state(0)
        set_count(count + 1)
        return None

    root = HostRoot()
    with pytest.raises(ComponentError, match="Looping updated its own state during render 25 times"):
        root.render(h(Looping))


def test_use_reducer_uses_the_latest_reducer():
    dispatches = []

    def Total(step):
        total, dispatch = use_reducer(lambda state, action: state + action * step, 0)
        dispatches.append(dispatch)
        return h("total", {"value": total})

    root = HostRoot()
    root.render(h(Total, {"step": 1}))
    root.render(h(Total, {"step": 10}))
    dispatches[-1](2)
    root.flush()

    assert root.tree() == [("total", {"value": 20}, [])]
    assert dispatches[0] is dispatches[-1]


def test_use_memo_and_use_callback_recompute_only_when_deps_change():
    computed = []
    callbacks = []

    def View(a, b):
        doubled = use_memo(lambda: computed.append(a) or a * 2, [a])
        callbacks.append(use_callback(lambda: a, [a]))
        return h("view", {"doubled": doubled, "b": b})

    root = HostRoot()
    root.render(h(View, {"a": 1, "b": 1}))
    root.render(h(View, {"a": 1, "b": 2}))
    root.render(h(View, {"a": 2, "b": 2}))

    assert computed == [1, 2]
    assert callbacks[0] is callbacks[1] and callbacks[1] is not callbacks[2]
    assert root.tree() == [("view", {"doubled": 4, "b": 2}, [])]


def test_effect_deps_control_reruns_and_cleanups_run_first():
    log = []

    def Watch(topic, other):
        def effect():
            log.append(f"start {topic}")
            return lambda: log.append(f"stop {topic}")

        use_effect(effect, [topic])
        return None

    root = HostRoot()
    root.render(h(Watch, {"topic": "a", "other": 1}))
    root.render(h(Watch, {"topic": "a", "other": 2}))
    root.render(h(Watch, {"topic": "b", "other": 2}))
    root.root.unmount()

    assert log == ["start a", "stop a", "start b", "stop b"]


def test_nested_providers_and_memo_consumers_see_value_changes():
    Theme = create_context("light")
    seen = []

    def Reader(where):
        value = use_context(Theme)
        seen.append((where, value))
        return h("theme", {"where": where, "value": value})

    MemoReader = memo(Reader)

    def view(outer, inner):
        return h(
            Theme.Provider,
            {"value": outer},
            h(MemoReader, {"where": "outer"}),
            h(Theme.Provider, {"value": inner}, h(MemoReader, {"where": "inner"})),
        )

    root = HostRoot()
    root.render(view("dark", "blue"))
    seen.clear()
    root.render(view("dim", "blue"))

    assert seen == [("outer", "dim")]
    assert [node[1] for node in root.tree()] == [
        {"where": "outer", "value": "dim"},
        {"where": "inner", "value": "blue"},
    ]


def test_use_latest_holds_the_last_committed_value_and_use_slot_keeps_identity():
    refs = []
    slots = []

    def View(n):
        refs.append(use_latest(n))
        slots.append(use_slot(object))
        return None

    root = HostRoot()
    root.render(h(View, {"n": 1}))
    assert refs[0].current == 1
    root.render(h(View, {"n": 2}))

    assert refs[0] is refs[1] and refs[1].current == 2
    assert slots[0] is slots[1]


# --- failures leave the root consistent ---------------------------------------------------------


def test_a_render_error_names_the_component_and_keeps_the_committed_tree():
    setters = []

    def Counter():
        count, set_count = use_state(0)
        setters.append(set_count)
        return h("count", {"n": count})

    def Bomb(armed):
        if armed:
            raise ValueError("boom")
        return h("bomb")

    def app(armed):
        return h("app", None, h(Counter), h(Bomb, {"armed": armed}))

    root = HostRoot()
    root.render(app(False))
    setters[-1](5)
    root.take_log()

    with pytest.raises(ComponentError, match=r"Bomb \(.*test_hooks.py:\d+\) raised ValueError: boom") as info:
        root.render(app(True))

    assert isinstance(info.value.__cause__, ValueError)
    assert (info.value.component, info.value.phase) == ("Bomb", "render")
    assert root.take_log() == []
    assert root.tree() == [("app", {}, [("count", {"n": 0}, []), ("bomb", {}, [])])]

    root.render(app(False))  # the pending update was kept and applies now
    assert root.tree() == [("app", {}, [("count", {"n": 5}, []), ("bomb", {}, [])])]


def test_an_effect_error_names_the_component_and_other_effects_still_run():
    log = []

    def Good():
        use_effect(lambda: log.append("good"), [])
        return None

    def Bad():
        def effect():
            raise RuntimeError("effect failed")

        use_effect(effect, [])
        return None

    root = HostRoot()
    with pytest.raises(ComponentError) as info:
        root.render(h("box", None, h(Bad), h(Good)))

    line = inspect.getsourcelines(Bad)[1] + 2
    assert str(info.value) == f"an effect of Bad ({__file__}:{line}) raised RuntimeError: effect failed"
    assert info.value.phase == "effect"
    assert log == ["good"]
    root.render(h("box", None, h(Good)))
    assert root.tree() == [("box", {}, [])]


def test_a_dict_child_is_a_type_error_naming_the_parent():
    def Panel():
        return h("panel", None, {"not": "renderable"})

    root = HostRoot()
    with pytest.raises(TypeError, match="invalid child of Panel: dict"):
        root.render(h(Panel))
    assert root.tree() == []


def test_a_component_returning_a_coroutine_is_rejected_clearly():
    async def Async():
        return None

    root = HostRoot()
    with pytest.raises(ComponentError, match="Async returned a coroutine"):
        root.render(h(Async))


def test_duplicate_keys_are_rejected():
    root = HostRoot()
    with pytest.raises(ValueError, match=r"two children of .* have the key 'a'"):
        root.render(h("list", None, h("i", None, key="a"), h("i", None, key="a")))


# --- suspension ---------------------------------------------------------------------------------


def test_a_suspended_component_keeps_its_output_and_renders_again_next_pass():
    ready = {"value": None}
    marker = object()

    def Data():
        if ready["value"] is None:
            raise Suspend(marker)
        count, _ = use_state(1)
        return h("data", {"value": ready["value"], "count": count})

    root = HostRoot()
    root.render(h("box", None, h(Data)))

    assert root.root.suspended == [marker]
    assert root.tree() == [("box", {}, [])]
    assert root.root.dirty

    ready["value"] = "loaded"
    root.flush()

    assert root.root.suspended == []
    assert root.tree() == [("box", {}, [("data", {"value": "loaded", "count": 1}, [])])]


def test_a_full_render_clears_pending_updates_it_applied():
    setters = []

    def Counter():
        count, set_count = use_state(0)
        setters.append(set_count)
        return h("count", {"n": count})

    root = HostRoot()
    root.render(h(Counter))
    setters[-1](1)
    root.root.render(h(Counter), settle=False)

    assert root.tree() == [("count", {"n": 1}, [])]
    assert not root.root.dirty


def test_an_update_below_memo_boundaries_visits_only_the_path_to_it():
    setters = []

    def Leaf(n):
        value, set_value = use_state(0)
        if n == 0:
            setters.append(set_value)
        return h("leaf", {"value": value})

    MemoLeaf = memo(Leaf)

    def Branch(depth):
        if depth == 0:
            return [h(MemoLeaf, {"n": i}, key=i) for i in range(50)]
        return h(MemoBranch, {"depth": depth - 1})

    MemoBranch = memo(Branch)
    root = HostRoot()
    root.render(h(MemoBranch, {"depth": 5}))
    setters[0](1)
    root.flush()

    # The six memo branches on the path, the list of leaves, and the dirty leaf; not its 49 siblings.
    assert root.root.visited == 8


# --- updates that change nothing ----------------------------------------------------------------


def test_updates_that_end_at_the_committed_value_neither_render_nor_run_effects():
    renders, effects, setters = [], [], []

    def Probe():
        value, set_value = use_state("a")
        renders.append(value)
        setters.append(set_value)
        use_effect(lambda: effects.append(value))
        return h("value", {"value": value})

    root = HostRoot()
    root.render(h(Probe))
    root.take_log()

    setters[-1]("b")
    setters[-1]("a")
    root.flush()

    assert (renders, effects, root.take_log(), root.root.dirty) == (["a"], ["a"], [], False)
    setters[-1]("c")
    root.flush()
    assert (renders, effects) == (["a", "c"], ["a", "c"])


def test_reducer_updates_that_cancel_out_do_not_render_but_dirty_children_below_do():
    renders, dispatches, child_setters = [], [], []

    def Child():
        value, set_value = use_state(0)
        child_setters.append(set_value)
        renders.append(("child", value))
        return h("child", {"value": value})

    def Counter():
        count, dispatch = use_reducer(lambda state, step: state + step, 0)
        dispatches.append(dispatch)
        renders.append(("counter", count))
        return h("counter", {"count": count}, h(Child))

    root = HostRoot()
    root.render(h(Counter))
    renders.clear()

    dispatches[-1](1)
    dispatches[-1](-1)
    child_setters[-1](5)
    root.flush()

    assert renders == [("child", 5)]
    assert root.tree() == [("counter", {"count": 0}, [("child", {"value": 5}, [])])]


def test_a_provider_value_rebuilt_each_render_settles_when_a_consumer_effect_toggles_state():
    # React: App's queued updates ("working", then "idle") end at its committed state, so App bails
    # out (didReceiveUpdate stays false): the provider is not re-rendered, the consumer keeps its
    # context value and its effect does not run again. Preact skips App's render the same way.
    class Status:
        def __init__(self, status, set_status):
            self.status = status
            self.set_status = set_status

    StatusContext = create_context(None)
    renders, runs = [], []

    def Worker():
        status = use_context(StatusContext)

        def work():
            runs.append(status.status)
            status.set_status("working")
            status.set_status("idle")  # the work is synchronous: it is done at once

        use_effect(work, [status])
        return h("worker", {"status": status.status})

    def App():
        status, set_status = use_state("idle")
        renders.append(status)
        return h(StatusContext.Provider, {"value": Status(status, set_status)}, h(Worker))

    root = HostRoot()
    root.render(h(App))

    assert (renders, runs) == (["idle"], ["idle"])
    assert root.tree() == [("worker", {"status": "idle"}, [])]


# --- what counts as rendering -------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_task_started_during_render_updates_state_like_any_other_code():
    tasks, errors = [], []

    def Probe():
        value, set_value = use_state(0)
        if not tasks:

            async def later():
                try:
                    use_state(0)
                except HookError as error:
                    errors.append(str(error).split(" (at ")[0])
                set_value(1)

            tasks.append(asyncio.get_running_loop().create_task(later()))
        return h("value", {"value": value})

    element = h(Probe)
    root = HostRoot()
    root.render(element)
    await tasks[0]

    assert root.root.dirty
    root.render(element)  # a parent that reuses the same element: only the update re-renders Probe
    assert root.tree() == [("value", {"value": 1}, [])]
    assert errors == ["use_state() was called outside a component render"]


def test_rendering_component_is_the_type_being_rendered_and_none_elsewhere():
    seen = []

    def Inner():
        seen.append(rendering_component())
        return None

    MemoInner = memo(Inner)

    def Outer():
        seen.append(rendering_component())
        return h(MemoInner)

    root = HostRoot()
    root.render(h(Outer))

    assert seen == [Outer, MemoInner]
    assert rendering_component() is None


def test_a_cleanup_error_names_the_component_and_the_line():
    def Leaky():
        def effect():
            def cleanup():
                raise OSError("still open")

            return cleanup

        use_effect(effect, [])
        return None

    def Panel():
        return h("panel", None, h(Leaky))

    def App(open):
        return h("app", None, h(Panel) if open else None)

    root = HostRoot()
    root.render(h(App, {"open": True}))
    with pytest.raises(ComponentError) as info:
        root.render(h(App, {"open": False}))

    line = inspect.getsourcelines(Leaky)[1] + 3
    assert str(info.value) == f"a cleanup of App > Panel > Leaky ({__file__}:{line}) raised OSError: still open"
    assert info.value.phase == "cleanup"
    assert root.tree() == [("app", {}, [])]
