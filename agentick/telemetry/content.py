"""Message content in the shapes of the OpenTelemetry GenAI semantic conventions, as JSON strings
(span attributes cannot hold nested values): `gen_ai.input.messages`, `gen_ai.output.messages`,
`gen_ai.system_instructions`, and a tool call's arguments and result. Recorded only with
`telemetry={"capture_content": True}`."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..types import (
    CodeBlock,
    ContentBlock,
    JsonBlock,
    MediaSource,
    Message,
    ReasoningBlock,
    TextBlock,
    ToolResultBlock,
    ToolUseBlock,
)

__all__ = ["finish_reason", "input_messages", "output_messages", "system_instructions", "text_of", "to_json"]

# agentick's stop reasons in the conventions' finish-reason vocabulary; others are kept as they are.
_FINISH_REASONS = {"tool_use": "tool_call", "max_tokens": "length"}


def finish_reason(stop_reason: str) -> str:
    return _FINISH_REASONS.get(stop_reason, stop_reason)


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def system_instructions(messages: Iterable[Message]) -> str | None:
    """The system messages' parts, or None when there are none."""
    parts = [part for message in messages if message.role == "system" for part in _parts(message.content)]
    return to_json(parts) if parts else None


def input_messages(messages: Iterable[Message]) -> str:
    """Every message but the system ones (those are `gen_ai.system_instructions`)."""
    return to_json(
        [{"role": message.role, "parts": _parts(message.content)} for message in messages if message.role != "system"]
    )


def output_messages(message: Message, stop_reason: str) -> str:
    return to_json(
        [{"role": message.role, "parts": _parts(message.content), "finish_reason": finish_reason(stop_reason)}]
    )


def text_of(content: Iterable[ContentBlock]) -> str:
    """The text of a tool result: its text-like blocks joined, other blocks as `[type]`."""
    return "\n".join(getattr(block, "text", None) or f"[{block.type}]" for block in content)


def _parts(content: Iterable[ContentBlock]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for block in content:
        if isinstance(block, TextBlock | CodeBlock | JsonBlock):
            parts.append({"type": "text", "content": block.text})
        elif isinstance(block, ReasoningBlock):
            parts.append({"type": "reasoning", "content": block.text})
        elif isinstance(block, ToolUseBlock):
            parts.append({"type": "tool_call", "id": block.tool_use_id, "name": block.name, "arguments": block.input})
        elif isinstance(block, ToolResultBlock):
            parts.append({"type": "tool_call_response", "id": block.tool_use_id, "response": text_of(block.content)})
        else:
            parts.append(_media(block.type, block.source))
    return parts


def _media(kind: str, source: MediaSource) -> dict[str, Any]:
    """A media part by reference: its URL or file id; inline data is never recorded."""
    part: dict[str, Any] = {"modality": kind}
    if source.media_type:
        part["mime_type"] = source.media_type
    if source.url:
        return {"type": "uri", **part, "uri": source.url}
    if source.file_id:
        return {"type": "file", **part, "file_id": source.file_id}
    return {"type": "blob", **part}
