"""Data shapes at the library's boundaries: messages, content blocks, tools, model input and output.

These are pydantic models with snake_case fields that accept plain dicts wherever a model is
expected, so `{"role": "user", "content": "hi"}` is a valid `Message`.
"""

from __future__ import annotations

import inspect
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator
from pydantic_core import to_jsonable_python

__all__ = [
    "AudioBlock",
    "BlockDelta",
    "CodeBlock",
    "ContentBlock",
    "DocumentBlock",
    "ImageBlock",
    "JsonBlock",
    "MediaSource",
    "Message",
    "MessageStartDelta",
    "ModelInput",
    "ModelMetadata",
    "ModelOutput",
    "OutputRequest",
    "ReasoningBlock",
    "ReasoningDelta",
    "Role",
    "StopDelta",
    "StreamDelta",
    "TextBlock",
    "TextDelta",
    "TimelineEntry",
    "ToolCall",
    "ToolCallDelta",
    "ToolDefinition",
    "ToolResultBlock",
    "ToolUseBlock",
    "Usage",
    "UsageDelta",
    "VideoBlock",
    "text_of",
]

Role = Literal["system", "user", "assistant", "tool"]
BYTES_ARE_NOT_TEXT = (
    "message text must be str, not bytes: decode the bytes first, e.g. data.decode('utf-8') "
    "(or data.decode('utf-8', errors='replace') if they may not be UTF-8)"
)
ROLES: frozenset[str] = frozenset(("system", "user", "assistant", "tool"))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- content blocks ---------------------------------------------------------------------------


class MediaSource(_Model):
    """Where media lives: a URL, inline base64 data, or a provider file id."""

    type: Literal["url", "base64", "file_id"] = "url"
    url: str | None = None
    data: str | None = None
    media_type: str | None = None
    file_id: str | None = None


def _coerce_source(value: Any) -> Any:
    """A plain string source is a URL (or a data: URL), the common case in components."""
    if isinstance(value, str):
        if value.startswith("data:") and ";base64," in value:
            header, data = value.split(";base64,", 1)
            return {"type": "base64", "data": data, "media_type": header[5:] or None}
        return {"type": "url", "url": value}
    return value


class TextBlock(_Model):
    type: Literal["text"] = "text"
    text: str


class ImageBlock(_Model):
    type: Literal["image"] = "image"
    source: MediaSource
    alt_text: str | None = None

    _source = field_validator("source", mode="before")(_coerce_source)


class DocumentBlock(_Model):
    type: Literal["document"] = "document"
    source: MediaSource
    title: str | None = None

    _source = field_validator("source", mode="before")(_coerce_source)


class AudioBlock(_Model):
    type: Literal["audio"] = "audio"
    source: MediaSource
    transcript: str | None = None

    _source = field_validator("source", mode="before")(_coerce_source)


class VideoBlock(_Model):
    type: Literal["video"] = "video"
    source: MediaSource
    transcript: str | None = None

    _source = field_validator("source", mode="before")(_coerce_source)


class CodeBlock(_Model):
    type: Literal["code"] = "code"
    text: str
    language: str | None = None


class JsonBlock(_Model):
    type: Literal["json"] = "json"
    text: str
    data: Any = None


class ReasoningBlock(_Model):
    """The model's thinking. Providers that check it when it is sent back (Anthropic) give a
    `signature`, or only an encrypted `redacted` payload; `provider` names who produced it, so an
    adapter resends only its own provider's reasoning (API.md §13)."""

    type: Literal["reasoning"] = "reasoning"
    text: str
    signature: str | None = None
    redacted: str | None = None
    provider: str | None = None


class ToolUseBlock(_Model):
    """A tool call made by the model (stored in the assistant message that made it)."""

    type: Literal["tool_use"] = "tool_use"
    tool_use_id: str
    name: str
    input: dict[str, Any] = Field(default_factory=dict[str, Any])
    # What the provider needs echoed back with this call (e.g. Gemini's thought signature), keyed
    # by provider name so another provider's adapter can ignore it: {"gemini": {...}}.
    provider_data: dict[str, Any] | None = None


class ToolResultBlock(_Model):
    """The result of one tool call (stored in a `tool` message, in call order)."""

    type: Literal["tool_result"] = "tool_result"
    tool_use_id: str
    name: str
    content: list[ContentBlock] = Field(default_factory=list["ContentBlock"])
    is_error: bool = False

    @field_validator("content", mode="before")
    @classmethod
    def _text_content(cls, value: Any) -> Any:
        return [{"type": "text", "text": value}] if isinstance(value, str) else value


ContentBlock = Annotated[
    TextBlock
    | ImageBlock
    | DocumentBlock
    | AudioBlock
    | VideoBlock
    | CodeBlock
    | JsonBlock
    | ReasoningBlock
    | ToolUseBlock
    | ToolResultBlock,
    Field(discriminator="type"),
]

ToolResultBlock.model_rebuild()


# --- messages and the timeline ----------------------------------------------------------------


class Message(_Model):
    """One message of a conversation. A plain string `content` becomes one text block."""

    role: Role
    content: list[ContentBlock] = Field(default_factory=list[ContentBlock])
    id: str | None = None
    metadata: dict[str, Any] | None = None

    @field_validator("content", mode="before")
    @classmethod
    def _text_content(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [TextBlock(text=value)]
        if isinstance(value, bytes | bytearray | memoryview):
            raise TypeError(BYTES_ARE_NOT_TEXT)
        return value

    @property
    def text(self) -> str:
        """The message's text (text blocks, and tool results' text) joined: what a person would read."""
        return text_of(self.content)

    @property
    def tool_calls(self) -> list[ToolCall]:
        return [
            ToolCall(id=block.tool_use_id, name=block.name, input=block.input)
            for block in self.content
            if isinstance(block, ToolUseBlock)
        ]


def text_of(blocks: list[Any]) -> str:
    """Concatenated text of the text blocks in `blocks`, including the text inside tool results."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, TextBlock):
            parts.append(block.text)
        elif isinstance(block, ToolResultBlock):
            parts.append(text_of(block.content))
    return "".join(parts)


class TimelineEntry(_Model):
    """A message stored in a session's timeline, with where it came from."""

    id: str
    message: Message
    tags: list[str] = Field(default_factory=list[str])
    execution_id: str | None = None
    tick: int | None = None

    @property
    def role(self) -> str:
        return self.message.role

    @property
    def text(self) -> str:
        return self.message.text

    @classmethod
    def trusted(
        cls, id: str, message: Message, tags: list[str], execution_id: str | None, tick: int | None
    ) -> TimelineEntry:
        """An entry from values that are already valid (the engine's own), without validating them."""
        return cls.trusted_many([id], [message], tags, execution_id, tick)[0]

    @classmethod
    def trusted_many(
        cls, ids: list[str], messages: list[Message], tags: list[str], execution_id: str | None, tick: int | None
    ) -> list[TimelineEntry]:
        """One entry per message (with the id at the same position) from values that are already
        valid (the engine's own), without validating them.

        Importing a long history creates thousands of entries at once; this builds each instance
        the way `model_construct` does, minus its generic per-field work, in one loop with the
        slot setters bound once (about 6x faster than `model_construct`)."""
        entries: list[TimelineEntry] = []
        append = entries.append
        copy_fields = _ENTRY_FIELDS.copy
        for id, message in zip(ids, messages, strict=True):
            entry = _new_object(cls)
            _set_dict(entry, {"id": id, "message": message, "tags": tags, "execution_id": execution_id, "tick": tick})
            _set_fields_set(entry, copy_fields())  # its own: assigning a field adds to it
            _set_extra(entry, None)
            _set_private(entry, None)
            append(entry)
        return entries


# The setters of the attributes every pydantic instance has (its slots), as `model_construct` sets
# them; bound once, they cost less than `object.__setattr__` by name.
_new_object = object.__new__
_model_slots: dict[str, Any] = dict(vars(BaseModel))
_set_dict = _model_slots["__dict__"].__set__
_set_fields_set = _model_slots["__pydantic_fields_set__"].__set__
_set_extra = _model_slots["__pydantic_extra__"].__set__
_set_private = _model_slots["__pydantic_private__"].__set__
_ENTRY_FIELDS = set(TimelineEntry.model_fields)


# --- tools ------------------------------------------------------------------------------------


class ToolDefinition(_Model):
    """What the model is told about a tool."""

    name: str
    description: str = ""
    input_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    # Ask the provider to constrain the arguments to the schema (OpenAI `strict: true`, sent in the
    # strict form of `agentick.models.strict_schema`); adapters without such a mode ignore it.
    strict: bool = False


class ToolCall(_Model):
    """A tool call requested by the model."""

    id: str
    name: str
    input: dict[str, Any] = Field(default_factory=dict[str, Any])


# --- model input and output -------------------------------------------------------------------


class Usage(_Model):
    """Token usage. `input_tokens` counts every input token, cached ones included;
    `cache_read_tokens`/`cache_write_tokens` say how many of them were read from or written to the
    provider's prompt cache (Anthropic reports both, OpenAI reads only)."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
        )


class OutputRequest(_Model):
    """The structured output an execution asks for (API.md §12), as the adapter receives it.

    `mode` is `"native"` (the adapter puts `json_schema` in the provider's structured-output field,
    e.g. OpenAI `response_format` with `strict: true`, Gemini `response_schema`) or `"tool"` (the
    engine has already added a `final_result` tool taking `json_schema` to `ModelInput.tools`; the
    adapter needs to do nothing, but may force that tool where the provider allows). `json_schema`
    is always an object schema: a non-object output type is wrapped as `{"response": T}`. `name` is
    a short identifier for the schema (the output type's name), as providers require one.
    """

    name: str
    json_schema: dict[str, Any]
    mode: Literal["native", "tool"]
    description: str | None = None


class ModelInput(_Model):
    """Exactly what a model adapter receives: messages (system first), tools and options.

    Options are whatever the tree or the model was given, Python objects included (a pydantic
    class as `response_format`, say). In JSON (`model_dump_json()`, `model_dump(mode="json")`, so in
    every `compiled` event) they are written as pydantic writes JSON values, and what it cannot
    write is described instead: a pydantic model class as `{"type": "json_schema", "name", "schema"}`
    (the `response_format` shape adapters accept), another class or a function as its dotted name,
    any other object as its `repr()`. Python-mode dumps keep the objects.
    """

    messages: list[Message] = Field(default_factory=list[Message])
    tools: list[ToolDefinition] = Field(default_factory=list[ToolDefinition])
    options: dict[str, Any] = Field(default_factory=dict[str, Any])
    output: OutputRequest | None = None

    @field_serializer("options", when_used="json")
    def _options_as_json(self, options: dict[str, Any]) -> Any:
        return to_jsonable_python(options, fallback=_json_description)

    @property
    def system(self) -> str | None:
        if self.messages and self.messages[0].role == "system":
            return self.messages[0].text
        return None


def _json_description(value: object) -> Any:
    """A JSON stand-in for an option value pydantic cannot write as JSON (see `ModelInput`)."""
    if inspect.isclass(value) and issubclass(value, BaseModel):
        return {"type": "json_schema", "name": value.__name__, "schema": value.model_json_schema()}
    name = getattr(value, "__qualname__", None)
    if isinstance(name, str) and (inspect.isclass(value) or callable(value)):
        return f"{getattr(value, '__module__', None) or 'builtins'}.{name}"
    return repr(value)


class ModelOutput(_Model):
    """One complete model response."""

    message: Message
    stop_reason: str = "stop"
    usage: Usage = Field(default_factory=Usage)
    model: str | None = None

    @property
    def text(self) -> str:
        return self.message.text

    @property
    def tool_calls(self) -> list[ToolCall]:
        return self.message.tool_calls


class ModelMetadata(_Model):
    """What the engine knows about a model adapter."""

    id: str
    provider: str = "unknown"
    context_window: int | None = None
    max_output_tokens: int | None = None


# --- streaming deltas (what ModelAdapter.stream yields) ---------------------------------------


class MessageStartDelta(_Model):
    type: Literal["message_start"] = "message_start"
    model: str | None = None


class TextDelta(_Model):
    type: Literal["text"] = "text"
    text: str


class ReasoningDelta(_Model):
    """A piece of the model's thinking. Pieces with the same `index` form one `ReasoningBlock`
    (Anthropic may think in several blocks, each signed); `signature`, `redacted` and `provider`
    may arrive on any piece of the block (Anthropic sends the signature last)."""

    type: Literal["reasoning"] = "reasoning"
    text: str
    index: int = 0
    signature: str | None = None
    redacted: str | None = None
    provider: str | None = None


class ToolCallDelta(_Model):
    """A piece of a tool call. The first piece of a call carries `id` and `name`; later pieces for the
    same `index` carry more `arguments` (JSON text split anywhere)."""

    type: Literal["tool_call"] = "tool_call"
    index: int = 0
    id: str | None = None
    name: str | None = None
    arguments: str = ""
    provider_data: dict[str, Any] | None = None  # becomes the call's `ToolUseBlock.provider_data`


class UsageDelta(_Model):
    """Usage reported by the stream; several usage deltas add up (see `Usage` for the cache fields)."""

    type: Literal["usage"] = "usage"
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


class StopDelta(_Model):
    type: Literal["stop"] = "stop"
    reason: str


class BlockDelta(_Model):
    """A whole content block that is not streamed in pieces (an image or document the model made)."""

    type: Literal["block"] = "block"
    block: ContentBlock


StreamDelta = Annotated[
    MessageStartDelta | TextDelta | ReasoningDelta | ToolCallDelta | UsageDelta | StopDelta | BlockDelta,
    Field(discriminator="type"),
]
