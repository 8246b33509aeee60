"""The model adapter protocol, the shared base class, and the stream accumulator.

A model is anything with `metadata` and an async `stream(model_input)` yielding `StreamDelta`s
and/or an async `generate(model_input)` returning a `ModelOutput`. Models know nothing of
components or sessions; the engine calls them once per tick.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, Protocol, Self, runtime_checkable

from ..errors import ModelError
from ..schema import json_object
from ..types import (
    BlockDelta,
    ContentBlock,
    Message,
    MessageStartDelta,
    ModelInput,
    ModelMetadata,
    ModelOutput,
    ReasoningBlock,
    ReasoningDelta,
    StopDelta,
    StreamDelta,
    TextBlock,
    TextDelta,
    ToolCallDelta,
    ToolUseBlock,
    Usage,
    UsageDelta,
)
from ..utf8 import is_encodable, repair, repaired, repaired_text

__all__ = ["BaseModel", "ModelAdapter", "StreamAccumulator", "accumulate"]


@runtime_checkable
class ModelAdapter(Protocol):
    """What the engine needs from a model. Implement `stream`, `generate`, or both."""

    metadata: ModelMetadata


class _ComponentClass(type):
    """Lets a model class be an element type: `<OpenAIModel model="gpt-4o" temperature={0.2} />`.

    Only when the class itself is the component being rendered does calling it render: the
    instance is created once per configuration (so connections survive re-renders) and selected
    like `<Model model={instance} />`. Everywhere else the class constructs instances as usual.
    """

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        from ..reconciler import rendering_component, use_memo

        if args or rendering_component() is not cls:
            return super().__call__(*args, **kwargs)

        kwargs.pop("children", None)
        config = tuple(sorted(kwargs.items()))
        instance = use_memo(lambda: super(_ComponentClass, cls).__call__(**kwargs), [config])
        return _model_element(instance, {})


def _model_element(model: Any, options: dict[str, Any]) -> Any:
    from ..compiler.nodes import MODEL
    from ..element import h

    return h(MODEL, {"model": model, "options": options})


class BaseModel(metaclass=_ComponentClass):
    """Base class for model adapters: a model object that is also a component.

    Rendering a model (`<gpt temperature={0.2} />`, or `h(gpt, {...})`) selects it for the tick and
    passes its props as options for the call, exactly like `<Model model={gpt} temperature={0.2} />`
    (a string `model` prop is an option too: the model name for that call). Subclasses implement
    `stream` (preferred: the engine forwards deltas as events) or `generate`; each default
    implementation is derived from the other.
    """

    metadata: ModelMetadata
    options: dict[str, Any]

    def __init__(self, metadata: ModelMetadata, /, **options: Any) -> None:
        self.metadata = metadata
        self.options = dict(options)

    def __call__(self, **props: Any) -> Any:
        props.pop("children", None)
        return _model_element(self, props)

    @property
    def __name__(self) -> str:
        """An instance rendered as a component is named by its model id in error messages."""
        return self.metadata.id

    async def stream(self, model_input: ModelInput) -> AsyncIterator[StreamDelta]:
        output = await self.generate(model_input)
        for delta in deltas_of(output):
            yield delta

    async def generate(self, model_input: ModelInput) -> ModelOutput:
        if type(self).stream is BaseModel.stream:
            raise NotImplementedError(f"{type(self).__name__} implements neither stream() nor generate()")
        return await accumulate(self.stream(model_input), model=self.metadata.id)

    async def aclose(self) -> None:
        """Close the network clients this model opened for the running event loop (API.md §17).

        Adapters that hold clients override this; a closed model reopens on its next use."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.metadata.id!r})"


def deltas_of(output: ModelOutput) -> list[StreamDelta]:
    """The deltas that reproduce `output` (used to stream a model that only generates)."""
    deltas: list[StreamDelta] = [MessageStartDelta(model=output.model)]
    index = reasoning_index = 0
    for block in output.message.content:
        if isinstance(block, TextBlock):
            deltas.append(TextDelta(text=block.text))
        elif isinstance(block, ReasoningBlock):
            deltas.append(
                ReasoningDelta(
                    text=block.text,
                    index=reasoning_index,
                    signature=block.signature,
                    redacted=block.redacted,
                    provider=block.provider,
                )
            )
            reasoning_index += 1
        elif isinstance(block, ToolUseBlock):
            deltas.append(
                ToolCallDelta(
                    index=index,
                    id=block.tool_use_id,
                    name=block.name,
                    arguments=json.dumps(block.input),
                    provider_data=block.provider_data,
                )
            )
            index += 1
        else:
            deltas.append(BlockDelta(block=block))
    usage = output.usage
    deltas.append(
        UsageDelta(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
        )
    )
    deltas.append(StopDelta(reason=output.stop_reason))
    return deltas


class _PendingCall:
    __slots__ = ("arguments", "id", "name", "provider_data")

    def __init__(self) -> None:
        self.id: str | None = None
        self.name: str | None = None
        self.arguments: list[str] = []
        self.provider_data: dict[str, Any] | None = None


class _PendingReasoning:
    __slots__ = ("provider", "redacted", "signature", "text")

    def __init__(self) -> None:
        self.text: list[str] = []
        self.signature: str | None = None
        self.redacted: str | None = None
        self.provider: str | None = None

    def block(self) -> ReasoningBlock:
        return ReasoningBlock(
            text="".join(self.text), signature=self.signature, redacted=self.redacted, provider=self.provider
        )


class StreamAccumulator:
    """Folds stream deltas into one `ModelOutput`.

    Text deltas concatenate; reasoning deltas and tool-call deltas are grouped by `index` (the first
    piece of a call names it, later pieces append argument text; a reasoning block takes the
    signature, redacted payload and provider any of its pieces carry); usage deltas add up; the last stop
    reason wins. A tool call whose arguments are not a JSON object is kept with its raw text under
    `input["_raw_arguments"]`, so the engine can answer it with an error result the model can read.
    Text no provider could encode (lone surrogates) is repaired to U+FFFD, so the output can be sent
    back (see `agentick/utf8.py`). Each piece is checked once, on its way in: `add` returns the
    delta as kept (repaired if need be), for the engine's events, and the joined text of clean
    pieces is clean. Tool calls are checked once they are parsed (`\\udXXX` escapes in the
    arguments' JSON decode to lone surrogates).
    """

    def __init__(self, model: str | None = None) -> None:
        self.model = model
        self._text: list[str] = []
        self._reasoning: dict[int, _PendingReasoning] = {}
        self._calls: dict[int, _PendingCall] = {}
        self._blocks: list[ContentBlock] = []
        self._input_tokens = 0
        self._output_tokens = 0
        self._cache_read_tokens = 0
        self._cache_write_tokens = 0
        self.stop_reason: str | None = None

    def add(self, delta: StreamDelta) -> StreamDelta:
        """Fold in `delta`; returns it as kept: a repaired copy if it held unencodable text."""
        if isinstance(delta, TextDelta):
            if not is_encodable(delta.text):
                delta = delta.model_copy(update={"text": repaired_text(delta.text)})
            self._text.append(delta.text)
        elif isinstance(delta, ReasoningDelta):
            if not is_encodable(delta.text):
                delta = delta.model_copy(update={"text": repaired_text(delta.text)})
            reasoning = self._reasoning.get(delta.index)
            if reasoning is None:
                reasoning = self._reasoning[delta.index] = _PendingReasoning()
            reasoning.text.append(delta.text)
            if delta.signature is not None:
                reasoning.signature = delta.signature
            if delta.redacted is not None:
                reasoning.redacted = delta.redacted
            if delta.provider is not None:
                reasoning.provider = delta.provider
        elif isinstance(delta, ToolCallDelta):
            call = self._calls.get(delta.index)
            if call is None:
                call = self._calls[delta.index] = _PendingCall()
            if delta.id:
                call.id = delta.id
            if delta.name:
                call.name = delta.name
            if delta.arguments:
                call.arguments.append(delta.arguments)
            if delta.provider_data is not None:
                call.provider_data = delta.provider_data
        elif isinstance(delta, UsageDelta):
            self._input_tokens += delta.input_tokens
            self._output_tokens += delta.output_tokens
            self._cache_read_tokens += delta.cache_read_tokens
            self._cache_write_tokens += delta.cache_write_tokens
        elif isinstance(delta, StopDelta):
            self.stop_reason = delta.reason
        elif isinstance(delta, BlockDelta):
            if not is_encodable(delta.block):
                delta = delta.model_copy(update={"block": repair(delta.block)})
            self._blocks.append(delta.block)
        elif isinstance(delta, MessageStartDelta):
            if delta.model:
                self.model = delta.model
        else:
            raise ModelError(f"unknown stream delta {delta!r}")
        return delta

    def tool_uses(self) -> list[ToolUseBlock]:
        blocks: list[ToolUseBlock] = []
        for index in sorted(self._calls):
            call = self._calls[index]
            if not call.name:
                raise ModelError(f"the model stream ended with a tool call (index {index}) that has no name")
            raw = "".join(call.arguments)
            try:
                parsed: object = json.loads(raw) if raw.strip() else {}
            except json.JSONDecodeError:
                parsed = None
            arguments = json_object(parsed)
            if arguments is None:
                arguments = {"_raw_arguments": raw}
            call_id, name = repaired(call.id or f"call_{index}"), repaired(call.name)
            blocks.append(
                ToolUseBlock(
                    tool_use_id=call_id, name=name, input=repaired(arguments), provider_data=call.provider_data
                )
            )
        return blocks

    def result(self) -> ModelOutput:
        content: list[ContentBlock] = []
        content.extend(self._reasoning[index].block() for index in sorted(self._reasoning))
        text = "".join(self._text)
        if text:
            content.append(TextBlock(text=text))
        content.extend(self._blocks)
        tool_uses = self.tool_uses()
        content.extend(tool_uses)
        stop_reason = self.stop_reason or ("tool_use" if tool_uses else "stop")
        usage = Usage(
            input_tokens=self._input_tokens,
            output_tokens=self._output_tokens,
            total_tokens=self._input_tokens + self._output_tokens,
            cache_read_tokens=self._cache_read_tokens,
            cache_write_tokens=self._cache_write_tokens,
        )
        return ModelOutput(
            message=Message(role="assistant", content=content), stop_reason=stop_reason, usage=usage, model=self.model
        )


async def accumulate(deltas: AsyncIterator[StreamDelta], *, model: str | None = None) -> ModelOutput:
    """Drain a delta stream into one `ModelOutput`."""
    accumulator = StreamAccumulator(model)
    async for delta in deltas:
        accumulator.add(delta)
    return accumulator.result()
