"""MCP results as agentick content: tool results, prompt messages and resource contents.

A tool result's blocks map one to one (text, image, audio; an embedded resource by its kind; a
resource link as a line of text); a result without content but with `structuredContent` becomes
its JSON text. Anything that does not fit (unknown block types, invalid base64) is the server's
fault: `MalformedResult` names the server and the tool, and the caller makes it an error result.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from typing import Any

from ..types import AudioBlock, ContentBlock, DocumentBlock, ImageBlock, MediaSource, Message, TextBlock

__all__ = ["MalformedResult", "content_blocks", "prompt_messages", "resource_text"]


class MalformedResult(Exception):
    """A server's result could not be turned into content blocks."""


def content_blocks(result: Any, where: str) -> list[ContentBlock]:
    """The blocks of a `CallToolResult` (`where` names the server and tool in errors)."""
    content = getattr(result, "content", None)
    if not isinstance(content, list):
        raise MalformedResult(f"{where} returned a result without a content list")
    blocks = [_block(item, where) for item in content]
    structured = getattr(result, "structured_content", None)
    if not blocks and structured is not None:
        blocks.append(TextBlock(text=json.dumps(structured, ensure_ascii=False)))
    return blocks


def _block(item: Any, where: str) -> ContentBlock:
    kind = getattr(item, "type", None)
    if kind == "text":
        return TextBlock(text=item.text)
    if kind == "image":
        return ImageBlock(source=_media(item.data, item.mime_type, where, "image"))
    if kind == "audio":
        return AudioBlock(source=_media(item.data, item.mime_type, where, "audio"))
    if kind == "resource":
        return _resource_block(item.resource, where)
    if kind == "resource_link":
        description = f": {item.description}" if item.description else ""
        return TextBlock(text=f"[resource {item.name} at {item.uri}{description}]")
    raise MalformedResult(f"{where} returned a content block of unknown type {kind!r}")


def _resource_block(resource: Any, where: str) -> ContentBlock:
    text = getattr(resource, "text", None)
    if isinstance(text, str):
        return TextBlock(text=f"[resource {resource.uri}]\n{text}")
    blob = getattr(resource, "blob", None)
    if not isinstance(blob, str):
        raise MalformedResult(f"{where} returned an embedded resource with neither text nor blob")
    mime = resource.mime_type or "application/octet-stream"
    source = _media(blob, mime, where, f"resource {resource.uri}")
    if mime.startswith("image/"):
        return ImageBlock(source=source, alt_text=str(resource.uri))
    return DocumentBlock(source=source, title=str(resource.uri))


def _media(data: Any, mime: Any, where: str, what: str) -> MediaSource:
    if not isinstance(data, str) or not isinstance(mime, str) or not mime:
        raise MalformedResult(f"{where} returned {what} content without base64 data and a media type")
    try:
        base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as error:
        raise MalformedResult(f"{where} returned {what} content that is not valid base64: {error}") from None
    return MediaSource(type="base64", data=data, media_type=mime)


def prompt_messages(result: Any, where: str) -> list[Message]:
    """A `GetPromptResult`'s messages as agentick messages (user/assistant, one block each)."""
    return [Message(role=message.role, content=[_block(message.content, where)]) for message in result.messages]


def resource_text(contents: Iterable[Any], where: str) -> str:
    """The text of a resource read: text contents joined; a binary part is named, not inlined."""
    parts: list[str] = []
    for item in contents:
        text = getattr(item, "text", None)
        if isinstance(text, str):
            parts.append(text)
        else:
            parts.append(f"[binary resource {item.uri} ({item.mime_type or 'unknown type'}), not shown]")
    return "\n".join(parts)
