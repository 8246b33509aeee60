"""`fallback(first, *others)`: a model that answers with the next model when one fails (API.md §13).

A provider outage, a rate limit or a revoked key should not end an agent's conversation when
another model could answer. The fallback is a model like any other (a `BaseModel`, so also a
component), so the engine needs no notion of it: each tick it streams from the first model and,
only while nothing of the answer has been streamed yet, moves on to the next model when one fails
with an error in `on`. Once content has reached the engine, a failure propagates: the text already
shown cannot be taken back, and the engine stores no partial answer.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any, cast

from ..errors import ModelError
from ..types import MessageStartDelta, ModelInput, StreamDelta
from .base import BaseModel, deltas_of
from .infer import model_from

__all__ = ["FallbackModel", "fallback"]


def fallback(
    first: Any, *others: Any, on: type[BaseException] | tuple[type[BaseException], ...] = (ModelError,)
) -> FallbackModel:
    """A model that tries `first`, then each of `others` in order, for every tick.

    `fallback(openai("gpt-4o"), anthropic("claude-sonnet-4-5"))`, or with model strings:
    `fallback("openai:gpt-4o", "anthropic:claude-sonnet-4-5")` (see `infer`). The next model is
    tried when one fails with an error in `on` before any content was streamed."""
    return FallbackModel(first, *others, on=on)


class FallbackModel(BaseModel):
    """Models tried in order for each tick; see `fallback`.

    - Options (from the tree, `<Model model={fb} temperature={0} />` or `<Fb temperature={0} />`)
      go to whichever model runs, unchanged.
    - `message_start` names the model that answered: the model id its stream reports (a provider's
      dated id, like `gpt-4o-2024-08-06`), else that model's `metadata.id`.
    - `metadata` is the first model's (its id, provider and context window size the timeline), so
      a fallback model should have a context window at least as large.
    - When every model fails, the last error is raised as it is (so `except RateLimitError` still
      works), with one note (PEP 678, `err.__notes__`) per earlier failure naming the model and
      its error.
    - `aclose()` closes every model's clients.
    """

    def __init__(
        self, first: Any, *others: Any, on: type[BaseException] | tuple[type[BaseException], ...] = (ModelError,)
    ) -> None:
        models = tuple(_model(model, position) for position, model in enumerate((first, *others), start=1))
        super().__init__(models[0].metadata)
        self.models: tuple[Any, ...] = models
        self.on = _error_types(on)

    async def stream(self, model_input: ModelInput) -> AsyncIterator[StreamDelta]:
        failures: list[tuple[Any, BaseException]] = []
        for model in self.models:
            answered = False
            reported: str | None = None
            try:
                async with aclosing(_deltas(model, model_input)) as deltas:
                    async for delta in deltas:
                        if not answered:
                            if isinstance(delta, MessageStartDelta):  # not content: held until some arrives
                                reported = reported or delta.model
                                continue
                            answered = True
                            yield MessageStartDelta(model=reported or model.metadata.id)
                        yield delta
            except self.on as error:
                if answered:
                    raise
                failures.append((model, error))
                continue
            if not answered:  # an empty answer is still an answer
                yield MessageStartDelta(model=reported or model.metadata.id)
            return
        _, last = failures[-1]
        for model, earlier in failures[:-1]:
            last.add_note(f"fallback: {_name(model)} failed before it with {type(earlier).__name__}: {earlier}")
        raise last

    async def aclose(self) -> None:
        """Close the clients of every model (each reopens on its next use)."""
        for model in self.models:
            aclose = getattr(model, "aclose", None)
            if aclose is not None:
                await aclose()

    def __repr__(self) -> str:
        return f"fallback({', '.join(map(repr, self.models))})"


def _deltas(model: Any, model_input: ModelInput) -> AsyncGenerator[StreamDelta, None]:
    """The model's stream (an async generator, like the engine expects), or its `generate`d output as deltas."""
    stream = getattr(model, "stream", None)
    deltas: AsyncGenerator[StreamDelta, None] = (
        stream(model_input) if stream is not None else _generated(model, model_input)
    )
    return deltas


async def _generated(model: Any, model_input: ModelInput) -> AsyncGenerator[StreamDelta, None]:
    """The deltas of a model that only implements `generate`."""
    for delta in deltas_of(await model.generate(model_input)):
        yield delta


def _model(model: Any, position: int) -> Any:
    model = model_from(model)
    metadata = getattr(model, "metadata", None)
    if getattr(metadata, "id", None) is None or not (hasattr(model, "stream") or hasattr(model, "generate")):
        raise TypeError(
            f"fallback() model {position} is {model!r:.80}, which is not a model: pass model objects "
            "(agentick.models.openai(...), ...) or model strings like 'openai:gpt-4o'"
        )
    return model


def _error_types(on: Any) -> tuple[type[BaseException], ...]:
    given = cast("tuple[object, ...]", on) if isinstance(on, tuple) else (on,)
    types: list[type[BaseException]] = []
    for kind in given:
        if not (isinstance(kind, type) and issubclass(kind, BaseException)):
            raise TypeError(f"fallback(on=...) takes exception classes, not {kind!r:.80}")
        types.append(kind)
    return tuple(types)


def _name(model: Any) -> str:
    return f"{model.metadata.provider} model {model.metadata.id!r}"
