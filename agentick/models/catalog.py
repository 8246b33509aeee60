"""What the library knows about common models: context window, output limit and capabilities.

The engine needs a context window to report utilisation (`use_context_info()`) and to budget the
timeline, but providers do not return it with a response. The catalog fills that gap for common
OpenAI models; an adapter's own `ModelMetadata` values always win (`model_info`), so a custom or
self-hosted model only has to state its window once.

Lookup is case-insensitive: an exact id first, then the longest catalog id that is a prefix of the
requested one at a word boundary, so dated snapshots (`gpt-4o-2024-08-06`), fine-tunes
(`ft:gpt-4o-mini-2024-07-18:org::id`) and routed names (`openai/gpt-4.1`) resolve to their family,
while `gpt-4o-mini-xyz` resolves to `gpt-4o-mini`, not `gpt-4o`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from ..types import ModelMetadata

__all__ = ["ModelInfo", "canonical_model_id", "lookup_model", "model_info"]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """Limits and capabilities of one model. `context_window` is `None` only when nothing is known."""

    id: str
    provider: str
    context_window: int | None
    max_output_tokens: int | None = None
    supports_vision: bool = False
    supports_tool_use: bool = True
    is_reasoning: bool = False
    # The provider's own structured output (OpenAI `json_schema`, Gemini `response_schema`) works
    # with this model, so `output_mode="auto"` may use it (API.md §12).
    supports_native_output: bool = False


def _openai(
    ids: str,
    context_window: int,
    max_output_tokens: int,
    *,
    vision: bool,
    tools: bool = True,
    reasoning: bool = False,
    native_output: bool = False,
) -> dict[str, ModelInfo]:
    return {
        model_id: ModelInfo(
            id=model_id,
            provider="openai",
            context_window=context_window,
            max_output_tokens=max_output_tokens,
            supports_vision=vision,
            supports_tool_use=tools,
            is_reasoning=reasoning,
            supports_native_output=native_output,
        )
        for model_id in ids.split()
    }


# `native_output`: `response_format` `json_schema` (Structured Outputs) works: gpt-4o from
# 2024-08-06 on (`gpt-4o` and `gpt-4o-mini` name those snapshots and later; the older
# `gpt-4o-2024-05-13` rejects it), gpt-4.1, gpt-4.5, gpt-5 and the o-series from o1 (o1-mini and
# o1-preview have no structured output); gpt-4-turbo, gpt-4 and gpt-3.5 have JSON mode only.
_OPENAI: dict[str, ModelInfo] = {
    **_openai(
        "gpt-5 gpt-5-mini gpt-5-nano gpt-5.1 gpt-5.2", 400_000, 128_000, vision=True, reasoning=True, native_output=True
    ),
    **_openai("gpt-5-chat-latest", 128_000, 16_384, vision=True, native_output=True),
    **_openai("gpt-4.1 gpt-4.1-mini gpt-4.1-nano", 1_047_576, 32_768, vision=True, native_output=True),
    **_openai("gpt-4.5-preview", 128_000, 16_384, vision=True, native_output=True),
    **_openai("gpt-4o gpt-4o-mini", 128_000, 16_384, vision=True, native_output=True),
    **_openai("gpt-4o-2024-05-13", 128_000, 4_096, vision=True),
    **_openai("chatgpt-4o-latest", 128_000, 16_384, vision=True, tools=False),
    **_openai("gpt-4-turbo", 128_000, 4_096, vision=True),
    **_openai("gpt-4-turbo-preview gpt-4-0125-preview gpt-4-1106-preview", 128_000, 4_096, vision=False),
    **_openai("gpt-4", 8_192, 8_192, vision=False),
    **_openai("gpt-4-32k", 32_768, 8_192, vision=False),
    **_openai("gpt-3.5-turbo", 16_385, 4_096, vision=False),
    **_openai("o1 o1-pro o3 o3-pro o4-mini", 200_000, 100_000, vision=True, reasoning=True, native_output=True),
    **_openai("o3-mini", 200_000, 100_000, vision=False, reasoning=True, native_output=True),
    **_openai("o1-mini", 128_000, 65_536, vision=False, tools=False, reasoning=True),
    **_openai("o1-preview", 128_000, 32_768, vision=False, tools=False, reasoning=True),
}


def _anthropic(ids: str, max_output_tokens: int, *, reasoning: bool) -> dict[str, ModelInfo]:
    """Claude models: all take images and tools, with a 200k-token window (1M for some, only with a beta header)."""
    return {
        model_id: ModelInfo(
            id=model_id,
            provider="anthropic",
            context_window=200_000,
            max_output_tokens=max_output_tokens,
            supports_vision=True,
            is_reasoning=reasoning,
        )
        for model_id in ids.split()
    }


# Dated snapshots (`claude-sonnet-4-5-20250929`), `-latest` and `-0` aliases resolve by prefix.
_ANTHROPIC: dict[str, ModelInfo] = {
    **_anthropic("claude-opus-4-6", 128_000, reasoning=True),
    **_anthropic("claude-sonnet-4-6 claude-opus-4-5 claude-sonnet-4-5 claude-haiku-4-5", 64_000, reasoning=True),
    **_anthropic("claude-opus-4-1 claude-opus-4", 32_000, reasoning=True),
    **_anthropic("claude-sonnet-4 claude-3-7-sonnet", 64_000, reasoning=True),
    **_anthropic("claude-3-5-sonnet claude-3-5-haiku", 8_192, reasoning=False),
    **_anthropic("claude-3-opus claude-3-haiku", 4_096, reasoning=False),
}


def _gemini(ids: str, context_window: int, max_output_tokens: int, *, reasoning: bool) -> dict[str, ModelInfo]:
    """Gemini models: every current one reads images (and audio, video, PDFs) and supports `responseSchema`."""
    return {
        model_id: ModelInfo(
            id=model_id,
            provider="gemini",
            context_window=context_window,
            max_output_tokens=max_output_tokens,
            supports_vision=True,
            is_reasoning=reasoning,
            supports_native_output=True,
        )
        for model_id in ids.split()
    }


_GEMINI: dict[str, ModelInfo] = {
    **_gemini("gemini-3-pro-preview gemini-3-flash-preview", 1_048_576, 65_536, reasoning=True),
    **_gemini("gemini-2.5-pro gemini-2.5-flash gemini-2.5-flash-lite", 1_048_576, 65_536, reasoning=True),
    **_gemini("gemini-2.0-flash gemini-2.0-flash-lite", 1_048_576, 8_192, reasoning=False),
}

_CATALOG: dict[str, ModelInfo] = {**_OPENAI, **_ANTHROPIC, **_GEMINI}

# Longest ids first, so the first prefix hit is the most specific family.
_BY_LENGTH = sorted(_CATALOG, key=len, reverse=True)
_BOUNDARY = frozenset("-:.@_")


def canonical_model_id(model_id: str) -> str:
    """The bare model name: lowercased, without a router prefix (`openai/`) or fine-tune marker (`ft:`)."""
    name = model_id.strip().lower()
    name = name.rsplit("/", 1)[-1]
    return name.removeprefix("ft:")


@lru_cache(maxsize=256)
def lookup_model(model_id: str) -> ModelInfo | None:
    """The catalog entry for `model_id` (exact, then the longest prefix at a word boundary), or `None`.

    Remembered per id (the entries are frozen): every tick looks its model up, and an id missing
    from the catalog (a local or test model) would otherwise cost a scan of every family."""
    name = canonical_model_id(model_id)
    info = _CATALOG.get(name)
    if info is not None:
        return info
    for known in _BY_LENGTH:
        if name.startswith(known) and name[len(known)] in _BOUNDARY:
            return _CATALOG[known]
    return None


def model_info(metadata: ModelMetadata) -> ModelInfo:
    """What is known about the model behind `metadata`: the catalog entry with the adapter's own values on top.

    An adapter that states `context_window` or `max_output_tokens` is trusted over the catalog (a
    self-hosted model served under a familiar name may have a different window). A model missing
    from the catalog gets conservative capability defaults and whatever limits the adapter states.
    """
    known = lookup_model(metadata.id)
    if known is None:
        return ModelInfo(
            id=metadata.id,
            provider=metadata.provider,
            context_window=metadata.context_window,
            max_output_tokens=metadata.max_output_tokens,
        )
    return replace(
        known,
        id=metadata.id,
        provider=metadata.provider if metadata.provider != "unknown" else known.provider,
        context_window=metadata.context_window or known.context_window,
        max_output_tokens=metadata.max_output_tokens or known.max_output_tokens,
    )
