"""Collapsed content: `Expandable` and the `collapsed=` props, expanded by the model through set_knob."""

from __future__ import annotations

from typing import Any

import pytest

from agentick import (
    Assistant,
    Code,
    CompileError,
    Document,
    Fragment,
    Image,
    Json,
    Message,
    Section,
    Text,
    ToolUse,
    User,
    compile_element,
    create_app,
    h,
)
from agentick.components import Expandable, Knobs
from agentick.testing import create_test_model, render_agent
from agentick.types import TextBlock
from tests.hooks.support import calls, chat, system_of

pytestmark = pytest.mark.anyio

HINT = "Content tagged <collapsed> can be expanded via set_knob (use name for one, group for batch)."


def Docs() -> Any:
    return chat(
        h(Knobs),
        h(
            Section,
            {"id": "refunds", "title": "Refunds", "collapsed": True, "collapsed_group": "docs"},
            "Refund in 30 days.",
        ),
        h(
            Section,
            {"id": "shipping", "collapsed": "How we ship", "collapsed_name": "shipping_doc", "collapsed_group": "docs"},
            "Ships in 2 days.",
        ),
        system="You help customers.",
    )


def test_collapsed_sections_keep_their_heading_and_show_a_summary() -> None:
    compiled = compile_element(h(Docs))

    assert compiled.system == "\n\n".join(
        [
            "You help customers.",
            "Knobs are adjustable parameters you can modify using the set_knob tool.\n\n" + HINT,
            '## Refunds\n\n<collapsed name="_expand_1" group="docs">Refunds</collapsed>',
            '<collapsed name="shipping_doc" group="docs">How we ship</collapsed>',
        ]
    )
    assert compiled.has_tool("set_knob")


async def test_the_model_expands_a_section_for_the_rest_of_the_execution_only() -> None:
    model = create_test_model()
    session = await create_app(Docs, model=model).session()
    model.respond_with(calls({"name": "_expand_1", "value": True}))
    await session.send("refunds?").result
    await session.send("and again?").result

    refunds = [system_of(model_input).split("## Refunds\n\n")[1].split("\n\n")[0] for model_input in model.inputs]
    assert refunds == [
        '<collapsed name="_expand_1" group="docs">Refunds</collapsed>',
        "Refund in 30 days.",
        '<collapsed name="_expand_1" group="docs">Refunds</collapsed>',
    ]


async def test_a_group_expands_every_collapsed_item_in_it() -> None:
    harness = await render_agent(Docs)
    harness.model.respond_with(calls({"group": "docs", "value": True}))
    result = await harness.send("everything")

    assert result.timeline[2].message.text == 'Set 2 knobs in group "docs" to true: _expand_1, shipping_doc.'
    assert system_of(harness.model.inputs[1]).endswith("## Refunds\n\nRefund in 30 days.\n\nShips in 2 days.")


def test_collapsed_messages_keep_role_id_and_metadata() -> None:
    def Conversation() -> Any:
        return h(
            Fragment,
            None,
            h(
                Message,
                {"role": "user", "id": "msg-1", "metadata": {"k": 1}, "collapsed": "[ref] asked about weather"},
                "long...",
            ),
            h(User, {"collapsed": True}, "What is the weather ", "like?"),
            h(Assistant, {"collapsed": True, "collapsed_name": "answer"}, "It is sunny."),
            h(User, {"collapsed": True}),
            h(
                User,
                {"collapsed": True, "content": [TextBlock(text="from"), {"type": "text", "text": "blocks"}]},
                "too",
            ),
            h(User, {"collapsed": False}, "shown"),
        )

    messages = compile_element(h(Conversation)).messages

    assert [(m.role, m.id, m.metadata, m.text) for m in messages] == [
        ("user", "msg-1", {"k": 1}, '<collapsed name="_expand_1">[ref] asked about weather</collapsed>'),
        ("user", None, None, '<collapsed name="_expand_2">user: What is the weather like?</collapsed>'),
        ("assistant", None, None, '<collapsed name="answer">It is sunny.</collapsed>'),
        ("user", None, None, '<collapsed name="_expand_3">[user]</collapsed>'),
        ("user", None, None, '<collapsed name="_expand_4">user: from blocks too</collapsed>'),
        ("user", None, None, "shown"),
    ]


def test_content_blocks_collapse_to_automatic_summaries() -> None:
    long = "word " * 30

    def Blocks() -> Any:
        return h(
            User,
            None,
            h(Image, {"src": "https://x/cat.png", "alt": "A cute cat", "collapsed": True, "collapsed_name": "img"}),
            h(Image, {"src": "https://x/dog.png", "collapsed": True, "collapsed_name": "img2"}),
            h(Code, {"language": "python", "text": "print(1)", "collapsed": True, "collapsed_name": "code"}),
            h(Json, {"data": {"a": 1}, "collapsed": True, "collapsed_name": "json"}),
            h(Document, {"src": "https://x/t.pdf", "title": "Terms", "collapsed": True, "collapsed_name": "doc"}),
            h(ToolUse, {"name": "shell", "tool_use_id": "c1", "collapsed": True, "collapsed_name": "call"}),
            h(Text, {"collapsed": True, "collapsed_name": "text"}, long),
            h(Text, {"collapsed": 'said: "hello <world>"', "collapsed_name": "escaped"}, "hidden"),
        )

    [message] = compile_element(h(Blocks)).messages

    assert message.text == "".join(
        [
            '<collapsed name="img">[image: A cute cat]</collapsed>',
            '<collapsed name="img2">[image]</collapsed>',
            '<collapsed name="code">[code: python]</collapsed>',
            '<collapsed name="json">[json]</collapsed>',
            '<collapsed name="doc">[document: Terms]</collapsed>',
            '<collapsed name="call">[tool: shell]</collapsed>',
            f'<collapsed name="text">{long.strip()[:79]}…</collapsed>',
            '<collapsed name="escaped">said: "hello &lt;world&gt;"</collapsed>',
        ]
    )
    assert [block.type for block in message.content] == ["text"]


async def test_an_expanded_image_is_an_image_block_again() -> None:
    def Agent() -> Any:
        return chat(
            h(Knobs),
            h(User, None, "Look:", h(Image, {"src": "https://x/cat.png", "collapsed": True, "collapsed_name": "cat"})),
        )

    harness = await render_agent(Agent)
    harness.model.respond_with(calls({"name": "cat", "value": True}))
    await harness.send("show me")

    first, second = ([block.type for block in i.messages[1].content] for i in harness.model.inputs)
    assert first == ["text"]
    assert second == ["text", "image"]


async def test_expandable_names_itself_per_session_and_passes_explicit_names_through() -> None:
    seen: list[tuple[bool, str]] = []

    def Agent() -> Any:
        def content(expanded: bool, name: str) -> Any:
            seen.append((expanded, name))
            return "EXPANDED CONTENT" if expanded else f"[collapsed] {name}"

        return chat(
            h(Knobs),
            h(Section, {"id": "a"}, h(Expandable, {"summary": "first"}, content)),
            h(Section, {"id": "b"}, h(Expandable, {"name": "exp:0", "summary": "second"}, content)),
        )

    for _ in range(2):  # every session counts from 1
        harness = await render_agent(Agent)
        harness.model.respond_with(calls({"name": "exp:0", "value": True}))
        await harness.send("expand")
        systems = [system_of(i) for i in harness.model.inputs]
        assert "[collapsed] _expand_1" in systems[0]
        assert "[collapsed] exp:0" in systems[0]
        assert "EXPANDED CONTENT" in systems[1]
        assert "[collapsed] _expand_1" in systems[1]
    assert {name for _, name in seen} == {"_expand_1", "exp:0"}


def test_expandable_needs_a_render_function() -> None:
    with pytest.raises(CompileError, match=r"<Expandable> takes one child: a function \(expanded, name\)"):
        compile_element(h(Section, {"id": "x"}, h(Expandable, {"summary": "s"}, "not a function")))


async def test_a_non_momentary_expandable_stays_expanded_across_executions() -> None:
    def Agent() -> Any:
        notes = h(
            Expandable,
            {"name": "keep", "summary": "notes", "momentary": False},
            lambda expanded, name: "OPEN" if expanded else "closed",
        )
        return chat(h(Knobs), h(Section, {"id": "notes"}, notes))

    model = create_test_model()
    session = await create_app(Agent, model=model).session()
    model.respond_with(calls({"name": "keep", "value": True}))
    await session.send("open").result
    await session.send("still open?").result

    assert [system_of(i).endswith("OPEN") for i in model.inputs] == [False, True, True]
