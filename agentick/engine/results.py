"""What an execution reports: `SendResult`, and the `TickState`/`TickResult` given to tick hooks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, cast

from pydantic import BaseModel, Field
from typing_extensions import TypeVar

from ..types import ContentBlock, Message, TimelineEntry, ToolCall, ToolResultBlock, Usage

__all__ = ["ExecutionUsage", "OutputT", "SendResult", "TickResult", "TickState"]

OutputT = TypeVar("OutputT", default=Any)
"""The output type of a `SendResult`: the `output_type` asked for (`str` without one)."""


class ExecutionUsage(Usage):
    """Token usage of one execution (or a session's total), with the number of model ticks."""

    ticks: int = 0


class SendResult(BaseModel, Generic[OutputT]):
    """The outcome of one execution.

    `response` is the text of the last assistant message; `output` is the validated structured
    output when the execution asked for an `output_type` (API.md §12), else the response text.
    `SendResult[City]` is the result of `output_type=City`."""

    response: str = ""
    output: OutputT = None  # type: ignore[assignment]  # always set by the engine
    outputs: dict[str, Any] = Field(default_factory=dict[str, Any])
    usage: ExecutionUsage = Field(default_factory=ExecutionUsage)
    stop_reason: str | None = None
    timeline: list[TimelineEntry] = Field(default_factory=list[TimelineEntry])


class TickState:
    """The tick being prepared, given to `use_on_tick_start` callbacks (and `use_tick_state()`).

    `stop(reason)` before the model call ends the execution without calling the model.
    """

    __slots__ = ("execution_id", "previous", "queued_messages", "stop_reason", "stopped", "tick", "timeline")

    def __init__(
        self,
        tick: int,
        execution_id: str,
        timeline: Sequence[TimelineEntry],
        queued_messages: Sequence[Message],
        previous: TickResult | None,
    ) -> None:
        self.tick = tick
        self.execution_id = execution_id
        self.timeline = timeline
        self.queued_messages = queued_messages
        self.previous = previous
        self.stopped = False
        self.stop_reason: str | None = None

    def stop(self, reason: str | None = None) -> None:
        self.stopped = True
        self.stop_reason = reason

    def __repr__(self) -> str:
        return f"<TickState tick={self.tick} execution={self.execution_id}>"


class TickResult:
    """One finished tick, given to `use_on_tick_end`/`use_continuation` callbacks.

    `should_continue` shows the decision so far; `stop(reason)` / `continue_(reason)` vote, as do
    the callbacks' return values (within one callback a stop beats a continue; a later callback
    overrides an earlier one).
    """

    __slots__ = (
        "_requests",
        "content",
        "decided_reason",
        "should_continue",
        "stop_reason",
        "text",
        "tick",
        "tool_calls",
        "tool_results",
        "usage",
    )

    def __init__(
        self,
        tick: int,
        content: list[ContentBlock],
        tool_calls: list[ToolCall],
        tool_results: list[ToolResultBlock],
        stop_reason: str,
        usage: Usage,
    ) -> None:
        self.tick = tick
        self.content = content
        self.text = "".join(getattr(block, "text", "") for block in content if block.type == "text")
        self.tool_calls = tool_calls
        self.tool_results = tool_results
        self.stop_reason = stop_reason
        self.usage = usage
        self.should_continue = bool(tool_calls)
        self.decided_reason: str | None = stop_reason
        self._requests: list[tuple[bool, str | None]] = []

    def stop(self, reason: str | None = None) -> None:
        self._requests.append((False, reason))

    def continue_(self, reason: str | None = None) -> None:
        self._requests.append((True, reason))

    def vote(self, decision: Any) -> None:
        """Apply a callback's return value and the requests it made (stop beats continue)."""
        if decision is True:
            self.continue_()
        elif decision is False:
            self.stop()
        elif isinstance(decision, dict):
            vote = cast("dict[str, Any]", decision)
            if vote.get("stop"):
                self.stop(vote.get("reason"))
            elif vote.get("continue"):
                self.continue_(vote.get("reason"))
        requests, self._requests = self._requests, []
        stops = [reason for go, reason in requests if not go]
        if stops:
            self.should_continue = False
            self.decided_reason = next((reason for reason in stops if reason), self.stop_reason)
        elif requests:
            self.should_continue = True
            self.decided_reason = next((reason for _, reason in requests if reason), None)

    def __repr__(self) -> str:
        return f"<TickResult tick={self.tick} should_continue={self.should_continue}>"
