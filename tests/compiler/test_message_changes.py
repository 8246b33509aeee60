"""The message comparison behind `context_diff`: what was removed, and where messages were added."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
        ([A, B], [B, A], [B], [0]),  # reordered: the model sees another order, the moved one counts
        ([A, B, C, D], [A, C, D, B], [B], [3]),  # one moved back: only it counts
        ([A, B, C, D], [D, A, B, C], [D], [0]),  # one moved to the front
        ([A, B, C, D], [D, C, E, B, A], [B, C, D], [0, 1, 2, 3]),  # reversed with a new message: A stays
        ([A, B, C, D], [B, A, E, D, C], [B, D], [0, 2, 3]),  # two swaps and an insertion
    ],
)
def test_message_changes(old: list[Message], new: list[Message], removed: list[Message], added: list[int]) -> None:
    got_removed, got_added = _message_changes(old, new)

    assert (got_removed, list(got_added)) == (removed, added)


@given(st.lists(st.integers(0, 9), unique=True), st.lists(st.integers(0, 12), unique=True))
def test_what_stays_is_the_same_messages_in_the_same_order(old_keys: list[int], new_keys: list[int]) -> None:
    pool = [Message(role="user", content=str(key)) for key in range(13)]
    old, new = [pool[key] for key in old_keys], [pool[key] for key in new_keys]

    removed, added = _message_changes(old, new)

    gone, fresh = set(map(id, removed)), set(added)
    stayed_old = [message for message in old if id(message) not in gone]
    stayed_new = [message for index, message in enumerate(new) if index not in fresh]
    assert list(map(id, stayed_old)) == list(map(id, stayed_new))
    assert len(stayed_old) == len(_longest_common_order(old_keys, new_keys))


def _longest_common_order(old: list[int], new: list[int]) -> list[int]:
    """A longest common subsequence (quadratic; the reference the diff's minimal moves are checked by)."""
    table = [[0] * (len(new) + 1) for _ in range(len(old) + 1)]
    for i, a in enumerate(old):
        for j, b in enumerate(new):
            table[i + 1][j + 1] = table[i][j] + 1 if a == b else max(table[i][j + 1], table[i + 1][j])
    result: list[int] = []
    i, j = len(old), len(new)
    while i and j:
        if old[i - 1] == new[j - 1]:
            result.append(old[i - 1])
            i, j = i - 1, j - 1
        elif table[i - 1][j] >= table[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return result[::-1]
