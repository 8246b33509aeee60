"""Model catalog lookups: exact, case-insensitive, longest prefix at a word boundary; adapters win."""

from __future__ import annotations

import pytest

from agentick.models import ModelInfo, lookup_model, model_info
from agentick.types import ModelMetadata


@pytest.mark.parametrize(
    ("model_id", "family", "context_window"),
    [
        ("gpt-4o", "gpt-4o", 128_000),
        ("GPT-4o", "gpt-4o", 128_000),
        ("gpt-4o-2024-08-06", "gpt-4o", 128_000),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini", 128_000),
        ("gpt-4o-mini-xyz", "gpt-4o-mini", 128_000),
        ("gpt-4.1-nano-2025-04-14", "gpt-4.1-nano", 1_047_576),
        ("gpt-4-0613", "gpt-4", 8_192),
        ("gpt-4-turbo-2024-04-09", "gpt-4-turbo", 128_000),
        ("gpt-4-1106-preview", "gpt-4-1106-preview", 128_000),
        ("gpt-3.5-turbo-0125", "gpt-3.5-turbo", 16_385),
        ("gpt-5-mini-2025-08-07", "gpt-5-mini", 400_000),
        ("gpt-5.1-codex", "gpt-5.1", 400_000),
        ("o1-2024-12-17", "o1", 200_000),
        ("o1-mini-2024-09-12", "o1-mini", 128_000),
        ("o3-mini-high", "o3-mini", 200_000),
        ("o4-mini", "o4-mini", 200_000),
        ("openai/gpt-4.1", "gpt-4.1", 1_047_576),
        ("ft:gpt-4o-mini-2024-07-18:acme::abc123", "gpt-4o-mini", 128_000),
    ],
)
def test_known_models_resolve_to_their_family(model_id, family, context_window):
    info = lookup_model(model_id)

    assert info is not None
    assert (info.id, info.context_window, info.provider) == (family, context_window, "openai")


@pytest.mark.parametrize("model_id", ["llama3", "mistral-large", "gpt-4z", "o10", "gpt", ""])
def test_unknown_models_are_not_guessed(model_id):
    assert lookup_model(model_id) is None


def test_capabilities():
    assert lookup_model("o3-mini") == ModelInfo(
        id="o3-mini",
        provider="openai",
        context_window=200_000,
        max_output_tokens=100_000,
        supports_vision=False,
        supports_tool_use=True,
        is_reasoning=True,
        supports_native_output=True,
    )
    assert lookup_model("gpt-4o").supports_vision
    assert not lookup_model("gpt-4o").is_reasoning
    assert not lookup_model("o1-mini").supports_tool_use


@pytest.mark.parametrize(
    ("model_id", "native"),
    [
        ("gpt-4o-2024-08-06", True),
        ("gpt-4o-2024-11-20", True),
        ("gpt-4o-mini-2024-07-18", True),
        ("gpt-4o-2024-05-13", False),  # Structured Outputs came with the 2024-08-06 snapshot
        ("gpt-4.1-nano", True),
        ("gpt-5-mini", True),
        ("o1-2024-12-17", True),
        ("o1-mini", False),
        ("o1-preview", False),
        ("o3-mini", True),
        ("o4-mini", True),
        ("gpt-4-turbo", False),
        ("gpt-3.5-turbo", False),
        ("chatgpt-4o-latest", False),
    ],
)
def test_native_structured_output_is_known_per_model(model_id, native):
    info = lookup_model(model_id)

    assert info is not None and info.supports_native_output is native


def test_the_adapter_values_win_over_the_catalog():
    info = model_info(ModelMetadata(id="gpt-4o", provider="azure", context_window=32_000))

    assert (info.id, info.provider, info.context_window, info.max_output_tokens) == ("gpt-4o", "azure", 32_000, 16_384)
    assert info.supports_vision


def test_the_catalog_fills_what_the_adapter_leaves_out():
    info = model_info(ModelMetadata(id="gpt-4o-2024-08-06"))

    assert (info.id, info.provider, info.context_window) == ("gpt-4o-2024-08-06", "openai", 128_000)


def test_an_unknown_model_keeps_what_its_adapter_states():
    assert model_info(ModelMetadata(id="llama3", provider="ollama", context_window=8_192)) == ModelInfo(
        id="llama3", provider="ollama", context_window=8_192
    )
    assert model_info(ModelMetadata(id="mystery")).context_window is None


@pytest.mark.parametrize(
    ("model_id", "family", "max_output_tokens", "reasoning"),
    [
        ("gemini-2.5-flash", "gemini-2.5-flash", 65_536, True),
        ("gemini-2.5-flash-preview-09-2025", "gemini-2.5-flash", 65_536, True),
        ("gemini-2.5-flash-lite", "gemini-2.5-flash-lite", 65_536, True),
        ("models/gemini-2.5-pro", "gemini-2.5-pro", 65_536, True),
        ("gemini-2.0-flash-001", "gemini-2.0-flash", 8_192, False),
        ("gemini-3-pro-preview", "gemini-3-pro-preview", 65_536, True),
    ],
)
def test_gemini_models_resolve_with_their_limits_and_native_output(model_id, family, max_output_tokens, reasoning):
    info = lookup_model(model_id)

    assert info is not None
    assert (info.id, info.provider, info.context_window, info.max_output_tokens) == (
        family,
        "gemini",
        1_048_576,
        max_output_tokens,
    )
    assert (info.supports_vision, info.is_reasoning, info.supports_native_output) == (True, reasoning, True)


@pytest.mark.parametrize(
    ("model_id", "family", "max_output", "reasoning"),
    [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5", 64_000, True),
        ("claude-opus-4-0", "claude-opus-4", 32_000, True),
        ("claude-opus-4-1-20250805", "claude-opus-4-1", 32_000, True),
        ("claude-haiku-4-5@20251001", "claude-haiku-4-5", 64_000, True),
        ("claude-3-7-sonnet-latest", "claude-3-7-sonnet", 64_000, True),
        ("claude-3-5-haiku-20241022", "claude-3-5-haiku", 8_192, False),
    ],
)
def test_claude_snapshots_and_aliases_resolve_to_their_family(model_id, family, max_output, reasoning):
    info = lookup_model(model_id)

    assert info is not None
    assert (info.id, info.provider, info.context_window) == (family, "anthropic", 200_000)
    assert (info.max_output_tokens, info.is_reasoning, info.supports_vision) == (max_output, reasoning, True)
    assert not info.supports_native_output  # structured output goes through the final_result tool
