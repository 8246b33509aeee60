"""Model adapters: the protocol, the stream accumulator, the model catalog and the provider adapters.

The OpenAI adapter is always available (`openai` is a core dependency). The Anthropic and Gemini
adapters live in `agentick.models.providers` and are imported on first use, so `import agentick`
never imports an optional SDK; without the extra, `anthropic(...)`/`gemini(...)` raise an
`ImportError` naming it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..extras import require
from .base import BaseModel, ModelAdapter, StreamAccumulator, accumulate
from .catalog import ModelInfo, lookup_model, model_info
from .fallback import FallbackModel, fallback
from .infer import infer
from .openai import OpenAIModel, openai

if TYPE_CHECKING:
    from .providers.anthropic import AnthropicModel
    from .providers.gemini import GeminiModel

__all__ = [
    "AnthropicModel",
    "BaseModel",
    "FallbackModel",
    "GeminiModel",
    "ModelAdapter",
    "ModelInfo",
    "OpenAIModel",
    "StreamAccumulator",
    "accumulate",
    "anthropic",
    "fallback",
    "gemini",
    "infer",
    "lookup_model",
    "model_info",
    "openai",
]


def anthropic(
    model: str = "claude-sonnet-4-5", api_key: str | None = None, base_url: str | None = None, **options: Any
) -> AnthropicModel:
    """A Claude model on the official `anthropic` SDK (extra `anthropic`); see API.md §13."""
    claude: AnthropicModel = _anthropic_module().AnthropicModel(
        model=model, api_key=api_key, base_url=base_url, **options
    )
    return claude


def gemini(
    model: str = "gemini-2.5-flash", api_key: str | None = None, base_url: str | None = None, **options: Any
) -> GeminiModel:
    """A Gemini model on the official `google-genai` SDK (extra `gemini`); see API.md §13."""
    built: GeminiModel = _gemini_module().GeminiModel(model=model, api_key=api_key, base_url=base_url, **options)
    return built


def _anthropic_module() -> Any:
    require("anthropic", extra="anthropic", feature="agentick.models.anthropic")
    from .providers import anthropic as module

    return module


def _gemini_module() -> Any:
    require("google.genai", extra="gemini", feature="agentick.models.gemini", package="google-genai")
    from .providers import gemini as module

    return module


def __getattr__(name: str) -> Any:
    """`AnthropicModel` and `GeminiModel` (the component forms) import their SDK on first access."""
    if name == "AnthropicModel":
        return _anthropic_module().AnthropicModel
    if name == "GeminiModel":
        return _gemini_module().GeminiModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
