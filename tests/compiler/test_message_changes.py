"""The message comparison behind `context_diff`: what was removed, and where messages were added."""

from __future__ import annotations

import pytest

from agentick.compiler.diff import _message_changes
from agentick.types import Message

A, B, C, D, E, F = (Message(role="user", content=text) for text in "abcdef")
EPHEMERAL, NEXT_EPHEMERAL = Message(role="user", content="[Context] 1"), Message(role="user", content="[Context] 2")


@pytest.mark.parametrize(
    ("old", "new", "removed", "added"),
    [
        ([A, B], [A, B], [], []),
        ([A, B], [A, B, C, D], [], [2, 3]),  # appended
        ([A, B, EPHEMERAL], [A, B, C, EPHEMERAL], [], [2]),  # before an unchanged ephemeral
        ([A, B, EPHEMERAL], [A, B, C, NEXT_EPHEMERAL], [EPHEMERAL], [2, 3]),  # the ephemeral changed
        ([A, B, C, D], [A, D], [B, C], []),  # removed in the middle
        ([A, B, C, D], [C, D, E, F], [A, B], [2, 3]),  # a window slid
        ([], [A], [], [0]),
        ([A], [], [A], []),
        ([A, B], [B, A], [], []),  # reordered: the same messages (by identity)
    ],
)
def test_message_changes(old: list[Message], new: list[Message], removed: list[Message], added: list[int]) -> None:
    got_removed, got_added = _message_changes(old, new)

    assert (got_removed, list(got_added)) == (removed, added)
