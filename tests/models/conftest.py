"""Fixtures for the model tests: a loopback server per test (OpenAI, Anthropic) and an adapter pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from agentick.models import OpenAIModel, openai
from agentick.testing.fake_anthropic import FakeAnthropic, fake_anthropic_fixture
from agentick.testing.fake_gemini import fake_gemini_fixture
from agentick.testing.fake_openai import FakeOpenAI, fake_openai_fixture
from agentick.testing.loopback import LoopbackServer

from .provider_cases import PROVIDERS, ProviderCase

fake_openai = fake_openai_fixture()
fake_anthropic = fake_anthropic_fixture()
fake_gemini = fake_gemini_fixture()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _no_ambient_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see neither the developer's provider settings nor a proxy that would take loopback traffic away."""
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
        "GOOGLE_GEMINI_BASE_URL",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
async def gpt(fake_openai: FakeOpenAI) -> AsyncIterator[OpenAIModel]:
    model = openai("gpt-4o-mini", api_key="test-key", base_url=fake_openai.base_url, max_retries=0)
    yield model
    await model.aclose()


@pytest.fixture
async def claude(fake_anthropic: FakeAnthropic) -> AsyncIterator[Any]:
    from agentick.models import anthropic

    model = anthropic("claude-sonnet-4-5", api_key="test-key", base_url=fake_anthropic.base_url, max_retries=0)
    yield model
    await model.aclose()


@pytest.fixture(params=PROVIDERS, ids=lambda case: case.name)
def provider(request: pytest.FixtureRequest) -> ProviderCase:
    """Each provider's case in turn (see provider_cases.py)."""
    case: ProviderCase = request.param
    return case


@pytest.fixture
def provider_server(provider: ProviderCase) -> Iterator[LoopbackServer]:
    """The current provider's fake, running for the test."""
    with provider.server() as server:
        yield server


@pytest.fixture
async def provider_model(provider: ProviderCase, provider_server: LoopbackServer) -> AsyncIterator[Any]:
    """The current provider's real adapter, pointed at its fake."""
    model = provider.model(provider_server)
    yield model
    await model.aclose()
