"""`ExecutionHandle`: one execution's status, result, abort, confirmations and event stream.

Events are kept for the execution's lifetime and every iterator has its own cursor, so each
iterator sees every event from the first, however many iterate at once and whenever they start.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Literal

import anyio

from ..errors import AbortError
from .events import StreamEvent
from .results import SendResult

__all__ = ["ExecutionHandle"]

Status = Literal["running", "completed", "error", "aborted"]


class _PendingConfirmation:
    """A tool call waiting for `submit_tool_result`: set once, by the first answer."""

    __slots__ = ("answer", "answered")

    def __init__(self) -> None:
        self.answered = anyio.Event()
        self.answer: tuple[bool, str | None] | None = None


class ExecutionHandle:
    """An execution started by `send`, `render`, `spawn` or `run`.

    `status` is `"running"`, `"completed"`, `"error"` or `"aborted"` (aborted is final).
    `await handle.result` gives the `SendResult` once the execution has finished and been
    persisted (it raises the execution's error, or `AbortError`). `async for event in handle`
    streams this execution's events.
    """

    def __init__(
        self, execution_id: str, session_id: str, *, observe: Callable[[StreamEvent], None] | None = None
    ) -> None:
        self.execution_id = execution_id
        self.session_id = session_id
        self.status: Status = "running"
        self._events: list[StreamEvent] = []
        self._changed: anyio.Event | None = None
        self._closed = False
        self._done = anyio.Event()
        self._result: SendResult | None = None
        self._error: BaseException | None = None
        self._abort: Callable[[str], None] | None = None
        self._abort_reason: str | None = None
        self._confirmations: dict[str, _PendingConfirmation] = {}
        self._asked: set[str] = set()  # every call id a confirmation was requested for
        self._finish_callbacks: list[Callable[[SendResult | None, BaseException | None], None]] = []
        # Sees every event as it is pushed (the app's observers: telemetry, DevTools); see `App.observers`.
        self._observe = observe

    # --- result --------------------------------------------------------------------------------

    @property
    def result(self) -> Awaitable[SendResult]:
        """Awaitable: the `SendResult`, when the execution has finished."""
        return self._wait()

    async def _wait(self) -> SendResult:
        await self._done.wait()
        error = self._final_error()
        if error is not None:
            raise error
        assert self._result is not None
        return self._result

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def abort(self, reason: str | None = None) -> None:
        """Stop the execution at its current await point. `status` becomes `"aborted"` at once."""
        if self.status != "running":
            return
        self.status = "aborted"
        self._abort_reason = reason or "aborted"
        if self._abort is not None:
            self._abort(self._abort_reason)

    def submit_tool_result(self, call_id: str, approved: bool = True, reason: str | None = None) -> bool:
        """Answer a `tool_confirmation_required` event: run the tool (approved) or deny it.

        Returns True when the answer reached the waiting call. An answer that comes too late (the
        request expired after its `confirmation_timeout`, was answered already, or the execution
        ended) is ignored and returns False: a UI answering a stale prompt does not fail. A call id
        this execution never asked about raises `KeyError`.
        """
        pending = self._confirmations.pop(call_id, None)
        if pending is None:
            if call_id in self._asked:
                return False
            raise KeyError(f"no tool call {call_id!r} was asked for confirmation in execution {self.execution_id}")
        pending.answer = (bool(approved), reason)
        pending.answered.set()
        return True

    def expect_confirmation(self, call_id: str) -> None:
        """Register the wait before announcing it, so an answer given right away is not lost."""
        self._asked.add(call_id)
        self._confirmations[call_id] = _PendingConfirmation()

    async def wait_for_confirmation(self, call_id: str, timeout: float | None) -> tuple[bool, str | None] | None:
        """The answer `(approved, reason)` to an expected confirmation, or None when `timeout`
        seconds (None: no limit) pass without one. Either way the call stops waiting: a later
        answer is ignored."""
        pending = self._confirmations[call_id]
        try:
            with anyio.move_on_after(timeout):
                await pending.answered.wait()
        finally:
            self._confirmations.pop(call_id, None)
        return pending.answer

    # --- used by the engine --------------------------------------------------------------------

    def push(self, event: StreamEvent) -> None:
        if self._closed:
            return
        self._events.append(event)
        if self._observe is not None:
            self._observe(event)
        changed = self._changed
        if changed is not None:
            self._changed = None
            changed.set()

    def on_finish(self, callback: Callable[[SendResult | None, BaseException | None], None]) -> None:
        """Call `callback(result, error)` when the execution finishes (at once if it has)."""
        if self._done.is_set():
            callback(self._result, self._final_error())
        else:
            self._finish_callbacks.append(callback)

    def _final_error(self) -> BaseException | None:
        if self.status == "aborted":
            return AbortError(f"execution {self.execution_id} was aborted: {self._abort_reason or 'no reason given'}")
        return self._error

    def finish(self, result: SendResult | None, error: BaseException | None) -> None:
        if self.status == "running":
            self.status = "completed" if error is None else "error"
        self._result = result
        self._error = error
        self._closed = True
        if self._changed is not None:
            self._changed.set()
            self._changed = None
        self._done.set()
        callbacks, self._finish_callbacks = self._finish_callbacks, []
        for callback in callbacks:
            callback(result, self._final_error())

    # --- events --------------------------------------------------------------------------------

    async def __aiter__(self) -> AsyncIterator[StreamEvent]:
        index = 0
        while True:
            if index < len(self._events):
                event = self._events[index]
                index += 1
                yield event
                continue
            if self._closed:
                return
            if self._changed is None:
                self._changed = anyio.Event()
            await self._changed.wait()

    @property
    def events(self) -> list[StreamEvent]:
        """The events emitted so far."""
        return list(self._events)

    def __repr__(self) -> str:
        return f"<ExecutionHandle {self.execution_id} {self.status}>"
