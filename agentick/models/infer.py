"""`infer("provider:model")`: a model from a string, for configuration, `create_app` and the CLI.

A string keeps the choice of model out of code (an environment variable, a command-line flag) and
says which provider serves it. A name without a provider is an OpenAI model, as everywhere else
in agentick (any OpenAI-compatible server serves it through `base_url`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .base import BaseModel

__all__ = ["PROVIDERS", "infer", "model_from", "split_model_string"]

# Provider names as written before the colon, and the provider each one means. `google` and
# `google-gla` (pydantic-ai's name for the same Gemini API) are accepted for `gemini`.
PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "gemini",
    "google": "gemini",
    "google-gla": "gemini",
}
TEST = "test"


def split_model_string(spec: str) -> tuple[str, str]:
    """`"anthropic:claude-sonnet-4-5"` → `("anthropic", "claude-sonnet-4-5")`; a bare name is OpenAI's;
    `"test"` is `("test", "")`. Raises `ValueError` naming the known providers for anything else."""
    if not isinstance(spec, str):
        raise TypeError(f"a model string must be a str like 'openai:gpt-4o', not {type(spec).__name__}")
    if spec.strip().lower() == TEST:
        return TEST, ""
    written, colon, name = spec.partition(":")
    if not colon:
        written, name = "openai", spec
    provider = PROVIDERS.get(written.strip().lower())
    if provider is None:
        raise ValueError(
            f"unknown model provider {written!r} in {spec!r}: the known providers are {_known()}. "
            f"A model name that holds a colon needs its provider first (for example 'openai:{spec}')."
        )
    if not name.strip():
        raise ValueError(f"the model string {spec!r} names no model: write it as '{written}:<model name>'")
    return provider, name


def infer(spec: str, **options: Any) -> BaseModel:
    """The model a string names: `openai:gpt-4o`, `anthropic:claude-sonnet-4-5`,
    `gemini:gemini-2.5-flash` (or `google:`, `google-gla:`), `test` (the offline test model of the
    CLI's `--model test`, which calls each tool once and then answers), or a bare name for OpenAI.

    `options` go to the provider's constructor (`api_key`, `base_url`, `temperature`, ...).
    Anthropic and Gemini need their extra (`pip install "agentick[anthropic]"`)."""
    provider, name = split_model_string(spec)
    model: BaseModel = _constructors()[provider](name, **options)
    return model


def model_from(model: Any) -> Any:
    """`model` itself, or the model it names when it is a string (`create_app(model="openai:gpt-4o")`)."""
    return infer(model) if isinstance(model, str) else model


def _known() -> str:
    aliases = sorted(written for written, provider in PROVIDERS.items() if written != provider)
    return f"openai, anthropic, gemini (also written {' or '.join(aliases)}) and {TEST}"


def _constructors() -> dict[str, Callable[..., BaseModel]]:
    from . import anthropic, gemini, openai

    def test(_: str, **options: Any) -> BaseModel:
        from ..testing.model import TestModel

        return TestModel(**{"call_tools": True, **options})

    return {"openai": openai, "anthropic": anthropic, "gemini": gemini, TEST: test}
