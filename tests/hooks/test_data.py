"""`use_data` (fetch once, refetch on deps, invalidate, restore) and `use_com_state` persistence."""

from __future__ import annotations

import re
from typing import Any

import pytest

from agentick import (
    Fragment,
    Section,
    create_app,
    h,
    tool,
    use_com_state,
    use_data,
    use_invalidate_data,
    use_tick_state,
)
from agentick.testing import compile_agent, create_test_model, render_agent
from tests.hooks.support import DictStore, chat, system_of

pytestmark = pytest.mark.anyio


class Source:
    """An async data source that counts its fetches per key."""

    def __init__(self) -> None:
        self.fetches: list[str] = []

    def fetcher(self, key: str, value: Any = None) -> Any:
        async def fetch() -> Any:
            self.fetches.append(key)
            return value if value is not None else f"{key}#{self.fetches.count(key)}"

        return fetch


async def test_data_is_fetched_once_across_ticks_and_sends_and_the_model_never_sees_it_missing() -> None:
    source = Source()

    def Agent() -> Any:
        profile = use_data("profile", source.fetcher("profile"))
        return chat(system=f"profile={profile}")

    harness = await render_agent(Agent)
    harness.model.respond_with([{"tool": {"name": "missing", "input": {}}}, "ok"])
    await harness.send("one")
    await harness.send("two")

    assert source.fetches == ["profile"]
    assert [system_of(i) for i in harness.model.inputs] == ["profile=profile#1"] * 3


async def test_changed_deps_refetch() -> None:
    source = Source()

    def Agent(user: str = "ann") -> Any:
        tick = use_tick_state().tick
        per_tick = use_data("clock", source.fetcher("clock"), deps=[tick])
        profile = use_data("profile", source.fetcher(f"profile:{user}"), deps=[user])
        return chat(system=f"{per_tick} {profile}")

    harness = await render_agent(Agent, props={"user": "ann"})
    harness.model.respond_with([{"tool": {"name": "missing", "input": {}}}, "ok"])
    await harness.send("one")
    await harness.tick({"user": "bob"})

    assert [system_of(i) for i in harness.model.inputs] == [
        "clock#1 profile:ann#1",
        "clock#2 profile:ann#1",
        "clock#3 profile:bob#1",
    ]


async def test_invalidated_data_is_fetched_again_in_the_same_tick() -> None:
    source = Source()

    def Agent() -> Any:
        orders = use_data("orders:ann", source.fetcher("orders:ann"))
        prices = use_data("prices", source.fetcher("prices"))
        invalidate = use_invalidate_data()
        dropped: list[list[str]] = []

        @tool
        async def place_order(item: str) -> str:
            """Place an order."""
            dropped.append(invalidate(re.compile(r"^orders:")))
            dropped.append(invalidate("nothing-cached"))
            return f"ordered {item}; dropped {dropped}"

        return chat(h(place_order), system=f"{orders} {prices}")

    harness = await render_agent(Agent)
    harness.model.respond_with([{"tool": {"name": "place_order", "input": {"item": "tea"}}}, "ok"])
    result = await harness.send("order tea")

    assert result.timeline[2].message.text == "ordered tea; dropped [['orders:ann'], []]"
    assert source.fetches == ["orders:ann", "prices", "orders:ann"]
    assert [system_of(i) for i in harness.model.inputs] == ["orders:ann#1 prices#1", "orders:ann#2 prices#1"]


async def test_a_restored_session_serves_persisted_data_without_fetching() -> None:
    source = Source()

    def Agent() -> Any:
        profile = use_data("profile", source.fetcher("profile", {"name": "Ann"}), deps=["v1"])
        return chat(system=f"name={profile['name']}")

    store = DictStore()
    first = await create_app(Agent, model=create_test_model(), store=store).session("s1")
    await first.send("hello").result
    assert store.snapshots["s1"]["data"] == {"profile": {"value": {"name": "Ann"}, "deps": ["v1"]}}

    later = create_test_model()
    restored = await create_app(Agent, model=later, store=store).session("s1")
    await restored.send("again").result

    assert source.fetches == ["profile"]
    assert system_of(later.inputs[0]) == "name=Ann"


async def test_com_state_with_persist_false_stays_out_of_snapshots() -> None:
    def Agent() -> Any:
        kept = use_com_state("kept", 0)
        scratch = use_com_state("scratch", 0, persist=False)

        @tool
        async def bump() -> str:
            """Bump both counters."""
            kept.update(lambda n: n + 1)
            scratch.update(lambda n: n + 1)
            return "bumped"

        return chat(h(bump), system=f"kept={kept.value} scratch={scratch.value}")

    store = DictStore()
    model = create_test_model()
    session = await create_app(Agent, model=model, store=store).session("s2")
    model.respond_with([{"tool": {"name": "bump", "input": {}}}, "ok"])
    await session.send("bump").result

    assert store.snapshots["s2"]["state"] == {"kept": 1}
    later = create_test_model()
    await (await create_app(Agent, model=later, store=store).session("s2")).send("again").result
    assert system_of(later.inputs[0]) == "kept=1 scratch=0"


async def test_two_components_waiting_on_one_key_fetch_once():
    fetches = []

    async def fetch():
        fetches.append(1)
        return "shared value"

    def Reader(label):
        return h(Section, {"id": label}, use_data("shared", fetch))

    compiled = await compile_agent(lambda: h(Fragment, None, h(Reader, {"label": "a"}), h(Reader, {"label": "b"})))

    assert (compiled.section("a"), compiled.section("b"), fetches) == ("shared value", "shared value", [1])
