"""`<Timeline>` options never split a tool call from its result (docs/components.md, "Tool calls and
their results").

A call and its result are kept together or dropped together: `roles` and `filter` select messages,
and a call whose result was not selected (or a result whose call was not) is removed from its
message, a message left empty disappears; `limit` then counts the messages that remain and shrinks
to a pair boundary. Providers reject anything else (OpenAI: a `tool` message must answer the
`tool_calls` of the assistant message just before it, and every call must be answered).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentick import Fragment, System, Timeline, compile_element, h
from agentick.types import Message, ReasoningBlock, TextBlock, ToolResultBlock, ToolUseBlock


def call(call_id: str, name: str = "lookup") -> dict[str, Any]:
    return {"type": "tool_use", "tool_use_id": call_id, "name": name, "input": {"key": call_id}}


def result(call_id: str, name: str = "lookup") -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": call_id, "name": name, "content": f"value of {call_id}"}


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


# A question, an assistant message with text and two parallel calls answered by two tool messages
# (as an imported OpenAI conversation has them), one answered in an engine-style single message,
# then the answer.
CONVERSATION: list[dict[str, Any]] = [
    {"id": "q", "role": "user", "content": "What are a, b and c?"},
    {"id": "a1", "role": "assistant", "content": [text("Looking up a and b."), call("ca"), call("cb")]},
    {"id": "ta", "role": "tool", "content": [result("ca")]},
    {"id": "tb", "role": "tool", "content": [result("cb")]},
    {"id": "a2", "role": "assistant", "content": [call("cc")]},
    {"id": "tc", "role": "tool", "content": [result("cc")]},
    {"id": "z", "role": "assistant", "content": "a, b and c are known."},
]


def compiled(props: dict[str, Any] | None, messages: list[dict[str, Any]] = CONVERSATION) -> list[Message]:
    element = h(Fragment, None, h(System, None, "s"), h(Timeline, props))
    return compile_element(element, messages=messages).messages


def shape(messages: list[Message]) -> list[tuple[str | None, list[str]]]:
    """Each message's id and its blocks: text, `call:ID` or `result:ID`."""

    def block(b: Any) -> str:
        if isinstance(b, ToolUseBlock):
            return f"call:{b.tool_use_id}"
        if isinstance(b, ToolResultBlock):
            return f"result:{b.tool_use_id}"
        return str(b.text)

    return [(m.id, [block(b) for b in m.content]) for m in messages]


def test_without_options_every_pair_is_sent():
    assert shape(compiled(None)) == [
        ("q", ["What are a, b and c?"]),
        ("a1", ["Looking up a and b.", "call:ca", "call:cb"]),
        ("ta", ["result:ca"]),
        ("tb", ["result:cb"]),
        ("a2", ["call:cc"]),
        ("tc", ["result:cc"]),
        ("z", ["a, b and c are known."]),
    ]


def test_limit_shrinks_to_a_pair_boundary():
    # The last 2 messages are tc and z: tc's call is outside the window, so tc goes too.
    assert shape(compiled({"limit": 2})) == [("z", ["a, b and c are known."])]
    assert shape(compiled({"limit": 3})) == [
        ("a2", ["call:cc"]),
        ("tc", ["result:cc"]),
        ("z", ["a, b and c are known."]),
    ]
    # The window starts at tb: its call (in a1) is outside, so tb is dropped.
    assert [m.id for m in compiled({"limit": 4})] == ["a2", "tc", "z"]


def test_roles_without_tool_keep_the_assistant_text_and_drop_the_calls():
    assert shape(compiled({"roles": ["user", "assistant"]})) == [
        ("q", ["What are a, b and c?"]),
        ("a1", ["Looking up a and b."]),  # a2 called tools only: nothing of it is left
        ("z", ["a, b and c are known."]),
    ]


def test_roles_without_assistant_drop_the_results():
    assert shape(compiled({"roles": ["user", "tool"]})) == [("q", ["What are a, b and c?"])]


def test_a_filter_that_drops_one_side_of_a_pair_drops_the_other():
    without_tb = compiled({"filter": lambda entry: entry.message.id != "tb"})
    assert shape(without_tb)[1:3] == [("a1", ["Looking up a and b.", "call:ca"]), ("ta", ["result:ca"])]
    without_a2 = compiled({"filter": lambda entry: entry.message.id != "a2"})
    assert [m.id for m in without_a2] == ["q", "a1", "ta", "tb", "z"]


def test_limit_counts_the_messages_left_by_roles_and_filter():
    assert shape(compiled({"roles": ["user", "assistant"], "limit": 2})) == [
        ("a1", ["Looking up a and b."]),
        ("z", ["a, b and c are known."]),
    ]


def test_stripping_a_call_keeps_the_rest_of_the_message():
    messages = [
        {"id": "q", "role": "user", "content": "hi"},
        {
            "id": "a",
            "role": "assistant",
            "metadata": {"model": "m"},
            "content": [{"type": "reasoning", "text": "think"}, text("Let me check."), call("c1")],
        },
        {"id": "t", "role": "tool", "content": [result("c1")]},
    ]
    [_, kept] = compiled({"roles": ["user", "assistant"]}, messages)
    assert (kept.id, kept.role, kept.metadata) == ("a", "assistant", {"model": "m"})
    assert kept.content == [ReasoningBlock(text="think"), TextBlock(text="Let me check.")]


def test_a_render_function_receives_the_repaired_entries():
    seen = {}

    def render(history, pending, budget):
        seen["history"] = [(e.id, [type(b).__name__ for b in e.message.content]) for e in history]
        return history

    element = h(Fragment, None, h(System, None, "s"), h(Timeline, {"roles": ["user", "assistant"]}, render))
    compile_element(element, messages=CONVERSATION[:4])
    assert [blocks for _, blocks in seen["history"]] == [["TextBlock"], ["TextBlock"]]


# --- the property ---------------------------------------------------------------------------------


def assert_wire_valid(messages: list[Message]) -> None:
    """What OpenAI accepts: every tool message answers calls of the assistant message right before
    it (only tool messages in between), and every call is answered there exactly once."""
    for index, message in enumerate(messages):
        results = [b.tool_use_id for b in message.content if isinstance(b, ToolResultBlock)]
        if message.role == "tool" or results:
            assert message.role == "tool" and results, f"message {index} mixes tool results with other content"
            owner = index - 1
            while owner >= 0 and messages[owner].role == "tool":
                owner -= 1
            assert owner >= 0 and messages[owner].role == "assistant", f"tool message {index} follows no call"
            calls = {b.tool_use_id for b in messages[owner].content if isinstance(b, ToolUseBlock)}
            assert set(results) <= calls, f"tool message {index} answers {results}, not the calls {calls}"
        calls = [b.tool_use_id for b in message.content if isinstance(b, ToolUseBlock)]
        if calls:
            answered: list[str] = []
            following = index + 1
            while following < len(messages) and messages[following].role == "tool":
                answered += [b.tool_use_id for b in messages[following].content if isinstance(b, ToolResultBlock)]
                following += 1
            assert sorted(answered) == sorted(calls), f"calls {calls} of message {index} are answered by {answered}"
        assert message.content, f"message {index} is empty"


@st.composite
def conversations(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Valid conversations: user and assistant turns, parallel tool calls answered in one tool
    message or one per result, assistant text beside calls, now and then a system message."""
    messages: list[dict[str, Any]] = []
    for turn in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["user", "assistant", "calls", "calls", "system"]))
        if kind in ("user", "assistant", "system"):
            messages.append({"id": f"m{turn}", "role": kind, "content": f"{kind} {turn}"})
            continue
        ids = [f"c{turn}_{n}" for n in range(draw(st.integers(1, 3)))]
        preface = [text(f"calling {len(ids)}")] if draw(st.booleans()) else []
        messages.append({"id": f"m{turn}", "role": "assistant", "content": [*preface, *(call(i) for i in ids)]})
        if draw(st.booleans()):
            messages.append({"id": f"t{turn}", "role": "tool", "content": [result(i) for i in ids]})
        else:
            messages += [{"id": f"t{turn}_{n}", "role": "tool", "content": [result(i)]} for n, i in enumerate(ids)]
    return messages


@st.composite
def options(draw: st.DrawFn, ids: list[str]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    if draw(st.booleans()):
        props["roles"] = draw(st.lists(st.sampled_from(["user", "assistant", "tool", "system"]), unique=True))
    if draw(st.booleans()):
        dropped = draw(st.sets(st.sampled_from(ids))) if ids else set()
        props["filter"] = lambda entry: entry.message.id not in dropped
    if draw(st.booleans()):
        props["limit"] = draw(st.integers(0, len(ids) + 2))
    if draw(st.booleans()):
        props["max_tokens"] = draw(st.integers(0, 300))
        props["strategy"] = draw(st.sampled_from(["sliding-window", "truncate", "none"]))
        props["headroom"] = draw(st.integers(0, 20))
        props["preserve_roles"] = draw(st.lists(st.sampled_from(["user", "assistant", "tool", "system"]), unique=True))
    return props


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_option_combination_ever_splits_a_call_from_its_result(data: st.DataObject) -> None:
    messages = data.draw(conversations())
    props = data.draw(options([m["id"] for m in messages]))

    sent = compiled(props, messages)

    assert_wire_valid(sent)
    original = {m["id"]: m for m in messages}
    order = [m["id"] for m in messages]
    assert [order.index(m.id) for m in sent] == sorted(order.index(m.id) for m in sent)  # order is kept
    for message in sent:  # blocks are only ever removed, never invented
        source = Message.model_validate(original[message.id])
        assert all(block in source.content for block in message.content)
