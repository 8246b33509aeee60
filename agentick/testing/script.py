"""What a loopback fake server answers: scripted replies and errors, shared by every provider's fake.

A script is provider-neutral (text, reasoning, tool calls, usage, delivery faults); each fake
(`FakeOpenAI`, `FakeAnthropic`, `FakeGemini`) renders it in its provider's wire format, so one
fault test can run against every adapter.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ErrorReply", "RecordedRequest", "Reply", "Script", "ToolCallReply", "error", "reply", "tool_call"]


@dataclass(frozen=True)
class ToolCallReply:
    """One tool call of a reply. `arguments` is the JSON text, or the exact fragments to stream it in."""

    name: str
    arguments: str | tuple[str, ...] = "{}"
    id: str | None = None

    @property
    def arguments_text(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else "".join(self.arguments)


def tool_call(
    name: str, arguments: Mapping[str, Any] | str | Sequence[str] = "{}", id: str | None = None
) -> ToolCallReply:
    """A scripted tool call. A mapping is sent as JSON; a list of strings gives the stream's fragments."""
    if isinstance(arguments, Mapping):
        arguments = json.dumps(arguments)
    elif not isinstance(arguments, str):
        arguments = tuple(arguments)
    return ToolCallReply(name=name, arguments=arguments, id=id)


@dataclass(frozen=True)
class Reply:
    """A scripted completion and how to deliver it.

    Text and reasoning are streamed `chunk_size` characters per event, as are tool-call arguments
    given as one string. `usage` is `(input_tokens, output_tokens)`, or `None` for no usage at all;
    `cache_usage` is `(cache_read_tokens, cache_write_tokens)`, how many of those input tokens were
    read from or written to the provider's prompt cache (for fakes whose provider reports them).
    Delivery faults, each after that many events: `hold_after` waits until `hold` is set;
    `truncate_after` ends the body cleanly without the provider's end-of-stream marker (a proxy
    cutting the stream); `drop_after` closes the connection mid-body; `malformed_after` sends broken
    JSON; `error_after` sends the provider's in-stream error event. `delay` waits that many seconds
    before responding at all. `finish_reason` overrides the provider's stop reason as sent on the wire.
    """

    text: str = ""
    tool_calls: tuple[ToolCallReply, ...] = ()
    reasoning: str = ""
    finish_reason: str | None = None
    model: str | None = None
    usage: tuple[int, int] | None = (10, 5)
    cache_usage: tuple[int, int] = (0, 0)
    chunk_size: int = 4
    delay: float = 0.0
    hold: threading.Event | None = None
    hold_after: int = 1
    truncate_after: int | None = None
    drop_after: int | None = None
    malformed_after: int | None = None
    error_after: int | None = None


def reply(text: str = "", *, tool_calls: Sequence[ToolCallReply] = (), **options: Any) -> Reply:
    """A scripted completion: `reply("Hi")`, `reply(tool_calls=[tool_call("add", {...})], usage=(50, 9))`."""
    return Reply(text=text, tool_calls=tuple(tool_calls), **options)


@dataclass(frozen=True)
class ErrorReply:
    """A scripted HTTP error, sent with the provider's error body; `headers` may carry `retry-after` and the like.

    `code` and `type` override the provider's error code/type fields where it has them.
    """

    status: int
    message: str
    code: str | None = None
    type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict[str, str])
    delay: float = 0.0


def error(
    status: int,
    message: str | None = None,
    *,
    code: str | None = None,
    type: str | None = None,
    headers: Mapping[str, str] | None = None,
    delay: float = 0.0,
) -> ErrorReply:
    """A scripted HTTP error: `error(401, "Incorrect API key provided", code="invalid_api_key")`."""
    return ErrorReply(
        status=status,
        message=message or f"Fake error {status}",
        code=code,
        type=type,
        headers=dict(headers or {}),
        delay=delay,
    )


Script = Reply | ErrorReply | str


@dataclass(frozen=True)
class RecordedRequest:
    """A request the server received. `headers` keys are lowercase; `body` is the parsed JSON (or `None`)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
