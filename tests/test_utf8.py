"""Checking and repairing text no provider can encode (lone surrogates)."""

from __future__ import annotations

from agentick.types import Message, ToolUseBlock
from agentick.utf8 import input_problem, is_encodable, repaired, repaired_text


def test_repair_joins_surrogate_pairs_and_replaces_lone_surrogates():
    assert repaired_text("a\ud83d\ude00b\udce9c\ud800") == "a\U0001f600b\ufffdc\ufffd"


def test_clean_values_are_returned_as_they_are():
    message = Message(role="user", content=[{"type": "text", "text": "café ☕"}])

    assert repaired(message) is message
    assert is_encodable({"ключ": ["значение", 1, None]})


def test_every_string_is_repaired_keys_included_and_the_original_is_left_alone():
    block = ToolUseBlock(tool_use_id="c1", name="save", input={"path\udcff": ["ok", "caf\udce9"]})

    fixed = repaired(block)

    assert fixed.input == {"path\ufffd": ["ok", "caf\ufffd"]}
    assert block.input == {"path\udcff": ["ok", "caf\udce9"]}


def test_the_problem_is_located_by_path_and_character():
    message = Message(role="user", content=[{"type": "text", "text": "fine"}, {"type": "text", "text": "ab\udce9"}])

    assert input_problem(message) == "content[1].text, character 2 ('\\udce9')"
    assert input_problem(Message(role="user", content="fine")) is None
