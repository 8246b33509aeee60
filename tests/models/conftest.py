"""Fixtures for the model tests: a loopback OpenAI server per test and an adapter pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from agentick.models import OpenAIModel, openai
from agentick.testing.fake_openai import FakeOpenAI, fake_openai_fixture

fake_openai = fake_openai_fixture()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _no_ambient_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see neither the developer's OpenAI settings nor a proxy that would take loopback traffic away."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
async def gpt(fake_openai: FakeOpenAI) -> AsyncIterator[OpenAIModel]:
    model = openai("gpt-4o-mini", api_key="test-key", base_url=fake_openai.base_url, max_retries=0)
    yield model
    await model.aclose()
