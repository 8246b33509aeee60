"""The server-sent events decoder the adapters read streamed bodies with."""

from __future__ import annotations

import pytest

from agentick.models.sse import EventDecoder

BODY = (
    b": keep-alive comment\r\n"
    b'data: {"a": 1}\r\n'
    b"\r\n"
    b"event: message\n"
    b"id: 7\n"
    b"data: first line\n"
    b"data:second line\n"
    b"\n"
    b"data: caf\xc3\xa9\r\r"
    b"data: [DONE]\n\n"
)
EVENTS = ['{"a": 1}', "first line\nsecond line", "caf\u00e9", "[DONE]"]


def decode(chunks: list[bytes]) -> list[str]:
    decoder = EventDecoder()
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    return events + decoder.flush()


def test_a_body_in_one_chunk():
    assert decode([BODY]) == EVENTS


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7])
def test_a_body_split_anywhere_gives_the_same_events(size):
    """Chunk boundaries fall inside lines, inside CRLF pairs and inside multi-byte characters."""
    assert decode([BODY[i : i + size] for i in range(0, len(BODY), size)]) == EVENTS


def test_a_body_ending_without_the_final_blank_line_still_delivers_its_last_event():
    assert decode([b"data: one\n\ndata: two"]) == ["one", "two"]
    assert decode([b"data: one\r"]) == ["one"]


def test_bytes_that_are_not_utf8_are_replaced_not_fatal():
    assert decode([b"data: caf\xe9\n\n"]) == ["caf\ufffd"]


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"])
def test_a_long_line_over_many_chunks_completes_with_the_chunk_that_ends_its_event(end):
    """A long tool-call argument arrives as one `data:` line in thousands of pieces."""
    value = '{"path": "' + "caf\u00e9/" * 20_000 + '"}'
    body = b"data: " + value.encode() + end + end + b"data: [DONE]" + end + end
    size = 7
    decoder = EventDecoder()

    fed = {i: decoder.feed(body[i : i + size]) for i in range(0, len(body), size)}
    fed[len(body)] = decoder.flush()

    # The chunk holding the byte that ends an event delivers it; a CR ending a chunk may be the
    # first half of a CRLF, so the line it ends completes with the next chunk (or the flush).
    def delivered_at(last_byte: int) -> int:
        chunk = last_byte // size * size
        held = body[last_byte : last_byte + 1] == b"\r" and (last_byte % size == size - 1 or last_byte == len(body) - 1)
        return min(chunk + size, len(body)) if held else chunk

    first_end = body.index(end + end) + 2 * len(end) - 1
    assert {i: events for i, events in fed.items() if events} == {
        delivered_at(first_end): [value],
        delivered_at(len(body) - 1): ["[DONE]"],
    }
