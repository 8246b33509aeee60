"""Structured output in the tick loop (API.md §12): what each tick asks for, and what an answer means.

Per tick the mode is chosen (`output_mode="auto"`: the provider's native structured output where
the catalog says the model has it, the schema has the provider's strict form and, for Gemini, no
tools are offered; the `final_result` tool otherwise) and the request goes to the adapter as
`ModelInput.output`; in tool mode the `final_result` tool is added to `ModelInput.tools`.

An answer is then one of three things:

- the output: a valid `final_result` call (tool mode) or a text answer that parses and validates
  (native mode), after every `use_output_validator` function accepted it. The execution ends with
  `stop_reason == "output"`. The timeline gets the assistant message and, in tool mode, a tool
  message answering each of its calls: `final_result` with "Final result processed.", any other
  call with "Not executed: ..." (they are not run once the answer is final), so the conversation
  stays valid for the next send;
- a failed attempt: an invalid `final_result` call, text that is not valid output, plain text in
  tool mode, or a validator's `RetryOutput`. The errors go back to the model (a tool result with
  `is_error` for a bad `final_result` call, a user message otherwise) and the next tick retries.
  Failed attempts and their feedback are never committed to the timeline: they follow the
  timeline in the model input of the retry ticks only. After `output_retries` retries the
  execution fails with `OutputValidationError`;
- tool calls without `final_result`: an ordinary tick (the tools run, the exchange is committed),
  which also ends the retry feedback of earlier failed attempts.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import AgentickError, ComponentError, HookError, OutputValidationError, RetryOutput
from ..models.catalog import model_info
from ..models.fallback import FallbackModel
from ..models.strict_schema import StrictSchemaError
from ..output import FINAL_RESULT, OutputOptions, OutputSpec, RejectedOutput, retry_feedback
from ..runtime import AgentRuntime
from ..types import (
    Message,
    ModelInput,
    ModelMetadata,
    ModelOutput,
    OutputRequest,
    TextBlock,
    ToolCall,
    ToolDefinition,
    ToolResultBlock,
)

__all__ = ["StructuredOutput", "Verdict", "check_response_format"]

FINAL_RESULT_DESCRIPTION = (
    "Give your final answer: call this tool with the answer as its arguments. The call ends the conversation, "
    "so call it once, when you have everything the answer needs."
)
PROCESSED = "Final result processed."
NOT_EXECUTED = "Not executed: the final result in the same response ended the conversation."
NOT_EXECUTED_AFTER_ERROR = "Not executed: the final_result call in the same response was invalid; call tools again."
PLAIN_TEXT = (
    "You answered in plain text, but the answer must be given by calling the final_result tool with the answer "
    "as its arguments."
)


def check_response_format(output: OutputOptions, options: dict[str, Any] | None, where: str) -> None:
    """ValueError when structured output is asked for while `options` (of a model, or the tree)
    already set a `response_format`: the two would fight over the same request field."""
    if output.spec is None or not options or options.get("response_format") is None:
        return
    raise ValueError(
        f"output_type={output.spec.name} and a response_format option ({where}) cannot be used together: "
        "output_type already sets the response format (or the final_result tool). Remove response_format, "
        "or drop output_type and parse the text yourself."
    )


@dataclass(slots=True)
class Verdict:
    """What one answer means: `"output"` (with `value`), `"retry"` (a failed attempt, with the
    `rejected` answer) or `"tools"` (tool calls to run as usual). `results` answer the tick's tool
    calls for the first two; `exhausted` says no retry is left."""

    kind: Literal["output", "retry", "tools"]
    value: Any = None
    results: list[ToolResultBlock] = field(default_factory=list[ToolResultBlock])
    rejected: RejectedOutput | None = None
    exhausted: bool = False


class StructuredOutput:
    """One execution's structured output: the request per tick, the verdict per answer, the retries."""

    def __init__(self, spec: OutputSpec, options: OutputOptions) -> None:
        self.spec = spec
        self.options = options
        self.failures = 0
        self.mode: Literal["native", "tool"] = "tool"  # the current tick's
        self.attempts: list[Message] = []  # failed answers and their feedback, shown after the timeline
        self.last: RejectedOutput | None = None

    # --- asking ------------------------------------------------------------------------------------

    def request(self, model: Any, model_input: ModelInput) -> ModelInput:
        """`model_input` with the output request, the `final_result` tool in tool mode, and the
        failed attempts of this execution (with their feedback) after the timeline."""
        check_response_format(self.options, getattr(model, "options", None), f"on model {model.metadata.id!r}")
        check_response_format(self.options, model_input.options, "rendered in the tree")
        self.mode = self._mode(model, model_input)
        tools = model_input.tools
        if self.mode == "tool":
            clash = next((tool for tool in tools if tool.name == FINAL_RESULT), None)
            if clash is not None:
                raise ValueError(
                    f"a tool named {FINAL_RESULT!r} is offered while output_type={self.spec.name} asks for structured "
                    f"output, whose answer tool has that name: rename the tool, or use output_mode='native'"
                )
            description = FINAL_RESULT_DESCRIPTION
            if self.spec.description:
                description = f"{description}\n\nThe answer: {self.spec.description}"
            tools = [
                *tools,
                ToolDefinition(name=FINAL_RESULT, description=description, input_schema=self.spec.json_schema),
            ]
        request = OutputRequest(
            name=self.spec.name, json_schema=self.spec.json_schema, mode=self.mode, description=self.spec.description
        )
        messages = [*model_input.messages, *self.attempts] if self.attempts else model_input.messages
        return model_input.model_copy(update={"output": request, "tools": tools, "messages": messages})

    def _mode(self, model: Any, model_input: ModelInput) -> Literal["native", "tool"]:
        mode = self.options.mode
        if mode != "auto":
            return mode
        if isinstance(model, FallbackModel):  # any of them may answer this tick: native only if all can
            native = all(self._native_possible(each.metadata, model_input) for each in model.models)
            return "native" if native else "tool"
        metadata = model.metadata
        name = model_input.options.get("model")
        if isinstance(name, str) and name != metadata.id:  # the tree picked another model of the provider
            metadata = metadata.model_copy(update={"id": name})
        return "native" if self._native_possible(metadata, model_input) else "tool"

    def _native_possible(self, metadata: ModelMetadata, model_input: ModelInput) -> bool:
        """Whether the model behind `metadata` can answer this tick in its provider's native mode."""
        info = model_info(metadata)
        if not info.supports_native_output:
            return False
        if info.provider == "gemini" and model_input.tools:  # Gemini cannot combine a response schema with tools
            return False
        if info.provider == "openai":
            try:
                self.spec.strict_schema()
            except StrictSchemaError:
                return False
        return True

    # --- judging -----------------------------------------------------------------------------------

    async def judge(self, output: ModelOutput, runtime: AgentRuntime) -> Verdict:
        """What the model's answer means for the execution (see the module docstring)."""
        calls = output.tool_calls
        if self.mode == "tool":
            finals = [call for call in calls if call.name == FINAL_RESULT]
            if not finals and calls:
                return self._ordinary()
            if not finals:
                errors = [{"type": "no_final_result", "loc": (), "msg": PLAIN_TEXT}]
                return self._failed(output, RejectedOutput(PLAIN_TEXT, raw=output.text, errors=errors), calls)
            final = finals[0]
            try:
                value = await self._validated(self._arguments(final), runtime, json.dumps(final.input))
            except RejectedOutput as rejected:
                return self._failed(output, rejected, calls, final)
            results = [
                _result(call, PROCESSED if call.name == FINAL_RESULT else NOT_EXECUTED, is_error=False)
                for call in calls
            ]
            return self._accepted(value, results)
        if calls:
            return self._ordinary()
        try:
            value = await self._validated(lambda: self.spec.parse(output.text), runtime, output.text)
        except RejectedOutput as rejected:
            return self._failed(output, rejected, calls)
        return self._accepted(value, [])

    def _arguments(self, call: ToolCall) -> Callable[[], Any]:
        """Parses the call's arguments into the output value (`RejectedOutput` if they are not valid)."""
        raw = json.dumps(call.input)
        arguments = call.input
        if set(arguments) == {"_raw_arguments"}:  # not a JSON object (see StreamAccumulator.tool_uses)
            text = str(arguments["_raw_arguments"])
            feedback = "The final_result arguments are not a JSON object. Call final_result again with valid JSON."
            errors = [{"type": "json_invalid", "loc": (), "msg": "Invalid JSON arguments", "input": text}]

            def invalid() -> Any:
                raise RejectedOutput(feedback, raw=text, errors=errors)

            return invalid
        return lambda: self.spec.validate(arguments, raw)

    async def _validated(self, parse: Callable[[], Any], runtime: AgentRuntime, raw: str) -> Any:
        """The parsed value, passed through every `use_output_validator` function in turn."""
        value = parse()
        for ref, name in runtime.output_validator:
            callback = ref.current
            try:
                result = callback(value, runtime.com)
                if inspect.isawaitable(result):
                    result = await result
            except RetryOutput as retry:
                errors = [{"type": "retry_output", "loc": (), "msg": retry.message}]
                raise RejectedOutput(retry.message, raw=raw, errors=errors) from None
            except AgentickError:
                raise
            except Exception as error:
                hook, _, component = name.partition(" of ")
                raise ComponentError(
                    f"the {name} raised {type(error).__name__}: {error} (raise agentick.RetryOutput(message) to "
                    "send a message back to the model instead)",
                    component=component,
                    phase=hook,
                ) from error
            if result is None and value is not None:
                raise HookError(
                    f"the {name} returned None: an output validator returns the value (changed or not), or raises "
                    "agentick.RetryOutput(message) to reject it"
                )
            value = result
        return value

    def _ordinary(self) -> Verdict:
        self.attempts.clear()  # the model moved on: the feedback was read
        return Verdict("tools")

    def _accepted(self, value: Any, results: list[ToolResultBlock]) -> Verdict:
        self.attempts.clear()
        return Verdict("output", value=value, results=results)

    def _failed(
        self, output: ModelOutput, rejected: RejectedOutput, calls: list[ToolCall], final: ToolCall | None = None
    ) -> Verdict:
        self.failures += 1
        self.last = rejected
        feedback = retry_feedback(rejected)
        results: list[ToolResultBlock] = []
        for call in calls:
            if call is final:
                results.append(_result(call, feedback, is_error=True))
            elif call.name == FINAL_RESULT:
                results.append(_result(call, "Ignored: only the first final_result call counts.", is_error=True))
            else:
                results.append(_result(call, NOT_EXECUTED_AFTER_ERROR, is_error=True))
        if final is not None:  # a bad final_result call: its result says what was wrong
            reply = Message(role="tool", content=list(results))
        else:  # a text answer: a user message says it
            reply = Message(role="user", content=[TextBlock(text=feedback)])
        self.attempts.extend([output.message, reply])
        return Verdict("retry", results=results, rejected=rejected, exhausted=self.failures > self.options.retries)

    # --- failing -----------------------------------------------------------------------------------

    def exhausted(self) -> OutputValidationError:
        """The error once the last retry failed too."""
        rejected = self.last
        assert rejected is not None
        retries = self.options.retries
        return OutputValidationError(
            f"the model's structured output ({self.spec.name}) was still invalid after {retries} "
            f"retr{'y' if retries == 1 else 'ies'} (output_retries={retries}). Last problem:\n{rejected.feedback}",
            raw=rejected.raw,
            errors=rejected.errors,
        )

    def missing(self, stop_reason: str | None, max_ticks: int) -> OutputValidationError:
        """The error when the execution ended without an output (no tick left, or a component stopped it)."""
        if stop_reason == "max_ticks":
            why = f"it reached max_ticks={max_ticks} (retries count as ticks); raise max_ticks"
        else:
            why = f"it was stopped ({stop_reason or 'no reason given'}) before the model answered"
        last = self.last
        detail = f" The last attempt was rejected:\n{last.feedback}" if last is not None else ""
        return OutputValidationError(
            f"the execution ended without a structured output ({self.spec.name}): {why}.{detail}",
            raw=last.raw if last is not None else "",
            errors=last.errors if last is not None else [],
        )


def _result(call: ToolCall, text: str, *, is_error: bool) -> ToolResultBlock:
    return ToolResultBlock(tool_use_id=call.id, name=call.name, content=[TextBlock(text=text)], is_error=is_error)
