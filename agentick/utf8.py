"""Text every provider can encode: UTF-8 without lone surrogates (API.md §6.3).

A Python `str` may hold lone surrogates (U+D800–U+DFFF), which have no UTF-8 encoding: bytes
decoded with `errors="surrogateescape"` (file names, `sys.argv`, `os.environ`), JSON with `\\udXXX`
escapes, text cut in the middle of a UTF-16 pair. Sent to a provider, such text fails the request
with a `UnicodeEncodeError`, and since the timeline is resent every tick, every later request of
the session fails the same way. So the engine keeps it out of sessions:

- text given to `send`/`run` is *checked*: `input_problem` names the message and where the
  character is, and the caller raises `ValueError` before anything is committed;
- text arriving from a model, a tool or a store is *repaired*: surrogate pairs become the
  character they encode, lone surrogates U+FFFD.

The check costs what `str.isascii()` (and, for non-ASCII text, one `encode`) costs; the walk that
locates a problem runs only once one is known to exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, cast

from pydantic import BaseModel

from .types import Message, TextBlock

__all__ = ["input_problem", "is_encodable", "repair", "repaired", "repaired_text"]

T = TypeVar("T")


def repaired_text(text: str) -> str:
    """`text` with surrogate pairs joined and lone surrogates replaced by U+FFFD."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _encodable_text(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_encodable(value: Any) -> bool:
    """Whether every string in `value` (a string, a pydantic model, or lists, tuples and dicts of
    them, keys included) can be encoded as UTF-8."""
    if isinstance(value, str):
        return _encodable_text(value)
    if isinstance(value, BaseModel):
        return all(is_encodable(item) for item in value.__dict__.values())
    if isinstance(value, list | tuple):
        return all(is_encodable(item) for item in cast("Sequence[Any]", value))
    if isinstance(value, dict):
        return all(is_encodable(key) and is_encodable(item) for key, item in cast("Mapping[Any, Any]", value).items())
    return True


def repair(value: Any) -> Any:
    """A copy of `value` (as `is_encodable` walks it) with every string repaired; pydantic models
    are copied with `model_copy` (their fields were valid, and repairing keeps them so)."""
    if isinstance(value, str):
        return value if _encodable_text(value) else repaired_text(value)
    if isinstance(value, BaseModel):
        return value.model_copy(update={name: repair(item) for name, item in value.__dict__.items()})
    if isinstance(value, list):
        return [repair(item) for item in cast("Sequence[Any]", value)]
    if isinstance(value, tuple):
        return tuple(repair(item) for item in cast("Sequence[Any]", value))
    if isinstance(value, dict):
        return {repair(key): repair(item) for key, item in cast("Mapping[Any, Any]", value).items()}
    return value


def repaired(value: T) -> T:
    """`value` itself when it is clean (the common case, checked cheaply), else a repaired copy."""
    return value if is_encodable(value) else repair(value)


def input_problem(message: Any) -> str | None:
    """Where `message` (a `Message`) holds text that cannot be encoded, as `content[0].text,
    character 3 ('\\udce9')`, or `None` when it is clean."""
    if _clean_text_message(message) or is_encodable(message):
        return None
    return _locate(message, "")


def _clean_text_message(message: Any) -> bool:
    """Whether `message` is the common kind, a `Message` of encodable text blocks and nothing else,
    checked without `is_encodable`'s generic walk (a history holds thousands). False means "walk it"."""
    if type(message) is not Message:
        return False
    fields: dict[str, Any] = vars(message)
    role, content = fields["role"], fields["content"]
    if len(fields) != 4 or fields["id"] is not None or fields["metadata"] is not None:
        return False
    if type(role) is not str or not role.isascii() or content.__class__ is not list:  # (no narrowing to list[Unknown])
        return False
    for block in content:
        if type(block) is not TextBlock:
            return False
        block_fields: dict[str, Any] = vars(block)
        text = block_fields["text"]
        if len(block_fields) != 2 or block_fields["type"] != "text" or type(text) is not str:
            return False
        if not _encodable_text(text):
            return False
    return True


def _locate(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        if _encodable_text(value):
            return None
        for index, character in enumerate(value):
            if "\ud800" <= character <= "\udfff":
                return f"{path or 'text'}, character {index} ({character!r})"
        return None  # pragma: no cover - a str that fails to encode holds a surrogate
    if isinstance(value, BaseModel):
        items: Any = value.__dict__.items()
        return _first(((f"{path}.{name}" if path else name), item) for name, item in items)
    if isinstance(value, list | tuple):
        return _first((f"{path}[{index}]", item) for index, item in enumerate(cast("Sequence[Any]", value)))
    if isinstance(value, dict):
        for key, item in cast("Mapping[Any, Any]", value).items():
            found = _locate(key, f"{path} key") or _locate(item, f"{path}[{key!r}]")
            if found:
                return found
    return None


def _first(pairs: Any) -> str | None:
    for path, item in pairs:
        found = _locate(item, path)
        if found:
            return found
    return None
