"""Tick snapshots: hook values rendered JSON-safe and bounded, and component trees cut at their
node and depth limits, so a huge tree or value never stalls a tick."""

from __future__ import annotations

import json
import math
from collections import deque
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field

from agentick import (
    Element,
    Fragment,
    System,
    Timeline,
    create_app,
    create_context,
    h,
    use_context,
    use_effect,
    use_memo,
    use_ref,
)
from agentick.devtools.snapshot import MAX_TREE_DEPTH, MAX_TREE_NODES, json_safe, tree_snapshot
from agentick.types import TextBlock

pytestmark = pytest.mark.anyio


class Unprintable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def test_values_are_json_data_bounded_in_length_items_and_depth() -> None:
    assert json_safe(None) is None and json_safe(True) is True and json_safe(3) == 3 and json_safe(0.5) == 0.5
    assert json_safe(math.nan) == "nan" and json_safe(-math.inf) == "-inf"
    assert json_safe("x" * 500) == "x" * 199 + "…"
    assert json_safe(list(range(25))) == [*range(20), "… 5 more"]
    assert json_safe((1, "a")) == [1, "a"]
    assert json_safe({i: i for i in range(22)}) == {**{repr(i): i for i in range(20)}, "…": "2 more"}
    assert json_safe([[[[["deep"]]]]]) == [[[["['deep']"]]]]
    assert json_safe(TextBlock(text="hi")) == {"type": "text", "text": "hi"}
    assert json_safe({3}) == [3] and json_safe(frozenset()) == [] and json_safe(deque("ab")) == ["a", "b"]
    assert json_safe(Unprintable()) == "<Unprintable (repr failed: RuntimeError)>"
    assert json_safe(object.__new__(type("Long", (), {"__repr__": lambda self: "r" * 300}))) == "r" * 199 + "…"
    json.dumps(json_safe({"nested": [Unprintable(), {1, 2}, b"bytes"]}))  # always serialisable


class Big(BaseModel):
    """A model too big to dump for a glance: 25 fields, one holding a million numbers."""

    model_config = ConfigDict(extra="allow")

    numbers: list[int]
    tags: set[str] = Field(default_factory=set)

    def model_dump(self, **options: Any) -> dict[str, Any]:
        raise AssertionError("a hook value must not be dumped whole for a snapshot")


def big_model() -> Big:
    return Big(numbers=list(range(1_000_000)), tags={"a"}, **{f"extra{i}": i for i in range(23)})


def test_huge_values_cost_what_their_first_items_cost() -> None:
    million = range(1_000_000)
    for container in (list(million), set(million), frozenset(million), deque(million), tuple(million)):
        assert json_safe(container) == [*range(20), "… 999,980 more"], type(container)
    assert json_safe({i: i for i in million}) == {**{repr(i): i for i in range(20)}, "…": "999,980 more"}
    assert json_safe(big_model()) == {
        "numbers": [*range(20), "… 999,980 more"],
        "tags": ["a"],
        **{f"extra{i}": i for i in range(18)},
        "…": "5 more",
    }
    # past the depth limit, a bounded repr: reprlib's limits, no sorting of the whole set, a model's first fields
    assert json_safe([[[[set(million)]]]]) == [[[["{" + ", ".join(map(str, range(20))) + ", ...}"]]]]
    assert json_safe([[[[big_model()]]]]) == [
        [
            [
                [
                    _cut_like_snapshot(
                        "Big(numbers=["
                        + ", ".join(map(str, range(20)))
                        + ", ...], tags={'a'}, "
                        + ", ".join(f"extra{i}={i}" for i in range(18))
                        + ", ...)"
                    )
                ]
            ]
        ]
    ]
    assert json_safe([[[[b"b" * 1_000_000]]]]) == [[[["b'" + "b" * 197 + "…"]]]]


def _cut_like_snapshot(text: str) -> str:
    return text if len(text) <= 200 else text[:199] + "…"


Theme = create_context("light", name="Theme")


def Hooks() -> Element:
    ref = use_ref({"clicks": 2})
    memo = use_memo(lambda: ["a", "b"], [1])
    use_effect(lambda: None, ["dep", 2])
    use_context(Theme)
    assert ref and memo
    return h(System, None, "hooks")


async def test_each_kind_of_hook_shows_what_it_holds() -> None:
    async with create_app(lambda: h(Fragment, None, h(Hooks), h(Timeline))) as app:
        session = await app.session("s1")
        await session.mount()
        tree = tree_snapshot(session.compiler().root.fiber)
    [hooks] = [child for child in tree["children"] if child["name"] == "Hooks"]
    assert hooks["hooks"] == [
        {"hook": "use_ref", "value": {"clicks": 2}},
        {"hook": "use_memo", "value": ["a", "b"]},
        {"hook": "use_effect", "value": {"deps": ["dep", 2]}},
        {"hook": "use_context", "value": None},
    ]


def Chain(n: int) -> Any:
    return h(Chain, {"n": n - 1}) if n else h(System, None, "bottom")


def Leaf(i: int) -> Any:
    return h(System, None, str(i))


def Wide() -> Any:
    return h(Fragment, None, *[h(Leaf, {"i": i}, key=i) for i in range(MAX_TREE_NODES + 100)])


async def test_a_deep_tree_is_cut_at_the_depth_limit() -> None:
    async with create_app(Chain) as app:
        session = await app.session("s1")
        session.props = {"n": MAX_TREE_DEPTH + 49}  # MAX_TREE_DEPTH + 50 Chains, then a System
        await session.mount()
        node = tree_snapshot(session.compiler().root.fiber)
    depth = 1
    while node["children"] and node["name"] == "Chain":
        node, depth = node["children"][0], depth + 1
    assert depth == MAX_TREE_DEPTH + 1
    assert node == {"name": "… 51 more", "key": None, "source": None, "hooks": [], "children": []}
    json.dumps(node)


async def test_a_wide_tree_is_cut_at_the_node_limit_in_tree_order() -> None:
    async with create_app(Wide) as app:
        session = await app.session("s1")
        await session.mount()
        tree = tree_snapshot(session.compiler().root.fiber)
    # depth first: Wide, then each Leaf and the System it renders, until MAX_TREE_NODES (2,000)
    children = tree["children"]
    assert tree["name"] == "Wide" and len(children) == 1_000 + 1
    assert [(child["name"], child["key"]) for child in children[:2]] == [("Leaf", "0"), ("Leaf", "1")]
    assert [child["name"] for child in children[0]["children"]] == ["System"]
    assert [child["name"] for child in children[999]["children"]] == ["… 1 more"]  # the 2,001st component
    assert children[-1]["name"] == "… 2,200 more"  # the other 1,100 Leaves, each with its System
    assert len(json.dumps(tree)) < 500_000


async def test_each_message_is_encoded_once_and_forgotten_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from agentick.devtools import encode
    from agentick.devtools.observer import DevToolsObserver
    from agentick.devtools.records import Record, RecordLog
    from agentick.types import Message

    from .support import NoteTaker, note_model

    rendered: list[str] = []

    def counted(message: Message) -> str:
        rendered.append(message.role)
        return original(message)

    original = encode.message_text
    monkeypatch.setattr(encode, "message_text", counted)
    log = RecordLog()
    observer = DevToolsObserver(log.append)
    async with create_app(NoteTaker, model=note_model()) as app:
        app.observers.append(observer)
        session = await app.session("s1")
        await session.send("Remember milk.").result  # tick 1: the question; tick 2: + the call and its result
        assert rendered == ["user", "assistant", "tool"]
        await session.send("And eggs.").result  # + the answer and the new question
        assert rendered == ["user", "assistant", "tool", "assistant", "user"]
    ticks = [json.loads(text) for _, text in log.after(0) if '"kind":"tick"' in text[:30]]
    assert [message["text"] for message in ticks[-1]["context"]["messages"]] == [
        "Remember milk.",
        '→ save_note({"text": "milk"})',
        "← save_note: saved: milk",
        "Noted: milk.",
        "And eggs.",
    ]

    encoder = encode.RecordEncoder()
    message = Message(role="user", content=[TextBlock(text="short-lived")])
    record = encoder.event("s1", _compiled_event(message))
    assert isinstance(record, Record) and len(encoder) == 1
    del message
    assert len(encoder) == 0


def _compiled_event(message: Any) -> Any:
    from agentick.engine.events import CompiledEvent
    from agentick.types import ModelInput

    return CompiledEvent(execution_id="e", tick=1, model_input=ModelInput(messages=[message]))
