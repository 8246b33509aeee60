"""`<Timeline>`: filters, render functions and token budgets."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from agentick import Fragment, System, Timeline, User, compile_element, h
from agentick.tokens import count_message_tokens
from agentick.types import Message

WORDS = ["alpha", "beta gamma", "delta epsilon zeta", "eta", "theta iota kappa lambda"]


def history(*texts, roles=None):
    roles = roles or ["user", "assistant"] * len(texts)
    pairs = enumerate(zip(roles[: len(texts)], texts, strict=True))
    return [{"role": role, "content": text, "id": f"m{i}"} for i, (role, text) in pairs]


def texts_of(element, messages):
    return [
        m.text for m in compile_element(h(Fragment, None, h(System, None, "s"), element), messages=messages).messages
    ]


def tokens(*texts):
    return sum(count_message_tokens(Message(role="user", content=text)) for text in texts)


def test_roles_filter_and_limit_apply_in_that_order():
    messages = history("u1", "a1", "u2", "a2", "u3")
    assert texts_of(h(Timeline, {"roles": ["user"], "limit": 2}), messages) == ["u2", "u3"]
    assert texts_of(h(Timeline, {"filter": lambda e: "2" in e.message.text}), messages) == ["u2", "a2"]
    assert texts_of(h(Timeline, {"limit": 0}), messages) == []


def test_a_render_function_receives_history_and_may_return_entries():
    seen = {}

    def render(entries, pending, budget):
        seen["args"] = ([e.message.text for e in entries], pending, budget)
        return [h(User, None, "summary"), entries[-1]]

    assert texts_of(h(Timeline, None, render), history("u1", "a1")) == ["summary", "a1"]
    assert seen["args"] == (["u1", "a1"], [], None)


def test_truncate_keeps_the_newest_entries_that_fit_skipping_large_ones():
    messages = history("short one", "this is a much longer message " * 5, "short two")
    budget = tokens("short one", "short two")
    assert texts_of(h(Timeline, {"max_tokens": budget, "strategy": "truncate"}), messages) == ["short one", "short two"]


def test_sliding_window_keeps_a_contiguous_newest_run():
    messages = history("short one", "this is a much longer message " * 5, "short two")
    budget = tokens("short one", "short two")
    assert texts_of(h(Timeline, {"max_tokens": budget}), messages) == ["short two"]


def test_headroom_reduces_the_budget_and_none_keeps_everything():
    messages = history("one", "two", "three")
    budget = tokens("one", "two", "three")
    assert texts_of(h(Timeline, {"max_tokens": budget}), messages) == ["one", "two", "three"]
    assert texts_of(h(Timeline, {"max_tokens": budget, "headroom": 1}), messages) == ["two", "three"]
    assert texts_of(h(Timeline, {"max_tokens": 1, "strategy": "none"}), messages) == ["one", "two", "three"]


def test_preserved_roles_stay_and_their_tokens_are_reserved_first():
    messages = history("rule: be kind", "a1", "u2", "a2", roles=["system", "assistant", "user", "assistant"])
    budget = tokens("rule: be kind", "a2")
    compiled = compile_element(
        h(Fragment, None, h(System, None, "s"), h(Timeline, {"max_tokens": budget, "preserve_roles": ["system"]})),
        messages=messages,
    )
    assert compiled.system == "s\n\nrule: be kind"
    assert [m.text for m in compiled.messages] == ["a2"]


def test_budget_info_and_on_evict_report_what_was_dropped():
    evicted = []
    seen = {}

    def render(entries, pending, budget):
        seen["budget"] = budget
        return entries

    messages = history("one", "two", "three")
    timeline = h(Timeline, {"max_tokens": tokens("three"), "on_evict": evicted.extend}, render)
    assert texts_of(timeline, messages) == ["three"]
    budget = seen["budget"]
    assert (budget.max_tokens, budget.effective_budget, budget.evicted_count, budget.is_compacted) == (
        tokens("three"),
        tokens("three"),
        2,
        True,
    )
    assert budget.current_tokens == tokens("three")
    assert [e.message.text for e in evicted] == ["one", "two"]


def test_a_custom_strategy_that_splits_a_tool_call_from_its_result_loses_both():
    messages = [
        {"role": "user", "content": "q", "id": "u"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "tool_use_id": "c1", "name": "f", "input": {}}],
            "id": "a",
        },
        {
            "role": "tool",
            "content": [{"type": "tool_result", "tool_use_id": "c1", "name": "f", "content": "r"}],
            "id": "t",
        },
        {"role": "assistant", "content": "answer", "id": "z"},
    ]

    def keep_last_two(entries, budget):
        return entries[-2:]

    timeline = h(Timeline, {"max_tokens": 1, "strategy": keep_last_two})
    compiled = compile_element(h(Fragment, None, h(System, None, "s"), timeline), messages=messages)
    assert [m.id for m in compiled.messages] == ["z"]


calls = st.lists(st.booleans(), min_size=1, max_size=8)


@settings(max_examples=100, deadline=None)
@given(pattern=calls, budget=st.integers(0, 200), strategy=st.sampled_from(["truncate", "sliding-window"]))
def test_no_budget_ever_separates_a_tool_call_from_its_result(pattern, budget, strategy):
    messages = []
    for i, with_tool in enumerate(pattern):
        messages.append({"role": "user", "content": f"question {i}", "id": f"u{i}"})
        if with_tool:
            messages.append(
                {"role": "assistant", "id": f"c{i}",
                 "content": [{"type": "tool_use", "tool_use_id": f"t{i}", "name": "f", "input": {"n": i}}]}
            )  # fmt: skip
            messages.append(
                {"role": "tool", "id": f"r{i}",
                 "content": [{"type": "tool_result", "tool_use_id": f"t{i}", "name": "f", "content": "x" * i}]}
            )  # fmt: skip
    timeline = h(Timeline, {"max_tokens": budget, "strategy": strategy})
    kept = compile_element(h(Fragment, None, h(System, None, "s"), timeline), messages=messages).messages
    ids = [m.id for m in kept]

    assert sum(count_message_tokens(m) for m in kept) <= budget or len(kept) == len(messages)
    for i, with_tool in enumerate(pattern):
        if with_tool:
            assert (f"c{i}" in ids) == (f"r{i}" in ids)
            if f"c{i}" in ids:
                assert ids.index(f"r{i}") == ids.index(f"c{i}") + 1
