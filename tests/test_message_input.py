"""The fast path for plain message dicts gives exactly what full validation gives.

`plain_message` builds `Message`s without pydantic for `{"role": str, "content": str}` dicts; every
other input is validated. These property tests hold the fast path to the validated path on valid
and invalid dicts alike: the same messages (fields, fields-set, blocks), the same errors.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from agentick.compiler.compile import entries_from
from agentick.engine.session import _messages
from agentick.message_input import message_from, plain_message
from agentick.types import Message, TextBlock, ToolUseBlock
from agentick.utf8 import _locate, input_problem, is_encodable


class Role(str):
    """A str subclass: valid for pydantic, not for the fast path."""


class Payload(dict[str, Any]):
    """A dict subclass: valid for pydantic, not for the fast path."""


# Text with anything in it: ASCII, other planes, lone surrogates (no provider can encode those).
any_text = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, blacklist_categories=()), max_size=12
)
roles = st.one_of(
    st.sampled_from(["system", "user", "assistant", "tool"]),
    st.sampled_from(["User", "developer", "", "user "]),
    st.builds(Role, st.sampled_from(["user", "assistant"])),
    st.integers(),
    st.none(),
    st.binary(max_size=4),
)
blocks = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": any_text}),
    st.fixed_dictionaries(
        {"type": st.just("tool_use"), "tool_use_id": st.text(max_size=4), "name": st.text(max_size=4)}
    ),
    st.fixed_dictionaries({"type": st.sampled_from(["image", "nope"]), "source": st.just("https://example.com/a.png")}),
    st.builds(TextBlock, text=any_text),
    st.text(max_size=3),
    st.integers(),
)
contents = st.one_of(
    any_text,
    st.builds(Role, any_text),
    st.lists(blocks, max_size=3),
    st.binary(max_size=4),
    st.none(),
    st.integers(),
)
extras = st.dictionaries(
    st.sampled_from(["id", "metadata", "name", "tool_calls", 1]),
    st.one_of(st.none(), st.text(max_size=4), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)),
    max_size=2,
)


@st.composite
def message_dicts(draw: st.DrawFn) -> dict[Any, Any]:
    value: dict[Any, Any] = {}
    if draw(st.booleans()) or draw(st.booleans()):
        value["role"] = draw(roles)
    if draw(st.booleans()) or draw(st.booleans()):
        value["content"] = draw(contents)
    if draw(st.integers(0, 3)) == 0:
        value.update(draw(extras))
    return Payload(value) if draw(st.integers(0, 7)) == 0 else value


def snapshot(message: Message) -> tuple[Any, ...]:
    """Everything that makes two messages the same: type, fields, fields-set, and the same for each block."""
    return (
        type(message),
        message.__dict__,
        message.__pydantic_fields_set__,
        message.__pydantic_extra__,
        message.__pydantic_private__,
        [
            (type(block), block.__dict__, block.__pydantic_fields_set__, block.__pydantic_extra__)
            for block in message.content
        ],
        message.model_dump(exclude_unset=True),
        message.model_dump_json(),
    )


def outcome(convert: Any, value: Any) -> tuple[Any, ...]:
    try:
        converted = convert(value)
    except (ValidationError, ValueError, TypeError) as error:
        return ("error", type(error), str(error))
    if isinstance(converted, list):
        return ("ok", [snapshot(message) for message in converted])
    return ("ok", snapshot(converted))


def validated(values: list[Any]) -> list[Message]:
    """The validated path: pydantic for every value, then the session's usual checks."""
    return _messages(None, [Message.model_validate(value) for value in values])


@settings(max_examples=600, deadline=None)
@given(message_dicts())
def test_one_message_dict_comes_out_as_validation_makes_it(value: dict[Any, Any]):
    assert outcome(message_from, value) == outcome(Message.model_validate, value)
    assert outcome(lambda item: _messages(None, [item]), value) == outcome(lambda item: validated([item]), value)
    assert outcome(lambda item: _messages(item, None), value) == outcome(lambda item: validated([item]), value)


@settings(max_examples=300, deadline=None)
@given(st.lists(message_dicts(), max_size=6))
def test_a_list_of_message_dicts_gives_the_same_messages_and_the_same_first_error(values: list[dict[Any, Any]]):
    assert outcome(lambda items: _messages(None, items), values) == outcome(validated, values)
    assert outcome(lambda items: _messages(None, iter(items)), values) == outcome(validated, values)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["system", "user", "assistant", "tool"]), any_text)
def test_plain_dicts_take_the_fast_path_unless_their_text_must_be_rejected(role: str, text: str):
    fast = plain_message({"role": role, "content": text})

    if is_encodable(text):
        assert fast is not None
        assert snapshot(fast) == snapshot(Message.model_validate({"role": role, "content": text}))
    else:
        assert fast is None  # validated instead, so the error names the message and the character


def test_a_fast_message_behaves_like_a_validated_one_when_changed_and_copied():
    fast = message_from({"role": "user", "content": "hi"})

    fast.id = "m1"
    copy = fast.model_copy(update={"role": "assistant"})

    assert fast.__pydantic_fields_set__ == {"role", "content", "id"}
    assert (copy.role, copy.text, copy.id) == ("assistant", "hi", "m1")
    assert fast == Message(role="user", content="hi", id="m1")
    assert Message.model_validate(fast.model_dump()) == fast


def test_unencodable_text_in_a_plain_dict_is_reported_with_its_index_and_character():
    with pytest.raises(ValueError, match=r"message 1 \(role 'user'\) .* content\[0\]\.text, character 2"):
        _messages(None, [{"role": "user", "content": "ok"}, {"role": "user", "content": "ab\udce9"}])


def test_entries_from_uses_the_same_conversion():
    entries = entries_from([{"role": "user", "content": "hi"}, {"role": "assistant", "content": [], "id": "a"}])

    assert [(entry.id, entry.message.role, entry.message.text) for entry in entries] == [
        ("m0", "user", "hi"),
        ("a", "assistant", ""),
    ]
    with pytest.raises(ValidationError, match="role"):
        entries_from([{"role": "robot", "content": "hi"}])


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.one_of(st.builds(TextBlock, text=any_text), blocks), max_size=3), roles, st.one_of(st.none(), any_text)
)
def test_the_quick_text_check_agrees_with_the_full_walk(content: list[Any], role: Any, message_id: str | None):
    try:
        message = Message.model_validate({"role": role, "content": content, "id": message_id})
    except ValidationError:
        message = Message.model_construct(role=role, content=content, id=message_id)  # what a caller may build

    assert input_problem(message) == (None if is_encodable(message) else _locate(message, ""))


def test_the_quick_text_check_walks_anything_unusual():
    odd = Message.model_construct(role="user", content=[ToolUseBlock(tool_use_id="c\udce9", name="t")])

    assert input_problem(odd) == "content[0].tool_use_id, character 1 ('\\udce9')"
    assert input_problem(Message.model_construct(role="user", content="x\udce9")) == "content, character 1 ('\\udce9')"
