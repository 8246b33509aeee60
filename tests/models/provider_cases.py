"""One entry per provider adapter, so fault and conformance tests run against every provider alike.

Each case starts the provider's loopback fake (same `agentick.testing.script` scripts for all) and
builds the real adapter pointed at it. The `provider` fixture in conftest.py is parametrised over
`PROVIDERS`; a provider whose extra is not installed is simply not listed.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agentick.models import anthropic, openai
from agentick.testing.fake_anthropic import FakeAnthropic
from agentick.testing.fake_openai import FakeOpenAI
from agentick.testing.loopback import LoopbackServer


@dataclass(frozen=True)
class ProviderCase:
    name: str  # the adapter's `metadata.provider`
    model_id: str
    server: Callable[[], LoopbackServer]  # a fresh, not yet started fake
    model: Callable[[LoopbackServer], Any]  # the adapter talking to a started fake, with SDK retries off


PROVIDERS: list[ProviderCase] = [
    ProviderCase(
        name="openai",
        model_id="gpt-4o-mini",
        server=FakeOpenAI,
        model=lambda server: openai("gpt-4o-mini", api_key="test-key", base_url=server.base_url, max_retries=0),
    ),
]

if importlib.util.find_spec("anthropic") is not None:
    PROVIDERS.append(
        ProviderCase(
            name="anthropic",
            model_id="claude-sonnet-4-5",
            server=FakeAnthropic,
            model=lambda server: anthropic(
                "claude-sonnet-4-5", api_key="test-key", base_url=server.base_url, max_retries=0
            ),
        )
    )
