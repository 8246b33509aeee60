"""A scripted model for tests and offline runs.

`create_test_model()` answers "Test response" unless told otherwise; `.respond_with([...])` queues
responses (text, tool calls, reasoning, images, or lists of those), used one per model call;
`.inputs` records the `ModelInput` of every call, once per call. With `call_tools=True` it behaves
like the CLI's `--model test`: it calls each offered tool once with arguments valid for its schema,
then answers with a summary of the results.

When the execution asks for structured output (`ModelInput.output`, API.md §12) and no scripted
response is queued, the answer is a valid one made from the output schema (`example_arguments`):
a `final_result` call in tool mode, JSON text in native mode. The model's catalog entry has no
native structured output, so `output_mode="auto"` uses the tool with it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from itertools import compress, count
from operator import is_not
from typing import Any, cast

import anyio

from ..models.base import BaseModel, deltas_of
from ..output import FINAL_RESULT
from ..types import (
    BlockDelta,
    ContentBlock,
    ImageBlock,
    MediaSource,
    Message,
    MessageStartDelta,
    ModelInput,
    ModelMetadata,
    ModelOutput,
    OutputRequest,
    ReasoningBlock,
    ReasoningDelta,
    StopDelta,
    StreamDelta,
    TextBlock,
    TextDelta,
    ToolCallDelta,
    ToolResultBlock,
    ToolUseBlock,
    Usage,
    UsageDelta,
)

__all__ = ["TestModel", "create_test_model", "example_arguments"]


class TestModel(BaseModel):
    """A model whose answers are scripted. See `create_test_model`."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        default_response: str = "Test response",
        tool_calls: Sequence[dict[str, Any]] | None = None,
        streaming: bool = False,
        chunk_size: int = 10,
        delay: float = 0,
        call_tools: bool = False,
        model_id: str = "test-model",
    ) -> None:
        super().__init__(ModelMetadata(id=model_id, provider="test", context_window=128_000, max_output_tokens=16_384))
        self.default_response = default_response
        self.tool_calls = list(tool_calls or [])
        self.streaming = streaming
        self.chunk_size = max(1, chunk_size)
        self.delay = delay
        self.call_tools = call_tools
        self.inputs: list[ModelInput] = []
        self._queue: list[Any] = []
        self._error: BaseException | None = None
        self._ids = count(1)
        self._prefix = uuid.uuid4().hex[:8]
        self._sizes: list[int] = []  # text lengths of the last call's messages, by position (see _estimate)
        self._sized = 0  # len(inputs) when they were measured

    # --- scripting -------------------------------------------------------------------------

    def respond_with(self, responses: Sequence[Any]) -> TestModel:
        """Queue responses, one per model call in order, before falling back to the default.

        Each is a text string, a part dict (`{"tool": {"name", "input", "id"?}}`, `{"reasoning":
        "..."}`, `{"image": {"url"}}`, `{"text": "..."}`), or a list of parts for one response.
        """
        self._queue.extend(responses)
        return self

    def set_response(self, text: str) -> None:
        self.default_response = text

    def set_tool_calls(self, calls: Sequence[dict[str, Any]] | None) -> None:
        """Tool calls added to every default response (dicts with `name`, `input`, optional `id`)."""
        self.tool_calls = list(calls or [])

    def set_error(self, error: BaseException | None) -> None:
        """Fail every call with `error` until cleared with `None`."""
        self._error = error

    # --- the ModelAdapter side -------------------------------------------------------------

    async def generate(self, model_input: ModelInput) -> ModelOutput:
        return await self._respond(model_input)

    async def stream(self, model_input: ModelInput) -> AsyncIterator[StreamDelta]:
        output = await self._respond(model_input)
        if not self.streaming:
            for delta in deltas_of(output):
                yield delta
            return
        yield MessageStartDelta(model=output.model)
        calls = 0
        for block in output.message.content:
            if isinstance(block, TextBlock | ReasoningBlock):
                kind = TextDelta if isinstance(block, TextBlock) else ReasoningDelta
                for start in range(0, len(block.text), self.chunk_size):
                    yield kind(text=block.text[start : start + self.chunk_size])
            elif isinstance(block, ToolUseBlock):
                arguments = json.dumps(block.input)
                yield ToolCallDelta(index=calls, id=block.tool_use_id, name=block.name)
                for start in range(0, len(arguments), self.chunk_size):
                    yield ToolCallDelta(index=calls, arguments=arguments[start : start + self.chunk_size])
                calls += 1
            else:
                yield BlockDelta(block=block)
        yield UsageDelta(input_tokens=output.usage.input_tokens, output_tokens=output.usage.output_tokens)
        yield StopDelta(reason=output.stop_reason)

    async def _respond(self, model_input: ModelInput) -> ModelOutput:
        self.inputs.append(model_input)
        if self.delay:
            await anyio.sleep(self.delay)
        if self._error is not None:
            raise self._error
        if self._queue:
            content = self._parts(self._queue.pop(0))
        elif self.call_tools:
            content = self._auto(model_input)
        elif model_input.output is not None:
            content = self._output(model_input.output)
        else:
            content = [TextBlock(text=self.default_response), *self._parts(self.tool_calls)]
        has_calls = any(isinstance(block, ToolUseBlock) for block in content)
        text = "".join(block.text for block in content if isinstance(block, TextBlock))
        usage = Usage(input_tokens=self._estimate(model_input), output_tokens=len(text) // 4 + 1, total_tokens=0)
        usage.total_tokens = usage.input_tokens + usage.output_tokens
        return ModelOutput(
            message=Message(role="assistant", content=content),
            stop_reason="tool_use" if has_calls else "stop",
            usage=usage,
            model=self.metadata.id,
        )

    def _estimate(self, model_input: ModelInput) -> int:
        """A cheap input-token estimate (characters / 4): a scripted model must not cost tokenising
        the history on every call. Consecutive calls mostly resend the same message objects (the
        timeline's) at the same positions, so the lengths of the previous call's messages are kept
        by position and only the messages that are not the very same object are measured (the
        comparison runs at C speed): a call costs what its new messages cost, not the history.
        The previous call's messages are read from `inputs` (no reference of its own keeps old
        messages alive); when `inputs` was changed by hand since, everything is measured again."""
        messages = model_input.messages
        inputs, sizes = self.inputs, self._sizes
        seen = inputs[-2].messages if len(inputs) >= 2 and len(inputs) == self._sized + 1 else []
        shared = min(len(seen), len(messages))
        for index in compress(range(shared), map(is_not, messages, seen)):
            sizes[index] = _characters(messages[index])
        del sizes[shared:]
        sizes.extend(map(_characters, messages[shared:]))
        self._sized = len(inputs)
        return sum(sizes) // 4 + 1

    def _parts(self, response: Any) -> list[ContentBlock]:
        if isinstance(response, list | tuple):
            return [block for part in cast("Sequence[Any]", response) for block in self._parts(part)]
        if isinstance(response, str):
            return [TextBlock(text=response)]
        if isinstance(response, dict):
            response = cast("dict[str, Any]", response)
            if "tool" in response:
                tool: Any = response["tool"]
                calls: Sequence[Any] = cast("Sequence[Any]", tool) if isinstance(tool, list) else [tool]
                return [self._tool_use(call) for call in calls]
            if "name" in response and "input" in response:
                return [self._tool_use(response)]
            if "reasoning" in response:
                return [ReasoningBlock(text=response["reasoning"])]
            if "text" in response:
                return [TextBlock(text=response["text"])]
            if "image" in response:
                image: dict[str, Any] = response["image"]
                if "url" in image:
                    return [ImageBlock(source=MediaSource(type="url", url=image["url"]))]
                source = MediaSource(type="base64", data=image["data"], media_type=image.get("media_type", "image/png"))
                return [ImageBlock(source=source)]
        raise ValueError(f"the test model cannot answer with {response!r}; see TestModel.respond_with")

    def _tool_use(self, call: dict[str, Any]) -> ToolUseBlock:
        call_id = call.get("id") or f"toolu_test_{self._prefix}_{next(self._ids)}"
        return ToolUseBlock(tool_use_id=call_id, name=call["name"], input=dict(call.get("input") or {}))

    def _output(self, request: OutputRequest) -> list[ContentBlock]:
        """A valid structured answer: the `final_result` call (tool mode) or JSON text (native mode)."""
        arguments = example_arguments(request.json_schema)
        if request.mode == "native":
            return [TextBlock(text=json.dumps(arguments))]
        return [self._tool_use({"name": FINAL_RESULT, "input": arguments})]

    def _auto(self, model_input: ModelInput) -> list[ContentBlock]:
        """Call every offered tool once per user turn, then summarise what they returned (or give
        the structured output the execution asks for)."""
        turn: list[Message] = []
        for message in reversed(model_input.messages):
            if message.role == "user" and not message.text.startswith("[Context]"):
                break
            turn.append(message)
        called = {block.name for message in turn for block in message.content if isinstance(block, ToolUseBlock)}
        todo = [tool for tool in model_input.tools if tool.name not in called and tool.name != FINAL_RESULT]
        if todo:
            return [self._tool_use({"name": tool.name, "input": example_arguments(tool.input_schema)}) for tool in todo]
        results = [
            f"{block.name} → {''.join(getattr(part, 'text', '') for part in block.content)}"
            for message in reversed(turn)
            for block in message.content
            if isinstance(block, ToolResultBlock)
        ]
        if model_input.output is not None:
            return self._output(model_input.output)
        if not results:
            return [TextBlock(text=self.default_response)]
        return [TextBlock(text="Tool results: " + "; ".join(results))]


def _characters(message: Message) -> int:
    """The length of a message's text blocks (what the test model's usage estimate counts)."""
    content = message.content
    if len(content) == 1:  # most messages: no generator for one block
        block = content[0]
        return len(block.text) if type(block) is TextBlock else 0
    return sum(len(block.text) for block in content if type(block) is TextBlock)


def create_test_model(
    default_response: str = "Test response",
    tool_calls: Sequence[dict[str, Any]] | None = None,
    streaming: bool = False,
    chunk_size: int = 10,
    delay: float = 0,
    call_tools: bool = False,
) -> TestModel:
    """A scripted model (see `TestModel`)."""
    return TestModel(
        default_response=default_response,
        tool_calls=tool_calls,
        streaming=streaming,
        chunk_size=chunk_size,
        delay=delay,
        call_tools=call_tools,
    )


def example_arguments(schema: dict[str, Any]) -> Any:
    """A small value valid for a JSON schema: the first enum value or the const, the default if there
    is one, 1 for numbers (within `minimum`/`maximum`), "example" for text (within its length limits
    and known `format`s), the fewest items a list may have, the required properties of an object.
    `$ref`s are followed into the schema's `$defs`; deep recursive schemas end in null where allowed."""
    return _example(schema, schema.get("$defs") or {}, 0)


_FORMAT_EXAMPLES = {
    "date-time": "2025-01-01T00:00:00Z",
    "date": "2025-01-01",
    "time": "12:00:00",
    "duration": "P1D",
    "email": "user@example.com",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "uri": "https://example.com/",
}


def _example(schema: Any, definitions: dict[str, Any], depth: int) -> Any:
    if not isinstance(schema, dict):
        return None
    schema = cast("dict[str, Any]", schema)
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[len("#/$defs/") :] in definitions:
        return _example(definitions[ref[len("#/$defs/") :]], definitions, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        branches: list[dict[str, Any]] = [branch for branch in schema.get(key, ()) if isinstance(branch, dict)]
        if branches:
            null = next((branch for branch in branches if branch.get("type") == "null"), None)
            others = [branch for branch in branches if branch is not null]
            if null is not None and (depth > 8 or not others):
                return None
            return _example(others[0], definitions, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in cast("list[str]", kind) if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        properties: dict[str, Any] = schema.get("properties", {})
        required: list[str] = schema.get("required", list(properties))
        return {name: _example(properties[name], definitions, depth + 1) for name in required if name in properties}
    if kind == "array":
        count = int(schema.get("minItems", 0))
        return [_example(schema.get("items", {}), definitions, depth + 1) for _ in range(count)]
    if kind in ("integer", "number"):
        return _number(schema, integer=kind == "integer")
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    text = _FORMAT_EXAMPLES.get(str(schema.get("format")), "example")
    minimum, maximum = int(schema.get("minLength", 0)), schema.get("maxLength")
    text = text.ljust(minimum, "x")
    return text[: int(maximum)] if maximum is not None else text


def _number(schema: dict[str, Any], *, integer: bool) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    value: float = 1
    if low is not None:
        value = max(value, low + (1 if "exclusiveMinimum" in schema and "minimum" not in schema else 0))
    if high is not None and value > high:
        value = high - (1 if "exclusiveMaximum" in schema and "maximum" not in schema else 0)
    return int(value) if integer else float(value)
