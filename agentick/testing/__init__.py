"""Testing kit: scripted models, render/compile helpers and hypothesis strategies.

`agentick.testing.strategies` needs hypothesis (a dev dependency) and is imported on its own;
`agentick.testing.fake_openai` and `agentick.testing.fake_anthropic` are loopback servers speaking
OpenAI's and Anthropic's protocols (standard library only: no provider SDK is imported).
"""

from .agents import AgentHarness, compile_agent, render_agent
from .fake_anthropic import FakeAnthropic, fake_anthropic_fixture
from .fake_openai import FakeOpenAI, error, fake_openai_fixture, reply, tool_call
from .model import TestModel, create_test_model, example_arguments

__all__ = [
    "AgentHarness",
    "FakeAnthropic",
    "FakeOpenAI",
    "TestModel",
    "compile_agent",
    "create_test_model",
    "error",
    "example_arguments",
    "fake_anthropic_fixture",
    "fake_openai_fixture",
    "render_agent",
    "reply",
    "tool_call",
]
