"""The JSON bodies of the HTTP API (API.md §16) as pydantic models: requests are validated with
them (a failure is a 422 carrying pydantic's errors) and the OpenAPI document is built from them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from ..engine.events import StreamEvent
from ..engine.results import ExecutionUsage
from ..types import Message, TextBlock, TimelineEntry

__all__ = [
    "AbortBody",
    "ClientMessage",
    "CreatedSession",
    "ErrorBody",
    "ErrorDetail",
    "EventJSON",
    "Outcome",
    "SendBody",
    "SessionState",
    "ToolResultBody",
    "TrustedSendBody",
]


class _Body(BaseModel):
    """A request body: unknown fields are errors, and values are not coerced (`"yes"` is no bool)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ClientMessage(Message):
    """A message from a client: a user turn, or an assistant turn of an imported history. System
    and tool messages steer the agent, so only trusted callers may send them (`trusted_roles=True`)."""

    # narrowed from Message's roles; validation is all it is used for
    role: Literal["user", "assistant"]  # pyright: ignore[reportIncompatibleVariableOverride]

    @model_validator(mode="after")
    def _no_forged_blocks(self) -> ClientMessage:
        """Tool results (which adapters send as tool messages), reasoning (the model's own, often
        signed) and tool calls in a user message steer the agent like system and tool messages do."""
        refused = UNTRUSTED_BLOCKS[self.role]
        for index, block in enumerate(self.content):
            if block.type in refused:
                raise ValueError(
                    f"content[{index}]: a {self.role} message from a client may not hold a {block.type!r} block "
                    "(only a server made with trusted_roles=True accepts them)"
                )
        return self


# The content blocks a client message of each role may not hold without `trusted_roles=True`.
UNTRUSTED_BLOCKS: dict[str, frozenset[str]] = {
    "user": frozenset({"tool_result", "tool_use", "reasoning"}),
    "assistant": frozenset({"tool_result", "reasoning"}),
}
MAX_CALL_ID = 256  # characters; signals between workers travel in PostgreSQL notifications (8,000 bytes)
MAX_REASON = 2000


class SendBody(_Body):
    """`POST /sessions/{id}/messages`: exactly one of `text` (one user message) or `messages`."""

    messages: list[ClientMessage] | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> SendBody:
        if (self.messages is None) == (self.text is None):
            raise ValueError('give exactly one of "text" (a user message) or "messages" (a list of messages)')
        return self

    def to_send(self) -> list[Message]:
        if self.text is not None:
            return [Message(role="user", content=[TextBlock(text=self.text)])]
        return list(self.messages or ())


class TrustedSendBody(SendBody):
    """`SendBody` for `asgi_app(..., trusted_roles=True)`: every role, system and tool included."""

    messages: list[Message] | None = None  # type: ignore[assignment]


class ToolResultBody(_Body):
    """`POST /sessions/{id}/tool-results`: the answer to a `tool_confirmation_required` event."""

    call_id: str = Field(min_length=1, max_length=MAX_CALL_ID)
    approved: bool = True
    reason: str | None = Field(default=None, max_length=MAX_REASON)


class AbortBody(_Body):
    """`POST /sessions/{id}/abort` (the body may be left out)."""

    reason: str | None = Field(default=None, max_length=MAX_REASON)


class CreatedSession(BaseModel):
    """`POST /sessions`: the new session's id, made by the server."""

    id: str


class SessionState(BaseModel):
    """`GET /sessions/{id}`: `running` while an execution runs in the answering process, else
    `idle`; the timeline and usage of the latest save (or of the session open here)."""

    id: str
    status: Literal["idle", "running"]
    timeline: list[TimelineEntry]
    usage: ExecutionUsage
    revision: int | None = None


class Outcome(BaseModel):
    """Abort and tool results: `aborted` / `delivered` when the execution runs in the answering
    process (200), `signalled` when the request went to the other workers through the store (202)."""

    status: Literal["aborted", "delivered", "signalled"]


class ErrorDetail(BaseModel):
    """`type` is the error's class (`ModelError`, `AbortError`, `ValidationError`, ...); `errors`
    holds pydantic's validation errors on a 422."""

    type: str
    message: str
    errors: list[dict[str, Any]] | None = None


class ErrorBody(BaseModel):
    """Every error answer: `{"error": {"type", "message"}}`."""

    error: ErrorDetail


class EventJSON(RootModel[StreamEvent]):
    """One server-sent event's `data:`: an execution event's JSON (`agentick.StreamEvent`)."""
