"""Child reconciliation and the host mutations each diff commits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from agentick import Fragment, h, use_effect, use_state
from agentick.testing.strategies import Setters, element_trees, keyed_lists
from tests.reconciler.host import HostRoot


def items(keys):
    return h("list", None, *[h("item", {"id": k}, k, key=k) for k in keys])


def test_keyed_reorder_moves_nodes_without_recreating_them():
    root = HostRoot()
    root.render(items("abcde"))
    root.take_log()

    root.render(items("eabcd"))

    assert root.take_log() == [("insert", "list", "item", "item")]
    assert [child[2] for child in root.tree()[0][2]] == [["e"], ["a"], ["b"], ["c"], ["d"]]


def test_appending_children_only_appends():
    root = HostRoot()
    root.render(items("ab"))
    root.take_log()

    root.render(items("abc"))

    assert root.take_log() == [("create", "item"), ("create", "c"), ("append", "item", "c"), ("append", "list", "item")]


def test_removing_a_keyed_child_removes_only_that_node():
    root = HostRoot()
    root.render(items("abc"))
    root.take_log()

    root.render(items("ac"))

    assert root.take_log() == [("remove", "list", "item")]
    assert [child[1] for child in root.tree()[0][2]] == [{"id": "a"}, {"id": "c"}]


def test_type_change_at_a_position_remounts():
    log = []

    def A():
        use_effect(lambda: (log.append("mount A"), lambda: log.append("unmount A"))[1], [])
        return h("a")

    def B():
        use_effect(lambda: (log.append("mount B"), lambda: log.append("unmount B"))[1], [])
        return h("b")

    root = HostRoot()
    root.render(h("box", None, h(A)))
    root.render(h("box", None, h(B)))

    assert log == ["mount A", "unmount A", "mount B"]
    assert root.tree() == [("box", {}, [("b", {}, [])])]


def test_prop_and_text_changes_commit_updates_in_place():
    root = HostRoot()
    root.render(h("p", {"tone": "calm"}, "Hello ", "Ada"))
    root.take_log()

    root.render(h("p", {"tone": "warm"}, "Hello ", "Grace"))

    assert root.take_log() == [("update", "p", {"tone": "warm"}), ("text", "Ada", "Grace")]


def test_holes_keep_the_positions_of_later_siblings():
    mounts = []

    def Tail():
        use_effect(lambda: mounts.append("tail"), [])
        return h("tail")

    root = HostRoot()
    root.render(h("box", None, h("head"), h(Tail)))
    root.render(h("box", None, None, h(Tail)))
    root.render(h("box", None, False, h(Tail)))

    assert mounts == ["tail"]
    assert root.tree() == [("box", {}, [("tail", {}, [])])]


def test_a_growing_nested_list_does_not_shift_its_siblings():
    mounts = []

    def Footer():
        use_effect(lambda: mounts.append("footer"), [])
        return h("footer")

    def view(n):
        return h("page", None, [h("row", {"n": i}) for i in range(n)], h(Footer))

    root = HostRoot()
    root.render(view(1))
    root.render(view(3))

    assert mounts == ["footer"]
    assert [child[0] for child in root.tree()[0][2]] == ["row", "row", "row", "footer"]


def test_numbers_and_strings_become_text_and_booleans_nothing():
    root = HostRoot()
    root.render(h("p", None, 1, 2.5, "x", True, False, None, [3, ("y",)]))

    assert root.tree() == [("p", {}, ["1", "2.5", "x", "3", "y"])]


def test_generators_are_children():
    root = HostRoot()
    root.render(h("p", None, (str(i) for i in range(3))))

    assert root.tree() == [("p", {}, ["0", "1", "2"])]


def test_unmount_removes_every_top_level_node():
    root = HostRoot()
    root.render(h(Fragment, None, h("a"), h("b")))

    root.root.unmount()

    assert root.tree() == []


# --- properties ---------------------------------------------------------------------------------


def provided(tree, setters):
    return h(Setters.Provider, {"value": setters}, h("top", None, tree))


@settings(max_examples=150, deadline=None)
@given(first=element_trees(), second=element_trees())
def test_updating_equals_rendering_fresh(first, second):
    updated, fresh = HostRoot(), HostRoot()

    updated.render(provided(first, {}))
    updated.render(provided(second, {}))
    fresh.render(provided(second, {}))

    assert updated.tree() == fresh.tree()


@settings(max_examples=100, deadline=None)
@given(orders=st.lists(st.lists(st.sampled_from("pqrst"), unique=True, max_size=5), min_size=2, max_size=5))
def test_state_survives_while_key_and_type_stay(orders):
    setters: dict = {}
    root = HostRoot()
    expected: dict[str, int] = {}
    for step, order in enumerate(orders):
        root.render(provided(h("keyed", None, *[h(_counter(), {"label": k}, key=k) for k in order]), setters))
        for key in order:
            expected.setdefault(key, 0)
        for key in list(expected):
            if key not in order:
                del expected[key]  # unmounted: state is gone
        for key in order:
            setters[key](step + 1)
            expected[key] = step + 1
        root.flush()
        counts = {node[1]["label"]: node[1]["count"] for node in root.tree()[0][2][0][2]}
        assert counts == expected


def _counter():
    from agentick.testing.strategies import Counter

    return Counter


@settings(max_examples=25, deadline=None)
@given(trees=st.lists(keyed_lists(), min_size=1, max_size=4))
def test_no_fiber_outlives_an_unmounted_root(trees):
    import gc

    from agentick.reconciler.fiber import Fiber

    def live_fibers():
        gc.collect()
        return sum(isinstance(obj, Fiber) for obj in gc.get_objects())

    before = live_fibers()
    root = HostRoot()
    for tree in trees:
        root.render(provided(tree, {}))
    assert live_fibers() > before
    root.root.unmount()
    del root

    assert live_fibers() == before


def test_effects_run_after_commit_children_before_parents():
    log = []

    def Leaf(name):
        use_effect(lambda: log.append(f"effect {name}"))
        return h("leaf", {"name": name})

    def Parent():
        use_effect(lambda: log.append("effect parent"))
        return h("box", None, h(Leaf, {"name": "a"}), h(Leaf, {"name": "b"}))

    root = HostRoot()
    root.render(h(Parent))

    assert log == ["effect a", "effect b", "effect parent"]


def test_state_set_in_an_effect_is_applied_by_render():
    def Loader():
        value, set_value = use_state("loading")
        use_effect(lambda: set_value("ready"), [])
        return h("status", {"value": value})

    root = HostRoot()
    root.render(h(Loader))

    assert root.tree() == [("status", {"value": "ready"}, [])]


def test_an_identical_element_that_moves_to_another_position_remounts_when_unkeyed():
    mounts = []

    def Probe():
        use_effect(lambda: mounts.append("mount"), [])
        return h("probe")

    probe = h(Probe)
    root = HostRoot()
    root.render(h("box", None, None, probe))
    root.render(h("box", None, probe))

    assert mounts == ["mount", "mount"]


def test_unchanged_children_are_skipped_but_dirty_ones_below_them_render():
    setters = []

    def Leaf(name):
        value, set_value = use_state(0)
        setters.append(set_value)
        return h("leaf", {"name": name, "value": value})

    leaves = [h(Leaf, {"name": str(i)}, key=i) for i in range(3)]
    root = HostRoot()
    root.render(h("box", None, *leaves))
    setters[1](7)
    root.render(h("box", None, *leaves, h(Leaf, {"name": "3"}, key=3)))

    assert [node[1] for node in root.tree()[0][2]] == [
        {"name": "0", "value": 0},
        {"name": "1", "value": 7},
        {"name": "2", "value": 0},
        {"name": "3", "value": 0},
    ]


def test_unkeyed_children_beyond_thousands_keep_their_positions():
    setters = []

    def Last():
        value, set_value = use_state("a")
        setters.append(set_value)
        return h("last", {"value": value})

    many = ["x"] * 5000
    root = HostRoot()
    root.render(h("box", None, *many, h(Last)))
    setters[-1]("b")
    root.render(h("box", None, *many, h(Last)))

    assert root.tree()[0][2][-1] == ("last", {"value": "b"}, [])


# --- fragments and lists (React's rules) --------------------------------------------------------


def _counted():
    mounts = []

    def Item(label):
        use_effect(lambda: mounts.append(label), [])
        return h("li", None, label)

    return Item, mounts


def test_a_lone_fragment_a_lone_list_and_a_lone_child_are_the_same_children():
    root = HostRoot()
    root.render(h("ol", None, h(Fragment, None, h("li", None, "1"))))
    root.take_log()

    root.render(h("ol", None, [h("li", None, "1")]))
    root.render(h("ol", None, h("li", None, "1")))
    root.render(h("ol", None, h(Fragment, None, [h("li", None, "1")])))

    assert root.take_log() == []
    assert root.tree() == [("ol", {}, [("li", {}, ["1"])])]


def test_an_unkeyed_fragment_and_a_list_at_one_position_keep_what_is_inside():
    Item, mounts = _counted()

    def view(group):
        return h("ol", None, h("li", None, "head"), group(h(Item, {"label": "a"}), h(Item, {"label": "b"})))

    root = HostRoot()
    root.render(view(lambda *items: h(Fragment, None, *items)))
    root.render(view(lambda *items: list(items)))
    root.render(view(lambda *items: h(Fragment, None, list(items))))

    assert mounts == ["a", "b"]
    assert root.tree() == [("ol", {}, [("li", {}, ["head"]), ("li", {}, ["a"]), ("li", {}, ["b"])])]


def test_a_component_returning_a_fragment_or_a_list_keeps_its_children():
    Item, mounts = _counted()
    shapes = iter(
        [lambda items: h(Fragment, None, *items), lambda items: items, lambda items: h(Fragment, None, items)]
    )

    def Group():
        return next(shapes)([h(Item, {"label": "a"}), h(Item, {"label": "b"})])

    root = HostRoot()
    for _ in range(3):
        root.render(h("ol", None, h(Group), h("li", None, "tail")))

    assert mounts == ["a", "b"]


def test_a_keyed_fragment_is_not_a_list_and_nested_fragments_unwrap_once():
    Item, mounts = _counted()
    root = HostRoot()
    root.render(h("ol", None, h("li"), h(Fragment, None, h(Item, {"label": "keyed"}), key="k")))
    root.render(h("ol", None, h("li"), [h(Item, {"label": "keyed"})]))  # a key never matches a position
    root.render(h("ol", None, h(Fragment, None, h(Fragment, None, h(Item, {"label": "nested"})))))
    root.render(h("ol", None, h(Fragment, None, h(Fragment, None, h(Item, {"label": "nested"})))))
    root.render(h("ol", None, h(Item, {"label": "nested"})))  # the inner Fragment was a child of its own

    assert mounts == ["keyed", "keyed", "nested", "nested"]
