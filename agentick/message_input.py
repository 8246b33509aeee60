"""Messages given as input (`run`, `send`, `compile_element`), turned into `Message`s cheaply.

A web handler that receives the whole conversation hands over thousands of `{"role", "content"}`
dicts per request. Validating each with `Message.model_validate` costs far more than the request
itself, so the common shape takes a fast path: a plain `dict` with exactly the keys `role` (one of
the four roles, a `str`) and `content` (a `str` every provider can encode, see utf8.py) becomes the
`Message` that `model_validate` would build — same fields, same fields-set, a `TextBlock` made the
same way — at the cost of a few type checks. Everything else (content lists, tool calls, ids,
metadata, unknown keys, wrong types, dict subclasses, text with lone surrogates) goes through
`model_validate` and the usual checks, so errors are exactly the validated path's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .types import ROLES, Message, TextBlock, _new_object, _set_dict, _set_extra, _set_fields_set, _set_private

__all__ = ["extend_plain", "message_from", "plain_message"]


def plain_message(value: dict[Any, Any]) -> Message | None:
    """The `Message` for a plain `{"role": str, "content": str}` dict whose text is encodable, or
    `None` when `value` needs full validation (any other shape, or text to reject or locate)."""
    out: list[Message] = []
    extend_plain([value], 0, out)
    return out[0] if out else None


def extend_plain(values: Sequence[Any], start: int, out: list[Message]) -> int:
    """Append to `out` the `Message` of each of `values[start:]` while it is a plain dict (see the
    module docstring); return the index of the first value that is not (`len(values)` when none).

    One loop, no call per message: a long history pays per message only the checks and the two
    instances (a `TextBlock` in a `Message`, built as `model_construct` would)."""
    append = out.append
    for index in range(start, len(values)):
        value = values[index]
        if value.__class__ is not dict or len(value) != 2:
            return index
        role = value.get("role")
        content = value.get("content")
        if role.__class__ is not str or content.__class__ is not str or role not in ROLES:
            return index
        if not content.isascii():
            try:
                content.encode("utf-8")
            except UnicodeEncodeError:
                return index
        block = _new_object(TextBlock)
        _set_dict(block, {"type": "text", "text": content})
        _set_fields_set(block, {"text"})
        _set_extra(block, None)
        _set_private(block, None)
        message = _new_object(Message)
        _set_dict(message, {"role": role, "content": [block], "id": None, "metadata": None})
        _set_fields_set(message, {"role", "content"})
        _set_extra(message, None)
        _set_private(message, None)
        append(message)
    return len(values)


def message_from(value: Message | dict[str, Any]) -> Message:
    """`value` itself if it is a `Message`, else the `Message` it describes (fast for plain dicts,
    validated otherwise; invalid input raises pydantic's `ValidationError`)."""
    if type(value) is dict:
        message = plain_message(value)
        if message is not None:
            return message
    return value if isinstance(value, Message) else Message.model_validate(value)
