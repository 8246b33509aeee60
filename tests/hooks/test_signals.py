"""Signals, computeds and effects: synchronous, glitch-free propagation; and the component hooks."""

from __future__ import annotations

import threading
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentick import h, tool, use_on_tick_start
from agentick.hooks import SignalError, batch, computed, effect, signal, untracked, use_computed, use_signal
from agentick.testing import render_agent
from tests.hooks.support import chat, system_of
from tests.reconciler.host import HostRoot

# --- signals ------------------------------------------------------------------------------------


def test_a_signal_reads_sets_and_updates() -> None:
    count = signal(1)
    count.set(2)
    assert (count.value, count()) == (2, 2)
    count.set(lambda n: n * 10)
    count.update(lambda n: n + 1)
    assert count.value == 21
    assert repr(count) == "Signal(21)"


def test_subscribers_hear_changes_not_equal_sets_and_can_unsubscribe() -> None:
    name = signal("a")
    heard: list[str] = []
    unsubscribe = name.subscribe(heard.append)
    name.set("b")
    name.set("b")
    name.set("c")
    unsubscribe()
    name.set("d")

    assert heard == ["b", "c"]


# --- computed -----------------------------------------------------------------------------------


def test_a_computed_is_lazy_memoised_and_current_right_after_a_set() -> None:
    base = signal(2)
    runs: list[int] = []

    def square() -> int:
        runs.append(base.value)
        return base.value**2

    squared = computed(square)
    assert runs == []
    assert (squared.value, squared(), squared.value) == (4, 4, 4)
    base.set(3)
    assert squared.value == 9
    assert runs == [2, 3]


def test_a_computed_tracks_the_branch_it_took_last() -> None:
    use_left = signal(True)
    left, right = signal("L"), signal("R")
    runs: list[str] = []

    def pick() -> str:
        value = left.value if use_left.value else right.value
        runs.append(value)
        return value

    picked = computed(pick)
    seen: list[str] = []
    effect(lambda: seen.append(picked.value))
    right.set("R2")  # not read yet: nothing recomputes
    use_left.set(False)
    left.set("L2")  # no longer read: nothing recomputes

    assert seen == ["L", "R2"]
    assert runs == ["L", "R2"]


def test_a_computed_reading_itself_raises_a_clear_error() -> None:
    loop: Any = None
    loop = computed(lambda: loop.value + 1)

    with pytest.raises(SignalError, match=r"circular dependency: computed .*<lambda> read its own value"):
        _ = loop.value


def test_an_error_in_a_computed_is_not_cached() -> None:
    divisor = signal(0)
    ratio = computed(lambda: 10 // divisor.value)

    with pytest.raises(ZeroDivisionError):
        _ = ratio.value
    divisor.set(5)
    assert ratio.value == 2


# --- effects ------------------------------------------------------------------------------------


def test_an_effect_runs_now_and_after_changes_with_its_cleanup_first() -> None:
    topic = signal("a")
    log: list[str] = []

    def watch() -> Any:
        current = topic.value
        log.append(f"run {current}")
        return lambda: log.append(f"cleanup {current}")

    dispose = effect(watch)
    topic.set("b")
    dispose()
    topic.set("c")
    dispose()

    assert log == ["run a", "cleanup a", "run b", "cleanup b"]


def test_a_diamond_wakes_its_effect_once_with_consistent_values() -> None:
    base = signal(1)
    double = computed(lambda: base.value * 2)
    triple = computed(lambda: base.value * 3)
    seen: list[tuple[int, int]] = []
    effect(lambda: seen.append((double.value, triple.value)))
    base.set(2)

    assert seen == [(2, 3), (4, 6)]


def test_a_computed_that_recomputes_to_an_equal_value_does_not_wake_effects() -> None:
    number = signal(2)
    parity = computed(lambda: number.value % 2)
    seen: list[int] = []
    effect(lambda: seen.append(parity.value))
    number.set(4)
    number.set(5)

    assert seen == [0, 1]


def test_untracked_reads_are_not_dependencies() -> None:
    tracked, ignored = signal(1), signal(10)
    seen: list[int] = []
    effect(lambda: seen.append(tracked.value + untracked(lambda: ignored.value)))
    ignored.set(20)
    tracked.set(2)

    assert seen == [11, 22]


def test_an_error_in_the_first_run_propagates_and_disposes_the_effect() -> None:
    value = signal(0)
    runs: list[int] = []

    def failing() -> None:
        runs.append(value.value)
        raise RuntimeError("first run failed")

    with pytest.raises(RuntimeError, match="first run failed"):
        effect(failing)
    value.set(1)
    assert runs == [0]


def test_an_error_in_a_rerun_propagates_after_the_other_effects_ran() -> None:
    value = signal(0)
    seen: list[int] = []

    def strict() -> None:
        if value.value == 1:
            raise ValueError("one is not allowed")

    effect(strict)
    effect(lambda: seen.append(value.value))

    with pytest.raises(ValueError, match="one is not allowed"):
        value.set(1)
    assert seen == [0, 1]


def test_an_effect_that_feeds_itself_is_stopped_with_a_clear_error() -> None:
    counter = signal(0)

    def runaway() -> None:
        counter.set(counter.value + 1)

    effect(runaway)  # the first run is not yet subscribed to what it sets
    with pytest.raises(SignalError, match=r"effects kept waking each other after 100 rounds \(.*runaway\)"):
        counter.set(100)


def test_an_effect_returning_a_value_that_is_not_a_cleanup_is_an_error() -> None:
    with pytest.raises(SignalError, match=r"effect .*<lambda> returned int; an effect returns None or a cleanup"):
        effect(lambda: 42)


# --- batch --------------------------------------------------------------------------------------


def test_batch_runs_woken_effects_once_at_the_end_of_the_outermost_batch() -> None:
    first, last = signal("Ada"), signal("Lovelace")
    full = computed(lambda: f"{first.value} {last.value}")
    seen: list[str] = []
    effect(lambda: seen.append(full.value))
    inside: list[str] = []

    def rename() -> str:
        first.set("Grace")
        inside.append(full.value)  # a computed read inside the batch is already current
        batch(lambda: last.set("Hopper"))
        inside.append(str(len(seen)))
        return "renamed"

    assert batch(rename) == "renamed"
    assert inside == ["Grace Lovelace", "1"]
    assert seen == ["Ada Lovelace", "Grace Hopper"]


def test_batch_flushes_even_when_its_function_raises() -> None:
    value = signal(0)
    seen: list[int] = []
    effect(lambda: seen.append(value.value))

    def fail() -> None:
        value.set(1)
        raise KeyError("boom")

    with pytest.raises(KeyError):
        batch(fail)
    assert seen == [0, 1]


def test_tracking_and_batches_are_per_context() -> None:
    """A batch open in one thread (one context) does not hold back effects in another."""
    shared = signal(0)
    seen: list[int] = []
    effect(lambda: seen.append(shared.value))
    opened, release = threading.Event(), threading.Event()
    during: list[list[int]] = []

    def hold_a_batch() -> None:
        def body() -> None:
            opened.set()
            release.wait(5)

        batch(body)

    holder = threading.Thread(target=hold_a_batch)
    holder.start()
    opened.wait(5)
    shared.set(1)
    during.append(list(seen))
    release.set()
    holder.join(5)

    assert during == [[0, 1]]


Ops = st.lists(
    st.tuples(st.booleans(), st.lists(st.tuples(st.sampled_from("abc"), st.integers(-3, 3)), max_size=4)),
    max_size=12,
)


@given(Ops)
def test_effects_always_see_current_values_and_only_real_changes(operations: list[Any]) -> None:
    values = {"a": signal(0), "b": signal(0), "c": signal(1)}
    total = computed(lambda: values["a"].value + values["b"].value)
    product = computed(lambda: total.value * values["c"].value)
    seen: list[int] = []
    effect(lambda: seen.append(product.value))
    for batched, assignments in operations:

        def apply(assignments: list[tuple[str, int]] = assignments) -> None:
            for name, value in assignments:
                values[name].set(value)

        if batched:
            batch(apply)
        else:
            apply()
        expected = (values["a"].value + values["b"].value) * values["c"].value
        assert product.value == expected
        assert seen[-1] == expected
    assert all(earlier != later for earlier, later in pairwise(seen))


# --- hooks --------------------------------------------------------------------------------------


def test_use_signal_keeps_one_signal_and_rerenders_its_component_outside_agents_too() -> None:
    signals: list[Any] = []

    def Counter() -> Any:
        count = use_signal(0)
        signals.append(count)
        return h("count", {"value": count.value})

    root = HostRoot()
    root.render(h(Counter))
    signals[0].set(1)
    root.flush()
    signals[0].update(lambda n: n + 1)
    root.flush()
    signals[0].set(2)
    root.flush()

    assert root.tree() == [("count", {"value": 2}, [])]
    assert len(signals) == 3
    assert all(item is signals[0] for item in signals)


@pytest.mark.anyio
async def test_use_signal_changes_from_tools_and_tick_hooks_reach_the_model() -> None:
    def Agent() -> Any:
        visits = use_signal(0)
        notes = use_signal(())

        @tool
        async def note(text: str) -> str:
            """Keep a note."""
            notes.update(lambda current: (*current, text))
            return "kept"

        use_on_tick_start(lambda tick_state, com: visits.update(lambda n: n + 1))
        return chat(h(note), system=f"visits={visits.value} notes={list(notes.value)}")

    harness = await render_agent(Agent)
    harness.model.respond_with([{"tool": {"name": "note", "input": {"text": "hi"}}}, "ok"])
    await harness.send("go")

    assert [system_of(i) for i in harness.model.inputs] == ["visits=1 notes=[]", "visits=2 notes=['hi']"]


@pytest.mark.anyio
async def test_use_computed_follows_signals_and_its_deps() -> None:
    source = signal(2)
    renders: list[int] = []

    def Agent(factor: int = 10) -> Any:
        scaled = use_computed(lambda: source.value * factor, [factor])
        renders.append(scaled.value)
        use_on_tick_start(lambda tick_state, com: source.set(tick_state.tick + 2))
        return chat(system=f"scaled={scaled.value}")

    harness = await render_agent(Agent, props={"factor": 10})
    await harness.send("one")
    await harness.tick({"factor": 100})

    assert [system_of(i) for i in harness.model.inputs] == ["scaled=30", "scaled=300"]
