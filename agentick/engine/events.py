"""Typed stream events (API.md §6.5).

Every event carries `execution_id`, `tick`, `sequence` (monotonic per session, across executions)
and `timestamp` (seconds since the epoch). For a tool-using execution the order is:
`execution_start`, per tick `tick_start`, `compiled`, `context_diff` (from a session's second
tick on), `model_request`, `message_start`, `content_delta`* / `tool_call`*, `message_end`,
`tool_result`*, `tick_end`, then `result` and `execution_end`. Those two come after the session
is saved (API.md §16): a client that saw `execution_end` knows the turn is durable, a failed save
is reported by `execution_end` (`status="error"`), and `result` appears exactly when
`handle.result` resolves to a result.
"""

# Each event narrows the base's `type: str` to its own literal, the pydantic idiom for a
# discriminated union; pyright calls that an unsafe override of a mutable field.
# pyright: reportIncompatibleVariableOverride=false

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny

from ..types import ContentBlock, Message, ModelInput, Usage
from .results import SendResult

__all__ = [
    "CompiledEvent",
    "ContentDeltaEvent",
    "ContextDiffEvent",
    "Event",
    "ExecutionEndEvent",
    "ExecutionStartEvent",
    "MCPErrorEvent",
    "MessageEndEvent",
    "MessageStartEvent",
    "MessagesDiff",
    "ModelRequestEvent",
    "ResultEvent",
    "SectionsDiff",
    "SpawnEndEvent",
    "SpawnStartEvent",
    "StreamEvent",
    "TickEndEvent",
    "TickStartEvent",
    "ToolCallEvent",
    "ToolConfirmationRequiredEvent",
    "ToolConfirmationResultEvent",
    "ToolResultEvent",
    "ToolsDiff",
]


class Event(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    type: str
    execution_id: str
    tick: int
    sequence: int = 0
    timestamp: float = 0.0
    session_id: str = ""


class ExecutionStartEvent(Event):
    type: Literal["execution_start"] = "execution_start"


class TickStartEvent(Event):
    type: Literal["tick_start"] = "tick_start"


class CompiledEvent(Event):
    """What the model is about to receive (one per tick)."""

    type: Literal["compiled"] = "compiled"
    system: str | None = None
    model_input: ModelInput
    iterations: int = 1


class SectionsDiff(BaseModel):
    """Section ids of a `context_diff`. Frozen, with tuples (JSON arrays): the common empty one is
    shared by events, so nothing in it may change."""

    model_config = ConfigDict(frozen=True)

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()


class MessagesDiff(BaseModel):
    model_config = ConfigDict(frozen=True)

    added: int = 0
    removed: int = 0


class ToolsDiff(BaseModel):
    """Tool names of a `context_diff`. Frozen, with tuples (JSON arrays): the common empty one is
    shared by events, so nothing in it may change."""

    model_config = ConfigDict(frozen=True)

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


NO_SECTIONS = SectionsDiff()
NO_TOOLS = ToolsDiff()


class ContextDiffEvent(Event):
    """What the model will see that differs from the session's previous model input (every tick
    but a session's first, right after `compiled`).

    `system` is a unified diff of the system text (None when unchanged); `sections` are ids,
    `tools` names, `messages` counts (messages compare by identity: a timeline message keeps its
    object, so one rebuilt with other content counts as removed and added); `token_delta` is this
    tick's `token_count` minus the previous one's. `sources` maps each added or changed part
    (`"system"`, `"section:<id>"`, `"tool:<name>"`, `"message:<index>"`, the index in
    `CompiledContext.messages`) and each removed section or tool to the path of the component that
    rendered it (`"Agent > Notes > Section#notes"`); a tool no component rendered maps to
    `"tools= of create_app, app.session or send"`.
    """

    type: Literal["context_diff"] = "context_diff"
    system: str | None = None
    sections: SectionsDiff = NO_SECTIONS
    messages: MessagesDiff = Field(default_factory=MessagesDiff)
    tools: ToolsDiff = NO_TOOLS
    token_delta: int = 0
    sources: dict[str, str] = Field(default_factory=dict[str, str])


class ModelRequestEvent(Event):
    """A model call starts: `model` is the model's id, `provider` its `metadata.provider`."""

    type: Literal["model_request"] = "model_request"
    model: str
    provider: str | None = None


class MessageStartEvent(Event):
    type: Literal["message_start"] = "message_start"
    model: str | None = None


class ContentDeltaEvent(Event):
    type: Literal["content_delta"] = "content_delta"
    delta: str
    block_type: Literal["text", "reasoning"] = "text"


class ToolCallEvent(Event):
    type: Literal["tool_call"] = "tool_call"
    call_id: str
    name: str
    input: dict[str, Any] = Field(default_factory=dict[str, Any])


class MessageEndEvent(Event):
    type: Literal["message_end"] = "message_end"
    message: Message
    stop_reason: str
    usage: Usage


class ToolConfirmationRequiredEvent(Event):
    type: Literal["tool_confirmation_required"] = "tool_confirmation_required"
    call_id: str
    name: str
    input: dict[str, Any] = Field(default_factory=dict[str, Any])
    message: str


class ToolConfirmationResultEvent(Event):
    type: Literal["tool_confirmation_result"] = "tool_confirmation_result"
    call_id: str
    approved: bool
    reason: str | None = None


class ToolResultEvent(Event):
    type: Literal["tool_result"] = "tool_result"
    call_id: str
    name: str
    content: list[ContentBlock]
    is_error: bool = False


class TickEndEvent(Event):
    type: Literal["tick_end"] = "tick_end"
    should_continue: bool
    stop_reason: str | None = None
    usage: Usage | None = None


class ResultEvent(Event):
    type: Literal["result"] = "result"
    result: SerializeAsAny[SendResult]


class ExecutionEndEvent(Event):
    type: Literal["execution_end"] = "execution_end"
    status: Literal["completed", "error", "aborted"]
    stop_reason: str | None = None
    error: str | None = None


class SpawnStartEvent(Event):
    """A child agent started (`session.spawn`); its own events stream from its handle."""

    type: Literal["spawn_start"] = "spawn_start"
    child_session_id: str
    child_execution_id: str
    component: str


class SpawnEndEvent(Event):
    type: Literal["spawn_end"] = "spawn_end"
    child_session_id: str
    child_execution_id: str
    response: str | None = None
    error: str | None = None


class MCPErrorEvent(Event):
    """An MCP server mounted by the agent failed: it could not be reached (it offers no tools until
    a later tick reconnects), or a call to it died or timed out. `server` is the `MCPServer` name."""

    type: Literal["mcp_error"] = "mcp_error"
    server: str
    message: str


StreamEvent = Annotated[
    ExecutionStartEvent
    | TickStartEvent
    | CompiledEvent
    | ContextDiffEvent
    | ModelRequestEvent
    | MessageStartEvent
    | ContentDeltaEvent
    | ToolCallEvent
    | MessageEndEvent
    | ToolConfirmationRequiredEvent
    | ToolConfirmationResultEvent
    | ToolResultEvent
    | TickEndEvent
    | ResultEvent
    | ExecutionEndEvent
    | SpawnStartEvent
    | SpawnEndEvent
    | MCPErrorEvent,
    Field(discriminator="type"),
]
"""Any event an execution streams: a union discriminated by `type`, so `if event.type ==
"content_delta": event.delta` (or `match`, or `isinstance`) narrows it for type checkers, and
`pydantic.TypeAdapter(StreamEvent)` reads an event back from its JSON."""
