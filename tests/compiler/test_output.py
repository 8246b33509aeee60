"""Exact model input for every component and formatting rule."""

from __future__ import annotations

import pytest

from agentick import (
    H1,
    XML,
    Assistant,
    Code,
    Column,
    CompileError,
    ComponentError,
    Ephemeral,
    Event,
    Fragment,
    Grounding,
    Header,
    Image,
    Json,
    List,
    ListItem,
    Markdown,
    Message,
    Paragraph,
    Row,
    Section,
    StateChange,
    System,
    SystemEvent,
    Table,
    Text,
    Timeline,
    ToolResult,
    ToolUse,
    User,
    UserAction,
    compile_element,
    h,
)
from agentick.types import ImageBlock, TextBlock, ToolResultBlock, ToolUseBlock


def system(*children):
    return compile_element(h(System, None, *children)).system


def conversation(element, messages=()):
    return [(m.role, m.text) for m in compile_element(element, messages=messages).messages]


# --- text and blocks ----------------------------------------------------------------------------


def test_blocks_are_separated_by_blank_lines_and_inline_text_joins():
    assert (
        system(
            "Intro: ",
            h("b", None, "read"),
            " this.",
            h(H1, None, "Title"),
            h(Paragraph, None, "A paragraph."),
            "Trailing text.",
        )
        == "Intro: **read** this.\n\n# Title\n\nA paragraph.\n\nTrailing text."
    )


def test_headers_lists_and_task_lists():
    assert system(h(Header, {"level": 3}, "Three")) == "### Three"
    assert system(h(List, {"task": True}, h(ListItem, {"checked": True}, "done"), h(ListItem, None, "todo"))) == (
        "- [x] done\n- [ ] todo"
    )
    nested = h(List, None, h(ListItem, None, "parent", h(List, None, h(ListItem, None, "child"))))
    assert system(nested) == "- parent\n  - child"


def test_tables_from_rows_and_columns_pad_to_the_widest_cell():
    table = h(
        Table,
        None,
        h(Row, {"header": True}, h(Column, None, "Name"), h(Column, None, "Age")),
        h(Row, None, h(Column, None, "Alice"), h(Column, None, "30")),
    )
    assert system(table) == "| Name  | Age |\n| ----- | --- |\n| Alice | 30  |"


def test_code_and_json_are_fenced():
    assert system(h(Code, {"language": "py"}, "print(1)")) == "```py\nprint(1)\n```"
    assert system(h(Code, None, "a ``` b")) == "````\na ``` b\n````"
    assert system(h(Json, {"data": {"a": [1, 2]}})) == '```json\n{\n  "a": [\n    1,\n    2\n  ]\n}\n```'


def test_inline_tags_inside_text_and_unknown_tags_as_xml():
    assert system(h(Text, None, "Hi ", h("em", None, "there"), h("br"), h("kbd", None, "Ctrl"))) == "Hi *there*\n`Ctrl`"
    assert system(h("example", {"kind": "good"}, "2 + 2 = 4")) == '<example kind="good">2 + 2 = 4</example>'
    assert system(h("rules", None, "one\ntwo")) == "<rules>\none\ntwo\n</rules>"
    assert system("a", h("hr"), "b") == "a\n\n---\n\nb"
    assert system(h("blockquote", None, "x\ny")) == "> x\n> y"


def test_xml_renderer_switches_only_inside_and_markdown_switches_back():
    element = h(
        System,
        None,
        h(XML, None, h(H1, None, "T"), h("b", None, "x"), h(Markdown, None, h("b", None, "y")), h(Code, None, "c")),
        h("b", None, "z"),
    )
    assert system(element) == "<h1>T</h1>\n\n<strong>x</strong>**y**\n\n<pre><code>c</code></pre>\n\n**z**"


def test_xml_sections_are_tags_with_their_title():
    element = h(XML, None, h(Section, {"id": "ctx", "title": "Context"}, "Plan: ", "draft"))
    assert compile_element(element).system == '<section id="ctx" title="Context">\nPlan: draft\n</section>'


# --- messages -----------------------------------------------------------------------------------


def test_messages_keep_media_as_blocks_and_string_content_props():
    element = h(
        Fragment,
        None,
        h(User, {"content": "from a prop"}),
        h(User, None, "Look: ", h(Image, {"src": "https://x.test/a.png", "alt": "a cat"}), "Cute?"),
        h(Assistant, None, "Calling.", h(ToolUse, {"name": "find", "tool_use_id": "c1", "input": {"q": 1}})),
        h(ToolResult, {"tool_call_id": "c1", "name": "find"}, "found"),
    )
    messages = compile_element(element).messages

    assert messages[0].content == [TextBlock(text="from a prop")]
    assert [type(b) for b in messages[1].content] == [TextBlock, ImageBlock, TextBlock]
    assert messages[1].content[1].source.url == "https://x.test/a.png"
    assert messages[2].content[1] == ToolUseBlock(tool_use_id="c1", name="find", input={"q": 1})
    assert messages[3].role == "tool"
    assert messages[3].content == [ToolResultBlock(tool_use_id="c1", name="find", content=[TextBlock(text="found")])]


def test_in_the_system_prompt_media_become_references():
    assert system("See ", h(Image, {"src": "https://x.test/a.png", "alt": "cat"})) == "See ![cat](https://x.test/a.png)"


def test_events_are_user_messages_with_one_line_per_event():
    element = h(
        Event,
        None,
        "User checked out",
        h(SystemEvent, {"event": "paid", "source": "stripe"}),
        h(StateChange, {"entity": "order", "field": "status", "from": "open", "to": "paid"}),
        h(UserAction, {"action": "clicked", "target": "receipt"}),
    )
    assert conversation(element) == [
        ("user", '[Event] User checked out\npaid (stripe)\norder.status: "open" → "paid"\nUser clicked on receipt')
    ]


def test_system_messages_in_the_tree_join_the_system_prompt():
    element = h(Fragment, None, h(System, None, "A."), h(Message, {"role": "system"}, "B."), h(User, None, "hi"))
    compiled = compile_element(element)
    assert compiled.system == "A.\n\nB."
    assert [(m.role, m.text) for m in compiled.messages] == [("user", "hi")]


# --- ephemerals ---------------------------------------------------------------------------------


def test_every_ephemeral_position_and_order_without_a_system_message():
    element = h(
        Fragment,
        None,
        h(Ephemeral, None, "E-end"),
        h(Ephemeral, {"position": "start", "order": 2}, "E-start2"),
        h(Ephemeral, {"position": "start", "order": 1}, "E-start1"),
        h(Ephemeral, {"position": "before-user"}, "E-bu"),
        h(Ephemeral, {"position": "after-system"}, "E-as"),
        h(User, None, "old q"),
        h(Assistant, None, "old a"),
        h(Grounding, {"title": "Docs"}, "G body"),
        h(Timeline),
    )

    assert conversation(element, messages=[{"role": "user", "content": "hi"}]) == [
        ("user", "[Context]\nE-as"),
        ("user", "[Context]\n## Docs\n\nG body"),
        ("user", "[Context]\nE-start1"),
        ("user", "[Context]\nE-start2"),
        ("user", "old q"),
        ("assistant", "old a"),
        ("user", "[Context]\nE-bu"),
        ("user", "hi"),
        ("user", "[Context]\nE-end"),
    ]


# --- bad input ----------------------------------------------------------------------------------


def test_a_section_without_id_is_a_compile_error():
    with pytest.raises(CompileError, match="<Section> needs an id"):
        compile_element(h(Section, {"title": "Rules"}, "x"))


def test_a_message_with_an_unknown_role_is_a_compile_error():
    with pytest.raises(CompileError, match="<Message> has an unknown role 'robot'"):
        compile_element(h(Message, {"role": "robot"}, "beep"))


def test_a_timeline_render_function_returning_a_dict_is_a_compile_error():
    element = h(Timeline, None, lambda history, pending, budget: {"oops": True})
    with pytest.raises(CompileError, match="the render function of <Timeline> returned dict"):
        compile_element(element)


def test_json_data_that_is_not_serialisable_is_a_compile_error():
    with pytest.raises(CompileError, match="<Json> data is not JSON-serialisable: Object of type set"):
        compile_element(h(System, None, h(Json, {"data": {1, 2}})))


def test_stray_text_and_lowercase_tool_tags_at_the_top_level_are_explained():
    with pytest.raises(CompileError, match="the text 'hello' is outside any System"):
        compile_element(h(Fragment, None, h(System, None, "s"), "hello"))
    with pytest.raises(CompileError, match="<search /> is an unknown lowercase tag at the top level"):
        compile_element(h(Fragment, None, h("search")))


def test_an_invalid_prop_type_in_a_component_is_a_component_error_naming_it():
    def Bad():
        return h(Header, {"level": 9}, "x")

    with pytest.raises(CompileError, match="<Header> level must be an integer from 1 to 6, not 9"):
        compile_element(h(System, None, h(Bad)))

    def Broken():
        return 1 / 0

    with pytest.raises(ComponentError, match=r"System > Broken \(.*test_output.py:\d+\) raised ZeroDivisionError"):
        compile_element(h(System, None, h(Broken)))


def test_list_children_that_are_not_list_items_are_items_each():
    assert system(h(List, None, "apples", h("b", None, "pears"), h(ListItem, {"checked": True}, "figs"))) == (
        "- apples\n- **pears**\n- [x] figs"
    )


def test_whitespace_at_a_block_boundary_is_trimmed():
    assert system("Intro:   ", h(H1, None, "Title"), "   after") == "Intro:\n\n# Title\n\nafter"
