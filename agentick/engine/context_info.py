"""`use_context_info()`: the model's context window and token usage after the last tick."""

from __future__ import annotations

from typing import Any

from ..compiler import CompiledContext
from ..models.catalog import model_info
from ..types import ModelOutput
from .results import ExecutionUsage

__all__ = ["ContextInfo"]


class ContextInfo:
    """Model and token usage after the last completed tick.

    `input_tokens`/`output_tokens`/`total_tokens` are the last model call's (as the model
    reported them); `utilization` is `input_tokens / context_window` (0..1, None when the window is
    unknown); `cumulative_usage` covers the execution so far; `estimated_context_tokens` is the
    tokenizer's count of the last compiled input (computed when read).
    """

    __slots__ = (
        "_compiled",
        "context_window",
        "cumulative_usage",
        "input_tokens",
        "max_output_tokens",
        "model_id",
        "output_tokens",
        "provider",
        "total_tokens",
        "utilization",
    )

    def __init__(
        self,
        model_id: str,
        provider: str,
        context_window: int | None,
        max_output_tokens: int | None,
        input_tokens: int,
        output_tokens: int,
        cumulative_usage: ExecutionUsage,
        compiled: CompiledContext,
    ) -> None:
        self.model_id = model_id
        self.provider = provider
        self.context_window = context_window
        self.max_output_tokens = max_output_tokens
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens
        self.total_tokens = input_tokens + output_tokens
        self.utilization = input_tokens / context_window if context_window else None
        self.cumulative_usage = cumulative_usage
        self._compiled = compiled

    @classmethod
    def after_tick(
        cls, model: Any, output: ModelOutput, usage: ExecutionUsage, compiled: CompiledContext
    ) -> ContextInfo:
        info = model_info(model.metadata)
        return cls(
            model_id=output.model or model.metadata.id,
            provider=info.provider,
            context_window=info.context_window,
            max_output_tokens=info.max_output_tokens,
            input_tokens=output.usage.input_tokens,
            output_tokens=output.usage.output_tokens,
            cumulative_usage=usage.model_copy(),
            compiled=compiled,
        )

    @property
    def estimated_context_tokens(self) -> int:
        return self._compiled.token_count

    def __repr__(self) -> str:
        return (
            f"<ContextInfo {self.model_id} input={self.input_tokens} output={self.output_tokens} "
            f"window={self.context_window}>"
        )
