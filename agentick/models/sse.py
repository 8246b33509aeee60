"""Server-sent events from a response body's bytes, without async generators of its own.

The adapters read streamed responses themselves, from `response.aiter_bytes()` closed with
`aclosing`, instead of through the SDKs' stream objects: those stack several async generators and
abandon the inner ones when they stop at `[DONE]` or are cancelled, so the generators are finalised
by the garbage collector later (a `ResourceWarning` under trio; on asyncio, work scheduled on
whatever loop runs then). Parsing is a plain object fed byte chunks, so there is nothing to close.
"""

from __future__ import annotations

__all__ = ["EventDecoder"]


class EventDecoder:
    """Turns body chunks into the `data` of each complete event (its data lines joined by newlines).

    Lines end with LF, CRLF or CR and may be split anywhere between chunks; comments (`:` lines)
    and fields other than `data` (`event`, `id`, `retry`) are ignored, since the chat streams
    carry everything in `data`. The chunks of an unfinished line are kept as they came and joined
    once its end arrives, so a line spread over many chunks (a long tool-call argument) costs time
    linear in its length.
    """

    __slots__ = ("_data", "_pieces")

    def __init__(self) -> None:
        self._pieces: list[bytes] = []  # the unfinished last line, as received
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[str]:
        """The events completed by `chunk`."""
        if b"\n" not in chunk and b"\r" not in chunk:
            if chunk:
                self._pieces.append(chunk)
            return []
        if self._pieces:
            self._pieces.append(chunk)
            chunk = b"".join(self._pieces)
            self._pieces = []
        lines = chunk.splitlines(keepends=True)
        if not lines[-1].endswith((b"\n", b"\r")) or lines[-1].endswith(b"\r"):
            # Unfinished, or ending in CR that may be the first half of a CRLF split between chunks.
            self._pieces.append(lines.pop())
        events: list[str] = []
        for raw in lines:
            line = raw.rstrip(b"\r\n")
            if not line:
                if self._data:
                    events.append("\n".join(self._data))
                    self._data = []
            elif line.startswith(b"data:"):
                value = line[5:]
                self._data.append((value[1:] if value.startswith(b" ") else value).decode("utf-8", "replace"))
        return events

    def flush(self) -> list[str]:
        """The last event, if the body ended without the blank line that completes it."""
        return self.feed(b"\n\n") if self._pieces or self._data else []
