"""One entry per provider adapter, so fault and conformance tests run against every provider alike.

Each case starts the provider's loopback fake (same `agentick.testing.script` scripts for all) and
builds the real adapter pointed at it (`case.model(server, **options)`, options being constructor
keywords such as the `timeout_option`). The `provider` fixture in conftest.py is parametrised over
`PROVIDERS`; a provider whose extra is not installed is simply not listed.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentick.models import anthropic, gemini, openai
from agentick.testing.fake_anthropic import FakeAnthropic
from agentick.testing.fake_gemini import FakeGemini
from agentick.testing.fake_openai import FakeOpenAI
from agentick.testing.loopback import LoopbackServer
from agentick.testing.script import ErrorReply, error


@dataclass(frozen=True)
class ProviderCase:
    name: str  # the adapter's `metadata.provider`
    model_id: str
    server: Callable[[], LoopbackServer]  # a fresh, not yet started fake
    # the adapter talking to a started fake, with SDK retries off; keyword options go to its constructor
    model: Callable[..., Any]
    timeout_option: str = "timeout"  # the constructor option bounding a read, in seconds
    # how the provider says a request does not fit the context window
    context_overflow: ErrorReply = field(
        default_factory=lambda: error(
            400, "This model's maximum context length is 128000 tokens", code="context_length_exceeded"
        )
    )
    # the status an in-stream error event reports (Gemini's error events carry an HTTP code)
    stream_error_status: int | None = None
    # whether the wire carries tool arguments as JSON text the model may get wrong (Gemini sends an
    # object, and reports arguments it could not form as a MALFORMED_FUNCTION_CALL finish instead)
    sends_raw_tool_arguments: bool = True


PROVIDERS: list[ProviderCase] = [
    ProviderCase(
        name="openai",
        model_id="gpt-4o-mini",
        server=FakeOpenAI,
        model=lambda server, **options: openai(
            "gpt-4o-mini", api_key="test-key", base_url=server.base_url, max_retries=0, **options
        ),
    ),
]


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


if _installed("google.genai"):
    PROVIDERS.append(
        ProviderCase(
            name="gemini",
            model_id="gemini-2.5-flash",
            server=FakeGemini,
            model=lambda server, **options: gemini(
                "gemini-2.5-flash", api_key="test-key", base_url=server.base_url, max_retries=0, **options
            ),
            context_overflow=error(
                400,
                "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
                type="INVALID_ARGUMENT",
            ),
            stream_error_status=500,
            sends_raw_tool_arguments=False,
        )
    )


if _installed("anthropic"):
    PROVIDERS.append(
        ProviderCase(
            name="anthropic",
            model_id="claude-sonnet-4-5",
            server=FakeAnthropic,
            model=lambda server, **options: anthropic(
                "claude-sonnet-4-5", api_key="test-key", base_url=server.base_url, max_retries=0, **options
            ),
            context_overflow=error(400, "prompt is too long: 210000 tokens > 200000 maximum"),
        )
    )
