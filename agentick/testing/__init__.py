"""Testing kit: scripted models, render/compile helpers and hypothesis strategies.

`agentick.testing.strategies` needs hypothesis (a dev dependency) and is imported on its own;
`agentick.testing.fake_openai`, `agentick.testing.fake_anthropic` and `agentick.testing.fake_gemini`
are loopback servers speaking OpenAI's, Anthropic's and Gemini's protocols (standard library only:
no provider SDK is imported).
"""

from .agents import AgentHarness, compile_agent, render_agent
from .fake_anthropic import FakeAnthropic, fake_anthropic_fixture
from .fake_gemini import FakeGemini, fake_gemini_fixture
from .fake_openai import FakeOpenAI, error, fake_openai_fixture, reply, tool_call
from .model import TestModel, create_test_model, example_arguments

__all__ = [
    "AgentHarness",
    "FakeAnthropic",
    "FakeGemini",
    "FakeOpenAI",
    "TestModel",
    "compile_agent",
    "create_test_model",
    "error",
    "example_arguments",
    "fake_anthropic_fixture",
    "fake_gemini_fixture",
    "fake_openai_fixture",
    "render_agent",
    "reply",
    "tool_call",
]
