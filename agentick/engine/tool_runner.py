"""Running one tick's tool calls: concurrently, results kept in call order.

Every failure becomes a result the model can read (`is_error=True`): an unknown tool, arguments
that fail validation, a denied confirmation, a handler that raises, times out or returns
something that is not content. Nothing a tool does can break the tick loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import anyio

from ..compiler import CompiledContext
from ..errors import HookError, ToolError
from ..tools import ExecutableTool, normalize_result
from ..types import TextBlock, ToolCall, ToolResultBlock
from ..utf8 import repaired
from .events import Event, ToolConfirmationRequiredEvent, ToolConfirmationResultEvent, ToolResultEvent
from .handle import ExecutionHandle

__all__ = ["run_tool_calls"]

Emit = Callable[..., Event]
log = logging.getLogger("agentick")


async def run_tool_calls(
    calls: list[ToolCall],
    compiled: CompiledContext,
    *,
    com: Any,
    handle: ExecutionHandle,
    emit: Emit,
    runner: Any = None,
    confirmation_timeout: float | None = None,
) -> list[ToolResultBlock]:
    """Run `calls` concurrently; `confirmation_timeout` is the app's default for tools without one."""
    results: list[ToolResultBlock | None] = [None] * len(calls)

    async def run(index: int, call: ToolCall) -> None:
        # Repaired here, before the event: a tool's text (a file name, say) may hold lone surrogates.
        result = repaired(
            await _run_one(
                call,
                compiled,
                com=com,
                handle=handle,
                emit=emit,
                runner=runner,
                confirmation_timeout=confirmation_timeout,
            )
        )
        results[index] = result
        emit(ToolResultEvent, call_id=call.id, name=call.name, content=result.content, is_error=result.is_error)

    if len(calls) == 1:
        await run(0, calls[0])
    else:
        async with anyio.create_task_group() as group:
            for index, call in enumerate(calls):
                group.start_soon(run, index, call)
    return [result for result in results if result is not None]


async def _run_one(
    call: ToolCall,
    compiled: CompiledContext,
    *,
    com: Any,
    handle: ExecutionHandle,
    emit: Emit,
    runner: Any,
    confirmation_timeout: float | None,
) -> ToolResultBlock:
    tool = compiled.find_tool(call.name)
    if tool is None or tool.audience == "user":
        offered = ", ".join(definition.name for definition in compiled.tools) or "none"
        return _error(call, f"unknown tool {call.name!r}; the tools available are: {offered}")

    async def execute() -> ToolResultBlock:
        return await _execute(call, tool, com=com, handle=handle, emit=emit, confirmation_timeout=confirmation_timeout)

    if runner is not None and hasattr(runner, "execute_tool_call"):
        try:
            result = await runner.execute_tool_call(call, tool, execute)
        except Exception as error:
            return _error(call, f"tool execution failed: {type(error).__name__}: {error}")
        if isinstance(result, ToolResultBlock):
            return result
        try:
            return ToolResultBlock(tool_use_id=call.id, name=call.name, content=normalize_result(result, call.name))
        except ToolError as error:
            return _error(call, str(error))
    return await execute()


async def _execute(
    call: ToolCall,
    tool: ExecutableTool[Any],
    *,
    com: Any,
    handle: ExecutionHandle,
    emit: Emit,
    confirmation_timeout: float | None,
) -> ToolResultBlock:
    try:
        validated = tool.validate(call.input)
    except ToolError as error:
        return _error(call, f"{error}. Call {tool.name} again with arguments that match its schema.")
    try:
        if await tool.needs_confirmation(validated):
            denial = await _confirm(
                call, tool, validated, handle=handle, emit=emit, default_timeout=confirmation_timeout
            )
            if denial is not None:
                return denial
        value: Any = None
        with anyio.move_on_after(tool.timeout) as scope:
            value = await tool.call(validated, com=com)
        if scope.cancelled_caught:
            log.warning(
                "tool %r did not finish within its timeout of %gs; the model gets an error result (raise the "
                "tool's timeout= if calls need longer)",
                tool.name,
                tool.timeout,
            )
            return _error(call, f"{tool.name} did not finish within its {tool.timeout}s timeout")
        content = normalize_result(value, tool.name)
    except ToolError as error:
        return _tool_error(call, tool.name, error)
    except HookError as error:
        # The model gets the error like any other, but a hook in a handler is a bug in the agent's
        # code that no model retry can fix, so the developer hears about it too.
        log.error(
            "tool %r called a hook in its handler, which runs outside any component render: %s. Call the "
            "hook in a component or in the tool's use= hook and read its value from the handler's deps, "
            "or keep the state with com.get_state()/com.set_state()",
            tool.name,
            error,
            exc_info=error,
        )
        return _error(call, f"{type(error).__name__}: {error}")
    except Exception as error:
        return _error(call, f"{type(error).__name__}: {error}")
    return ToolResultBlock(tool_use_id=call.id, name=call.name, content=content)


async def _confirm(
    call: ToolCall,
    tool: ExecutableTool[Any],
    validated: Any,
    *,
    handle: ExecutionHandle,
    emit: Emit,
    default_timeout: float | None,
) -> ToolResultBlock | None:
    """Ask for confirmation and wait for the answer: None when approved, else the denial's error
    result. A request nobody answers within the tool's (else the app's) `confirmation_timeout`
    is a denial too, so an absent user cannot hold the execution forever."""
    message = tool.confirmation_text(validated)  # user code: may raise, before anything waits
    handle.expect_confirmation(call.id)
    emit(ToolConfirmationRequiredEvent, call_id=call.id, name=call.name, input=call.input, message=message)
    timeout = tool.confirmation_timeout if tool.confirmation_timeout is not None else default_timeout
    answer = await handle.wait_for_confirmation(call.id, timeout)
    if answer is None:
        expired = f"the user did not answer the confirmation request within {timeout:g}s"
        log.warning(
            "tool %r was not run: its confirmation request got no answer within the confirmation_timeout of %gs, "
            "so it counts as a denial",
            tool.name,
            timeout,
        )
        emit(ToolConfirmationResultEvent, call_id=call.id, approved=False, reason=expired)
        return _error(call, f"{tool.name} was not run: {expired}")
    approved, reason = answer
    emit(ToolConfirmationResultEvent, call_id=call.id, approved=approved, reason=reason)
    if approved:
        return None
    return _error(call, "the user denied this tool call" + (f": {reason}" if reason else ""))


def _tool_error(call: ToolCall, tool_name: str, error: ToolError) -> ToolResultBlock:
    """The error result of a handler's `ToolError`: its `content` when it carries some, else its message."""
    if error.content is not None:
        try:
            blocks = normalize_result(error.content, tool_name)
        except ToolError as unusable:
            return _error(call, f"{error} (its content could not be used: {unusable})")
        return ToolResultBlock(tool_use_id=call.id, name=call.name, content=blocks, is_error=True)
    return _error(call, str(error))


def _error(call: ToolCall, message: str) -> ToolResultBlock:
    return ToolResultBlock(tool_use_id=call.id, name=call.name, content=[TextBlock(text=message)], is_error=True)
